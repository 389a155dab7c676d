package initflow

import (
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/testkit"
)

// The init flow links no prompt library: `slipway init --yes` runs without
// huh or any other charmbracelet package, and the wizard stays the one
// place that asks.
func TestFlowImportsNoPromptLibrary(t *testing.T) {
	deps := testkit.Deps(t, "github.com/slipway/slipway/internal/initflow", false, "github.com/slipway/slipway/internal/generate")
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages, not the flow's own imports: %v", len(deps), deps)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/charmbracelet/") || strings.HasSuffix(d, "/internal/wizard") {
			t.Errorf("initflow depends on %s", d)
		}
	}
}

// The init flow pins a base through a resolver the command hands it
// (internal/image's Remote); it never depends on golden.
func TestFlowImportsNoGolden(t *testing.T) {
	deps := testkit.Deps(t, "github.com/slipway/slipway/internal/initflow", true, "github.com/slipway/slipway/internal/generate")
	for _, d := range deps {
		if d == "github.com/slipway/slipway/internal/golden" || strings.HasPrefix(d, "github.com/slipway/slipway/internal/golden/") {
			t.Errorf("initflow depends on %s", d)
		}
	}
}
