package lab

import (
	"regexp"
	"strconv"
	"strings"
)

// The little of PEP 440 and PEP 508 the lab's index needs: a requirement's
// project name and version specifier, and whether a served version satisfies
// it. Versions are compared by their release numbers only (1.10.4 > 1.9);
// the index serves Debian's releases, never pre-releases.

// requirement is one Requires-Dist value: `name[extras] specifier; marker`.
type requirement struct {
	name, extras, spec, marker string
}

var reqName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*`)

func parseRequirement(s string) (requirement, bool) {
	var r requirement
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		r.marker = strings.TrimSpace(s[i+1:])
		s = strings.TrimSpace(s[:i])
	}
	r.name = reqName.FindString(s)
	if r.name == "" {
		return r, false
	}
	s = strings.TrimSpace(s[len(r.name):])
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return r, false
		}
		r.extras = s[:end+1]
		s = strings.TrimSpace(s[end+1:])
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "("), ")"))
	r.spec = s
	return r, true
}

func (r requirement) String() string {
	s := r.name + r.extras
	if r.spec != "" {
		s += r.spec
	}
	if r.marker != "" {
		s += "; " + r.marker
	}
	return s
}

// normalizeProject is PEP 503's name normalization.
func normalizeProject(name string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
}

// release returns the leading release numbers of a version (2.1.2rc1 -> 2 1 2).
func release(v string) []int {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexByte(v, '!'); i >= 0 {
		v = v[i+1:]
	}
	var out []int
	for _, part := range strings.Split(v, ".") {
		digits := part
		for i, c := range part {
			if c < '0' || c > '9' {
				digits = part[:i]
				break
			}
		}
		if digits == "" {
			break
		}
		n, _ := strconv.Atoi(digits)
		out = append(out, n)
		if len(digits) != len(part) {
			break
		}
	}
	return out
}

func compareRelease(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// satisfies reports whether version meets every clause of a PEP 440
// specifier ("" is met by any version).
func satisfies(version, spec string) bool {
	v := release(version)
	for _, clause := range strings.Split(spec, ",") {
		clause = strings.TrimSpace(clause)
		if clause == "" {
			continue
		}
		op := strings.TrimRightFunc(clause[:min(3, len(clause))], func(r rune) bool { return !strings.ContainsRune("<>=!~", r) })
		want := strings.TrimSpace(clause[len(op):])
		if op == "" {
			return false
		}
		wildcard := strings.HasSuffix(want, ".*")
		w := release(strings.TrimSuffix(want, ".*"))
		prefixEq := func() bool {
			if len(v) < len(w) {
				return false
			}
			return compareRelease(v[:len(w)], w) == 0
		}
		c := compareRelease(v, w)
		ok := false
		switch op {
		case "==", "===":
			ok = c == 0 || wildcard && prefixEq()
		case "!=":
			ok = !(c == 0 || wildcard && prefixEq())
		case "<":
			ok = c < 0
		case "<=":
			ok = c <= 0
		case ">":
			ok = c > 0
		case ">=":
			ok = c >= 0
		case "~=":
			if len(w) < 2 {
				return false
			}
			ok = c >= 0 && len(v) >= len(w)-1 && compareRelease(v[:len(w)-1], w[:len(w)-1]) == 0
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return true
}
