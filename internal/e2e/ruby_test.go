package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// rubyExample copies examples/ruby to a scratch folder and runs `slipway
// init --yes` on it, as a user would; it returns the folder.
func rubyExample(ctx context.Context, t *testing.T, env []string, edit func(dir string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hello-ruby")
	if err := copyTree(filepath.Join("..", "..", "examples", "ruby"), dir); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(dir)
	}
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	return dir
}

// TestRubyExample: `slipway init --yes` on examples/ruby detects a Ruby
// service (main app.rb, port 8080 from $PORT, /healthz), the Dockerfile it
// writes builds in the lab with BuildKit's checks as errors (Bundler's
// deployment install of Gemfile.lock on the ruby slim stand-in), and the
// image passes every row of `slipway verify` that applies (non-root as
// 10001, the port answers, the exec-form HEALTHCHECK that probes with
// Ruby's Net::HTTP, the read-only root), `slipway lint` and `slipway scan`.
func TestRubyExample(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir := rubyExample(ctx, t, env, nil)
	proj, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if proj.Language != "ruby" || proj.Main != "app.rb" || proj.Port != 8080 || proj.PortEnv != "PORT" || proj.Healthcheck.HTTPPath != "/healthz" {
		t.Fatalf("init wrote language %q main %q port %d port_env %q http_path %q, want ruby app.rb 8080 PORT /healthz",
			proj.Language, proj.Main, proj.Port, proj.PortEnv, proj.Healthcheck.HTTPPath)
	}

	img := filepath.Join(t.TempDir(), "image.tar")
	b := runSlipway(ctx, t, env, "build", dir, "--checks", "-o", "type=oci,dest="+img, "--progress", "plain")
	if b.code != 0 {
		t.Fatalf("build: %s", b)
	}
	if !strings.Contains(b.stderr+b.stdout, "bundle install") {
		t.Errorf("the build ran no bundle install:\n%s", tail(b.stderr, 20))
	}
	t.Logf("built in %s", b.took.Round(100*time.Millisecond))

	v := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, config.FileName), "--json")
	var rep struct {
		Rows []struct{ ID, Status, Detail string } `json:"checks"`
	}
	if err := json.Unmarshal([]byte(v.stdout), &rep); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, v)
	}
	if v.code != 0 {
		t.Errorf("verify: %s", v)
	}
	passed := map[string]bool{}
	for _, r := range rep.Rows {
		t.Logf("verify %s: %s %s", r.ID, r.Status, r.Detail)
		if r.Status == "FAIL" {
			t.Errorf("verify %s: FAIL %s", r.ID, r.Detail)
		}
		passed[r.ID] = r.Status == "PASS"
	}
	for _, id := range []string{"non-root", "port", "healthcheck", "read-only-root"} {
		if !passed[id] {
			t.Errorf("verify row %s did not pass (rows: %v)", id, passed)
		}
	}
	if r := runSlipway(ctx, t, env, "lint", filepath.Join(dir, "Dockerfile")); r.code != 0 {
		t.Errorf("lint: %s", r)
	}
	if r := runSlipway(ctx, t, env, "scan", img, "--severity", "info"); r.code != 0 {
		t.Errorf("scan is not clean: %s", r)
	}
}

// TestRubyGemServerSecret is the canary test of a private gem server: a
// Gemfile whose source is https://gems.example.com makes `init --yes`
// declare the secret bundle_gems__example__com, read by Bundler as
// $BUNDLE_GEMS__EXAMPLE__COM; the build refuses to start without it; with
// a canary value, a build step (build_command, which runs with the same
// secret mounts as the install) proves by its SHA-256 that exactly that
// value reached the build as a secret env, and the value is in no blob of
// the image (layers, config, history) nor in the build's output. The
// example's bundle is empty, so Bundler never calls the server (the lab
// has none).
func TestRubyGemServerSecret(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir := rubyExample(ctx, t, env, func(dir string) {
		for f, from := range map[string]string{"Gemfile": `source "https://rubygems.org"`, "Gemfile.lock": "remote: https://rubygems.org/"} {
			p := filepath.Join(dir, f)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			to := strings.ReplaceAll(from, "rubygems.org", "gems.example.com")
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	cfg := filepath.Join(dir, config.FileName)
	proj, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(proj.Secrets) != 1 || proj.Secrets[0].ID != "bundle_gems__example__com" || proj.Secrets[0].Env != "BUNDLE_GEMS__EXAMPLE__COM" {
		t.Fatalf("secrets %+v, want bundle_gems__example__com as $BUNDLE_GEMS__EXAMPLE__COM", proj.Secrets)
	}

	canary := corpusCanary(t)
	sum := sha256.Sum256([]byte(canary))
	check := `test "$(printf %s "$BUNDLE_GEMS__EXAMPLE__COM" | sha256sum | cut -d" " -f1)" = ` + hex.EncodeToString(sum[:])
	bc, _ := json.Marshal([]string{"sh", "-c", check})
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "language = \"ruby\"\n", "language = \"ruby\"\nbuild_command = "+string(bc)+"\n", 1)
	if edited == string(src) {
		t.Fatalf("no language line to add build_command after in:\n%s", src)
	}
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runSlipway(ctx, t, env, "generate", dir); r.code != 0 {
		t.Fatalf("generate: %s", r)
	}
	df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(df), "--mount=type=secret,id=bundle_gems__example__com,env=BUNDLE_GEMS__EXAMPLE__COM"); n != 2 {
		t.Errorf("the Dockerfile mounts the secret as an env in %d steps, want 2 (install and build):\n%s", n, df)
	}

	img := filepath.Join(t.TempDir(), "image.tar")
	if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the bundle_gems__example__com secret succeeded, want a refusal naming it")
	} else if !strings.Contains(r.stderr, "bundle_gems__example__com") {
		t.Errorf("the refusal does not name the secret: %s", r)
	}
	r := runSlipway(ctx, t, append(env, "SLIPWAY_E2E_GEM_TOKEN="+canary), "build", dir, "--checks",
		"--secret", "id=bundle_gems__example__com,env=SLIPWAY_E2E_GEM_TOKEN", "-o", "type=oci,dest="+img, "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("build (the build step checks the secret's hash): %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("the secret's value is in the build's output")
	}
	if leak, err := blobsContain(img, []string{canary}); err != nil {
		t.Fatal(err)
	} else if leak != "" {
		t.Errorf("the secret's value is in %s", leak)
	}
	if v := runSlipway(ctx, t, env, "verify", img, "--config", cfg); v.code != 0 {
		t.Errorf("verify: %s", v)
	}
}
