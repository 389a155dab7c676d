package python

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/provider"
)

type pyproject struct {
	Project struct {
		Name           string `toml:"name"`
		RequiresPython string `toml:"requires-python"`
	} `toml:"project"`
	Tool struct {
		Poetry *struct {
			Name         string         `toml:"name"`
			Dependencies map[string]any `toml:"dependencies"`
		} `toml:"poetry"`
		UV map[string]any `toml:"uv"`
	} `toml:"tool"`
}

var rePyVersion = regexp.MustCompile(`3\.[0-9]+`)

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("pyproject.toml")
	if err != nil {
		return err
	}
	var py pyproject
	if src != nil {
		if _, err := toml.Decode(string(src), &py); err != nil {
			d.R.Note("pyproject.toml: not parsed: " + err.Error())
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

	// Entry: a package with __main__.py (at the root or under src/), else
	// app.py / main.py at the root. Main is the module name (python -m X).
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
	sort.Strings(cands)
	d.PickOne("main", &d.R.Main, cands, "possible entry modules")
	if d.R.Main != "" {
		d.R.Found("main", d.R.Main, "%s", from[d.R.Main])
		d.Sources = append(d.Sources, from[d.R.Main])
	}
	return nil
}
