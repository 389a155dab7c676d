package initflow

import (
	"os/exec"
	"strings"
	"testing"
)

// The init flow links no prompt library: `slipway init --yes` runs without
// huh or any other charmbracelet package, and the wizard stays the one
// place that asks.
func TestFlowImportsNoPromptLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/slipway/slipway/internal/initflow").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !strings.Contains(string(out), "github.com/slipway/slipway/internal/generate") {
		t.Fatalf("go list -deps listed %d packages, not the flow's own imports:\n%s", len(deps), out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/charmbracelet/") || strings.HasSuffix(d, "/internal/wizard") {
			t.Errorf("initflow depends on %s", d)
		}
	}
}
