package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

func TestVerifyUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "accepts 1 arg"},
		{[]string{"verify", "x.tar", "--size-budget", "lots"}, "--size-budget"},
		{[]string{"verify", "x.tar", "--port", "70000"}, "--port"},
		{[]string{"verify", "x.tar", "--timeout", "soon"}, "--timeout"},
	} {
		code, _, stderr := runIO(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %s", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}

// An image with nothing to run fails every runtime row: exit 1, and --json
// says passed=false with each row's id and status.
func TestVerifyFailingImageExitsOne(t *testing.T) {
	if _, err := exec.LookPath("runc"); os.Geteuid() != 0 || err != nil {
		t.Skip("verify needs root and runc")
	}
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf.OS, cf.Architecture, cf.Config = "linux", "amd64", v1.Config{User: "65532"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runIO(t, "", "verify", dir, "--size-budget", "25MB", "--json")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	var rep struct {
		Passed bool `json:"passed"`
		Checks []struct{ ID, Status, Detail string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
	}
	got := map[string]string{}
	for _, c := range rep.Checks {
		got[c.ID] = c.Status
		if c.ID == "non-root" && !strings.Contains(c.Detail, "neither ENTRYPOINT nor CMD") {
			t.Errorf("non-root detail %q: want the reason the image cannot run", c.Detail)
		}
	}
	if rep.Passed || got["non-root"] != "FAIL" || got["no-setuid"] != "PASS" || got["size"] != "PASS" {
		t.Errorf("report: passed=%v rows=%v", rep.Passed, got)
	}

	code, stdout, _ = runIO(t, "", "verify", dir)
	if code != exitFailure || !strings.Contains(stdout, "runs as non-root") || !strings.Contains(stdout, "FAIL") {
		t.Errorf("table run: exit %d\n%s", code, stdout)
	}
}
