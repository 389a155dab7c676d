package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/image"
)

// The situations of the README's exit-code table.
const (
	sitSuccess   = "success"
	sitFinding   = "a finding"
	sitUsage     = "bad usage"
	sitConfig    = "bad config"
	sitNotImage  = "a non-image input"
	sitCancelled = "a cancelled run"
)

// wantCode is the README's table: one code per situation, for every
// command.
var wantCode = map[string]int{
	sitSuccess: exitOK, sitFinding: exitFailure, sitUsage: exitUsage,
	sitConfig: exitUsage, sitNotImage: exitUsage, sitCancelled: exitCanceled,
}

// elsewhere are the situations a command has that need a BuildKit daemon,
// a registry of built images or runc with an image that really runs: the
// integration tests named here assert their exit codes.
var elsewhere = map[string]map[string]string{
	"build":        {sitSuccess: "internal/e2e (every example built through the CLI)"},
	"verify":       {sitSuccess: "internal/e2e", sitFinding: "TestVerifyFailingImageExitsOne (runc)"},
	"golden build": {sitSuccess: "internal/golden TestGoldenIntegration", sitFinding: "internal/golden (a failing image in the graph)"},
	"golden check": {sitSuccess: "internal/golden (current after a build)"},
}

// noSuch are the situations a command does not have.
var noSuch = map[string][]string{
	"rules":      {sitFinding, sitConfig, sitNotImage},
	"version":    {sitFinding, sitConfig, sitNotImage},
	"completion": {sitFinding, sitConfig, sitNotImage, sitCancelled},
	"help":       {sitFinding, sitConfig, sitNotImage, sitCancelled},
	"init":       {sitNotImage},
	"generate":   {sitNotImage},
	"lint":       {sitNotImage}, // a Dockerfile that does not parse is bad input: TestExitCodesLintGenerateRules
	"pin":        {sitNotImage},
	"build":      {sitNotImage},
	"golden build": {
		sitNotImage,
	},
	"golden check": {sitNotImage},
	"golden users": {sitNotImage},
	"key":          {sitFinding, sitConfig, sitNotImage, sitCancelled},
	// key generate finishes before it looks at the context: nothing to cancel.
	"key generate": {sitFinding, sitNotImage, sitCancelled},
}

