package node_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/testkit"
)

// corpus is the end-to-end test's corpus of real-shaped services.
const corpus = "../../internal/e2e/testdata/services"

// TestDetectCorpus reads every Node service of the corpus as init does and
// checks the plan it makes: entry, run command, toolchain, secrets, port,
// health path, and the refusals.
func TestDetectCorpus(t *testing.T) {
	toolchain := []string{"python3", "make", "g++"}
	for _, c := range []struct {
		dir          string
		main         string
		cmd          []string
		port         int
		health       string
		native       []string
		buildCommand []string
		npmrc        bool
		secrets      []provider.Secret
		framework    string
		portEnv      string
		serviceDir   string
		shared       []string
		refused      string // a word of the refusal, "" when none
	}{
		{dir: "node-auth-bcrypt", main: "index.js", port: 8000, health: "/health", native: toolchain, framework: "express", portEnv: "PORT"},
		{dir: "node-binding-gyp", main: "server.js", port: 3000, health: "/healthz", native: toolchain, buildCommand: []string{"npm", "rebuild"}, portEnv: "PORT"},
		{dir: "node-currency", main: "server.js", port: 7000, health: "/_healthz", portEnv: "PORT"},
		{dir: "node-express-heroku", main: "index.js", port: 5006, health: "/health", framework: "express", portEnv: "PORT"},
		{dir: "node-npm-start", main: "src/index.js", port: 3000, health: "/v1/health", framework: "express", portEnv: "PORT"},
		{dir: "node-npmrc-token", main: "server.js", port: 8080, health: "/healthz", npmrc: true, secrets: []provider.Secret{{ID: "npm_token", Env: "NPM_TOKEN"}}, portEnv: "PORT"},
		{dir: "nextjs-hello", main: "node_modules/next/dist/bin/next", cmd: []string{"start"}, port: 3000, health: "/api/health", framework: "nextjs", portEnv: "PORT"},
		{dir: "monorepo-shop/src/payment", main: "index.js", port: 50052, portEnv: "PAYMENT_PORT", serviceDir: "src/payment", shared: []string{"pb"}},
		{dir: "node-no-lockfile", main: "app.js", port: 3000, health: "/healthz", framework: "express", refused: "package-lock.json: not found", portEnv: "PORT"},
	} {
		t.Run(c.dir, func(t *testing.T) {
			r, err := detect.Detect(filepath.Join(corpus, c.dir))
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "node" {
				t.Fatalf("language %q", r.Language)
			}
			check := func(what string, got, want any) {
				t.Helper()
				if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
					t.Errorf("%s = %s, want %s\nevidence: %q\nambiguities: %q\nrefusals: %q", what, g, w, r.Evidence, r.Ambiguities, r.Refusals)
				}
			}
			check("main", r.Main, c.main)
			check("cmd", r.Cmd, c.cmd)
			check("port", r.Port, c.port)
			check("health path", r.HealthPath, c.health)
			check("build_packages", r.NativePackages, c.native)
			check("build_command", r.BuildCommand, c.buildCommand)
			check("npmrc", r.Npmrc, c.npmrc)
			check("secrets", r.BuildSecrets, c.secrets)
			check("framework", r.Framework, c.framework)
			check("port_env", r.PortEnv, c.portEnv)
			check("service_dir", r.ServiceDir, c.serviceDir)
			check("shared_paths", r.SharedPaths, c.shared)
			if len(r.Unresolved) > 0 {
				t.Errorf("unresolved %q: %q", r.Unresolved, r.Ambiguities)
			}
			switch {
			case c.refused == "" && len(r.Refusals) > 0:
				t.Errorf("refused: %q", r.Refusals)
			case c.refused != "" && !slices.ContainsFunc(r.Refusals, func(s string) bool { return strings.Contains(s, c.refused) }):
				t.Errorf("no refusal containing %q in %q", c.refused, r.Refusals)
			}
			if len(c.native) > 0 && !slices.ContainsFunc(r.Evidence, func(s string) bool { return strings.HasPrefix(s, "build_packages = python3 make g++  from ") }) {
				t.Errorf("no evidence for build_packages in %q", r.Evidence)
			}
		})
	}
}

