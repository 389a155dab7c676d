// Package dfescape escapes values for the positions they take in a
// Dockerfile. Service templates (internal/generate) and golden image
// templates (internal/golden) both render through it, and both fuzz it
// against BuildKit's own parser.
package dfescape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// ExecForm renders args as a Dockerfile exec-form JSON array, its elements
// separated by ", " as in the Dockerfile reference. JSON escapes every
// control character, so a newline in an argument stays inside the string
// and cannot start a new instruction.
func ExecForm(args []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range args {
		if i > 0 {
			// Joined here, not by rewriting the encoded array: `","` also
			// occurs inside an encoded argument (`a",` is "a\",").
			b.WriteString(", ")
		}
		b.WriteString(jsonString(a))
	}
	b.WriteByte(']')
	return b.String()
}

// jsonString encodes s as a JSON string. encoding/json leaves DEL and the
// C1 controls (U+0085 NEL among them) raw; they are escaped too, so that no
// tool reading the file sees a line break or a terminal control inside an
// argument (\uXXXX means the same character to a JSON parser).
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

// Quote renders s as a Dockerfile double-quoted word (LABEL and ENV values):
// backslash, double quote and '$' (variable expansion) are escaped. A
// backquote is not: BuildKit's lexer keeps a backslash before it. Control
// characters are refused earlier by validation; any left are dropped here so
// that no value can end the line.
func Quote(s string) string {
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

// Healthcheck is a HEALTHCHECK's timing; empty fields take Docker's usual
// values (30s interval, 5s timeout, 3 retries) and startPeriod's default.
type Healthcheck struct {
	Interval, Timeout, StartPeriod string // validated Go durations, or ""
	Retries                        int
}

// HealthcheckInstruction renders a whole exec-form HEALTHCHECK instruction.
// The durations must already be validated (they are written as they are).
func HealthcheckInstruction(h Healthcheck, defaultStart string, cmd []string) string {
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	retries := h.Retries
	if retries == 0 {
		retries = 3
	}
	return fmt.Sprintf("HEALTHCHECK --interval=%s --timeout=%s --start-period=%s --retries=%d \\\n    CMD %s",
		or(h.Interval, "30s"), or(h.Timeout, "5s"), or(h.StartPeriod, defaultStart), retries, ExecForm(cmd))
}
