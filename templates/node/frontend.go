package node

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// A front-end app (Vite, Create React App, Vue CLI, Angular, Parcel, or a
// plain build script beside an index.html) has no server of its own: its
// build writes static files. The static provider (templates/static) builds
// and serves it; this provider does not claim it.

// devServers are the commands a front-end app's start script runs to serve
// its sources while developing; a start script running anything else (node,
// a framework's server) makes the package a server.
var devServers = map[string]bool{
	"vite": true, "react-scripts": true, "ng": true, "vue-cli-service": true, "parcel": true,
	"webpack": true, "webpack-dev-server": true, "serve": true, "http-server": true, "live-server": true,
	"craco": true, "react-app-rewired": true,
}

// reRunDev is a start script that only runs another script (npm run dev).
var reRunDev = regexp.MustCompile(`^(?:npm|pnpm|yarn)(?: run)? (?:dev|serve|preview)$`)

// FrontEnd reads d's package.json and says whether it is a front-end app
// with no server: a build script, no server dependency, no start script or
// main that runs a server, and a known build tool (or an index.html at the
// root, in public/ or in src/). It returns what tells it ("Vite: `vite
// build` writes dist/"), or "" for a server (and when there is no
// package.json).
func FrontEnd(d *provider.Detector) (string, error) {
	src, err := d.Read("package.json")
	if err != nil || src == nil {
		return "", err
	}
	var pkg packageJSON
	if json.Unmarshal(src, &pkg) != nil {
		return "", nil
	}
	return frontEnd(d, &pkg), nil
}

func frontEnd(d *provider.Detector, pkg *packageJSON) string {
	if pkg.Scripts["build"] == "" {
		return ""
	}
	if s := strings.TrimSpace(pkg.Scripts["start"]); s != "" && !reRunDev.MatchString(s) {
		if w := strings.Fields(s); len(w) == 0 || !devServers[w[0]] {
			return ""
		}
	}
	if m := cleanRel(pkg.Main); m != "" && d.Exists(m) && !strings.HasSuffix(m, ".html") {
		return ""
	}
	if spa := staticSPA(pkg); spa != "" {
		return spa
	}
	if hasServer(pkg) {
		return ""
	}
	for _, f := range []string{"index.html", "public/index.html", "src/index.html"} {
		if d.Exists(f) {
			return "scripts.build (`" + pkg.Scripts["build"] + "`) and " + f + ", with no server dependency"
		}
	}
	return ""
}

// hasServer reports whether the package depends on a server framework.
func hasServer(pkg *packageJSON) bool {
	for _, server := range serverDeps {
		if pkg.has(server) {
			return true
		}
	}
	return false
}

// Claims says whether the tree is a Node service: a package.json that is
// not a front-end app (provider.Claimer).
func (Provider) Claims(d *provider.Detector) (bool, error) {
	fe, err := FrontEnd(d)
	if fe != "" {
		d.R.Note("package.json: a front-end app with no server (" + fe + "): not a Node service")
	}
	return fe == "", err
}

// Toolchain is what a Node build of a front-end app needs to know.
type Toolchain struct {
	// Scripts are package.json's scripts.
	Scripts map[string]string
	// Deps are its dependencies and dev dependencies, by name.
	Deps map[string]bool
}

// DetectToolchain reads package.json as a build of this language would:
// the name, the Node version, the package manager and its lock file, native
// dependencies and an .npmrc's credentials, into d.R (the static provider
// builds a front-end app with Node). It returns nil when there is no
// package.json.
func DetectToolchain(d *provider.Detector) (*Toolchain, error) {
	src, err := d.Read("package.json")
	if err != nil || src == nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(src, &pkg); err != nil {
		d.R.Note("package.json: not parsed: " + err.Error())
	}
	if pkg.Name != "" {
		d.SetName(path.Base(pkg.Name), "package.json name")
	}
	if err := detectVersion(d, &pkg); err != nil {
		return nil, err
	}
	detectPackageManager(d, &pkg)
	if err := detectNative(d, &pkg); err != nil {
		return nil, err
	}
	if err := detectNpmrc(d); err != nil {
		return nil, err
	}
	t := &Toolchain{Scripts: pkg.Scripts, Deps: map[string]bool{}}
	for n := range pkg.Dependencies {
		t.Deps[n] = true
	}
	for n := range pkg.DevDependencies {
		t.Deps[n] = true
	}
	return t, nil
}
