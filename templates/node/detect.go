package node

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

type packageJSON struct {
	Name            string            `json:"name"`
	Main            string            `json:"main"`
	Engines         map[string]string `json:"engines"`
	Scripts         map[string]string `json:"scripts"`
	PackageManager  string            `json:"packageManager"`
	Gypfile         bool              `json:"gypfile"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

// has reports whether the package depends on dep (dev dependencies included).
func (p *packageJSON) has(dep string) bool {
	_, a := p.Dependencies[dep]
	_, b := p.DevDependencies[dep]
	return a || b
}

var reMajor = regexp.MustCompile(`[0-9]+`)

// lockFiles are the lock files of each package manager, in the order looked for.
var lockFiles = map[string][]string{
	"npm":  {"package-lock.json", "npm-shrinkwrap.json"},
	"yarn": {"yarn.lock"},
	"pnpm": {"pnpm-lock.yaml"},
}

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
	if err := detectVersion(d, &pkg); err != nil {
		return err
	}
	detectPackageManager(d, &pkg)
	if err := detectNative(d, &pkg); err != nil {
		return err
	}
	if err := detectNpmrc(d); err != nil {
		return err
	}
	if err := detectEntry(d, &pkg); err != nil {
		return err
	}
	if d.R.Main != "" && !strings.HasPrefix(d.R.Main, "node_modules/") {
		d.Sources = append(d.Sources, localModules(d, d.R.Main)...)
	}
	if err := detectOutside(d); err != nil {
		return err
	}
	return detectPortEnv(d)
}

// rePortEnv finds the variable a program reads its listen port from:
// process.env.PORT, process.env["PAYMENT_PORT"].
var rePortEnv = regexp.MustCompile(`process\.env(?:\.((?:[A-Z_][A-Z0-9_]*)?PORT)\b|\[\s*["']((?:[A-Z_][A-Z0-9_]*)?PORT)["']\s*\])`)

// detectPortEnv sets port_env when the entry sources read the port from
// the environment, so the image sets it to the port (next start reads PORT).
func detectPortEnv(d *provider.Detector) error {
	if d.R.Framework == "nextjs" && d.R.Main == nextBin {
		d.R.PortEnv = "PORT"
		d.R.Found("port_env", "PORT", "next start reads $PORT")
		return nil
	}
	vars := map[string]string{}
	var order []string
	for _, rel := range d.Sources {
		src, err := d.Read(rel)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(src), "\n") {
			for _, m := range rePortEnv.FindAllStringSubmatch(l, -1) {
				v := m[1] + m[2]
				if _, ok := vars[v]; !ok {
					vars[v] = fmt.Sprintf("%s:%d", rel, i+1)
					order = append(order, v)
				}
			}
		}
	}
	switch len(order) {
	case 0:
	case 1:
		d.R.PortEnv = order[0]
		d.R.Found("port_env", order[0], "%s", vars[order[0]])
	default:
		var parts []string
		for _, v := range order {
			parts = append(parts, v+" ("+vars[v]+")")
		}
		d.R.Choice("port_env", false, "the sources read several port variables: %s; none is set by the image", strings.Join(parts, ", "))
	}
	return nil
}

// detectVersion: a pinned .nvmrc/.node-version wins over the engines range.
func detectVersion(d *provider.Detector, pkg *packageJSON) error {
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
	return nil
}

// detectPackageManager: the packageManager field, else the lock file. The
// templates install from the lock file, so a missing one is refused here,
// with what to run, rather than by BuildKit's "not found" at build time.
func detectPackageManager(d *provider.Detector, pkg *packageJSON) {
	if pm := pkg.PackageManager; pm != "" {
		name := strings.SplitN(pm, "@", 2)[0]
		if _, ok := lockFiles[name]; ok {
			d.R.PackageManager = name
			d.R.Found("package_manager", name, "package.json packageManager (%s)", pm)
		}
	}
	if d.R.PackageManager == "" {
		var locks []string
		pms := map[string]bool{}
		for _, pm := range []string{"npm", "yarn", "pnpm"} {
			for _, f := range lockFiles[pm] {
				if d.Exists(f) {
					locks = append(locks, f)
					pms[pm] = true
				}
			}
		}
		switch {
		case len(pms) == 1:
			for pm := range pms {
				d.R.PackageManager = pm
			}
			d.R.Found("package_manager", d.R.PackageManager, "%s", strings.Join(locks, ", "))
		case len(pms) > 1:
			d.R.Choice("package_manager", true, "lock files of several package managers: %s", strings.Join(locks, ", "))
		default:
			d.R.Refuse("package-lock.json", "not found, nor yarn.lock or pnpm-lock.yaml: the image installs the exact dependencies of a lock file (npm ci); run `npm install` (or `yarn install`, `pnpm install`) in this folder to create it, commit it, and run init again")
		}
		return
	}
	pm := d.R.PackageManager
	for _, f := range lockFiles[pm] {
		if d.Exists(f) {
			return
		}
	}
	d.R.Refuse(lockFiles[pm][0], "not found, and package.json packageManager says %s: the image installs the exact dependencies of the lock file; run `%s install` in this folder to create it, commit it, and run init again", pm, pm)
}

// nativeToolchain is what node-gyp needs to compile an addon on the
// Debian-based build images: Python for gyp, make and a C++ compiler.
var nativeToolchain = []string{"python3", "make", "g++"}

// scriptOnly are packages whose install scripts run JavaScript only
// (select or download a prebuilt binary, print a message): they need no
// compiler.
var scriptOnly = map[string]bool{
	"esbuild": true, "protobufjs": true, "sharp": true, "core-js": true, "core-js-pure": true,
	"nodemon": true, "@swc/core": true, "es5-ext": true, "fsevents": true, "husky": true,
	"msw": true, "cypress": true, "puppeteer": true, "electron": true, "@prisma/client": true,
	"prisma": true, "@prisma/engines": true, "@sentry/cli": true, "@biomejs/biome": true,
	"@parcel/watcher": true, "unrs-resolver": true, "spawn-sync": true, "styled-components": true,
}

// knownNative are packages that compile with node-gyp at install time when
// no prebuilt binary fits (yarn.lock records no install scripts, so these
// are looked for by name).
var knownNative = map[string]bool{
	"bcrypt": true, "argon2": true, "sqlite3": true, "better-sqlite3": true, "grpc": true,
	"node-sass": true, "canvas": true, "microtime": true, "libxmljs": true, "libxmljs2": true,
	"re2": true, "cpu-features": true, "bufferutil": true, "utf-8-validate": true, "kerberos": true,
	"node-expat": true, "farmhash": true, "leveldown": true, "iconv": true, "zeromq": true,
	"@datadog/pprof": true, "@google-cloud/profiler": true, "pprof": true, "isolated-vm": true,
	"node-rdkafka": true, "deasync": true, "ffi-napi": true, "ref-napi": true, "usb": true, "serialport": true,
}

// detectNative finds dependencies (or the package itself) that compile
// native code at install time, and adds the compilers to the build stage
// (build_packages).
func detectNative(d *provider.Detector, pkg *packageJSON) error {
	var why []string
	root := false
	switch {
	case d.Exists("binding.gyp"):
		root = true
		why = append(why, "binding.gyp at the package root (node-gyp compiles the package itself)")
	case pkg.Gypfile:
		root = true
		why = append(why, "package.json gypfile: true")
	}
	deps, err := nativeDeps(d, pkg)
	if err != nil {
		return err
	}
	why = append(why, deps...)
	if len(why) == 0 {
		return nil
	}
	d.R.NativePackages = append([]string(nil), nativeToolchain...)
	d.R.Found("build_packages", strings.Join(nativeToolchain, " "), "%s", strings.Join(why, "; "))
	if root {
		if _, ok := pkg.Scripts["build"]; ok {
			d.R.Choice("build_command", false, "the package is a native addon and has a build script: the build step runs `npm run build`; add `npm rebuild` to build_command if the build script does not compile the addon")
			return nil
		}
		// The install steps run before the sources are copied (their layers
		// are reused while the manifests do not change), so the package's
		// own addon is compiled once its sources are there.
		d.R.BuildCommand = []string{"npm", "rebuild"}
		d.R.Found("build_command", `["npm", "rebuild"]`, "the package's own binding.gyp, compiled once its sources are copied")
	}
	return nil
}

// nativeDeps names the dependencies of the lock file that compile at
// install time, each as evidence.
func nativeDeps(d *provider.Detector, pkg *packageJSON) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	add := func(n, how string) {
		if !seen[n] && !scriptOnly[n] {
			seen[n] = true
			names = append(names, n+" "+how)
		}
	}
	for _, f := range []string{"package-lock.json", "npm-shrinkwrap.json"} {
		src, err := d.Read(f)
		if err != nil {
			return nil, err
		}
		if src == nil {
			continue
		}
		var lock struct {
			Packages map[string]struct {
				HasInstallScript bool `json:"hasInstallScript"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(src, &lock); err != nil {
			d.R.Note(f + ": not parsed: " + err.Error())
			continue
		}
		keys := make([]string, 0, len(lock.Packages))
		for k := range lock.Packages {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if i := strings.LastIndex(k, "node_modules/"); i >= 0 && lock.Packages[k].HasInstallScript {
				add(k[i+len("node_modules/"):], "(hasInstallScript in "+f+")")
			}
		}
		break
	}
	if src, err := d.Read("pnpm-lock.yaml"); err != nil {
		return nil, err
	} else if src != nil {
		// pnpm 8 and older mark such packages `requiresBuild: true` under
		// their "/name@version" key.
		key := ""
		for _, l := range strings.Split(string(src), "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(l, "  /") || strings.HasPrefix(l, "  '/") || strings.HasPrefix(l, "  '@") {
				key = strings.Trim(strings.TrimSuffix(t, ":"), "'/")
			}
			if t == "requiresBuild: true" && key != "" {
				n := key
				if at := strings.LastIndex(n, "@"); at > 0 {
					n = n[:at]
				}
				n = strings.Split(n, "/(")[0]
				add(n, "(requiresBuild in pnpm-lock.yaml)")
			}
		}
	}
	var direct []string
	for n := range pkg.Dependencies {
		if knownNative[n] {
			direct = append(direct, n)
		}
	}
	sort.Strings(direct)
	for _, n := range direct {
		add(n, "(a dependency that compiles with node-gyp when no prebuilt binary fits)")
	}
	return names, nil
}

// Auth keys of an .npmrc line (`//registry/:_authToken=...`, `_auth=...`).
var (
	reNpmrcAuth = regexp.MustCompile(`(?:^|:)(_authToken|_auth|_password|username|email|certfile|keyfile)\s*=\s*(.*)$`)
	reEnvRef    = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// detectNpmrc reads the service's .npmrc: the install steps need it (a
// private registry, its token), so the build mounts it (npmrc), and every
// ${VAR} of an auth line becomes a build secret read from the environment.
// A literal credential is refused: the file would carry it into the build.
func detectNpmrc(d *provider.Detector) error {
	src, err := d.Read(".npmrc")
	if err != nil || src == nil {
		return err
	}
	literal := false
	seen := map[string]bool{}
	for i, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		m := reNpmrcAuth.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		refs := reEnvRef.FindAllStringSubmatch(m[2], -1)
		if len(refs) == 0 {
			if m[1] == "username" || m[1] == "email" || m[1] == "certfile" || m[1] == "keyfile" {
				continue // not a secret by itself
			}
			literal = true
			d.R.Refuse(".npmrc", "line %d holds a literal credential (%s): slipway never sends it to the build; write it as %s=${NPM_TOKEN} and give the token to `slipway build --secret id=npm_token,env=NPM_TOKEN`", i+1, m[1], m[1])
			continue
		}
		for _, r := range refs {
			v := r[1]
			if seen[v] {
				continue
			}
			seen[v] = true
			id := strings.ToLower(v)
			d.R.BuildSecrets = append(d.R.BuildSecrets, provider.Secret{ID: id, Env: v})
			d.R.Found("secret", id+" (env "+v+")", ".npmrc:%d (%s)", i+1, m[1])
		}
	}
	if !literal {
		d.R.Npmrc = true
		d.R.Found("npmrc", "true", ".npmrc (mounted in the install steps, never in the image)")
	}
	return nil
}
