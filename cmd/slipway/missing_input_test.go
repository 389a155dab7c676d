package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A missing input is a usage problem: exit 2, with what to do instead.
func TestMissingInputsExitTwo(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", filepath.Join(dir, "nope.tar")}, "IMAGE is what `slipway build -o type=oci,dest=FILE` writes"},
		{[]string{"pin", dir}, "run `slipway init`"},
		{[]string{"generate", dir}, "run `slipway init`"},
	} {
		code, _, stderr := runIO(t, "", c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", c.args, code, stderr, c.want)
		}
	}
}
