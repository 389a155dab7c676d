package node

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

type packageJSON struct {
	Name           string            `json:"name"`
	Main           string            `json:"main"`
	Engines        map[string]string `json:"engines"`
	Scripts        map[string]string `json:"scripts"`
	PackageManager string            `json:"packageManager"`
}

var (
	reMajor     = regexp.MustCompile(`[0-9]+`)
	reNodeStart = regexp.MustCompile(`^\s*node\s+(?:--?[A-Za-z-]+(?:=\S+)?\s+)*([^\s-][^\s]*)`)
)

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("package.json")
	if err != nil {
		return err
	}
	var pkg packageJSON
	if src != nil {
		if err := json.Unmarshal(src, &pkg); err != nil {
			d.R.Note("package.json: not parsed: " + err.Error())
		}
	}
	if pkg.Name != "" {
		name := pkg.Name
		if i := strings.LastIndex(name, "/"); i >= 0 { // @scope/name
			name = name[i+1:]
		}
		d.SetName(name, "package.json name")
	}

	// Version: a pinned .nvmrc/.node-version wins over the engines range.
	var pinned, pinnedFrom string
	for _, f := range []string{".nvmrc", ".node-version"} {
		l, err := d.FirstLine(f)
		if err != nil {
			return err
		}
		if m := reMajor.FindString(l); m != "" && (strings.HasPrefix(l, "v") || (l[0] >= '0' && l[0] <= '9')) {
			pinned, pinnedFrom = m, f+" ("+l+")"
			break
		} else if l != "" {
			d.R.Note("version: " + f + " says " + l + ", which is no version number; ignored")
		}
	}
	engines := ""
	if e := pkg.Engines["node"]; e != "" {
		engines = reMajor.FindString(e)
	}
	switch {
	case pinned != "":
		d.R.Version = pinned
		d.R.Found("version", pinned, "%s", pinnedFrom)
		if engines != "" && engines != pinned {
			d.R.Choice("version", false, "%s pins Node %s but package.json engines.node is %q; using %s", pinnedFrom, pinned, pkg.Engines["node"], pinned)
		}
	case engines != "":
		d.R.Version = engines
		d.R.Found("version", engines, "package.json engines.node (%s)", pkg.Engines["node"])
	}

	// Package manager: the packageManager field, else the lock file.
	if pm := pkg.PackageManager; pm != "" {
		name := strings.SplitN(pm, "@", 2)[0]
		if name == "npm" || name == "yarn" || name == "pnpm" {
			d.R.PackageManager = name
			d.R.Found("package_manager", name, "package.json packageManager (%s)", pm)
		}
	}
	if d.R.PackageManager == "" {
		var locks []string
		byLock := map[string]string{"package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "yarn.lock": "yarn", "pnpm-lock.yaml": "pnpm"}
		pms := map[string]bool{}
		for _, f := range []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"} {
			if d.Exists(f) {
				locks = append(locks, f)
				pms[byLock[f]] = true
			}
		}
		switch {
		case len(pms) == 1:
			d.R.PackageManager = byLock[locks[0]]
			d.R.Found("package_manager", d.R.PackageManager, "%s", strings.Join(locks, ", "))
		case len(pms) > 1:
			d.R.Choice("package_manager", true, "lock files of several package managers: %s", strings.Join(locks, ", "))
		}
	}

	// Entry: package.json main, else `node X` in the start script, else a
	// conventional file name.
	switch {
	case pkg.Main != "" && d.Exists(pkg.Main):
		d.R.Main = cleanRel(pkg.Main)
		d.R.Found("main", d.R.Main, "package.json main")
	case pkg.Scripts["start"] != "":
		if m := reNodeStart.FindStringSubmatch(pkg.Scripts["start"]); m != nil {
			d.R.Main = cleanRel(m[1])
			d.R.Found("main", d.R.Main, "package.json scripts.start (%s)", pkg.Scripts["start"])
		}
	}
	if d.R.Main == "" && pkg.Main != "" {
		// main names a file that is built later (dist/index.js): still the entry.
		d.R.Main = cleanRel(pkg.Main)
		d.R.Found("main", d.R.Main, "package.json main (not present yet; built?)")
	}
	if d.R.Main == "" {
		var cands []string
		for _, f := range []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs"} {
			if d.Exists(f) {
				cands = append(cands, f)
			}
		}
		d.PickOne("main", &d.R.Main, cands, "possible entry files")
		if d.R.Main != "" {
			d.R.Found("main", d.R.Main, "the only conventional entry file present")
		}
	}
	if d.R.Main != "" {
		d.Sources = append(d.Sources, d.R.Main)
	}
	return nil
}

func cleanRel(p string) string { return strings.TrimPrefix(strings.TrimSpace(p), "./") }
