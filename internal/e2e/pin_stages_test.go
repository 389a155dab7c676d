package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/lint"
	"github.com/slipway/slipway/internal/pin"
)

// TestPinEveryStageOfEveryExample runs `slipway pin` on every example under
// examples/ (those internal/examples configures with their slipway.toml,
// the others through `slipway init --yes --pin`) against the lab's
// registry mirror: afterwards no FROM line of the generated Dockerfile
// names a moving tag, and `slipway lint` reports no SW112. A second
// `slipway pin --update` changes nothing while the registry has not moved.
func TestPinEveryStageOfEveryExample(t *testing.T) {
	// notInLab are the examples whose images the lab cannot serve (the
	// README's render-tested-only list), with the image pin fails on.
	notInLab := map[string]string{
		"dotnet":      "mcr.microsoft.com/dotnet/",
		"java-gradle": "docker.io/library/gradle:",
	}
	l := labtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env := []string{"SLIPWAY_REGISTRY_MIRROR=" + l.Registry}
	root, err := examples.Dir()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	pinned, dirs := 0, 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		dirs++
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			ex, configured := examples.Get(name)
			if !configured {
				ex = examples.Example{Name: name}
			}
			if configured {
				if err := ex.Prepare(dir); err != nil {
					t.Fatal(err)
				}
				if r := runSlipway(ctx, t, env, "generate", dir); r.code != 0 {
					t.Fatalf("generate: %s", r)
				}
			} else {
				if err := ex.CopySources(dir); err != nil {
					t.Fatal(err)
				}
				r := runSlipway(ctx, t, env, "init", "--yes", "--pin", dir)
				if unserved, ok := notInLab[name]; ok {
					// The lab has no stand-in for this toolchain: pinning
					// must fail naming the image it could not resolve.
					if r.code == 0 || !strings.Contains(r.stderr, "resolving "+unserved) {
						t.Fatalf("init --pin of the %s example: %s", name, r)
					}
					t.Logf("%s: not pinnable here, as expected: no stand-in for %s", name, unserved)
					return
				}
				if r.code != 0 {
					t.Fatalf("init --yes --pin: %s", r)
				}
			}
			if r := runSlipway(ctx, t, env, "pin", dir); r.code != 0 {
				t.Fatalf("pin: %s", r)
			}
			df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			froms, err := pin.FromLines(df)
			if err != nil {
				t.Fatal(err)
			}
			external := 0
			for _, f := range froms {
				if f.Image == "" {
					continue
				}
				external++
				if !strings.Contains(f.Image, "@sha256:") {
					t.Errorf("line %d: FROM %s is not pinned", f.Line, f.Image)
				}
			}
			if external < 2 {
				t.Errorf("the Dockerfile pulls %d images; every example has a build stage and a base:\n%s", external, df)
			}
			res, err := lint.Check(ctx, lint.Input{Path: "Dockerfile", Data: df}, lint.Options{NoBuildKit: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.RuleID == "SW112" || f.RuleID == "SW110" || f.RuleID == "SW111" {
					t.Errorf("lint: %s line %d: %s", f.RuleID, f.Line, f.Message)
				}
			}
			before, _ := os.ReadFile(filepath.Join(dir, "slipway.toml"))
			if r := runSlipway(ctx, t, env, "pin", "--update", dir); r.code != 0 {
				t.Fatalf("pin --update: %s", r)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, "slipway.toml")); string(after) != string(before) {
				t.Errorf("pin --update moved a pin the registry did not move:\n%s\n---\n%s", before, after)
			}
			if r := runSlipway(ctx, t, env, "pin", "--check", dir); r.code != 0 {
				t.Errorf("pin --check right after pinning: %s", r)
			}
			pinned++
			t.Logf("%s: %d FROM images pinned", name, external)
		})
	}
	if want := dirs - len(notInLab); pinned < want && !t.Failed() {
		t.Errorf("pinned %d examples, want every one the lab serves (%d)", pinned, want)
	}
}
