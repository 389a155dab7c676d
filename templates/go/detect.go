package golang

import (
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/slipway/slipway/internal/provider"
)

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	d.HealthFlag = healthFlag
	src, err := d.Read("go.mod")
	if err != nil {
		return err
	}
	var mod *modfile.File
	if src != nil {
		f, err := modfile.ParseLax("go.mod", src, nil)
		if err != nil {
			d.R.Note("go.mod: not parsed: " + err.Error())
		} else {
			mod = f
			if f.Go != nil {
				if v := provider.MajorMinor(f.Go.Version); v != "" {
					d.R.Version = v
					d.R.Found("version", v, "go.mod (go %s)", f.Go.Version)
				}
			}
			if f.Module != nil {
				d.SetName(moduleName(f.Module.Mod.Path), "go.mod (module "+f.Module.Mod.Path+")")
			}
		}
	}
	if mod != nil {
		// ParseLax skips replace directives; the strict parse keeps them.
		if f, err := modfile.Parse("go.mod", src, nil); err == nil {
			mod = f
		}
	}
	if src == nil || mod != nil {
		if err := buildContext(d, mod); err != nil {
			return err
		}
	}
	srcs := goSources(d)
	runtimeFiles(d, srcs)
	portEnv(d, srcs)
	mains, err := goMains(d)
	if err != nil {
		return err
	}
	// Prefer the conventional places: the root and ./cmd/<x>.
	var preferred, others []string
	for _, m := range mains {
		if m == "." || (strings.HasPrefix(m, "./cmd/") && strings.Count(m, "/") == 2) {
			preferred = append(preferred, m)
		} else {
			others = append(others, m)
		}
	}
	cands := preferred
	if len(cands) == 0 {
		cands = others
	}
	// Of several ./cmd/<name>, one named as a health probe is the
	// HEALTHCHECK (healthcheck.binary) and one named like the module is
	// the service.
	named := ""
	if len(cands) > 1 {
		var rest []string
		for _, c := range cands {
			if n, ok := strings.CutPrefix(c, "./cmd/"); ok && provider.IsProbeName(n) && d.R.HealthBinary == "" {
				d.R.HealthBinary = n
				d.R.Found("healthcheck.binary", n, "%s (a main package named as a health probe)", c)
				continue
			}
			if c == "./cmd/"+d.R.Name {
				named = c
			}
			rest = append(rest, c)
		}
		cands = rest
	}
	if named != "" && len(cands) > 1 {
		d.R.Main = named
		d.R.Found("main", named, "the main package named like the module (also: %s)", strings.Join(slices.DeleteFunc(slices.Clone(cands), func(c string) bool { return c == named }), ", "))
	} else {
		d.PickOne("main", &d.R.Main, cands, "main packages")
	}
	if d.R.Main != "" {
		if named == "" {
			d.R.Found("main", d.R.Main, "the only package main%s", map[bool]string{true: " at . or ./cmd/<name>", false: ""}[len(preferred) > 0])
		}
		if len(preferred) > 0 && len(others) > 0 {
			d.R.Note("main: also package main (not chosen): " + strings.Join(others, ", "))
		}
		files, _ := filepath.Glob(filepath.Join(d.Path(d.R.Main), "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				rel, _ := filepath.Rel(d.Dir, f)
				d.Sources = append(d.Sources, filepath.ToSlash(rel))
			}
		}
	}
	return nil
}

// goMains lists the directories (as ./rel) holding a package main, skipping
// test files and files excluded with //go:build ignore.
func goMains(d *provider.Detector) ([]string, error) {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	n := 0
	err := filepath.WalkDir(d.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable entries are not evidence
		}
		if n++; n > provider.MaxWalk {
			return filepath.SkipAll
		}
		if e.IsDir() {
			if p != d.Dir && (provider.SkipDir(e.Name()) || isModuleRoot(p)) {
				return filepath.SkipDir
			}
			return nil
		}
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(d.Dir, filepath.Dir(p))
		dir := "./" + filepath.ToSlash(rel)
		if rel == "." {
			dir = "."
		}
		if seen[dir] {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil || f.Name == nil || f.Name.Name != "main" {
			return nil
		}
		for _, cg := range f.Comments {
			if cg.Pos() > f.Package {
				break
			}
			for _, c := range cg.List {
				if constraint.IsGoBuild(c.Text) {
					if x, err := constraint.Parse(c.Text); err == nil && !x.Eval(func(tag string) bool { return tag != "ignore" }) {
						return nil
					}
				}
			}
		}
		seen[dir] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := slices.Sorted(maps.Keys(seen))
	return out, nil
}

// isModuleRoot reports whether a directory holds a nested go.mod (another module).
func isModuleRoot(dir string) bool {
	return provider.FileExists(filepath.Join(dir, "go.mod"))
}

// moduleName is the last meaningful element of a module path
// (example.com/team/api/v2 → api).
func moduleName(p string) string {
	prefix, _, ok := module.SplitPathVersion(p)
	if ok && prefix != "" {
		p = prefix
	}
	return path.Base(p)
}
