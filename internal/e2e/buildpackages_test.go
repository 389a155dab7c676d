package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/textsafe"
	"github.com/slipway/slipway/internal/verify"
)

// TestBuildPackagesReachTheBuildStage builds the Node example with a build
// step that needs make, which the Node build image lacks: without
// build_packages the build fails, with build_packages = ["make"] it builds
// and the image still passes every row of slipway verify (the toolchain
// stays in the build stage).
func TestBuildPackagesReachTheBuildStage(t *testing.T) {
	ctx, cl, set := labBuilder(t, 20*time.Minute)
	ex, ok := examples.Get("node")
	if !ok {
		t.Fatal("no node example")
	}
	for k, v := range ex.Env {
		t.Setenv(k, v)
	}
	const step = `build_command = ["sh", "-c", "make --version && npm run build --if-present"]` + "\n"
	for _, withPackages := range []bool{false, true} {
		cfg := strings.Replace(ex.Config, "size_budget", step+"size_budget", 1)
		if withPackages {
			cfg = strings.Replace(cfg, "size_budget", `build_packages = ["make"]`+"\n"+"size_budget", 1)
		}
		ex.Config = cfg
		dir := filepath.Join(t.TempDir(), "svc")
		if err := ex.Prepare(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := generate.Run(set, generate.Options{Dir: dir}); err != nil {
			t.Fatalf("generate: %v", err)
		}
		img := filepath.Join(t.TempDir(), "svc.tar")
		var progress strings.Builder
		_, err := cl.Build(ctx, build.Options{
			ContextDir: dir, Secrets: ex.Secrets, RequiredSecrets: ex.SecretIDs(),
			Outputs: []build.Output{{Type: "oci", Dest: img}}, Checks: true, Progress: "plain", ProgressOut: &progress,
		})
		ex, _ = examples.Get("node") // the next round starts from the example's own config
		if !withPackages {
			if err == nil {
				t.Fatal("a build step that runs make built without build_packages: the test proves nothing")
			}
			t.Logf("without build_packages, as expected: %v", err)
			continue
		}
		if err != nil {
			t.Fatalf("build with build_packages: %v\n%s", err, textsafe.Tail(progress.String(), 40))
		}
		rep, err := verify.Run(ctx, verify.Options{Image: img, Config: filepath.Join(dir, "slipway.toml"), Timeout: time.Minute})
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		for _, c := range rep.Rows {
			if c.Status != verify.Pass {
				t.Errorf("%s: %s, want PASS: %s", c.Name, c.Status, c.Detail)
			}
		}
	}
}
