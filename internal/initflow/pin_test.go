package initflow

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/testkit"
)

func writeGoService(t *testing.T) string {
	t.Helper()
	return testkit.WriteTree(t, map[string]string{
		"go.mod":          "module example.com/api\n\ngo 1.26\n",
		"cmd/api/main.go": "package main\n\nfunc main() {}\n",
	})
}

// init --pin resolves the chosen base through the registry and writes the
// digest into slipway.toml and the FROM line; a base published only as
// :latest can be picked that way.
func TestInitPinsTheBase(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	const digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
	var asked []string
	dir := writeGoService(t)
	o := InitOptions{
		Dir:   dir,
		Flags: config.Project{Base: "chainguard-static", Port: 8080, Healthcheck: config.Healthcheck{Command: []string{"/app/api", "-healthcheck"}}},
		Given: map[string]bool{KeyBase: true, KeyPort: true, KeyHealthcheck: true},
		Log:   &bytes.Buffer{},
		Pin: func(_ context.Context, ref string) (string, error) {
			asked = append(asked, ref)
			return digest, nil
		},
	}
	if _, err := Init(context.Background(), set, o); err != nil {
		t.Fatal(err)
	}
	if len(asked) == 0 || asked[0] != "cgr.dev/chainguard/static:latest" {
		t.Fatalf("asked the registry for %v", asked)
	}
	p, err := config.Load(filepath.Join(dir, "slipway.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.BaseDigest != digest {
		t.Fatalf("base_digest = %q", p.BaseDigest)
	}
	df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if !strings.Contains(string(df), "FROM cgr.dev/chainguard/static:latest@"+digest+"\n") {
		t.Fatalf("Dockerfile:\n%s", df)
	}

	// Without --pin the same base is refused, naming the way out; nothing is written.
	dir = writeGoService(t)
	o.Dir, o.Pin = dir, nil
	_, err = Init(context.Background(), set, o)
	if err == nil || !strings.Contains(err.Error(), "slipway init --pin") {
		t.Fatalf("unpinned :latest base: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "slipway.toml")); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatal("slipway.toml written although rendering failed")
	}

	// A registry that does not answer: the error says what was being resolved.
	o.Pin = func(context.Context, string) (string, error) { return "", errors.New("connection refused") }
	if _, err := Init(context.Background(), set, o); err == nil || !strings.Contains(err.Error(), "pinning the base: connection refused") {
		t.Fatalf("registry down: %v", err)
	}
}
