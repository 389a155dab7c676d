package pin

import (
	"testing"

	"github.com/slipway/slipway/internal/testkit"
)

// pin resolves digests through internal/image's Remote, the one home of
// registry access; golden is a user of that home, not a provider of it.
// Neither pin nor its tests may depend on golden.
func TestPinImportsNoGolden(t *testing.T) {
	for _, d := range testkit.Deps(t, "github.com/slipway/slipway/internal/pin", true, "github.com/slipway/slipway/internal/image") {
		if d == "github.com/slipway/slipway/internal/golden" {
			t.Errorf("pin depends on %s", d)
		}
	}
}
