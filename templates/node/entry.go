package node

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// The final image runs node itself (distroless nodejs has neither npm nor
// a shell), so the start command is read here: `node [flags] FILE [args]`
// becomes main (the file), NODE_OPTIONS (the flags) and cmd (the args); a
// framework's own server runs its bin script with node; anything else is
// refused with the script named.

// nextBin is the script `next` runs: node runs it directly.
const nextBin = "node_modules/next/dist/bin/next"

// entryCandidates are the conventional entry files, in the order looked for.
var entryCandidates = []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs"}

// detectEntry sets main (and cmd, env, framework) from how the package
// starts.
func detectEntry(d *provider.Detector, pkg *packageJSON) error {
	if pkg.has("next") {
		return detectNext(d, pkg)
	}
	if pkg.has("@nestjs/core") {
		d.R.Framework = "nest"
		d.R.Found("framework", "nest", "package.json dependencies.@nestjs/core")
	} else if pkg.has("express") {
		d.R.Framework = "express"
		d.R.Found("framework", "express", "package.json dependencies.express")
	}
	// The production start script first: Nest's `start` is `nest start`
	// (the CLI, a dev dependency), its `start:prod` is `node dist/main`.
	var unusable []string
	for _, key := range []string{"start", "start:prod"} {
		s := pkg.Scripts[key]
		if s == "" {
			continue
		}
		st, why := parseStart(s)
		if why != "" {
			unusable = append(unusable, fmt.Sprintf("scripts.%s is `%s` (%s)", key, s, why))
			continue
		}
		if useStart(d, pkg, key, s, st) {
			return nil
		}
		unusable = append(unusable, fmt.Sprintf("scripts.%s is `%s`, whose file %s does not exist and no build script makes it", key, s, st.file))
	}
	if len(unusable) > 0 {
		d.R.Choice("main", true, "%s: the final image has no npm or shell to run it; main must name the file node runs (or set entrypoint)", strings.Join(unusable, "; "))
		return nil
	}
	if pkg.Main != "" {
		m := cleanRel(pkg.Main)
		switch {
		case d.Exists(m):
			d.R.Main = m
			d.R.Found("main", m, "package.json main")
			return nil
		case pkg.Scripts["build"] != "":
			d.R.Main = m
			d.R.Found("main", m, "package.json main (made by scripts.build)")
			return nil
		}
		d.R.Note(fmt.Sprintf("main: package.json main %q does not exist and no build script makes it; ignored", pkg.Main))
	}
	if spa := frontEnd(d, pkg); spa != "" {
		d.R.Refuse("main", "this is a static single-page app (%s) with no server of its own: its build writes static files that a web server serves; use language = \"static\" (--language static), which builds it with Node and serves it", spa)
		return nil
	}
	var cands []string
	for _, f := range entryCandidates {
		if d.Exists(f) {
			cands = append(cands, f)
		}
	}
	switch len(cands) {
	case 0:
		d.R.Choice("main", true, "no entry file: package.json has neither main nor a `node FILE` start script, and none of %s exists; main must name the file node runs", strings.Join(entryCandidates, ", "))
	case 1:
		d.R.Main = cands[0]
		d.R.Found("main", d.R.Main, "the only conventional entry file present")
	default:
		d.PickOne("main", &d.R.Main, cands, "possible entry files")
	}
	return nil
}

