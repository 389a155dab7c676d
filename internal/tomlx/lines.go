package tomlx

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// keyLines maps dotted key paths ("healthcheck.interval", "secret[1].id") to
// the line where they are defined. It is a light scan of TOML's line shape
// used only to point error messages at a line; decoding is done by the real
// TOML parser. Keys it cannot place map to their table's line.
func keyLines(src []byte) map[string]int {
	out := map[string]int{}
	arrays := map[string]int{} // array-of-tables name -> count seen
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[["):
			name := unquoteKey(strings.TrimSpace(strings.Trim(strings.SplitN(line, "]]", 2)[0], "[")))
			idx := arrays[name]
			arrays[name] = idx + 1
			table = fmt.Sprintf("%s[%d]", name, idx)
			setLine(out, table, n)
			setLine(out, name, n)
		case strings.HasPrefix(line, "["):
			name := unquoteKey(strings.TrimSpace(strings.TrimPrefix(strings.SplitN(line, "]", 2)[0], "[")))
			table = name
			setLine(out, table, n)
		default:
			eq := strings.Index(line, "=")
			if eq <= 0 {
				continue
			}
			key := unquoteKey(strings.TrimSpace(line[:eq]))
			full := key
			if table != "" {
				full = table + "." + key
			}
			setLine(out, full, n)
		}
	}
	return out
}

func setLine(m map[string]int, key string, n int) {
	if _, ok := m[key]; !ok {
		m[key] = n
	}
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// lineOf finds the line of key, or of its nearest enclosing table.
func lineOf(lines map[string]int, key string) int {
	for k := key; k != ""; {
		if n, ok := lines[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// LineOf returns the line of key (a dotted path, "secret[1].id") in the
// TOML document src, or of its nearest enclosing table; 0 when neither is
// found.
func LineOf(src []byte, key string) int { return lineOf(keyLines(src), key) }