// TestDetectShapes covers what the corpus does not: start scripts with node
// flags, script arguments and environment, scripts that are not node,
// literal credentials, a package with no entry, Nest's start:prod, pnpm's
// requiresBuild.
func TestDetectShapes(t *testing.T) {
	for _, c := range []struct {
		name    string
		files   map[string]string
		main    string
		cmd     []string
		env     map[string]string
		native  bool
		refused string // a word of a refusal
		choice  string // a word of the main ambiguity (main left unresolved)
	}{
		{name: "flags and args", files: map[string]string{
			"package.json": `{"scripts":{"start":"NODE_ENV=production node --enable-source-maps -r ./tracing.js server.js --mode api"}}`,
			"server.js":    "", "tracing.js": "", "package-lock.json": "{}"},
			main: "server.js", cmd: []string{"--mode", "api"}, env: map[string]string{"NODE_OPTIONS": "--enable-source-maps -r ./tracing.js"}},
		{name: "cross-env and a built file", files: map[string]string{
			"package.json":      `{"scripts":{"build":"tsc","start":"cross-env LOG_LEVEL=info node dist/main"}}`,
			"package-lock.json": "{}"},
			main: "dist/main.js", env: map[string]string{"LOG_LEVEL": "info"}},
		{name: "bin/www", files: map[string]string{
			"package.json": `{"scripts":{"start":"node ./bin/www"}}`, "bin/www": "", "package-lock.json": "{}"},
			main: "bin/www"},
		{name: "nest start:prod", files: map[string]string{
			"package.json":      `{"dependencies":{"@nestjs/core":"10"},"scripts":{"build":"nest build","start":"nest start","start:prod":"node dist/main"}}`,
			"package-lock.json": "{}"},
			main: "dist/main.js"},
		{name: "not node", files: map[string]string{
			"package.json": `{"scripts":{"start":"ts-node src/index.ts"}}`, "package-lock.json": "{}"},
			choice: "scripts.start is `ts-node src/index.ts` (runs ts-node, not node)"},
		{name: "shell syntax", files: map[string]string{
			"package.json": `{"scripts":{"start":"npm run migrate && node server.js"}}`, "server.js": "", "package-lock.json": "{}"},
			choice: "shell syntax"},
		{name: "flag not in NODE_OPTIONS", files: map[string]string{
			"package.json": `{"scripts":{"start":"node --watch server.js"}}`, "server.js": "", "package-lock.json": "{}"},
			choice: "--watch cannot be given through NODE_OPTIONS"},
		{name: "no entry", files: map[string]string{
			"package.json": `{"name":"x"}`, "package-lock.json": "{}"},
			choice: "no entry file"},
		{name: "main missing, no build", files: map[string]string{
			"package.json": `{"main":"index.js"}`, "server.js": "", "package-lock.json": "{}"},
			main: "server.js"},
		{name: "literal token", files: map[string]string{
			"package.json": `{"main":"server.js"}`, "server.js": "", "package-lock.json": "{}",
			".npmrc": "//registry.npmjs.org/:_authToken=npm_abcdef\n"},
			main: "server.js", refused: ".npmrc: line 1 holds a literal credential (_authToken)"},
		{name: "yarn lock missing", files: map[string]string{
			"package.json": `{"main":"server.js","packageManager":"yarn@1.22.22"}`, "server.js": ""},
			main: "server.js", refused: "yarn.lock: not found"},
		{name: "pnpm requiresBuild", files: map[string]string{
			"package.json": `{"main":"server.js","dependencies":{"argon2":"0.40.1"}}`, "server.js": "",
			"pnpm-lock.yaml": "lockfileVersion: '6.0'\npackages:\n\n  /argon2@0.40.1:\n    resolution: {integrity: sha512-x}\n    requiresBuild: true\n"},
			main: "server.js", native: true},
		{name: "yarn known native", files: map[string]string{
			"package.json": `{"main":"server.js","dependencies":{"bcrypt":"5.1.1"}}`, "server.js": "", "yarn.lock": "# yarn lockfile v1\n"},
			main: "server.js", native: true},
		{name: "script-only install scripts", files: map[string]string{
			"package.json": `{"main":"server.js"}`, "server.js": "",
			"package-lock.json": `{"packages":{"node_modules/esbuild":{"hasInstallScript":true},"node_modules/protobufjs":{"hasInstallScript":true}}}`},
			main: "server.js"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := testkit.WriteTree(t, c.files)
			r, err := detect.DetectAs(dir, "node")
			if err != nil {
				t.Fatal(err)
			}
			ctx := func() string {
				return "\nevidence: " + strings.Join(r.Evidence, " | ") + "\nambiguities: " + strings.Join(r.Ambiguities, " | ") + "\nrefusals: " + strings.Join(r.Refusals, " | ")
			}
			if r.Main != c.main {
				t.Errorf("main = %q, want %q%s", r.Main, c.main, ctx())
			}
			if !slices.Equal(r.Cmd, c.cmd) {
				t.Errorf("cmd = %q, want %q%s", r.Cmd, c.cmd, ctx())
			}
			if len(r.Env) != len(c.env) {
				t.Errorf("env = %q, want %q%s", r.Env, c.env, ctx())
			}
			for k, v := range c.env {
				if r.Env[k] != v {
					t.Errorf("env.%s = %q, want %q%s", k, r.Env[k], v, ctx())
				}
			}
			if got := len(r.NativePackages) > 0; got != c.native {
				t.Errorf("build_packages = %q, want native %v%s", r.NativePackages, c.native, ctx())
			}
			if c.refused != "" && !slices.ContainsFunc(r.Refusals, func(s string) bool { return strings.Contains(s, c.refused) }) {
				t.Errorf("no refusal containing %q%s", c.refused, ctx())
			}
			if c.refused == "" && len(r.Refusals) > 0 {
				t.Errorf("refused%s", ctx())
			}
			if c.choice != "" {
				if !r.Ambiguous("main") || !slices.ContainsFunc(r.Ambiguities, func(s string) bool { return strings.HasPrefix(s, "main: ") && strings.Contains(s, c.choice) }) {
					t.Errorf("main not left open with %q%s", c.choice, ctx())
				}
			} else if r.Ambiguous("main") {
				t.Errorf("main left open%s", ctx())
			}
		})
	}
}