// useStart takes a parsed `node FILE` start script; false when its file
// neither exists nor is built.
func useStart(d *provider.Detector, pkg *packageJSON, key, script string, st start) bool {
	f := st.file
	if f == "." || f == "" {
		f = cleanRel(pkg.Main)
		if f == "" {
			f = "index.js"
		}
	}
	main := ""
	for _, c := range []string{f, f + ".js", f + ".mjs", f + ".cjs", f + "/index.js"} {
		if c = path.Clean(c); d.Exists(c) && !isDir(d, c) {
			main = c
			break
		}
	}
	how := "package.json scripts." + key + " (" + script + ")"
	if main == "" {
		if pkg.Scripts["build"] == "" {
			return false
		}
		main = path.Clean(f)
		if path.Ext(main) == "" {
			main += ".js" // node resolves `node dist/main` to dist/main.js
		}
		how += ", made by scripts.build"
	}
	d.R.Main = main
	d.R.Found("main", main, "%s", how)
	if pkg.Main != "" && cleanRel(pkg.Main) != main {
		d.R.Note(fmt.Sprintf("main: package.json main is %q, but npm start runs %s; using %s", pkg.Main, main, main))
	}
	if len(st.args) > 0 {
		d.R.Cmd = st.args
		d.R.Found("cmd", strconv.Quote(strings.Join(st.args, " ")), "%s", how)
	}
	env := map[string]string{}
	for k, v := range st.env {
		if k == "NODE_ENV" && v == "production" {
			continue // the image sets it
		}
		env[k] = v
	}
	if len(st.flags) > 0 {
		env["NODE_OPTIONS"] = strings.Join(st.flags, " ")
	}
	for k, v := range env {
		d.R.Found("env."+k, strconv.Quote(v), "%s", how)
	}
	if len(env) > 0 {
		d.R.Env = env
	}
	return true
}

func isDir(d *provider.Detector, rel string) bool {
	fi, err := os.Stat(d.Path(rel))
	return err == nil && fi.IsDir()
}

// start is a parsed `[VAR=value...] [cross-env VAR=value...] node [flags] FILE [args]`.
type start struct {
	env   map[string]string
	flags []string
	file  string
	args  []string
}

var (
	reAssign   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9._:/@+,-]*)$`)
	rePlainArg = regexp.MustCompile(`^[A-Za-z0-9._:/@+,=-]+$`)
)

// optionFlags are node's flags that Node also accepts in NODE_OPTIONS, which
// is how the image passes them (its entrypoint is `node main`).
var optionFlags = map[string]bool{
	"--enable-source-maps": true, "--max-old-space-size": true, "--max-semi-space-size": true,
	"--require": true, "-r": true, "--import": true, "--loader": true, "--experimental-loader": true,
	"--no-warnings": true, "--no-deprecation": true, "--trace-warnings": true, "--trace-deprecation": true,
	"--unhandled-rejections": true, "--dns-result-order": true, "--max-http-header-size": true,
	"--expose-gc": true, "--heapsnapshot-signal": true, "--stack-trace-limit": true,
	"--conditions": true, "--title": true, "--openssl-legacy-provider": true, "--use-openssl-ca": true,
	"--preserve-symlinks": true, "--tls-min-v1.2": true, "--disable-warning": true,
}

// valueFlags take the next word as their value when written without '='.
var valueFlags = map[string]bool{"--require": true, "-r": true, "--import": true, "--loader": true, "--experimental-loader": true, "--conditions": true, "--title": true, "--disable-warning": true}

// parseStart reads a start script; why says what is not understood.
func parseStart(s string) (start, string) {
	st := start{env: map[string]string{}}
	if strings.ContainsAny(s, "&|;<>`$\"'\\*?(){}") {
		return st, "shell syntax, not a plain `node FILE`"
	}
	w := strings.Fields(s)
	i := 0
	assigns := func() {
		for i < len(w) {
			m := reAssign.FindStringSubmatch(w[i])
			if m == nil {
				return
			}
			st.env[m[1]] = m[2]
			i++
		}
	}
	assigns()
	if i < len(w) && w[i] == "cross-env" {
		i++
		assigns()
	}
	if i >= len(w) || w[i] != "node" {
		if i < len(w) {
			return st, "runs " + w[i] + ", not node"
		}
		return st, "runs nothing"
	}
	i++
	for ; i < len(w) && strings.HasPrefix(w[i], "-"); i++ {
		name, _, hasValue := strings.Cut(w[i], "=")
		if !optionFlags[name] && !strings.HasPrefix(name, "--experimental-") {
			return st, "node flag " + name + " cannot be given through NODE_OPTIONS"
		}
		flag := w[i]
		if valueFlags[name] && !hasValue {
			if i+1 >= len(w) {
				return st, name + " without its value"
			}
			i++
			flag += " " + w[i]
		}
		st.flags = append(st.flags, flag)
	}
	if i >= len(w) {
		return st, "node with no file"
	}
	st.file = cleanRel(w[i])
	if !rePlainArg.MatchString(st.file) || strings.HasPrefix(st.file, "/") || strings.HasPrefix(st.file, "../") {
		return st, "the file " + st.file + " is not a plain path inside the package"
	}
	for _, a := range w[i+1:] {
		if !rePlainArg.MatchString(a) {
			return st, "argument " + a + " is not a plain word"
		}
		st.args = append(st.args, a)
	}
	return st, ""
}

