package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Flags of --learn are refused where they would be ignored, and a bad
// profile or compose file is bad input (exit 2) naming the file and field.
func TestVerifyHardenUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}`), 0o644)
	ddir := filepath.Join(dir, "svc", "deploy")
	os.MkdirAll(ddir, 0o755)
	os.WriteFile(filepath.Join(ddir, "compose.yaml"), []byte("services:\n  a:\n    image: x\n    tmpfs: [\"/tmp:size=1k\"]\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "x.tar", "--force"}, "--force only applies with --learn"},
		{[]string{"verify", "x.tar", "--check"}, "--check only applies with --learn"},
		{[]string{"verify", "x.tar", "--image-ref", "a/b"}, "--image-ref only applies with --learn"},
		{[]string{"verify", "x.tar", "--learn", "--seccomp", bad}, "none of the others can be"},
		{[]string{"verify", "x.tar", "--seccomp", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"verify", "x.tar", "--seccomp", bad}, "bad.json: syscalls[0].action"},
		{[]string{"verify", "x.tar", "--deploy-dir", ddir}, "services.a.tmpfs"},
	} {
		code, _, stderr := runIO(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %s", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}
