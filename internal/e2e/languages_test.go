package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
)

// session is one lab test's CLI: every command runs the slipway binary
// against the lab's BuildKit and registry mirror, within the test's
// deadline.
type session struct {
	t   *testing.T
	ctx context.Context
	lab *lab.Lab
	env []string
}

// newSession requires the lab (root and runc too: verify runs the image)
// and bounds the test to timeout.
func newSession(t *testing.T, timeout time.Duration) *session {
	t.Helper()
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return &session{t: t, ctx: ctx, lab: l, env: cliEnv(l)}
}

// cliEnv is the environment the CLI runs with in the lab.
func cliEnv(l *lab.Lab) []string {
	return []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
}

// run runs one slipway command, with extra environment entries.
func (s *session) run(extraEnv []string, args ...string) cliRun {
	s.t.Helper()
	return runSlipway(s.ctx, s.t, append(slices.Clip(s.env), extraEnv...), args...)
}

// example copies examples/<name> to a scratch folder, lets edit change it,
// runs `slipway init --yes` on it as a user would, and returns the folder
// and the slipway.toml init wrote.
func (s *session) example(name string, edit func(dir string)) (string, *config.Project) {
	s.t.Helper()
	dir := filepath.Join(s.t.TempDir(), "hello-"+name)
	if err := copyTree(filepath.Join("..", "..", "examples", name), dir); err != nil {
		s.t.Fatal(err)
	}
	if edit != nil {
		edit(dir)
	}
	return dir, s.initYes(dir)
}

