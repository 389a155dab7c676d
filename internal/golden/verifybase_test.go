package golden

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestVerifyBaseRefusesBeforeBuilding: a base VerifyBase refuses stops the
// run before any image builds, naming the spec's from line; golden parents
// built in the run are not asked, locked parents are asked at their
// locked digest; Sign is called with each pushed image@digest.
func TestVerifyBaseRefusesBeforeBuilding(t *testing.T) {
	dir := writeSpecs(t, graphSpecs())
	reg := newFakeRegistry()
	b := &fakeBuilder{t: t, reg: reg}
	var mu sync.Mutex
	var asked, signed []string
	_, err := fakeBuild(t, dir, b, reg, func(o *BuildOptions) {
		o.VerifyBase = func(_ context.Context, image, digest string) error {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, image+"@"+digest)
			return nil
		}
		o.Sign = func(_ context.Context, img string) error {
			mu.Lock()
			defer mu.Unlock()
			signed = append(signed, img)
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// base and static are FROM debian; python, postgres and app have their
	// parents in the run.
	if len(asked) != 2 || !strings.HasPrefix(asked[0], "docker.io/library/debian:bookworm-slim@sha256:") {
		t.Fatalf("asked: %v", asked)
	}
	if len(signed) != 5 || !strings.Contains(signed[0], "@sha256:") {
		t.Fatalf("signed: %v", signed)
	}

	// Only python now: its parent base comes from the lock and is asked.
	asked = nil
	refusal := errors.New("unsigned")
	built := len(b.built)
	_, err = fakeBuild(t, dir, b, reg, func(o *BuildOptions) {
		o.Names = []string{"python"}
		o.VerifyBase = func(_ context.Context, image, digest string) error {
			asked = append(asked, image+"@"+digest)
			return refusal
		}
	})
	if !errors.Is(err, refusal) || !strings.Contains(err.Error(), "python.toml:2: golden image python: unsigned") {
		t.Fatalf("want the refusal naming python.toml's from line, got %v", err)
	}
	if len(b.built) != built {
		t.Fatalf("something was built after a refusal: %v", b.built[built:])
	}
	if len(asked) != 1 || !strings.HasPrefix(asked[0], "registry.test/platform/golden/base@sha256:") {
		t.Fatalf("asked: %v", asked)
	}
}
