package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteTable prints the report as a table, one row per check. Details that
// span lines (container output) continue under the detail column.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "image    %s\n", r.Image)
	fmt.Fprintf(&b, "digest   %s\n", r.Digest)
	if r.Config != "" {
		fmt.Fprintf(&b, "config   %s\n", r.Config)
	}
	user := r.ImageUser
	if user == "" {
		user = "(none: root)"
	}
	fmt.Fprintf(&b, "user     %s", user)
	if r.RunAs != "" {
		fmt.Fprintf(&b, " → %s", r.RunAs)
	}
	fmt.Fprintf(&b, "\nnetwork  %s\n", r.Network)
	if len(r.EnvKeys) > 0 {
		fmt.Fprintf(&b, "env      %s (values not shown)\n", strings.Join(r.EnvKeys, ", "))
	}
	for _, v := range r.Volumes {
		fmt.Fprintf(&b, "volume   %s: %d file(s), %s written\n", v.Path, v.Files, human(v.Bytes))
	}
	fmt.Fprintf(&b, "size     %s compressed, %s unpacked\n\n", human(r.CompressedBytes), human(r.UnpackedBytes))

	nameW := len("CHECK")
	for _, c := range r.Rows {
		nameW = max(nameW, len(c.Name))
	}
	indent := strings.Repeat(" ", nameW+2+6+2)
	fmt.Fprintf(&b, "%-*s  %-6s  %s\n", nameW, "CHECK", "RESULT", "DETAIL")
	for _, c := range r.Rows {
		lines := strings.Split(c.Detail, "\n")
		fmt.Fprintf(&b, "%-*s  %-6s  %s\n", nameW, c.Name, c.Status, lines[0])
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
// false when any check failed.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		Passed bool `json:"passed"`
		*Report
	}{!r.Failed(), r}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
