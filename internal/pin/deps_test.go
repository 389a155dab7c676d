package pin

import (
	"os/exec"
	"strings"
	"testing"
)

// pin resolves digests through internal/image's Remote, the one home of
// registry access; golden is a user of that home, not a provider of it.
// Neither pin nor its tests may depend on golden.
func TestPinImportsNoGolden(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "github.com/slipway/slipway/internal/pin").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps -test: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !strings.Contains(string(out), "github.com/slipway/slipway/internal/image\n") {
		t.Fatalf("go list -deps -test listed %d packages, without internal/image that pin's tests use:\n%s", len(deps), out)
	}
	for _, d := range deps {
		if d == "github.com/slipway/slipway/internal/golden" {
			t.Errorf("pin depends on %s", d)
		}
	}
}
