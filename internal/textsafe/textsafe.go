// Package textsafe makes untrusted strings safe to print on a terminal.
//
// A file name, an image label, a history entry or a Dockerfile line comes
// from whoever wrote the input; printed raw, an escape sequence in it can
// clear the screen, move the cursor or rewrite earlier output, a newline or
// carriage return can forge a line ("0 errors"), and a bidi override can make
// text read differently from what it is. String shows every such character
// escaped, the way Go writes it in a quoted string: the C0 controls (tab
// excepted) and DEL as \n, \r or \xNN (\x1b for ESC), the C1 controls, Unicode
// format characters (bidi overrides and isolates, zero-width characters, the
// BOM) and line and paragraph separators as \uNNNN, and each byte of invalid
// UTF-8 as \xNN. Everything else, backslashes included, passes unchanged, so
// ordinary text and Dockerfile excerpts read as they are.
//
// Text output calls it at the edge, where a value is written, so every value
// is covered whatever path brought it there. JSON output goes through JSON,
// which escapes what encoding/json leaves raw (C1 controls, bidi and other
// format characters); encoding/json replaces invalid UTF-8 with U+FFFD, which
// callers handle by carrying the exact bytes.
package textsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every character that could act on a terminal, break
// a line or reorder text escaped. Tabs are kept.
func String(s string) string {
	return escape(s, false)
}

// Lines is String for text that is several lines on purpose (a Dockerfile
// excerpt, container output, an error that lists problems one per line): a
// newline is kept, everything else that String escapes is escaped, \r too.
func Lines(s string) string {
	return escape(s, true)
}

// Strings applies String to each element of ss, in a new slice.
func Strings(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = String(s)
	}
	return out
}

// Safe reports whether String(s) == s.
func Safe(s string) bool {
	return clean(s, false)
}

func clean(s string, keepNewline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c, keepNewline) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) {
			return false
		}
		i += n
	}
	return true
}

func unsafeASCII(c byte, keepNewline bool) bool {
	if c == '\t' || keepNewline && c == '\n' {
		return false
	}
	return c < 0x20 || c == 0x7f
}

func unsafeRune(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

func escape(s string, keepNewline bool) string {
	if clean(s, keepNewline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c, keepNewline) {
				switch c {
				case '\n':
					b.WriteString(`\n`)
				case '\r':
					b.WriteString(`\r`)
				default:
					hexByte(&b, c)
				}
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			hexByte(&b, c)
		case unsafeRune(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			for k := len(h); k < 4; k++ {
				b.WriteByte('0')
			}
			b.WriteString(h)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func hexByte(b *strings.Builder, c byte) {
	const digits = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(digits[c>>4])
	b.WriteByte(digits[c&0xf])
}

// JSON rewrites an encoded JSON document so that it too holds none of the
// characters String escapes: encoding/json escapes the C0 controls and
// U+2028/U+2029 but writes C1 controls, bidi overrides and other format
// characters as they are. Outside strings JSON is ASCII, so each such
// character, always inside a string, becomes its \uNNNN escape, which
// every decoder reads back as the same character: the document decodes to
// the same values.
func JSON(doc []byte) []byte {
	if clean(string(doc), true) {
		return doc
	}
	out := make([]byte, 0, len(doc)+32)
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(doc[i:])
		if r != utf8.RuneError && unsafeRune(r) {
			h := strconv.FormatInt(int64(r), 16)
			out = append(out, `\u`...)
			for k := len(h); k < 4; k++ {
				out = append(out, '0')
			}
			out = append(out, h...)
		} else {
			out = append(out, doc[i:i+n]...)
		}
		i += n
	}
	return out
}

// Tail returns the last n lines of s (trailing newlines dropped), for
// showing the end of a log. It does not escape them: String them where
// they are printed.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
