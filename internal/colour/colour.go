// Package colour decides whether slipway's text output is coloured and
// colours the few words that carry a verdict: severities (error, warning,
// info) and results (PASS, FAIL, SKIP, STALE, current).
//
// Colour is on for a terminal and off otherwise: when the output is piped
// or a file, when NO_COLOR is set to anything (https://no-color.org), when
// TERM is "dumb", and with --color=never; --color=always forces it (for a
// CI log that renders escapes). Styles are lipgloss's, rendered with
// termenv's 16-colour ANSI profile so every coloured word has escapes of the
// same length and tabwriter columns stay aligned. Only fixed words are
// coloured: text from the input (file names, messages) is printed as
// textsafe made it, never inside a style.
package colour

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
)

// Mode is --color.
type Mode string

// The modes of --color.
const (
	Auto   Mode = "auto"
	Always Mode = "always"
	Never  Mode = "never"
)

// Modes lists the values --color accepts.
var Modes = []Mode{Auto, Always, Never}

// ParseMode reads a --color value.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if Mode(s) == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("%q is not a colour mode: use auto, always or never", s)
}

// Palette colours verdict words. A nil Palette, or one made for an output
// that gets no colour, returns every word unchanged.
type Palette struct {
	styles map[string]lipgloss.Style
}

// Environment is what For reads besides the writer (os.Getenv in
// production; tests give their own).
type Environment func(key string) string

// For returns the palette for output written to w in mode m. In Auto, w
// gets colour when it is a terminal and neither NO_COLOR nor TERM=dumb
// says otherwise.
func For(w io.Writer, m Mode, getenv Environment) *Palette {
	if getenv == nil {
		getenv = os.Getenv
	}
	on := false
	switch m {
	case Always:
		on = true
	case Never:
		on = false
	default:
		on = isTerminal(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	}
	if !on {
		return nil
	}
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(termenv.ANSI)
	fg := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	red, yellow, cyan, green := fg("1"), fg("3"), fg("6"), fg("2")
	return &Palette{styles: map[string]lipgloss.Style{
		"error":   red,
		"warning": yellow,
		"info":    cyan,
		"PASS":    green,
		"FAIL":    red,
		"SKIP":    yellow,
		"STALE":   yellow,
		"current": green,
	}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// On reports whether p colours anything.
func (p *Palette) On() bool { return p != nil && len(p.styles) > 0 }

// Word colours one of the verdict words; any other word is returned as is.
func (p *Palette) Word(word string) string {
	if !p.On() {
		return word
	}
	st, ok := p.styles[word]
	if !ok {
		return word
	}
	return st.Render(word)
}

// Pad colours word and pads it with spaces to width columns, as
// fmt's %-*s would pad the plain word (escapes take no column).
func (p *Palette) Pad(word string, width int) string {
	pad := ""
	if n := width - len([]rune(word)); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	return p.Word(word) + pad
}
