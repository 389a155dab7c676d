package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
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
		{[]string{"verify", "x.tar", "--exec", "psql -c 'SELECT 1'"}, "--exec psql -c 'SELECT 1': not a JSON array"},
		{[]string{"verify", "x.tar", "--exec-fail", "[]"}, "--exec-fail []: the command is empty"},
		{[]string{"verify", "x.tar", "--exec", `["a", 1]`}, "not a JSON array of strings"},
		{[]string{"verify", "x.tar", "--env", "=x"}, "no name before '='"},
		{[]string{"verify", "x.tar", "--env", "SLIPWAY_TEST_SURELY_UNSET_VAR"}, "SLIPWAY_TEST_SURELY_UNSET_VAR is not set in the environment"},
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
	labtest.NeedRootAndRunc(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf.OS, cf.Architecture, cf.Config = "linux", "amd64", v1.Config{User: "65532"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	dir := testkit.WriteLayout(t, filepath.Join(t.TempDir(), "layout"), img)

	t.Setenv("SLIPWAY_TEST_SECRET", "from-the-environment-xyz")
	code, stdout, stderr := runIO(t, "", "verify", dir, "--size-budget", "25MB", "--json",
		"--env", "PASSWORD=on-the-command-line-xyz", "--env", "SLIPWAY_TEST_SECRET", "--exec", `["/bin/true"]`, "--exec-fail", `["/bin/false"]`)
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
		if (c.ID == "non-root" || c.ID == "exec-1" || c.ID == "exec-2") && !strings.Contains(c.Detail, "neither ENTRYPOINT nor CMD") {
			t.Errorf("non-root detail %q: want the reason the image cannot run", c.Detail)
		}
	}
	if rep.Passed || got["non-root"] != "FAIL" || got["no-setuid"] != "PASS" || got["size"] != "PASS" || got["exec-1"] != "FAIL" || got["exec-2"] != "FAIL" {
		t.Errorf("report: passed=%v rows=%v", rep.Passed, got)
	}
	if !strings.Contains(stdout, `"PASSWORD"`) || !strings.Contains(stdout, `"SLIPWAY_TEST_SECRET"`) {
		t.Errorf("the report does not name the env keys:\n%s", stdout)
	}
	for _, v := range []string{"on-the-command-line-xyz", "from-the-environment-xyz"} {
		if strings.Contains(stdout+stderr, v) {
			t.Errorf("an env value (%s) was printed:\n%s\n%s", v, stdout, stderr)
		}
	}

	code, stdout, _ = runIO(t, "", "verify", dir)
	if code != exitFailure || !strings.Contains(stdout, "runs as non-root") || !strings.Contains(stdout, "FAIL") {
		t.Errorf("table run: exit %d\n%s", code, stdout)
	}
}

func TestVerifyEnvFlags(t *testing.T) {
	lookup := func(k string) (string, bool) {
		v, ok := map[string]string{"PGPASSWORD": "s3cret", "EMPTY": ""}[k]
		return v, ok
	}
	got, err := envFlags([]string{"A=1", "PGPASSWORD", "B=x=y", "EMPTY", "C="}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "A=1 PGPASSWORD=s3cret B=x=y EMPTY= C=" {
		t.Errorf("envFlags = %q", got)
	}
	if _, err := envFlags([]string{"MISSING"}, lookup); err == nil || !strings.Contains(err.Error(), "--env MISSING") {
		t.Errorf("unset KEY: %v", err)
	}
	if _, err := envFlags([]string{"BAD KEY=s3cret"}, lookup); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a bad name: %v (want an error without the value)", err)
	}
	argv, err := execFlags("--exec", []string{`["psql","-c","SELECT 1"]`, `["id"]`})
	if err != nil || len(argv) != 2 || strings.Join(argv[0], "|") != "psql|-c|SELECT 1" || argv[1][0] != "id" {
		t.Errorf("execFlags = %q, %v", argv, err)
	}
}
