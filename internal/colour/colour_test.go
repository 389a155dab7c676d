package colour

import (
	"os"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/colour/colourtest"
)

func env(kv ...string) Environment {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// Each case of the rule: a terminal gets colour in auto mode unless
// NO_COLOR or TERM=dumb; a pipe never does in auto; always and never win.
func TestWhenColourIsOn(t *testing.T) {
	tty := colourtest.Terminal(t).Out
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, c := range []struct {
		name string
		out  *os.File
		mode Mode
		env  Environment
		on   bool
	}{
		{"terminal, auto", tty, Auto, env("TERM", "xterm"), true},
		{"terminal, auto, NO_COLOR", tty, Auto, env("TERM", "xterm", "NO_COLOR", "1"), false},
		{"terminal, auto, TERM=dumb", tty, Auto, env("TERM", "dumb"), false},
		{"terminal, never", tty, Never, env("TERM", "xterm"), false},
		{"pipe, auto", w, Auto, env("TERM", "xterm"), false},
		{"file, auto", file, Auto, env("TERM", "xterm"), false},
		{"pipe, always", w, Always, env(), true},
		{"pipe, always, NO_COLOR", w, Always, env("NO_COLOR", "1"), true},
	} {
		p := For(c.out, c.mode, c.env)
		got := p.Word("error")
		coloured := strings.Contains(got, "\x1b[")
		if p.On() != c.on || coloured != c.on {
			t.Errorf("%s: on=%v, Word(error)=%q; want on=%v", c.name, p.On(), got, c.on)
		}
		if c.on && got != "\x1b[31merror\x1b[0m" {
			t.Errorf("%s: Word(error) = %q, want red", c.name, got)
		}
	}
}

// Words of one column have escapes of one length, and Pad pads by the
// visible width: tables stay aligned in colour.
func TestPadAndEqualEscapes(t *testing.T) {
	p := For(nil, Always, env())
	lens := map[int]bool{}
	for _, w := range []string{"PASS", "FAIL", "SKIP"} {
		lens[len(p.Word(w))-len(w)] = true
	}
	if len(lens) != 1 {
		t.Errorf("PASS, FAIL and SKIP have escapes of different lengths: %v", lens)
	}
	if got := p.Pad("info", 7); got != "\x1b[36minfo\x1b[0m   " {
		t.Errorf("Pad(info, 7) = %q", got)
	}
	var none *Palette
	if got := none.Pad("info", 7); got != "info   " {
		t.Errorf("nil palette: Pad(info, 7) = %q", got)
	}
	if got := p.Word("Dockerfile"); got != "Dockerfile" {
		t.Errorf("a word that is not a verdict is coloured: %q", got)
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"auto", "always", "never"} {
		if m, err := ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "yes", "ALWAYS", "true"} {
		if _, err := ParseMode(s); err == nil || !strings.Contains(err.Error(), "auto, always or never") {
			t.Errorf("ParseMode(%q): err = %v", s, err)
		}
	}
}