// detectNext: a Next.js app runs `next start` over its `next build` output;
// node runs next's bin script directly, so the image needs no npm.
func detectNext(d *provider.Detector, pkg *packageJSON) error {
	d.R.Framework = "nextjs"
	d.R.Found("framework", "nextjs", "package.json dependencies.next (%s)", pkg.Dependencies["next"])
	if pkg.Scripts["build"] == "" {
		d.R.Choice("build_command", false, "a Next.js app with no build script: `next start` needs the output of `next build`; add \"build\": \"next build\" to package.json")
	}
	s := pkg.Scripts["start"]
	args := []string{"start"}
	if s != "" {
		w := strings.Fields(s)
		if len(w) < 2 || w[0] != "next" || w[1] != "start" || strings.ContainsAny(s, "&|;<>`$\"'\\") {
			if st, why := parseStart(s); why == "" && useStart(d, pkg, "start", s, st) {
				// A custom server (node server.js) that embeds Next.
				return nil
			}
			d.R.Choice("main", true, "package.json scripts.start is `%s`, neither `next start` nor `node FILE`: the final image has no npm or shell to run it; main must name the file node runs (or set entrypoint)", s)
			return nil
		}
		args = append(args, w[2:]...)
	}
	d.R.Main = nextBin
	d.R.Cmd = args
	how := "next start"
	if s != "" {
		how = "package.json scripts.start (" + s + ")"
	}
	d.R.Found("main", nextBin, "%s: node runs next's own script", how)
	d.R.Found("cmd", strconv.Quote(strings.Join(args, " ")), "%s", how)
	port := 3000
	src := "next start's default port"
	for i, a := range args {
		v := ""
		switch {
		case (a == "-p" || a == "--port") && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(a, "--port="):
			v = strings.TrimPrefix(a, "--port=")
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			port, src = n, "package.json scripts.start ("+s+")"
		}
	}
	d.R.Port, d.R.PortSource = port, src
	d.R.Found("port", strconv.Itoa(port), "%s", src)
	for _, f := range []string{"next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"} {
		b, err := d.Read(f)
		if err != nil {
			return err
		}
		if b != nil && reStandalone.Match(b) {
			d.R.Note(f + ": output standalone; the image runs `next start` over the whole build output (the standalone folder is not used)")
		}
	}
	for _, name := range []string{"healthz", "health", "_health", "livez", "readyz", "ping"} {
		for _, dir := range []string{"app/api/", "src/app/api/", "app/", "src/app/"} {
			for _, ext := range []string{"js", "ts", "mjs"} {
				if f := dir + name + "/route." + ext; d.Exists(f) {
					p := "/" + strings.TrimPrefix(strings.TrimPrefix(dir, "src/"), "app/") + name
					d.R.HealthPath = p
					d.R.Found("healthcheck.http_path", p, "%s (a route handler)", f)
					return nil
				}
			}
		}
		for _, dir := range []string{"pages/api/", "src/pages/api/"} {
			for _, ext := range []string{"js", "ts"} {
				if f := dir + name + "." + ext; d.Exists(f) {
					d.R.HealthPath = "/api/" + name
					d.R.Found("healthcheck.http_path", d.R.HealthPath, "%s (an API route)", f)
					return nil
				}
			}
		}
	}
	return nil
}

// serverDeps are the packages that make a package.json a server.
var serverDeps = []string{"express", "fastify", "koa", "@hapi/hapi", "hapi", "next", "nuxt", "@nestjs/core", "@remix-run/serve", "@remix-run/node", "@sveltejs/adapter-node", "@astrojs/node", "restify", "polka", "h3", "hono", "@grpc/grpc-js"}

var reStandalone = regexp.MustCompile(`output\s*:\s*["']standalone["']`)

