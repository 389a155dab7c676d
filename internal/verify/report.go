package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/textsafe"
)

// WriteTable prints the report as a table, one row per check. Details that
// span lines (container output) continue under the detail column. Every
// value from the image or its container (name, user, env keys, volume paths,
// details quoting file names or output) is printed through textsafe, so no
// escape sequence or stray newline in them reaches the terminal.
func (r *Report) WriteTable(w io.Writer) error { return r.WriteTableColour(w, nil) }

// WriteTableColour is WriteTable with the RESULT column coloured by p
// (PASS, FAIL, SKIP); a nil p prints it plain.
func (r *Report) WriteTableColour(w io.Writer, p *colour.Palette) error {
	var b strings.Builder
	fmt.Fprintf(&b, "image    %s\n", textsafe.String(r.Image))
	fmt.Fprintf(&b, "digest   %s\n", textsafe.String(r.Digest))
	if r.Config != "" {
		fmt.Fprintf(&b, "config   %s\n", textsafe.String(r.Config))
	}
	user := textsafe.String(r.ImageUser)
	if r.ImageUser == "" {
		user = "(none: root)"
	}
	fmt.Fprintf(&b, "user     %s", user)
	if r.RunAs != "" {
		fmt.Fprintf(&b, " → %s", textsafe.String(r.RunAs))
	}
	fmt.Fprintf(&b, "\nnetwork  %s\n", textsafe.String(r.Network))
	if len(r.EnvKeys) > 0 {
		fmt.Fprintf(&b, "env      %s (values not shown)\n", strings.Join(textsafe.Strings(r.EnvKeys), ", "))
	}
	for _, v := range r.Volumes {
		fmt.Fprintf(&b, "volume   %s: %d file(s), %s written\n", textsafe.String(v.Path), v.Files, human(v.Bytes))
	}
	fmt.Fprintf(&b, "size     %s compressed, %s unpacked\n\n", human(r.CompressedBytes), human(r.UnpackedBytes))

	nameW := len("CHECK")
	for _, c := range r.Rows {
		nameW = max(nameW, len(textsafe.String(c.Name)))
	}
	indent := strings.Repeat(" ", nameW+2+6+2)
	fmt.Fprintf(&b, "%-*s  %-6s  %s\n", nameW, "CHECK", "RESULT", "DETAIL")
	for _, c := range r.Rows {
		lines := strings.Split(textsafe.Lines(c.Detail), "\n")
		fmt.Fprintf(&b, "%-*s  %s  %s\n", nameW, textsafe.String(c.Name), p.Pad(textsafe.String(string(c.Status)), 6), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "%s%s\n", indent, strings.TrimLeft(l, " "))
		}
	}
	pass, fail, skip := r.counts()
	fmt.Fprintf(&b, "\n%d passed, %d failed, %d skipped\n", pass, fail, skip)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) counts() (pass, fail, skip int) {
	for _, c := range r.Rows {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		case Skip:
			skip++
		}
	}
	return
}

// WriteJSON prints the report as one indented JSON object, with "passed"
// false when any check failed; characters JSON leaves raw that act on a
// terminal or reorder text (C1 controls, bidi) are written as \u escapes.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		Passed bool `json:"passed"`
		*Report
	}{!r.Failed(), r}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(textsafe.JSON(buf.Bytes()))
	return err
}
