package initflow

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

// A slipway.toml that init writes tells its reader where every key is
// described: the generated reference, not the README.
func TestWrittenConfigPointsAtTheReference(t *testing.T) {
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeGoService(t)
	o := InitOptions{
		Dir:   dir,
		Flags: config.Project{Base: "distroless-static", Port: 8080, Healthcheck: config.Healthcheck{Command: []string{"/app/api", "-healthcheck"}}},
		Given: map[string]bool{KeyBase: true, KeyPort: true, KeyHealthcheck: true},
		Log:   &bytes.Buffer{},
	}
	if _, err := Init(context.Background(), set, o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(b), "\n\n")
	if !strings.Contains(header, config.DocsURL) || strings.Contains(header, "README") {
		t.Fatalf("header of the written slipway.toml:\n%s", header)
	}
}
