package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/lab/labtest"
)

// TestSeccompCLI walks the README's "Run it hardened" with the slipway
// binary on the Go example: verify --learn writes deploy/seccomp.json,
// compose.yaml and kubernetes.yaml beside slipway.toml; --check finds no
// drift; a plain verify then runs confined as deploy/compose.yaml names;
// lint passes the generated files; a hand edit is refused without --force.
func TestSeccompCLI(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	ctx, cl, set := labBuilder(t, 20*time.Minute)
	dir, img := buildExample(ctx, t, cl, set, "go")
	cfg := filepath.Join(dir, "slipway.toml")
	ddir := filepath.Join(dir, "deploy")

	r := runSlipway(ctx, t, nil, "verify", img, "--config", cfg, "--learn")
	if r.code != 0 {
		t.Fatalf("verify --learn: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{deploy.SeccompFile, deploy.ComposeFile, deploy.KubernetesFile} {
		if !strings.Contains(r.stderr, filepath.Join(ddir, f)+": written") {
			t.Errorf("%s not reported written:\n%s", f, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(ddir, f)); err != nil {
			t.Error(err)
		}
	}
	t.Logf("verify --learn took %s:\n%s", r.took.Round(time.Second), lastLinesOf(r.stderr, 5))

	if r := runSlipway(ctx, t, nil, "verify", img, "--config", cfg, "--learn", "--check"); r.code != 0 {
		t.Errorf("--learn --check right after learning: exit %d\n%s", r.code, r.stderr)
	}

	r = runSlipway(ctx, t, nil, "verify", img, "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stderr, "hardened as "+filepath.Join(ddir, deploy.ComposeFile)) || !strings.Contains(r.stdout, "no call was refused") {
		t.Errorf("plain verify with deploy/: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = runSlipway(ctx, t, nil, "lint", "--no-buildkit-checks", filepath.Join(ddir, deploy.ComposeFile), filepath.Join(ddir, deploy.KubernetesFile))
	if r.code != 0 {
		t.Errorf("lint of the generated deploy files: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	compose := filepath.Join(ddir, deploy.ComposeFile)
	b, _ := os.ReadFile(compose)
	os.WriteFile(compose, []byte(strings.Replace(string(b), "read_only: true", "read_only: false", 1)), 0o644)
	r = runSlipway(ctx, t, nil, "verify", img, "--config", cfg, "--learn")
	if r.code != 1 || !strings.Contains(r.stderr, "refusing to overwrite") {
		t.Errorf("learn over a hand edit: exit %d\n%s", r.code, r.stderr)
	}
	if r := runSlipway(ctx, t, nil, "lint", "--no-buildkit-checks", compose); r.code != 1 || !strings.Contains(r.stdout, "SW170") {
		t.Errorf("lint of a writable root: exit %d\n%s", r.code, r.stdout)
	}
}

func lastLinesOf(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
