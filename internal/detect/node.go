package detect

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
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

func (d *detector) node() error {
	src, err := d.read("package.json")
	if err != nil {
		return err
	}
	var pkg packageJSON
	if src != nil {
		if err := json.Unmarshal(src, &pkg); err != nil {
			d.r.Evidence = append(d.r.Evidence, "package.json: not parsed: "+err.Error())
		}
	}
	if pkg.Name != "" {
		name := pkg.Name
		if i := strings.LastIndex(name, "/"); i >= 0 { // @scope/name
			name = name[i+1:]
		}
		d.setName(name, "package.json name")
	}

	// Version: a pinned .nvmrc/.node-version wins over the engines range.
	var pinned, pinnedFrom string
	for _, f := range []string{".nvmrc", ".node-version"} {
		l, err := d.firstLine(f)
		if err != nil {
			return err
		}
		if m := reMajor.FindString(l); m != "" && (strings.HasPrefix(l, "v") || (l[0] >= '0' && l[0] <= '9')) {
			pinned, pinnedFrom = m, f+" ("+l+")"
			break
		} else if l != "" {
			d.r.Evidence = append(d.r.Evidence, "version: "+f+" says "+l+", which is no version number; ignored")
		}
	}
	engines := ""
	if e := pkg.Engines["node"]; e != "" {
		engines = reMajor.FindString(e)
	}
	switch {
	case pinned != "":
		d.r.Version = pinned
		d.r.found("version", pinned, "%s", pinnedFrom)
		if engines != "" && engines != pinned {
			d.r.ambiguous("version", false, "%s pins Node %s but package.json engines.node is %q; using %s", pinnedFrom, pinned, pkg.Engines["node"], pinned)
		}
	case engines != "":
		d.r.Version = engines
		d.r.found("version", engines, "package.json engines.node (%s)", pkg.Engines["node"])
	}

	// Package manager: the packageManager field, else the lock file.
	if pm := pkg.PackageManager; pm != "" {
		name := strings.SplitN(pm, "@", 2)[0]
		if name == "npm" || name == "yarn" || name == "pnpm" {
			d.r.PackageManager = name
			d.r.found("package_manager", name, "package.json packageManager (%s)", pm)
		}
	}
	if d.r.PackageManager == "" {
		var locks []string
		byLock := map[string]string{"package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "yarn.lock": "yarn", "pnpm-lock.yaml": "pnpm"}
		pms := map[string]bool{}
		for _, f := range []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"} {
			if d.exists(f) {
				locks = append(locks, f)
				pms[byLock[f]] = true
			}
		}
		switch {
		case len(pms) == 1:
			d.r.PackageManager = byLock[locks[0]]
			d.r.found("package_manager", d.r.PackageManager, "%s", strings.Join(locks, ", "))
		case len(pms) > 1:
			d.r.ambiguous("package_manager", true, "lock files of several package managers: %s", strings.Join(locks, ", "))
		}
	}

	// Entry: package.json main, else `node X` in the start script, else a
	// conventional file name.
	switch {
	case pkg.Main != "" && d.exists(pkg.Main):
		d.r.Main = cleanRel(pkg.Main)
		d.r.found("main", d.r.Main, "package.json main")
	case pkg.Scripts["start"] != "":
		if m := reNodeStart.FindStringSubmatch(pkg.Scripts["start"]); m != nil {
			d.r.Main = cleanRel(m[1])
			d.r.found("main", d.r.Main, "package.json scripts.start (%s)", pkg.Scripts["start"])
		}
	}
	if d.r.Main == "" && pkg.Main != "" {
		// main names a file that is built later (dist/index.js): still the entry.
		d.r.Main = cleanRel(pkg.Main)
		d.r.found("main", d.r.Main, "package.json main (not present yet; built?)")
	}
	if d.r.Main == "" {
		var cands []string
		for _, f := range []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs"} {
			if d.exists(f) {
				cands = append(cands, f)
			}
		}
		d.pickOne("main", &d.r.Main, cands, "possible entry files")
		if d.r.Main != "" {
			d.r.found("main", d.r.Main, "the only conventional entry file present")
		}
	}
	if d.r.Main != "" {
		d.sources = append(d.sources, d.r.Main)
	}
	return nil
}

func cleanRel(p string) string { return strings.TrimPrefix(strings.TrimSpace(p), "./") }

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