// TestExitCodesEveryCommand: for every command of the tree, every
// situation of the README's exit-code table it has is run here (or named
// in elsewhere, or declared absent in noSuch) and exits with the table's
// code. A command added without its rows fails the test.
func TestExitCodesEveryCommand(t *testing.T) {
	t.Setenv(image.EnvRegistryMirror, "")
	t.Setenv("BUILDKIT_HOST", "unix:///nonexistent/buildkitd.sock")
	t.Setenv("NO_COLOR", "1")

	// A loopback registry serving the catalogue's distroless-static, for
	// pin and init --pin.
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	push := func() {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		// The final base and the build stage's toolchain: pin pins both.
		for _, r := range []string{"/distroless/static-debian12:nonroot", "/library/golang:1.26-bookworm"} {
			ref, err := name.ParseReference(host+r, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(ref, img); err != nil {
				t.Fatal(err)
			}
		}
	}
	push()

	goService := map[string]string{
		"go.mod":          "module example.com/api\n\ngo 1.26\n",
		"cmd/api/main.go": "package main\n\nfunc main() {}\n",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range goService {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	const goToml = "name = \"api\"\nlanguage = \"go\"\nmain = \"./cmd/api\"\nbase = \"distroless-static\"\nport = 8080\n[healthcheck]\ncommand = [\"/app/api\", \"-healthcheck\"]\n"
	const badToml = "name = \"api\"\nlanguage = \"go\"\nport = \"http\"\n"
	spec := "name = \"base\"\nfrom = \"docker.io/library/debian:bookworm-slim\"\n[user]\nname = \"app\"\nuid = 10001\n"
	tree := writeTree(t, map[string]string{
		"golden/base.toml":          spec,
		"badgolden/base.toml":       spec + "[healthcheck]\ncommand = [\"/bin/true\"]\ninterval = \"100us\"\n",
		"badteam/slipway-team.toml": "min_uid = \"high\"\n",
		"lint/Dockerfile":           "FROM debian:bookworm-slim\nRUN apt-get update\n",
		"clean/Dockerfile":          cleanDockerfile,
		"clean/.dockerignore":       ".git\n.env\n.env.*\n**/.env\n*.pem\n*.key\n**/id_rsa*\n**/id_ed25519*\n.npmrc\n.pypirc\n.netrc\n.aws\n.docker\n",
		"notimage.tar":              "this is not a tarball\n",
		"svc/Dockerfile":            "FROM scratch\nCOPY a /\n",
		"svc/a":                     "a\n",
		"badsvc/slipway.toml":       badToml,
		"goldsvc/slipway.toml":      "name = \"api\"\nlanguage = \"go\"\nbase = \"golden:base\"\n",
		"afile":                     "not a directory\n",
	})
	at := func(p string) string { return filepath.Join(tree, p) }
	fresh := func(files map[string]string) func() string { return func() string { return writeTree(t, files) } }
	generated := func() string {
		d := writeTree(t, with(map[string]string{"slipway.toml": goToml}))
		if code, _, stderr := slipway(t, "generate", d); code != 0 {
			t.Fatalf("generate: exit %d\n%s", code, stderr)
		}
		return d
	}
	drifted := func() string {
		d := generated()
		if err := os.WriteFile(filepath.Join(d, "slipway.toml"), []byte(strings.Replace(goToml, "8080", "9090", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	pinnedThenMoved := func() string {
		d := writeTree(t, with(map[string]string{"slipway.toml": goToml}))
		if code, _, stderr := slipway(t, "pin", d, "--registry-mirror", host); code != 0 {
			t.Fatalf("pin: exit %d\n%s", code, stderr)
		}
		push() // the tag moves
		return d
	}
	clean, dirty, _ := scanFixtures(t)
	cleanImage := writeLayout(t, clean, filepath.Join(t.TempDir(), "clean"))
	dirtyImage := writeLayout(t, dirty, filepath.Join(t.TempDir(), "dirty"))
	usersRoot := func() string {
		root := writeTree(t, map[string]string{
			"svc/behind/slipway.toml": "name = \"behind\"\nlanguage = \"go\"\nbase = \"golden:base\"\nbase_digest = \"" + olderDigest + "\"\n",
			"svc/ok/slipway.toml":     "name = \"ok\"\nlanguage = \"go\"\nbase = \"golden:base\"\nbase_digest = \"" + lockedDigest + "\"\n",
		})
		lock := &golden.Lock{Version: golden.LockVersion, Images: map[string]*golden.LockEntry{
			"base": {Image: "registry.example.com/golden/base", Digest: lockedDigest, BuiltAt: time.Unix(0, 0)},
		}}
		if err := os.MkdirAll(filepath.Join(root, "golden"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := lock.Write(filepath.Join(root, "golden", golden.LockFileName)); err != nil {
			t.Fatal(err)
		}
		return root
	}()

	type row struct {
		cmd, sit string
		args     func() []string
		env      map[string]string
	}
	args := func(a ...string) func() []string { return func() []string { return a } }
	rows := []row{
		{"init", sitSuccess, func() []string {
			return []string{"init", fresh(goService)(), "--yes", "--base", "distroless-static", "--port", "8080", "--healthcheck-cmd", `["/app/api","-healthcheck"]`}
		}, nil},
		{"init", sitFinding, func() []string { // a refused overwrite
			return []string{"init", fresh(with(map[string]string{"slipway.toml": goToml}))(), "--yes", "--name", "theirs"}
		}, nil},
		{"init", sitUsage, args("init", "--port", "abc"), nil},
		{"init", sitUsage, args("init", at("afile"), "--yes"), nil},
		{"init", sitConfig, func() []string {
			return []string{"init", fresh(with(map[string]string{"slipway.toml": badToml}))(), "--yes"}
		}, nil},
		{"init", sitCancelled, func() []string {
			return []string{"init", fresh(goService)(), "--yes", "--base", "distroless-static", "--pin", "--registry-mirror", host}
		}, nil},

		{"generate", sitSuccess, func() []string { return []string{"generate", fresh(with(map[string]string{"slipway.toml": goToml}))()} }, nil},
		{"generate", sitFinding, func() []string { return []string{"generate", "--check", drifted()} }, nil},
		{"generate", sitUsage, args("generate", "--check", "--force", at("svc")), nil},
		{"generate", sitConfig, args("generate", at("badsvc")), nil},
		{"generate", sitCancelled, func() []string { return []string{"generate", fresh(with(map[string]string{"slipway.toml": goToml}))()} }, nil},

		{"pin", sitSuccess, func() []string {
			return []string{"pin", fresh(with(map[string]string{"slipway.toml": goToml}))(), "--registry-mirror", host}
		}, nil},
		{"pin", sitFinding, func() []string { return []string{"pin", "--check", pinnedThenMoved(), "--registry-mirror", host} }, nil},
		{"pin", sitUsage, args("pin", "a", "b"), nil},
		{"pin", sitConfig, args("pin", at("badsvc"), "--registry-mirror", host), nil},
		{"pin", sitSuccess, args("pin", at("goldsvc"), "--registry-mirror", host), nil}, // a golden base: golden.lock pins it, pin pins the build stage
		{"pin", sitCancelled, func() []string {
			return []string{"pin", fresh(with(map[string]string{"slipway.toml": goToml}))(), "--registry-mirror", host}
		}, nil},

		{"build", sitFinding, args("build", at("svc")), nil}, // the daemon is unreachable: a failure, not bad input
		{"build", sitUsage, args("build", "--no-such-flag", at("svc")), nil},
		{"build", sitUsage, args("build", at("svc")), map[string]string{"BUILDKIT_HOST": "tcp://host:notaport"}},
		{"build", sitConfig, args("build", at("badsvc")), nil},
		{"build", sitConfig, args("build", "--team", at("badteam/slipway-team.toml"), at("svc")), nil},
		{"build", sitCancelled, args("build", at("svc")), nil},

		{"verify", sitUsage, args("verify"), nil},
		{"verify", sitUsage, args("verify", "x.tar", "--size-budget", "25"), nil},
		{"verify", sitConfig, args("verify", "--config", at("badsvc/slipway.toml"), cleanImage), nil},
		{"verify", sitNotImage, args("verify", at("notimage.tar")), nil},
		{"verify", sitNotImage, args("verify", at("lint")), nil},
		{"verify", sitCancelled, args("verify", cleanImage), nil},

		{"lint", sitSuccess, args("lint", at("clean/Dockerfile")), nil},
		{"lint", sitFinding, args("lint", at("lint/Dockerfile")), nil},
		{"lint", sitUsage, args("lint", "--format", "xml", at("lint/Dockerfile")), nil},
		{"lint", sitConfig, args("lint", "--team", at("badteam/slipway-team.toml"), at("lint/Dockerfile")), nil},
		{"lint", sitCancelled, args("lint", at("lint/Dockerfile")), nil},

		{"scan", sitSuccess, args("scan", cleanImage), nil},
		{"scan", sitFinding, args("scan", dirtyImage), nil},
		{"scan", sitUsage, args("scan", "--severity", "loud", cleanImage), nil},
		{"scan", sitConfig, args("scan", "--team", at("badteam/slipway-team.toml"), cleanImage), nil},
		{"scan", sitNotImage, args("scan", at("notimage.tar")), nil},
		{"scan", sitCancelled, args("scan", dirtyImage), nil},

		{"rules", sitSuccess, args("rules"), nil},
		{"rules", sitUsage, args("rules", "SW999"), nil},
		{"rules", sitCancelled, args("rules"), nil},

		{"golden build", sitUsage, args("golden", "build", "--jobs", "0", "--dir", at("golden"), "--registry", "r.example.com/p"), nil},
		{"golden build", sitUsage, args("golden", "build", "--dir", at("golden"), "--registry", "r.example.com/p"), map[string]string{"BUILDKIT_HOST": "bogus"}},
		{"golden build", sitConfig, args("golden", "build", "--dir", at("golden")), nil}, // no registry
		{"golden build", sitConfig, args("golden", "build", "--dir", at("nope"), "--registry", "r.example.com/p"), nil},
		{"golden build", sitConfig, args("golden", "build", "--dir", at("badgolden"), "--registry", "r.example.com/p"), nil},
		{"golden build", sitCancelled, args("golden", "build", "--dir", at("golden"), "--registry", "r.example.com/p", "--registry-mirror", host), nil},

		{"golden check", sitFinding, args("golden", "check", "--dir", at("golden")), nil}, // never built: stale
		{"golden check", sitUsage, args("golden", "check", "--mirror", host), nil},
		{"golden check", sitConfig, args("golden", "check", "--dir", at("nope")), nil},
		{"golden check", sitConfig, args("golden", "check", "--dir", at("badgolden")), nil},
		{"golden check", sitCancelled, args("golden", "check", "--dir", at("golden")), nil},

		{"golden users", sitSuccess, args("golden", "users", filepath.Join(usersRoot, "svc", "ok")), nil},
		{"golden users", sitFinding, args("golden", "users", filepath.Join(usersRoot, "svc")), nil},
		{"golden users", sitUsage, args("golden", "users", "--format", "yaml", usersRoot), nil},
		{"golden users", sitConfig, args("golden", "users", at("svc")), nil}, // no golden.lock above it
		{"golden users", sitCancelled, args("golden", "users", filepath.Join(usersRoot, "svc")), nil},

		{"key", sitSuccess, args("key"), nil},
		{"key", sitUsage, args("key", "extra"), nil},
		{"key generate", sitSuccess, func() []string { return []string{"key", "generate", t.TempDir()} }, map[string]string{"SLIPWAY_KEY_PASSWORD": "exit-codes-test"}},
		{"key generate", sitUsage, args("key", "generate"), map[string]string{"SLIPWAY_KEY_PASSWORD": "exit-codes-test"}},
		{"key generate", sitConfig, func() []string { return []string{"key", "generate", t.TempDir()} }, map[string]string{"SLIPWAY_KEY_PASSWORD": ""}}, // no passphrase

		{"version", sitSuccess, args("version"), nil},
		{"version", sitSuccess, args("--version"), nil},
		{"version", sitUsage, args("version", "--no-such-flag"), nil},
		{"version", sitCancelled, args("version"), nil},
		{"completion", sitSuccess, args("completion", "bash"), nil},
		{"completion", sitUsage, args("completion", "tcsh"), nil},
		{"help", sitSuccess, args("help", "lint"), nil},
		{"help", sitUsage, args("help", "--no-such-flag"), nil},
		{"golden", sitSuccess, args("golden"), nil},
		{"golden", sitUsage, args("golden", "rebuild"), nil},
		{"slipway", sitSuccess, args("--help"), nil},
		{"slipway", sitUsage, args("frobnicate"), nil},
		{"slipway", sitUsage, args("--color=sometimes", "rules"), nil},
	}

	covered := map[string]map[string]bool{}
	for _, r := range rows {
		r := r
		if covered[r.cmd] == nil {
			covered[r.cmd] = map[string]bool{}
		}
		covered[r.cmd][r.sit] = true
		t.Run(r.cmd+"/"+r.sit, func(t *testing.T) {
			for k, v := range r.env {
				t.Setenv(k, v)
			}
			ctx := context.Background()
			if r.sit == sitCancelled {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			a := r.args()
			want := wantCode[r.sit]
			if (r.cmd == "rules" || r.cmd == "version") && r.sit == sitCancelled {
				want = exitOK // nothing to cancel: they complete before looking at the context
			}
			code, _, stderr := runCtx(t, ctx, a...)
			t.Logf("%v: exit %d: %.160s", a, code, strings.ReplaceAll(stderr, "\n", " / "))
			if code != want {
				t.Errorf("%v: exit %d, want %d (%s); stderr:\n%s", a, code, want, r.sit, stderr)
			}
			if want == exitUsage && strings.TrimSpace(stderr) == "" {
				t.Errorf("%v: exit 2 with nothing on stderr", a)
			}
		})
	}

	// Every command of the tree has every situation accounted for.
	var paths []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		p := strings.TrimPrefix(c.CommandPath(), "slipway ")
		paths = append(paths, p)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	root := newRootCmd()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walk(root)
	sort.Strings(paths)
	for _, p := range paths {
		if strings.HasPrefix(p, "completion ") {
			continue // completion's per-shell subcommands: covered by "completion bash"
		}
		for _, sit := range []string{sitSuccess, sitFinding, sitUsage, sitConfig, sitNotImage, sitCancelled} {
			if covered[p][sit] || elsewhere[p][sit] != "" {
				continue
			}
			absent := false
			for _, s := range noSuch[p] {
				absent = absent || s == sit
			}
			if p == "slipway" || p == "golden" {
				absent = absent || (sit != sitSuccess && sit != sitUsage)
			}
			if !absent {
				t.Errorf("command %q: no row for %q (add one, or name where it is tested, or say it has none)", p, sit)
			}
		}
	}
}