// TestFrontEndNotClaimed: a front-end app with no server is the static
// provider's; read as Node anyway (--language node) it is refused with the
// language to use.
func TestFrontEndNotClaimed(t *testing.T) {
	dir := filepath.Join(corpus, "vite-react-spa")
	r, err := detect.Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "static" || slices.Contains(r.Languages, "node") {
		t.Errorf("language %q (languages %q), want static and not node", r.Language, r.Languages)
	}
	r, err = detect.DetectAs(dir, "node")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Refusals, func(s string) bool {
		return strings.Contains(s, "static single-page app (Vite") && strings.Contains(s, `language = "static"`)
	}) {
		t.Errorf("refusals %q, want one naming Vite and language static", r.Refusals)
	}
	for name, pkg := range map[string]string{
		"express start":     `{"scripts":{"build":"vite build","start":"node server.js"},"devDependencies":{"vite":"6"}}`,
		"fastify dep":       `{"scripts":{"build":"vite build"},"dependencies":{"fastify":"4"},"devDependencies":{"vite":"6"}}`,
		"a main that runs":  `{"main":"server.js","scripts":{"build":"tsc"}}`,
		"no build script":   `{"devDependencies":{"vite":"6"}}`,
		"next start script": `{"scripts":{"build":"next build","start":"next start"},"dependencies":{"next":"15"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			for f, body := range map[string]string{"package.json": pkg, "package-lock.json": "{}", "server.js": "", "index.html": ""} {
				if err := os.WriteFile(filepath.Join(d, f), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r, err := detect.Detect(d)
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "node" {
				t.Errorf("language %q (languages %q), want node: it is a server", r.Language, r.Languages)
			}
		})
	}
}