// staticSPA names the build tool of a single-page app that has no server
// of its own, or "".
func staticSPA(pkg *packageJSON) string {
	if hasServer(pkg) {
		return ""
	}
	for _, tool := range []struct{ dep, what string }{
		{"vite", "Vite: `vite build` writes dist/"},
		{"react-scripts", "Create React App: `react-scripts build` writes build/"},
		{"@vue/cli-service", "Vue CLI: `vue-cli-service build` writes dist/"},
		{"@angular/cli", "Angular: `ng build` writes dist/"},
		{"parcel", "Parcel: `parcel build` writes dist/"},
	} {
		if pkg.has(tool.dep) {
			return tool.what
		}
	}
	return ""
}

// reLocalRequire finds a relative module a source loads:
// require('./x'), import ... from '../x', import('./x').
var reLocalRequire = regexp.MustCompile(`(?:require\(\s*|from\s+|import\(\s*|import\s+)["'](\.\.?/[^"']+)["']`)

var (
	// const routes = require('./routes') / import routes from './routes'
	reBind = regexp.MustCompile(`(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\(\s*|import\s+([A-Za-z_$][\w$]*)\s+from\s+)["'](\.\.?/[^"']+)["']`)
	// app.use('/v1', routes): Express mounts a router under a prefix.
	reMount = regexp.MustCompile(`\.use\(\s*["'](/[A-Za-z0-9._~/-]*)["']\s*,\s*([A-Za-z_$][\w$]*)\s*\)`)
	// router.get('/health', ...): a health route of a router.
	reHealthRoute = regexp.MustCompile(`\.(?:get|all|head)\(\s*["'](/(?:healthz|health|_healthz|_health|livez|readyz|ping|healthcheck))["']`)
)

// maxSources bounds how many local modules the port and health scan reads.
const maxSources = 40

// localModules returns main and the local modules it loads, transitively
// (bounded), so the neutral scan sees the port of a config module or the
// health route of a router file. A router that Express mounts under a
// prefix (app.use('/v1', routes)) is left out of the scan, whose paths
// would miss the prefix; its health route is recorded here with it.
func localModules(d *provider.Detector, main string) []string {
	type mod struct{ rel, prefix string }
	queue := []mod{{main, ""}}
	seen := map[string]bool{main: true}
	var out []string
	resolve := func(from, spec string) string {
		rel := path.Join(path.Dir(from), spec)
		if rel == ".." || strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, "node_modules/") {
			return ""
		}
		for _, c := range []string{rel, rel + ".js", rel + ".mjs", rel + ".cjs", rel + ".ts", rel + "/index.js"} {
			if d.Exists(c) && !isDir(d, c) {
				return c
			}
		}
		return ""
	}
	for i := 0; i < len(queue) && len(queue) < maxSources; i++ {
		m := queue[i]
		src, err := d.Read(m.rel)
		if err != nil || src == nil || len(src) > 1<<20 {
			continue
		}
		text := string(src)
		if m.prefix == "" {
			out = append(out, m.rel)
		} else if d.R.HealthPath == "" {
			if h := reHealthRoute.FindStringSubmatch(text); h != nil {
				d.R.HealthPath = path.Clean(m.prefix + h[1])
				d.R.Found("healthcheck.http_path", d.R.HealthPath, "%s (%s, mounted under %s)", m.rel, h[1], m.prefix)
			}
		}
		mounts := map[string]string{} // local module -> prefix
		binds := map[string]string{}
		for _, b := range reBind.FindAllStringSubmatch(text, -1) {
			name := b[1] + b[2]
			if r := resolve(m.rel, b[3]); r != "" {
				binds[name] = r
			}
		}
		for _, u := range reMount.FindAllStringSubmatch(text, -1) {
			if r, ok := binds[u[2]]; ok && u[1] != "/" {
				mounts[r] = strings.TrimSuffix(m.prefix+u[1], "/")
			}
		}
		for _, r := range reLocalRequire.FindAllStringSubmatch(text, -1) {
			c := resolve(m.rel, r[1])
			if c == "" || seen[c] {
				continue
			}
			seen[c] = true
			prefix := m.prefix
			if p, ok := mounts[c]; ok {
				prefix = p
			}
			queue = append(queue, mod{c, prefix})
			if len(queue) >= maxSources {
				break
			}
		}
	}
	return out
}

func cleanRel(p string) string { return strings.TrimPrefix(strings.TrimSpace(p), "./") }
