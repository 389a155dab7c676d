package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/workspace"
)

// monoRow is one object of the --format json summary.
type monoRow struct {
	Service  string  `json:"service"`
	Path     string  `json:"path"`
	Key      string  `json:"key"`
	Builder  string  `json:"builder"`
	Digest   string  `json:"digest"`
	Status   string  `json:"status"`
	ExitCode int     `json:"exit_code"`
	Detail   string  `json:"detail"`
	Seconds  float64 `json:"seconds"`
}

func monoRows(t *testing.T, r cliRun) map[string]monoRow {
	t.Helper()
	var rows []monoRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, r)
	}
	out := map[string]monoRow{}
	for _, row := range rows {
		out[row.Service] = row
	}
	if len(out) != len(rows) {
		t.Fatalf("a service appears twice in the summary:\n%s", r.stdout)
	}
	return out
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=e2e@example.com", "-c", "user.name=e2e"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

var monoServices = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

// TestMonorepoBuildAll is a repository of eight services taken through
// init --all, build --all, a one-file change built with --changed-since,
// and verify --all: every image must pass, only the changed service is
// rebuilt (with a new digest), and the summary is one JSON object per
// service whose key holds no checkout path.
func TestMonorepoBuildAll(t *testing.T) {
	l := labtest.Require(t)
	if _, err := exec.LookPath("git"); err != nil {
		labtest.Unavailable(t, "this test needs git")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost}

	root := filepath.Join(t.TempDir(), "shop")
	for _, n := range monoServices {
		writeMonorepoService(t, root, n)
	}
	gitIn(t, root, "init", "-q", "-b", "main")
	gitIn(t, root, "remote", "add", "origin", "https://github.com/acme/shop.git")
	if err := os.WriteFile(filepath.Join(root, ".gitignore"), []byte("/.slipway/\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := runSlipway(ctx, t, env, "init", "--all", root)
	if r.code != 0 {
		t.Fatalf("init --all: %s", r)
	}
	ws, err := workspace.Load(filepath.Join(root, workspace.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws.File.Services) != len(monoServices) {
		t.Fatalf("workspace lists %d services, want %d", len(ws.File.Services), len(monoServices))
	}
	gitIn(t, root, "add", "-A")
	gitIn(t, root, "commit", "-q", "-m", "services")

	// Everything, from a clean checkout.
	r = runSlipway(ctx, t, env, "build", "--all", "--format", "json", root)
	if r.code != 0 {
		t.Fatalf("build --all: %s", r)
	}
	t.Logf("build --all of %d services: %s", len(monoServices), r.took.Round(time.Second))
	first := monoRows(t, r)
	for _, n := range monoServices {
		row, ok := first[n]
		switch {
		case !ok:
			t.Errorf("%s: not in the summary", n)
		case row.Status != "ok" || !strings.HasPrefix(row.Digest, "sha256:") || row.Builder != l.BuildkitHost:
			t.Errorf("%s: %+v", n, row)
		case row.Key != "github.com/acme/shop//services/"+n:
			t.Errorf("%s: key %q", n, row.Key)
		}
		if _, err := os.Stat(filepath.Join(root, ".slipway", "images", n+".tar")); err != nil {
			t.Errorf("%s: no image file: %v", n, err)
		}
		t.Logf("%s: %.1fs %s", n, row.Seconds, row.Digest)
	}

	// One service changes: only it is rebuilt, to a new digest.
	main := filepath.Join(root, "services", "echo", "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, []byte(strings.Replace(string(src), `const name = "echo"`, `const name = "echo, changed"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runSlipway(ctx, t, env, "build", "--all", "--changed-since", "HEAD", "--format", "json", root)
	if r.code != 0 {
		t.Fatalf("build --all --changed-since HEAD: %s", r)
	}
	t.Logf("build --all --changed-since HEAD: %s", r.took.Round(time.Second))
	second := monoRows(t, r)
	for _, n := range monoServices {
		row := second[n]
		if n == "echo" {
			if row.Status != "ok" || row.Digest == "" || row.Digest == first[n].Digest || !strings.Contains(row.Detail, "services/echo/main.go") {
				t.Errorf("echo after its change: %+v (before %s)", row, first[n].Digest)
			}
			continue
		}
		if row.Status != "unchanged" || row.Digest != "" {
			t.Errorf("%s was not changed but: %+v", n, row)
		}
	}
	// The table says the same in text.
	r = runSlipway(ctx, t, env, "build", "--all", "--changed-since", "HEAD", root)
	if r.code != 0 || !strings.Contains(r.stdout, "8 service(s): 1 ok, 7 unchanged") {
		t.Errorf("text summary: %s", r)
	}

	// Every image passes verify.
	r = runSlipway(ctx, t, env, "verify", "--all", "--format", "json", root)
	if r.code != 0 {
		t.Fatalf("verify --all: %s", r)
	}
	t.Logf("verify --all: %s", r.took.Round(time.Second))
	for n, row := range monoRows(t, r) {
		want := first[n].Digest
		if n == "echo" {
			want = second[n].Digest
		}
		if row.Status != "ok" || row.Digest != want {
			t.Errorf("verify %s: %+v, want ok with %s", n, row, want)
		}
	}

	// A second checkout elsewhere, with the remote spelled as ssh: the
	// keys are the same, so a pool sends each service to the same daemon.
	other := filepath.Join(t.TempDir(), "ci", "runner-7", "checkout")
	gitIn(t, root, "add", "-A")
	gitIn(t, root, "commit", "-q", "-m", "echo changed")
	if out, err := exec.Command("git", "clone", "-q", root, other).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	gitIn(t, other, "remote", "set-url", "origin", "git@github.com:acme/shop.git")
	r = runSlipway(ctx, t, env, "generate", "--all", "--check", "--format", "json", other)
	if r.code != 0 {
		t.Fatalf("generate --all --check in the clone: %s", r)
	}
	for n, row := range monoRows(t, r) {
		if row.Key != first[n].Key {
			t.Errorf("%s: key %q in the clone, %q in the first checkout", n, row.Key, first[n].Key)
		}
	}
}
