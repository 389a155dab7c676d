package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// These helpers escape values for the positions they take in a Dockerfile.
// They mirror internal/generate's (which cannot be imported here: generate
// imports golden to pin golden:<name> bases), and are fuzzed the same way.

// execForm renders args as an exec-form JSON array. JSON escapes every
// control character (C1 ones too, below), so no argument can end the
// instruction's line. Arguments are joined here, not by rewriting the
// encoded array: `","` also occurs inside an encoded argument.
func execForm(args []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(jsonString(a))
	}
	b.WriteByte(']')
	return b.String()
}

func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if strings.IndexFunc(out, unicode.IsControl) < 0 {
		return out
	}
	var b strings.Builder
	for _, r := range out {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quote renders s as a Dockerfile double-quoted word (ENV and LABEL values):
// backslash, double quote and '$' are escaped (the frontend's lexer gives backquotes no meaning); control characters,
// refused by validation, are dropped so no value can end the line.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"' || r == '$':
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
