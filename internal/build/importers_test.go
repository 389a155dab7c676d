package build

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The package doc says which packages import BuildKit's client module and
// why; this keeps it true. Only build builds through it (client, session);
// lab dials its daemon (client) and generate runs the dockerfile lint
// (client/llb). Tests are not counted.
func TestBuildKitClientImporters(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/slipway/slipway/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string][]string{
		"github.com/slipway/slipway/internal/lab":      {"github.com/moby/buildkit/client"},
		"github.com/slipway/slipway/internal/generate": {"github.com/moby/buildkit/client/llb", "github.com/moby/buildkit/client/llb/sourceresolver"},
	}
	seenBuild := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			if imp != "github.com/moby/buildkit/client" && !strings.HasPrefix(imp, "github.com/moby/buildkit/client/") && !strings.HasPrefix(imp, "github.com/moby/buildkit/session") {
				continue
			}
			if pkg == "github.com/slipway/slipway/internal/build" {
				seenBuild = true
				continue
			}
			if !slices.Contains(allowed[pkg], imp) {
				t.Errorf("%s imports %s: build the image through internal/build, or say in build's package doc why not", pkg, imp)
			}
		}
	}
	if !seenBuild {
		t.Errorf("go list found no BuildKit client import in internal/build:\n%s", out)
	}
}