// initYes runs `slipway init --yes` on dir and loads what it wrote.
func (s *session) initYes(dir string) *config.Project {
	s.t.Helper()
	if r := s.run(nil, "init", "--yes", dir); r.code != 0 {
		s.t.Fatalf("init --yes: %s", r)
	}
	p, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// verifyRows runs `slipway verify --json` on img with dir's slipway.toml:
// no row may FAIL, each of mustPass must be there and PASS, and verify must
// exit 0.
func (s *session) verifyRows(img, dir string, mustPass []string, extra ...string) {
	s.t.Helper()
	v := s.run(nil, append([]string{"verify", img, "--config", filepath.Join(dir, config.FileName), "--json"}, extra...)...)
	var rep struct {
		Rows []struct{ ID, Status, Detail string } `json:"checks"`
		Log  []string                              `json:"container_log"`
	}
	if err := json.Unmarshal([]byte(v.stdout), &rep); err != nil {
		s.t.Fatalf("verify --json: %v\n%s", err, v)
	}
	status := map[string]string{}
	for _, r := range rep.Rows {
		s.t.Logf("verify %s: %s %s", r.ID, r.Status, r.Detail)
		if r.Status == "FAIL" {
			s.t.Errorf("verify %s: FAIL %s", r.ID, r.Detail)
		}
		status[r.ID] = r.Status
	}
	for _, id := range mustPass {
		if status[id] != "PASS" {
			s.t.Errorf("verify row %s: %q, want PASS (rows: %v)", id, status[id], status)
		}
	}
	if v.code != 0 {
		s.t.Errorf("verify exited %d; container log:\n%s\n%s", v.code, textsafe.Tail(strings.Join(rep.Log, "\n"), 15), v)
	}
}

// TestLanguageExamples is each newer provider's end-to-end test on its
// example, as a user runs it: `slipway init --yes` on a copy detects the
// service, the Dockerfile it writes builds in the lab with BuildKit's
// checks as errors, and the image passes `slipway verify` (no FAIL row, and
// the rows each language promises PASS), `slipway lint` and `slipway scan`
// at every severity.
//   - ruby (was TestRubyExample): main app.rb, port 8080 from $PORT,
//     /healthz; Bundler's deployment install on the ruby slim stand-in; the
//     exec-form HEALTHCHECK probes with Ruby's Net::HTTP.
//   - php (was TestPHPExample): Composer from the composer:2 stand-in, the
//     service under Apache with mod_php from php:8.2-apache.
//   - elixir (was TestElixirExample): the release, with its own probe run
//     by verify --exec.
//   - static (was TestStaticExample): taken for a static site, not a Node
//     service; npm ci and the build script on the node stand-in,
//     slipway-static compiled on the golang stand-in, both onto distroless
//     static; no shell; then two more runs under runc GET the content-hashed
//     bundle under assets/ and a client-side route (/about, index.html).
func TestLanguageExamples(t *testing.T) {
	for _, c := range []struct {
		name      string
		check     func(p *config.Project) bool // what init must have detected
		steps     []string                     // what the build's log must show
		verifyArg []string
		mustPass  []string
		after     func(s *session, dir, img string)
	}{
		{name: "ruby",
			check: func(p *config.Project) bool {
				return p.Language == "ruby" && p.Main == "app.rb" && p.Port == 8080 && p.PortEnv == "PORT" && p.Healthcheck.HTTPPath == "/healthz"
			},
			steps:    []string{"bundle install"},
			mustPass: []string{"non-root", "port", "healthcheck", "read-only-root"}},
		{name: "php",
			check: func(p *config.Project) bool {
				return p.Language == "php" && p.Main == "public" && p.Healthcheck.HTTPPath == "/healthz"
			},
			mustPass: []string{"non-root", "port", "healthcheck", "read-only-root"}},
		{name: "elixir",
			check:     func(p *config.Project) bool { return p.Language == "elixir" && p.Main == "hello" },
			verifyArg: []string{"--exec", `["/app/bin/hello", "eval", "Hello.Health.check()"]`},
			mustPass:  []string{"non-root", "port", "healthcheck", "read-only-root", "no-setuid"}},
		{name: "static",
			check: func(p *config.Project) bool {
				want := "/usr/local/bin/slipway-static -root /app -port 8080 -healthcheck"
				return p.Language == "static" && p.Main == "dist" && p.PackageManager == "npm" && p.Base == "distroless-static" && strings.Join(p.Healthcheck.Command, " ") == want
			},
			steps:     []string{"npm ci", "npm run build", "go build"},
			verifyArg: []string{"--exec", `["/usr/local/bin/slipway-static", "-port", "8080", "-healthcheck"]`},
			mustPass:  []string{"non-root", "port", "healthcheck", "read-only-root", "no-shell", "no-setuid"},
			after:     staticRoutes},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t, 15*time.Minute)
			dir, p := s.example(c.name, nil)
			if !c.check(p) {
				t.Fatalf("init wrote an unexpected slipway.toml: %+v", p)
			}
			img := filepath.Join(t.TempDir(), "image.tar")
			b := s.run(nil, "build", dir, "--checks", "-o", "type=oci,dest="+img, "--progress", "plain")
			if b.code != 0 {
				t.Fatalf("build: %s", b)
			}
			for _, step := range c.steps {
				if !strings.Contains(b.stderr+b.stdout, step) {
					t.Errorf("the build ran no %s:\n%s", step, textsafe.Tail(b.stderr, 20))
				}
			}
			if st, err := os.Stat(img); err == nil {
				t.Logf("built in %s, %d bytes", b.took.Round(100*time.Millisecond), st.Size())
			}
			s.verifyRows(img, dir, c.mustPass, c.verifyArg...)
			if r := s.run(nil, "lint", filepath.Join(dir, "Dockerfile")); r.code != 0 {
				t.Errorf("lint: %s", r)
			}
			if r := s.run(nil, "scan", img, "--severity", "info"); r.code != 0 {
				t.Errorf("scan is not clean: %s", r)
			}
			if c.after != nil {
				c.after(s, dir, img)
			}
		})
	}
}

// staticRoutes GETs, under runc, what the static example's build wrote: the
// content-hashed bundle under assets/ and a client-side route.
func staticRoutes(s *session, dir, img string) {
	js, err := os.ReadFile(filepath.Join(dir, "src", "main.js"))
	if err != nil {
		s.t.Fatal(err)
	}
	h := sha256.Sum256(js)
	for _, path := range []string{"/assets/main-" + hex.EncodeToString(h[:])[:8] + ".js", "/about"} {
		rep, err := verify.Run(s.ctx, verify.Options{Image: img, Config: filepath.Join(dir, config.FileName), HealthPath: path, Timeout: time.Minute})
		if err != nil {
			s.t.Fatalf("verify GET %s: %v", path, err)
		}
		for _, c := range rep.Rows {
			if c.ID == verify.CheckPort && c.Status != verify.Pass {
				s.t.Errorf("GET %s: %s %s, want PASS (200)", path, c.Status, c.Detail)
			}
		}
	}
}

// secretCase is one language's private-registry build secret.
type secretCase struct {
	name string
	// setup writes or edits the service in dir so that its manifest
	// names a private registry (the canary is the value the build will
	// get); "" example means setup writes the whole service.
	example string
	setup   func(s *session, dir, canary string)
	id, env string
	npmrc   bool // init must also set npmrc
	// hashCheck, when set, is a build_command prefix that fails unless the
	// secret env holds exactly the canary (its SHA-256 is appended), added
	// after the language line, and then the Dockerfile must mount the
	// secret as an env in both the install and the build step.
	hashCheck string
	// value turns the canary into what the secret holds (default: itself).
	value func(canary string) string
	// leak lists more strings that must be in no blob.
	leak []string
	// after checks more of the initialised service.
	after func(s *session, dir string)
}

