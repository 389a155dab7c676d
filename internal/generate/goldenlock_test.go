package generate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/goldenlock"
)

// A service on base = "golden:<name>" renders the digest golden.lock holds
// for that image, found by walking up from the service's folder.
func TestGoldenBasePinnedByLock(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	const digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	lock := &goldenlock.Lock{Version: goldenlock.LockVersion, Images: map[string]*goldenlock.LockEntry{
		"static": {Image: "registry.example.com/platform/golden/static", Digest: digest, User: "65532:65532", BuiltAt: time.Unix(0, 0).UTC()},
	}}
	if err := os.MkdirAll(filepath.Join(repo, "golden"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := lock.Write(filepath.Join(repo, "golden", goldenlock.FileName)); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(repo, "services", "api")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &config.Project{Name: "api", Language: "go", Base: "golden:static", Main: "./cmd/api", Port: 8080,
		Healthcheck: config.Healthcheck{Command: []string{"/app/api", "-healthcheck"}}}

	out, err := generate.RenderIn(set, p, nil, svc)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nFROM registry.example.com/platform/golden/static@" + digest + "\n"; !strings.Contains(string(out.Dockerfile), want) {
		t.Fatalf("Dockerfile lacks %q:\n%s", want, out.Dockerfile)
	}
	if len(out.Warnings) != 0 {
		t.Fatalf("warnings: %v", out.Warnings)
	}

	// Not in the lock (or no lock above the service): unpinned, with a warning.
	p.Base = "golden:python"
	p.Language = "go"
	out, err = generate.RenderIn(set, p, nil, svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "golden:python has no entry in a golden/golden.lock") {
		t.Fatalf("warnings: %v", out.Warnings)
	}
}
