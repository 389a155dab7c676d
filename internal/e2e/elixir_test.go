package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/verify"
)

// elixirInit copies examples/elixir, lets mutate change it, and runs the
// CLI's `init --yes` on the copy.
func elixirInit(t *testing.T, mutate func(dir string)) (string, *config.Project) {
	t.Helper()
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	dir := filepath.Join(t.TempDir(), "hello")
	if err := copyTree("../../examples/elixir", dir); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(dir)
	}
	ctx, cancel := elixirContext(t, 2*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	if r := runSlipway(ctx, t, env, "init", "--yes", dir); r.code != 0 {
		t.Fatalf("init --yes: %s", r)
	}
	p, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return dir, p
}

// TestElixirExample: init --yes on examples/elixir, a build with BuildKit's
// checks as errors, verify (non-root, port, HEALTHCHECK, read-only root, and
// the release's own probe) and a clean scan.
func TestElixirExample(t *testing.T) {
	dir, p := elixirInit(t, nil)
	if p.Language != "elixir" || p.Main != "hello" {
		t.Fatalf("init wrote language %q main %q, want elixir hello", p.Language, p.Main)
	}
	ctx, cl, _ := labBuilder(t, 15*time.Minute)
	img := filepath.Join(t.TempDir(), "hello.tar")
	var progress strings.Builder
	start := time.Now()
	if _, err := cl.Build(ctx, build.Options{ContextDir: dir, Outputs: []build.Output{{Type: "oci", Dest: img}},
		Checks: true, Progress: "plain", ProgressOut: &progress}); err != nil {
		t.Fatalf("build: %v\n%s", err, tail(progress.String(), 40))
	}
	t.Logf("built in %s", time.Since(start).Round(time.Second))
	rep, err := verify.Run(ctx, verify.Options{Image: img, Config: filepath.Join(dir, config.FileName), Timeout: time.Minute,
		Exec: [][]string{{"/app/bin/hello", "eval", "Hello.Health.check()"}}})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var table strings.Builder
	_ = rep.WriteTable(&table)
	t.Logf("%d bytes compressed, %d unpacked\n%s", rep.CompressedBytes, rep.UnpackedBytes, table.String())
	for _, c := range rep.Rows {
		if c.Status == verify.Fail {
			t.Errorf("%s: FAIL: %s", c.Name, c.Detail)
		}
		switch c.ID {
		case verify.CheckNonRoot, verify.CheckPort, verify.CheckHealthcheck, verify.CheckReadOnly, verify.CheckNoSetuid:
			if c.Status != verify.Pass {
				t.Errorf("%s: %s, want PASS", c.Name, c.Status)
			}
		}
	}
	var out strings.Builder
	sres, err := scan.Run(ctx, scan.RunOptions{Image: img, Dir: dir, Severity: "info", Out: &out})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if sres.Failed || len(sres.Findings) != 0 {
		t.Errorf("scan is not clean:\n%s", out.String())
	}
}

// TestElixirHexKeySecret: a mix.exs that reads HEX_API_KEY makes init
// declare it; the build fails without it, and with a canary value the
// release step sees exactly that value (it compares its SHA-256) while the
// value is in no blob of the image and not in the build's output.
func TestElixirHexKeySecret(t *testing.T) {
	canary := corpusCanary(t)
	sum := sha256.Sum256([]byte(canary))
	dir, p := elixirInit(t, func(dir string) {
		f := filepath.Join(dir, "mix.exs")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "include_executables_for: [:unix]]", "include_executables_for: [:unix], steps: [&check_hex_key/1, :assemble]]", 1)
		s = strings.Replace(s, "  defp deps do", `  # A private organization's packages need HEX_API_KEY; this build
  # checks that exactly the expected key reached it.
  defp check_hex_key(release) do
    key = System.get_env("HEX_API_KEY") || Mix.raise("HEX_API_KEY is not set")

    if Base.encode16(:crypto.hash(:sha256, key), case: :lower) != "`+hex.EncodeToString(sum[:])+`",
      do: Mix.raise("HEX_API_KEY is not the expected key")

    release
  end

  defp deps do`, 1)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if len(p.Secrets) != 1 || p.Secrets[0].ID != "hex_api_key" || p.Secrets[0].Env != "HEX_API_KEY" {
		t.Fatalf("secrets %+v, want hex_api_key from $HEX_API_KEY", p.Secrets)
	}
	l := labtest.Require(t)
	ctx, cancel := elixirContext(t, 15*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}
	img := filepath.Join(t.TempDir(), "image.tar")
	if r := runSlipway(ctx, t, env, "build", dir, "-o", "type=oci,dest="+img, "--progress", "plain"); r.code == 0 {
		t.Errorf("build without the hex_api_key secret succeeded, want a failure naming it")
	}
	r := runSlipway(ctx, t, append(env, "SLIPWAY_E2E_HEX_KEY="+canary), "build", dir, "--secret", "id=hex_api_key,env=SLIPWAY_E2E_HEX_KEY",
		"-o", "type=oci,dest="+img, "--progress", "plain")
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
}

// elixirContext bounds one step of a test.
func elixirContext(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(context.Background(), d)
}