// TestBuildSecretCanaries is the canary test of each language's private
// registry: a manifest naming one makes `init --yes` declare the secret
// (id and env); the build refuses to start without it, naming it; with a
// canary value the build passes (where hashCheck is set, a build step
// proves by its SHA-256 that exactly that value reached the build as a
// secret env), and the value is in no blob of the image (layers, config,
// history) nor in the build's output; the image still verifies.
//   - ruby (was TestRubyGemServerSecret): a Gemfile source
//     https://gems.example.com declares bundle_gems__example__com, read by
//     Bundler as $BUNDLE_GEMS__EXAMPLE__COM. The bundle is empty, so Bundler
//     never calls the server.
//   - php (was TestPHPComposerAuthSecret): a private Composer repository in
//     composer.json declares COMPOSER_AUTH; the canary is a password in the
//     JSON Composer reads. The lock locks no package, so Composer never
//     contacts the repository.
//   - elixir (was TestElixirHexKeySecret): a mix.exs that reads HEX_API_KEY
//     declares it; the release step compares the key's SHA-256.
//   - static (was TestStaticNpmTokenSecret): an .npmrc naming ${NPM_TOKEN}
//     declares npm_token and mounts the .npmrc in the install step; neither
//     the token nor the .npmrc is in any blob.
//   - python (was TestPythonPrivateIndexSecret): a requirements.txt whose
//     extra index URL carries ${PIP_TOKEN} (pip expands it) declares
//     pip_token; the extra index is the lab's own (it accepts any
//     credentials), written into the fixture only: the generated files
//     never name it.
func TestBuildSecretCanaries(t *testing.T) {
	for _, c := range []secretCase{
		{name: "ruby", example: "ruby", setup: rubyGemServer,
			id: "bundle_gems__example__com", env: "BUNDLE_GEMS__EXAMPLE__COM",
			hashCheck: `test "$(printf %s "$BUNDLE_GEMS__EXAMPLE__COM" | sha256sum | cut -d" " -f1)" = `},
		{name: "php", example: "php", setup: phpPrivateRepository, id: "composer_auth", env: "COMPOSER_AUTH",
			value: func(canary string) string {
				return `{"http-basic":{"php.packages.example.com":{"username":"ci","password":"` + canary + `"}}}`
			}},
		{name: "elixir", example: "elixir", setup: elixirHexKeyCheck, id: "hex_api_key", env: "HEX_API_KEY"},
		{name: "static", example: "static", id: "npm_token", env: "NPM_TOKEN", npmrc: true, leak: []string{"_authToken"},
			setup: func(s *session, dir, _ string) {
				if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"), 0o644); err != nil {
					s.t.Fatal(err)
				}
			},
			hashCheck: `test "$(printf %s "$NPM_TOKEN" | sha256sum | cut -d" " -f1)" = `},
		{name: "python", setup: pythonPrivateIndex, id: "pip_token", env: "PIP_TOKEN", after: func(s *session, dir string) {
			for _, f := range []string{config.FileName, "Dockerfile", ".dockerignore"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					s.t.Fatal(err)
				}
				if strings.Contains(string(b), s.lab.Registry) {
					s.t.Errorf("%s names the private index", f)
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { secretCanary(newSession(t, 15*time.Minute), c) })
	}
}

func secretCanary(s *session, c secretCase) {
	t := s.t
	canary := corpusCanary(t)
	var dir string
	var p *config.Project
	if c.example != "" {
		dir, p = s.example(c.example, func(dir string) { c.setup(s, dir, canary) })
	} else {
		dir = t.TempDir()
		c.setup(s, dir, canary)
		p = s.initYes(dir)
	}
	if len(p.Secrets) != 1 || p.Secrets[0].ID != c.id || p.Secrets[0].Env != c.env || p.Npmrc != c.npmrc {
		t.Fatalf("secrets %+v npmrc %v, want %s as $%s (npmrc %v)", p.Secrets, p.Npmrc, c.id, c.env, c.npmrc)
	}
	if c.after != nil {
		c.after(s, dir)
	}
	cfg := filepath.Join(dir, config.FileName)
	if c.hashCheck != "" {
		sum := sha256.Sum256([]byte(canary))
		check := c.hashCheck + hex.EncodeToString(sum[:])
		if c.npmrc {
			check += " && npm run build"
		}
		addBuildCommand(t, cfg, p.Language, []string{"sh", "-c", check})
		if r := s.run(nil, "generate", dir); r.code != 0 {
			t.Fatalf("generate: %s", r)
		}
		df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(df), "--mount=type=secret,id="+c.id+",env="+c.env); n != 2 {
			t.Errorf("the Dockerfile mounts the secret as an env in %d steps, want 2 (install and build):\n%s", n, df)
		}
	}
	img := filepath.Join(t.TempDir(), "image.tar")
	if r := s.run(nil, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the %s secret succeeded, want a refusal naming it", c.id)
	} else if !strings.Contains(r.stderr, c.id) {
		t.Errorf("the refusal does not name the secret: %s", r)
	}
	value := canary
	if c.value != nil {
		value = c.value(canary)
	}
	r := s.run([]string{"SLIPWAY_E2E_SECRET=" + value}, "build", dir, "--checks",
		"--secret", "id="+c.id+",env=SLIPWAY_E2E_SECRET", "-o", "type=oci,dest="+img, "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("build with the secret: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("the secret's value is in the build's output")
	}
	if leak, err := blobsContain(img, append([]string{canary}, c.leak...)); err != nil {
		t.Fatal(err)
	} else if leak != "" {
		t.Errorf("the secret's value (or %q) is in %s", c.leak, leak)
	}
	if v := s.run(nil, "verify", img, "--config", cfg); v.code != 0 {
		t.Errorf("verify: %s", v)
	}
}

