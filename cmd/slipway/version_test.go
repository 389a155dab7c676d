package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := slipway(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.HasPrefix(out, "slipway ") || !strings.Contains(out, "go      "+runtime.Version()) || !strings.Contains(out, "commit  ") {
			t.Errorf("%v printed %q", args, out)
		}
	}
	if code, _, _ := slipway(t, "version", "extra"); code != 2 {
		t.Errorf("version with an argument exited %d, want 2", code)
	}
}
