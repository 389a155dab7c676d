package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
)

// TestHealthProbes builds, against the lab, the three HEALTHCHECKs that
// shell-less bases get (issue 9, classes 6 and 8) from what `init --yes`
// wrote, and runs them under `slipway verify`: slipway's static probe over
// HTTP on distroless-static, the same probe over gRPC health, and a Rust
// package's own healthcheck binary on distroless-cc. A wrong health path
// must then make the probe fail, so a pass is the probe's own verdict.
func TestHealthProbes(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	slipwayBinary(t)
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}

	verify := func(t *testing.T, dir, img string) (status, detail string) {
		t.Helper()
		run := runSlipway(ctx, t, env, "verify", img, "--config", filepath.Join(dir, "slipway.toml"), "--json")
		var rep struct {
			Rows []struct{ ID, Status, Detail string } `json:"checks"`
		}
		if err := json.Unmarshal([]byte(run.stdout), &rep); err != nil {
			t.Fatalf("verify --json: %v\n%s", err, run)
		}
		for _, r := range rep.Rows {
			if r.ID == "healthcheck" {
				return r.Status, r.Detail
			}
		}
		t.Fatalf("verify has no healthcheck row:\n%s", run)
		return "", ""
	}
	build := func(t *testing.T, dir, img string) {
		t.Helper()
		run := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain")
		if run.code != 0 {
			t.Fatalf("slipway build: %s", run)
		}
	}

	for _, tc := range []struct {
		service, base string
		dockerfile    []string // substrings the Dockerfile must have
		command       string   // the probe verify must report as passing
	}{
		{"go-redis-visits", "distroless-static", []string{"FROM docker.io/library/golang:1.26-bookworm AS probe", "COPY <<'EOF' main.go", "COPY --from=probe /out/slipway-probe /usr/local/bin/slipway-probe"},
			"/usr/local/bin/slipway-probe http://127.0.0.1:8080/healthz"},
		{"go-grpc-health", "distroless-static", []string{"AS probe"}, "/usr/local/bin/slipway-probe grpc 127.0.0.1:50053"},
		{"rust-shipping", "distroless-cc", []string{"--bin shipping --bin healthcheck", "COPY --from=build /out/healthcheck /app/healthcheck"}, "/app/healthcheck"},
	} {
		t.Run(tc.service, func(t *testing.T) {
			work := t.TempDir()
			dir := filepath.Join(work, "svc")
			if err := copyTree(filepath.Join("testdata", "services", tc.service), dir); err != nil {
				t.Fatal(err)
			}
			if run := runSlipway(ctx, t, env, "init", "--yes", dir); run.code != 0 {
				t.Fatalf("slipway init --yes: %s", run)
			}
			df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			toml, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
			if !strings.Contains(string(toml), `base = "`+tc.base+`"`) {
				t.Fatalf("slipway.toml does not choose %s:\n%s", tc.base, toml)
			}
			for _, want := range tc.dockerfile {
				if !strings.Contains(string(df), want) {
					t.Errorf("Dockerfile lacks %q", want)
				}
			}
			img := filepath.Join(work, "image.tar")
			build(t, dir, img)
			status, detail := verify(t, dir, img)
			if status != "PASS" || !strings.Contains(detail, tc.command) {
				t.Fatalf("healthcheck: %s %s; want PASS running %s", status, detail, tc.command)
			}
			if lint := runSlipway(ctx, t, env, "lint", filepath.Join(dir, "Dockerfile")); lint.code != 0 {
				t.Errorf("slipway lint: %s", lint)
			}
			if tc.service != "go-redis-visits" {
				return
			}
			// The same probe against a path the service does not serve
			// as health: its catch-all handler answers 503 there (no Redis).
			cfg := filepath.Join(dir, "slipway.toml")
			b, _ := os.ReadFile(cfg)
			if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), `http_path = "/healthz"`, `http_path = "/no-such-path"`, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			if run := runSlipway(ctx, t, env, "generate", dir); run.code != 0 {
				t.Fatalf("slipway generate: %s", run)
			}
			bad := filepath.Join(work, "bad.tar")
			build(t, dir, bad)
			if status, detail := verify(t, dir, bad); status != "FAIL" || !strings.Contains(detail, "slipway-probe: GET http://127.0.0.1:8080/no-such-path: 503") {
				t.Errorf("healthcheck on another path: %s %s; want FAIL with the probe's 503", status, detail)
			}
		})
	}
}