// addBuildCommand sets build_command in a slipway.toml init wrote, after
// its language line.
func addBuildCommand(t *testing.T, cfg, lang string, argv []string) {
	t.Helper()
	bc, _ := json.Marshal(argv)
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	line := "language = \"" + lang + "\"\n"
	edited := strings.Replace(string(src), line, line+"build_command = "+string(bc)+"\n", 1)
	if edited == string(src) {
		t.Fatalf("no language line to add build_command after in:\n%s", src)
	}
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editFile replaces the first old with new in dir/name, failing when old
// is not there.
func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rubyGemServer points the Ruby example's Gemfile and lock at a private gem
// server.
func rubyGemServer(s *session, dir, _ string) {
	editFile(s.t, dir, "Gemfile", `source "https://rubygems.org"`, `source "https://gems.example.com"`)
	editFile(s.t, dir, "Gemfile.lock", "remote: https://rubygems.org/", "remote: https://gems.example.com/")
}

// phpPrivateRepository adds a private Composer repository to composer.json.
func phpPrivateRepository(s *session, dir, _ string) {
	cj := filepath.Join(dir, "composer.json")
	src, err := os.ReadFile(cj)
	if err != nil {
		s.t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		s.t.Fatal(err)
	}
	doc["repositories"] = []any{map[string]any{"type": "composer", "url": "https://php.packages.example.com"}}
	out, _ := json.MarshalIndent(doc, "", "    ")
	if err := os.WriteFile(cj, out, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// elixirHexKeyCheck adds a release step to mix.exs that reads HEX_API_KEY
// and fails unless its SHA-256 is the canary's.
func elixirHexKeyCheck(s *session, dir, canary string) {
	sum := sha256.Sum256([]byte(canary))
	editFile(s.t, dir, "mix.exs", "include_executables_for: [:unix]]", "include_executables_for: [:unix], steps: [&check_hex_key/1, :assemble]]")
	editFile(s.t, dir, "mix.exs", "  defp deps do", `  # A private organization's packages need HEX_API_KEY; this build
  # checks that exactly the expected key reached it.
  defp check_hex_key(release) do
    key = System.get_env("HEX_API_KEY") || Mix.raise("HEX_API_KEY is not set")

    if Base.encode16(:crypto.hash(:sha256, key), case: :lower) != "`+hex.EncodeToString(sum[:])+`",
      do: Mix.raise("HEX_API_KEY is not the expected key")

    release
  end

  defp deps do`)
}

// pythonPrivateIndex writes a Flask service whose requirements.txt names
// the lab's index as an extra index with ${PIP_TOKEN} in its URL.
func pythonPrivateIndex(s *session, dir, _ string) {
	files := map[string]string{
		"requirements.txt": "--extra-index-url http://ci:${PIP_TOKEN}@" + s.lab.Registry + "/pypi/simple/\nFlask==2.2.2\ngunicorn==20.1.0\n",
		"main.py":          "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route(\"/healthz\")\ndef healthz():\n    return \"ok\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}
