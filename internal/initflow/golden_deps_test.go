package initflow

import (
	"os/exec"
	"strings"
	"testing"
)

// The init flow pins a base through a resolver the command hands it
// (internal/image's Remote); it never depends on golden.
func TestFlowImportsNoGolden(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "github.com/slipway/slipway/internal/initflow").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps -test: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !strings.Contains(string(out), "github.com/slipway/slipway/internal/generate\n") {
		t.Fatalf("go list -deps -test listed %d packages, not the flow's own imports:\n%s", len(deps), out)
	}
	for _, d := range deps {
		if d == "github.com/slipway/slipway/internal/golden" || strings.HasPrefix(d, "github.com/slipway/slipway/internal/golden/") {
			t.Errorf("initflow depends on %s", d)
		}
	}
}
