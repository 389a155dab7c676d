package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// phpExample copies examples/php into a fresh directory and returns it.
func phpExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "php")
	if err := copyTree(filepath.Join("..", "..", "examples", "php"), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPHPExample is the PHP provider's end-to-end test: `slipway init
// --yes` on a copy of examples/php, `slipway build` in the lab (a generated
// Dockerfile is built with BuildKit's checks as errors), `slipway verify`
// with every row passing but the two that cannot apply (no shell: the
// php-apache base has one; size: no budget), and `slipway scan` clean at
// every severity. The build runs Composer from the composer:2 stand-in and
// the service runs under Apache with mod_php from the php:8.2-apache one.
func TestPHPExample(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir := phpExample(t)
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	proj, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if proj.Language != "php" || proj.Main != "public" || proj.Healthcheck.HTTPPath != "/healthz" {
		t.Fatalf("init wrote language %q, main %q, healthcheck.http_path %q; want php, public, /healthz",
			proj.Language, proj.Main, proj.Healthcheck.HTTPPath)
	}
	img := filepath.Join(t.TempDir(), "image.tar")
	b := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain")
	if b.code != 0 {
		t.Fatalf("build: %s", b)
	}
	t.Logf("built in %s", b.took.Round(100*time.Millisecond))
	v := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, config.FileName), "--json")
	var rep struct {
		Rows []struct{ ID, Status, Detail string } `json:"checks"`
		Log  []string                              `json:"container_log"`
	}
	if err := json.Unmarshal([]byte(v.stdout), &rep); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, v)
	}
	mustPass := map[string]bool{"non-root": true, "port": true, "healthcheck": true, "read-only-root": true}
	for _, r := range rep.Rows {
		t.Logf("verify %s: %s %s", r.ID, r.Status, r.Detail)
		if r.Status == "FAIL" || (mustPass[r.ID] && r.Status != "PASS") {
			t.Errorf("verify %s: %s, want PASS: %s", r.ID, r.Status, r.Detail)
		}
		delete(mustPass, r.ID)
	}
	for id := range mustPass {
		t.Errorf("verify reported no %s row", id)
	}
	if v.code != 0 {
		t.Errorf("verify exited %d; container log:\n%s", v.code, tail(strings.Join(rep.Log, "\n"), 15))
	}
	if s := runSlipway(ctx, t, env, "scan", img, "--severity", "info"); s.code != 0 {
		t.Errorf("scan is not clean: %s", s)
	}
}

// TestPHPComposerAuthSecret: a composer.json naming a private Composer
// repository makes `init --yes` declare COMPOSER_AUTH as a build secret;
// the build fails without it, and with it (a canary password in the JSON
// Composer reads) the value is in no blob of the image (layers, config,
// history) nor in the build's output. The lock file locks no package, so
// Composer never contacts the repository (unreachable from the lab).
func TestPHPComposerAuthSecret(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	dir := phpExample(t)
	cj := filepath.Join(dir, "composer.json")
	src, err := os.ReadFile(cj)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	doc["repositories"] = []any{map[string]any{"type": "composer", "url": "https://php.packages.example.com"}}
	out, _ := json.MarshalIndent(doc, "", "    ")
	if err := os.WriteFile(cj, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	proj, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(proj.Secrets) != 1 || proj.Secrets[0].ID != "composer_auth" || proj.Secrets[0].Env != "COMPOSER_AUTH" {
		t.Fatalf("secrets %+v, want composer_auth as $COMPOSER_AUTH", proj.Secrets)
	}
	img := filepath.Join(t.TempDir(), "image.tar")
	if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the composer_auth secret succeeded, want a failure naming it")
	}
	canary := corpusCanary(t)
	auth := `{"http-basic":{"php.packages.example.com":{"username":"ci","password":"` + canary + `"}}}`
	r := runSlipway(ctx, t, append(env, "SLIPWAY_E2E_COMPOSER_AUTH="+auth), "build", dir,
		"--secret", "id=composer_auth,env=SLIPWAY_E2E_COMPOSER_AUTH", "-o", "type=oci,dest="+img, "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("build: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("the secret's value is in the build's output")
	}
	if leak, err := blobsContain(img, []string{canary}); err != nil {
		t.Fatal(err)
	} else if leak != "" {
		t.Errorf("the secret's value is in %s", leak)
	}
	if v := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, config.FileName)); v.code != 0 {
		t.Errorf("verify: %s", v)
	}
}
