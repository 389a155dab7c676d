package python

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// deps are the project's declared requirements, by normalized name (PEP
// 503: lowercase, runs of "-", "_", "." as one "-"), each with where it was
// declared ("requirements.txt:2"), and the package indexes the
// requirements files name.
type deps struct {
	names   map[string]string
	indexes []indexURL
}

// indexURL is a pip index option of a requirements file.
type indexURL struct {
	opt, url, where string
}

func (ds *deps) add(raw, where string) {
	if n := reqName(raw); n != "" {
		if _, ok := ds.names[n]; !ok {
			ds.names[n] = where
		}
	}
}

// has reports whether name is a declared requirement.
func (ds *deps) has(name string) bool { _, ok := ds.names[name]; return ok }

// sorted returns the requirement names in order.
func (ds *deps) sorted() []string {
	return slices.Sorted(maps.Keys(ds.names))
}

var (
	reReqName = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)
	reNormSep = regexp.MustCompile(`[-_.]+`)
	// An index option of a requirements file, with "=" or a space.
	reIndexOpt = regexp.MustCompile(`^(-i|--index-url|--extra-index-url)(?:\s*=\s*|\s+)(\S+)`)
	// -r / --requirement other.txt
	reIncludeOpt = regexp.MustCompile(`^(?:-r|--requirement)(?:\s*=\s*|\s+)(\S+)`)
)

// reqName is a requirement's normalized project name, or "".
func reqName(raw string) string {
	m := reReqName.FindStringSubmatch(raw)
	if m == nil {
		return ""
	}
	return normName(m[1])
}

func normName(n string) string { return reNormSep.ReplaceAllString(strings.ToLower(n), "-") }

// maxIncludes bounds how many requirements files one tree's -r lines read.
const maxIncludes = 16

// readRequirements reads rel and the files its -r lines include (relative
// to the tree, each once).
func readRequirements(d *provider.Detector, rel string, ds *deps, seen map[string]bool) error {
	if seen[rel] || len(seen) >= maxIncludes {
		return nil
	}
	seen[rel] = true
	b, err := d.Read(rel)
	if err != nil || b == nil {
		return err
	}
	for i, l := range strings.Split(string(b), "\n") {
		where := fmt.Sprintf("%s:%d", rel, i+1)
		if j := strings.Index(l, " #"); j >= 0 {
			l = l[:j]
		}
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if m := reIndexOpt.FindStringSubmatch(l); m != nil {
			ds.indexes = append(ds.indexes, indexURL{opt: m[1], url: m[2], where: where})
			continue
		}
		if m := reIncludeOpt.FindStringSubmatch(l); m != nil {
			inc := m[1]
			if dir := pathDir(rel); dir != "" {
				inc = dir + "/" + inc
			}
			if !strings.Contains(inc, "..") && !strings.HasPrefix(inc, "/") {
				if err := readRequirements(d, inc, ds, seen); err != nil {
					return err
				}
			}
			continue
		}
		if strings.HasPrefix(l, "-") {
			continue // other options (-e ., --no-binary, -c constraints)
		}
		ds.add(l, where)
	}
	return nil
}

func pathDir(rel string) string {
	if i := strings.LastIndex(rel, "/"); i >= 0 {
		return rel[:i]
	}
	return ""
}
