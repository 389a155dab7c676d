package golden

import (
	"bytes"
	"encoding/json"
	"strings"
)

// These helpers escape values for the positions they take in a Dockerfile.
// They mirror internal/generate's (which cannot be imported here: generate
// imports golden to pin golden:<name> bases), and are fuzzed the same way.

// execForm renders args as an exec-form JSON array. JSON escapes every
// control character, so no argument can end the instruction's line.
func execForm(args []string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if args == nil {
		args = []string{}
	}
	if err := enc.Encode(args); err != nil {
		panic(err) // []string always encodes
	}
	return strings.ReplaceAll(strings.TrimSuffix(buf.String(), "\n"), `","`, `", "`)
}

// quote renders s as a Dockerfile double-quoted word (ENV and LABEL values):
// backslash, double quote, '$' and '`' are escaped; control characters,
// refused by validation, are dropped so no value can end the line.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"' || r == '$' || r == '`':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shellWord renders s as one POSIX shell word in single quotes. Values that
// reach a RUN line are validated to a safe alphabet first; quoting them is
// the second fence.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/@+=:,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellWords(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = shellWord(s)
	}
	return strings.Join(out, " ")
}
