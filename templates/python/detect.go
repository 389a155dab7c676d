package python

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/tomlx"
)

type pyproject struct {
	BuildSystem *struct {
		Requires []string `toml:"requires"`
	} `toml:"build-system"`
	Project struct {
		Name           string            `toml:"name"`
		RequiresPython string            `toml:"requires-python"`
		Dependencies   []string          `toml:"dependencies"`
		Scripts        map[string]string `toml:"scripts"`
	} `toml:"project"`
	Tool struct {
		Poetry *struct {
			Name         string         `toml:"name"`
			Dependencies map[string]any `toml:"dependencies"`
			Scripts      map[string]any `toml:"scripts"`
			Source       []struct {
				Name string `toml:"name"`
				URL  string `toml:"url"`
			} `toml:"source"`
		} `toml:"poetry"`
		UV map[string]any `toml:"uv"`
	} `toml:"tool"`
}

var rePyVersion = regexp.MustCompile(`3\.[0-9]+`)

// Detect reads the tree as a project of this language (provider.Provider):
// name, version and package manager from the project files; the declared
// requirements (requirements.txt and the files it includes, pyproject.toml)
// for the native toolchain (native.go), the build secrets (secrets.go) and
// the framework; then how the service starts (run.go) and what port and
// health endpoint its code serves (scan.go).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("pyproject.toml")
	if err != nil {
		return err
	}
	var py pyproject
	if src != nil {
		if err := tomlx.DecodeForeign("pyproject.toml", src, &py); err != nil {
			d.R.Note("not parsed: " + err.Error())
		}
	}
	if py.Project.Name != "" {
		d.SetName(py.Project.Name, "pyproject.toml [project] name")
	} else if py.Tool.Poetry != nil && py.Tool.Poetry.Name != "" {
		d.SetName(py.Tool.Poetry.Name, "pyproject.toml [tool.poetry] name")
	}

	// Version: .python-version pins; requires-python gives the minimum.
	l, err := d.FirstLine(".python-version")
	if err != nil {
		return err
	}
	if v := rePyVersion.FindString(l); v != "" {
		d.R.Version = v
		d.R.Found("version", v, ".python-version (%s)", l)
	}
	if d.R.Version == "" && py.Project.RequiresPython != "" {
		if v := rePyVersion.FindString(py.Project.RequiresPython); v != "" {
			d.R.Version = v
			d.R.Found("version", v, "pyproject.toml requires-python (%s)", py.Project.RequiresPython)
		}
	}
	if d.R.Version == "" && py.Tool.Poetry != nil {
		if s, ok := py.Tool.Poetry.Dependencies["python"].(string); ok {
			if v := rePyVersion.FindString(s); v != "" {
				d.R.Version = v
				d.R.Found("version", v, "pyproject.toml [tool.poetry.dependencies] python (%s)", s)
			}
		}
	}

	// Package manager.
	var pms []string
	why := map[string]string{}
	add := func(pm, reason string) {
		if _, ok := why[pm]; !ok {
			pms = append(pms, pm)
			why[pm] = reason
		}
	}
	if d.Exists("poetry.lock") {
		add("poetry", "poetry.lock")
	} else if py.Tool.Poetry != nil {
		add("poetry", "pyproject.toml [tool.poetry]")
	}
	if d.Exists("uv.lock") {
		add("uv", "uv.lock")
	} else if py.Tool.UV != nil {
		add("uv", "pyproject.toml [tool.uv]")
	}
	switch len(pms) {
	case 0:
		for _, f := range []string{"requirements.txt", "setup.py", "setup.cfg", "pyproject.toml"} {
			if d.Exists(f) {
				d.R.PackageManager = "pip"
				d.R.Found("package_manager", "pip", "%s (no poetry or uv lock file)", f)
				break
			}
		}
	case 1:
		d.R.PackageManager = pms[0]
		d.R.Found("package_manager", pms[0], "%s", why[pms[0]])
	default:
		d.R.Choice("package_manager", true, "both %s (poetry) and %s (uv) found", why["poetry"], why["uv"])
	}

	// The declared requirements: what the template installs.
	ds := &deps{names: map[string]string{}}
	if err := readRequirements(d, "requirements.txt", ds, map[string]bool{}); err != nil {
		return err
	}
	for _, r := range py.Project.Dependencies {
		ds.add(r, "pyproject.toml [project] dependencies")
	}
	if py.Tool.Poetry != nil {
		for n := range py.Tool.Poetry.Dependencies {
			if n != "python" {
				ds.add(n, "pyproject.toml [tool.poetry.dependencies]")
			}
		}
	}
	if err := detectNative(d, ds); err != nil {
		return err
	}
	if err := detectSecrets(d, ds, &py); err != nil {
		return err
	}

	t := &tree{d: d}
	if err := t.load(); err != nil {
		return err
	}
	detectEntry(d, t)
	srv := detectRun(d, t, ds, &py)
	scanService(d, t)
	if srv != nil {
		srv.finish(d)
	}
	return nil
}

// detectEntry finds the module run with `python -m`: a package with
// __main__.py (at the root or under src/), else app.py, main.py, server.py
// or manage.py at the root, else the one root script with a __main__ block.
func detectEntry(d *provider.Detector, t *tree) {
	var cands []string
	from := map[string]string{}
	for _, base := range []string{".", "src"} {
		entries, err := os.ReadDir(d.Path(base))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || provider.SkipDir(e.Name()) || e.Name() == "tests" || e.Name() == "test" || e.Name() == "src" {
				continue
			}
			rel := filepath.ToSlash(filepath.Join(base, e.Name(), "__main__.py"))
			if d.Exists(rel) {
				cands = append(cands, e.Name())
				from[e.Name()] = rel
			}
		}
	}
	if len(cands) == 0 {
		for _, f := range []string{"app.py", "main.py", "server.py", "manage.py"} {
			if d.Exists(f) {
				mod := strings.TrimSuffix(f, ".py")
				cands = append(cands, mod)
				from[mod] = f
			}
		}
	}
	if len(cands) == 0 {
		for _, f := range t.files {
			if !strings.Contains(f.rel, "/") && f.mainBlock > 0 {
				mod := strings.TrimSuffix(f.rel, ".py")
				cands = append(cands, mod)
				from[mod] = f.rel + " (its __main__ block)"
			}
		}
	}
	sort.Strings(cands)
	d.PickOne("main", &d.R.Main, cands, "possible entry modules")
	if d.R.Main != "" {
		d.R.Found("main", d.R.Main, "%s", from[d.R.Main])
		d.Sources = append(d.Sources, strings.TrimSuffix(from[d.R.Main], " (its __main__ block)"))
	}
}
