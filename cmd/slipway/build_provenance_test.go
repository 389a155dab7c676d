package main

import (
	"context"
	"strings"
	"testing"
)

// --provenance takes buildx's forms and hands build.Options one mode; a
// value it does not know is bad usage (exit 2), before any daemon.
func TestBuildProvenanceForms(t *testing.T) {
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	for in, want := range map[string]string{"true": "min", "false": "", "min": "min", "max": "max", "mode=min": "min", "mode=max": "max"} {
		o, err := (&buildFlags{progress: "auto", provenance: in}).options(dir)
		if err != nil || o.Provenance != want {
			t.Errorf("--provenance %s: Provenance %q, %v; want %q", in, o.Provenance, err, want)
		}
	}
	code, _, msg := runBuild(t, context.Background(), dir, "--provenance", "mode=full", "--addr", "unix:///nonexistent/buildkitd.sock")
	if code != exitUsage || !strings.Contains(msg, "want true, false, min, max, mode=min or mode=max") {
		t.Errorf("--provenance mode=full: exit %d, %s", code, msg)
	}
}
