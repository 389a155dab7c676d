package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/deploy"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/verify"
)

// TestSeccompLearnInitExamples extends TestSeccompLearn to the examples
// that are written by `slipway init --yes` rather than by a fixed
// slipway.toml (Ruby, PHP, Elixir, a static site), through the CLI a user
// runs: verify --learn writes a profile whose default action is an error,
// the proof run passed (the file is written only then), and the same
// profile without bind makes an enforced verify fail and name bind.
func TestSeccompLearnInitExamples(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	for _, name := range []string{"ruby", "php", "elixir", "static"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "hello-"+name)
			if err := copyTree(filepath.Join("..", "..", "examples", name), dir); err != nil {
				t.Fatal(err)
			}
			if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
				t.Fatalf("init --yes: %s", r)
			}
			img := filepath.Join(t.TempDir(), "image.tar")
			if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "quiet"); r.code != 0 {
				t.Fatalf("build: %s", r)
			}
			cfg := filepath.Join(dir, config.FileName)
			r := runSlipway(ctx, t, env, "verify", img, "--config", cfg, "--learn")
			if r.code != 0 {
				t.Fatalf("verify --learn: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			t.Logf("verify --learn took %s:\n%s", r.took.Round(time.Second), lastLinesOf(r.stderr, 4))
			profile := filepath.Join(dir, "deploy", deploy.SeccompFile)
			p, err := verify.LoadProfile(profile)
			if err != nil {
				t.Fatal(err)
			}
			if p.DefaultAction != "SCMP_ACT_ERRNO" {
				t.Errorf("default action %s, want SCMP_ACT_ERRNO", p.DefaultAction)
			}
			allowed := p.Allowed()
			t.Logf("%s: %d calls allowed", name, len(allowed))
			if len(allowed) == 0 || len(allowed) > 150 {
				t.Errorf("%d calls allowed, want a few dozen to 150", len(allowed))
			}
			if !slices.Contains(allowed, "bind") {
				t.Fatalf("bind not in the learned profile: %v", allowed)
			}
			tf := writeWithout(t, p, "bind")
			r = runSlipway(ctx, t, env, "verify", img, "--config", cfg, "--seccomp", tf, "--timeout", "20s")
			if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "bind") {
				t.Errorf("verify with bind removed: exit %d, want 1 naming bind\n%s\n%s", r.code, r.stdout, lastLinesOf(r.stderr, 10))
			}
		})
	}
}
