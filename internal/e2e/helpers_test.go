package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/examples"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/lab"
	"github.com/slipway/slipway/templates"
)

// renderExample writes ex into a scratch folder, renders its Dockerfile and
// .dockerignore with the templates, and sets the environment its secrets
// are read from; it returns the folder.
func renderExample(t *testing.T, set *templates.Set, ex examples.Example) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ex.Name)
	if err := ex.Prepare(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := generate.Run(set, generate.Options{Dir: dir}); err != nil {
		t.Fatalf("generate: %v", err)
	}
	for k, v := range ex.Env {
		t.Setenv(k, v)
	}
	return dir
}

// goldenBase runs `slipway golden build` on a copy of golden/base.toml,
// pushing under a fresh prefix named after what (with extra flags), and
// returns the folder, the prefix and its golden.lock's base entry.
func goldenBase(ctx context.Context, t *testing.T, l *lab.Lab, what string, extra ...string) (dir, prefix string, base *goldenlock.LockEntry) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "golden")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join("..", "..", "golden", "base.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "base.toml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	prefix = fmt.Sprintf("%s/%s-%d", l.Registry, what, time.Now().UnixNano())
	env := append(l.Env(), "SLIPWAY_REGISTRY_MIRROR="+l.Registry)
	if r := runSlipway(ctx, t, env, append([]string{"golden", "build", "--dir", dir, "--registry", prefix}, extra...)...); r.code != 0 {
		t.Fatalf("golden build %v: %s", extra, r)
	}
	lock, err := goldenlock.ReadLock(filepath.Join(dir, "golden.lock"))
	if err != nil {
		t.Fatal(err)
	}
	e := lock.Images["base"]
	if e == nil {
		t.Fatal("no base in golden.lock")
	}
	return dir, prefix, e
}
