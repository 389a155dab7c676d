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
	"github.com/slipway/slipway/internal/verify"
)

// staticExample copies examples/static to a scratch folder, lets edit
// change it, and runs `slipway init --yes` on it, as a user would.
func staticExample(ctx context.Context, t *testing.T, env []string, edit func(dir string)) (string, *config.Project) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hello-static")
	if err := copyTree(filepath.Join("..", "..", "examples", "static"), dir); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(dir)
	}
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	p, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return dir, p
}

// TestStaticExample: `slipway init --yes` on examples/static takes it for a
// static site (not a Node service), the Dockerfile it writes builds in the
// lab with BuildKit's checks as errors (npm ci and the build script on the
// node stand-in, slipway-static compiled on the golang stand-in, both onto
// distroless static), and the image passes every row of `slipway verify`
// (non-root as 65532, the port answers, the server's own -healthcheck as an
// exec-form HEALTHCHECK, no shell, read-only root), `slipway lint` and
// `slipway scan`. Two more runs under runc GET what the build wrote: the
// content-hashed bundle under assets/ and a client-side route (/about,
// answered with index.html).
func TestStaticExample(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir, p := staticExample(ctx, t, env, nil)
	want := []string{"/usr/local/bin/slipway-static", "-root", "/app", "-port", "8080", "-healthcheck"}
	if p.Language != "static" || p.Main != "dist" || p.PackageManager != "npm" || p.Base != "distroless-static" || strings.Join(p.Healthcheck.Command, " ") != strings.Join(want, " ") {
		t.Fatalf("init wrote language %q main %q package_manager %q base %q healthcheck %q, want static dist npm distroless-static %q",
			p.Language, p.Main, p.PackageManager, p.Base, p.Healthcheck.Command, want)
	}

	img := filepath.Join(t.TempDir(), "image.tar")
	b := runSlipway(ctx, t, env, "build", dir, "--checks", "-o", "type=oci,dest="+img, "--progress", "plain")
	if b.code != 0 {
		t.Fatalf("build: %s", b)
	}
	for _, step := range []string{"npm ci", "npm run build", "go build"} {
		if !strings.Contains(b.stderr+b.stdout, step) {
			t.Errorf("the build ran no %s:\n%s", step, tail(b.stderr, 20))
		}
	}
	st, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built in %s, %d bytes", b.took.Round(100*time.Millisecond), st.Size())

	v := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, config.FileName), "--json",
		"--exec", `["/usr/local/bin/slipway-static", "-port", "8080", "-healthcheck"]`)
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
	for _, id := range []string{"non-root", "port", "healthcheck", "read-only-root", "no-shell", "no-setuid"} {
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

	js, err := os.ReadFile(filepath.Join(dir, "src", "main.js"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(js)
	for _, path := range []string{"/assets/main-" + hex.EncodeToString(h[:])[:8] + ".js", "/about"} {
		rep, err := verify.Run(ctx, verify.Options{Image: img, Config: filepath.Join(dir, config.FileName), HealthPath: path, Timeout: time.Minute})
		if err != nil {
			t.Fatalf("verify GET %s: %v", path, err)
		}
		for _, c := range rep.Rows {
			if c.ID == verify.CheckPort && c.Status != verify.Pass {
				t.Errorf("GET %s: %s %s, want PASS (200)", path, c.Status, c.Detail)
			}
		}
	}
}

// TestStaticNpmTokenSecret is the canary test of a static site's build
// secret: an .npmrc naming its token as ${NPM_TOKEN} makes `init --yes`
// declare the secret npm_token (env NPM_TOKEN) and mount the .npmrc in the
// install step; the build refuses to start without it; with a canary
// value, the build step (build_command, with the same secret mounts as
// npm ci) proves by its SHA-256 that exactly that value reached it, and
// the value is in no blob of the image nor in the build's output. The
// example has no dependency, so npm never calls the registry with it.
func TestStaticNpmTokenSecret(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir, p := staticExample(ctx, t, env, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if len(p.Secrets) != 1 || p.Secrets[0].ID != "npm_token" || p.Secrets[0].Env != "NPM_TOKEN" || !p.Npmrc {
		t.Fatalf("secrets %+v npmrc %v, want npm_token as $NPM_TOKEN and npmrc", p.Secrets, p.Npmrc)
	}
	canary := corpusCanary(t)
	sum := sha256.Sum256([]byte(canary))
	check := `test "$(printf %s "$NPM_TOKEN" | sha256sum | cut -d" " -f1)" = ` + hex.EncodeToString(sum[:]) + ` && npm run build`
	bc, _ := json.Marshal([]string{"sh", "-c", check})
	cfg := filepath.Join(dir, config.FileName)
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "language = \"static\"\n", "language = \"static\"\nbuild_command = "+string(bc)+"\n", 1)
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
	if n := strings.Count(string(df), "--mount=type=secret,id=npm_token,env=NPM_TOKEN"); n != 2 {
		t.Errorf("the Dockerfile mounts the secret as an env in %d steps, want 2 (install and build):\n%s", n, df)
	}
	img := filepath.Join(t.TempDir(), "image.tar")
	if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the npm_token secret succeeded, want a refusal naming it")
	} else if !strings.Contains(r.stderr, "npm_token") {
		t.Errorf("the refusal does not name the secret: %s", r)
	}
	r := runSlipway(ctx, t, append(env, "SLIPWAY_E2E_NPM_TOKEN="+canary), "build", dir, "--checks",
		"--secret", "id=npm_token,env=SLIPWAY_E2E_NPM_TOKEN", "-o", "type=oci,dest="+img, "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("build (the build step checks the secret's hash): %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("the secret's value is in the build's output")
	}
	if leak, err := blobsContain(img, []string{canary, "_authToken"}); err != nil {
		t.Fatal(err)
	} else if leak != "" {
		t.Errorf("the secret's value or the .npmrc is in %s", leak)
	}
	if v := runSlipway(ctx, t, env, "verify", img, "--config", cfg); v.code != 0 {
		t.Errorf("verify: %s", v)
	}
}
