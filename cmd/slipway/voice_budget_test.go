package main

import (
	"strings"
	"testing"
)

// --size-budget is read as slipway.toml's size_budget is: a number with no
// unit is refused (exit 2) before the image is opened, saying what to write.
func TestVerifySizeBudgetNeedsAUnit(t *testing.T) {
	for _, v := range []string{"25", "25.5", " 7 "} {
		code, _, stderr := runIO(t, "", "verify", "no-such-image.tar", "--size-budget", v)
		if code != exitUsage || !strings.Contains(stderr, "--size-budget") || !strings.Contains(stderr, "has no unit") {
			t.Errorf("--size-budget %q: exit %d, stderr:\n%s", v, code, stderr)
		}
		if strings.Contains(stderr, "no-such-image.tar") {
			t.Errorf("--size-budget %q: the image was opened before the flag was checked:\n%s", v, stderr)
		}
	}
}
