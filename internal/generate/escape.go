package generate

import (
	"bytes"
	"encoding/json"
	"strings"
)

// execForm renders args as a Dockerfile exec-form JSON array. JSON escapes
// every control character, so a newline in an argument stays inside the
// string and cannot start a new instruction.
func execForm(args []string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if args == nil {
		args = []string{}
	}
	if err := enc.Encode(args); err != nil {
		// []string always encodes.
		panic(err)
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	// A JSON array separated by ", " reads like the Dockerfile reference.
	return strings.ReplaceAll(out, `","`, `", "`)
}

// quote renders s as a Dockerfile double-quoted word (LABEL and ENV values):
// backslash, double quote and '$' (variable expansion) are escaped. Control
// characters are refused earlier by validation; any left are dropped here so
// that no value can end the line.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"' || r == '$' || r == '`':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085':
			// dropped: validation reports these before rendering
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
