package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
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
	// encoding/json leaves DEL and the C1 controls (U+0085 NEL among them)
	// raw; escape them too, so that no tool reading the file sees a line
	// break or a terminal control inside an argument. They can only occur
	// inside JSON strings, where \uXXXX means the same character.
	if strings.IndexFunc(out, unicode.IsControl) >= 0 {
		var b strings.Builder
		for _, r := range out {
			if unicode.IsControl(r) {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
		out = b.String()
	}
	// A JSON array separated by ", " reads like the Dockerfile reference.
	return strings.ReplaceAll(out, `","`, `", "`)
}

// quote renders s as a Dockerfile double-quoted word (LABEL and ENV values):
// backslash, double quote and '$' (variable expansion) are escaped. A
// backquote is not: BuildKit's lexer keeps a backslash before it. Control
// characters are refused earlier by validation; any left are dropped here so
// that no value can end the line.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"' || r == '$':
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
