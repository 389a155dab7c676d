package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/workspace"
)

const allGoMain = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/healthz\", func(http.ResponseWriter, *http.Request) {})\n\thttp.ListenAndServe(\":8080\", nil)\n}\n"

// monorepo is a root with three Go services and nothing of its own.
func monorepo(t *testing.T) string {
	t.Helper()
	files := map[string]string{"README.md": "a monorepo\n"}
	for _, n := range []string{"api", "worker", "web"} {
		files["services/"+n+"/go.mod"] = "module example.com/" + n + "\n\ngo 1.24\n"
		files["services/"+n+"/main.go"] = allGoMain
	}
	files["services/api/node_modules/x/package.json"] = `{"name":"x"}`
	return writeFiles(t, files)
}

func TestInitAtARootNamesTheServicesBelow(t *testing.T) {
	root := monorepo(t)
	code, _, stderr := slipway(t, "init", "--yes", root)
	if code != exitUsage {
		t.Fatalf("init at a root: exit %d, want 2\n%s", code, stderr)
	}
	for _, want := range []string{"Found 3 service(s)", "services/api", "services/web", "services/worker", "go.mod", "slipway init --all"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "not detected") {
		t.Errorf("init at a root still says not detected:\n%s", stderr)
	}
}

func TestInitAllWritesEveryServiceAndTheWorkspace(t *testing.T) {
	root := monorepo(t)
	if code, _, stderr := slipway(t, "init", "--all", "--port", "9000", root); code != exitUsage || !strings.Contains(stderr, "--port: not with --all") {
		t.Fatalf("a per-service flag with --all: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := slipway(t, "init", "--all", root)
	if code != 0 {
		t.Fatalf("init --all: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, n := range []string{"api", "web", "worker"} {
		for _, f := range []string{"slipway.toml", "Dockerfile", ".dockerignore"} {
			if _, err := os.Stat(filepath.Join(root, "services", n, f)); err != nil {
				t.Errorf("services/%s/%s not written: %v", n, f, err)
			}
		}
	}
	ws, err := workspace.Load(filepath.Join(root, workspace.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ws.File.Services {
		names = append(names, s.Name+"="+s.Path)
	}
	if got := strings.Join(names, " "); got != "api=services/api web=services/web worker=services/worker" {
		t.Fatalf("workspace lists %s", got)
	}
	// Again: nothing changes, the workspace file is up to date.
	before, _ := os.ReadFile(filepath.Join(root, workspace.FileName))
	if code, _, stderr := slipway(t, "init", "--all", root); code != 0 || !strings.Contains(stderr, "up to date") {
		t.Fatalf("second init --all: exit %d\n%s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(root, workspace.FileName))
	if string(before) != string(after) {
		t.Error("second init --all changed the workspace file")
	}
	// A hand edit is kept: init --all reports it and exits 1.
	df := filepath.Join(root, "services", "web", "Dockerfile")
	edited := "FROM scratch\n"
	if err := os.WriteFile(df, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = slipway(t, "init", "--all", root)
	if code != exitFailure || !strings.Contains(stdout, "kept (edited by hand)") {
		t.Fatalf("init --all over a hand edit: exit %d\n%s", code, stdout)
	}
	if b, _ := os.ReadFile(df); string(b) != edited {
		t.Fatal("init --all replaced a hand-edited Dockerfile")
	}

	// generate --all --check: the edit is drift in one row, json says so.
	code, stdout, stderr = slipway(t, "generate", "--all", "--check", "--format", "json", root)
	if code != exitFailure {
		t.Fatalf("generate --all --check: exit %d\n%s", code, stderr)
	}
	var rows []workspace.Result
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Service] = r.Status
		if r.Key == "" || strings.Contains(r.Key, root) {
			t.Errorf("%s: key %q (empty or absolute)", r.Service, r.Key)
		}
	}
	if len(rows) != 3 || got["web"] != workspace.StatusDrift || got["api"] != workspace.StatusOK || got["worker"] != workspace.StatusOK {
		t.Fatalf("statuses %v", got)
	}

	// lint --all over the same list; the hand-written FROM scratch has no USER.
	code, stdout, _ = slipway(t, "lint", "--all", root)
	if code != exitFailure || !strings.Contains(stdout, "web") || !strings.Contains(stdout, "findings") {
		t.Fatalf("lint --all: exit %d\n%s", code, stdout)
	}
}

func TestAllFlagsAreCheckedBeforeWork(t *testing.T) {
	root := monorepo(t)
	noWorkspace := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "--changed-since", "HEAD", root}, "--changed-since goes with --all"},
		{[]string{"generate", "--format", "json", root}, "--format goes with --all"},
		{[]string{"build", "--all", "--tag", "x:1", root}, "--tag: not with --all"},
		{[]string{"verify", "--all", "--port", "80", root}, "--port: not with --all"},
		{[]string{"lint", "--all", "--format", "sarif", root}, "with --all the summary is text or json"},
		{[]string{"build", "--all", noWorkspace}, "no " + workspace.FileName + " found"},
	} {
		code, _, stderr := slipway(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("slipway %v: exit %d, want 2 with %q\n%s", tc.args, code, tc.want, stderr)
		}
	}
	// --changed-since outside git: exit 2, saying so.
	if code, _, stderr := slipway(t, "init", "--all", root); code != 0 {
		t.Fatalf("init --all: %d %s", code, stderr)
	}
	code, _, stderr := slipway(t, "generate", "--all", "--changed-since", "HEAD~1", root)
	if code != exitUsage || !strings.Contains(stderr, "not in a git work tree") {
		t.Errorf("--changed-since outside git: exit %d\n%s", code, stderr)
	}
	// A workspace file with a typo: exit 2 naming file, line and key.
	p := filepath.Join(root, workspace.FileName)
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(b, []byte("\n[[service]]\nname = \"x\"\npaht = \"services/x\"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = slipway(t, "lint", "--all", root)
	if code != exitUsage || !strings.Contains(stderr, workspace.FileName+":") || !strings.Contains(stderr, "paht: unknown key") {
		t.Errorf("a bad workspace file: exit %d\n%s", code, stderr)
	}
}

// With no daemon every build fails in its own row, the run still ends with
// one summary and exit 1, and a service whose context is the whole root is
// warned about the image folder inside it.
func TestBuildAllWithoutADaemon(t *testing.T) {
	root := monorepo(t)
	writeFiles := func(name, body string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles("go.mod", "module example.com/root\n\ngo 1.24\n")
	writeFiles("main.go", allGoMain)
	if code, _, stderr := slipway(t, "init", "--all", root); code != 0 {
		t.Fatalf("init --all: %d\n%s", code, stderr)
	}
	sock := "unix://" + filepath.Join(t.TempDir(), "no-daemon.sock")
	code, stdout, stderr := slipway(t, "build", "--all", "--addr", sock, "--format", "json", root)
	if code != exitFailure {
		t.Fatalf("build --all without a daemon: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var rows []workspace.Result
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4 (the root and three services)", len(rows))
	}
	for _, r := range rows {
		if r.Status != workspace.StatusFailed || r.Builder != sock || r.Digest != "" || r.Detail == "" {
			t.Errorf("%+v", r)
		}
	}
	if !strings.Contains(stderr, "holds the image folder .slipway/images") {
		t.Errorf("no warning about the root's context:\n%s", stderr)
	}
}

func TestAllServiceSelects(t *testing.T) {
	root := monorepo(t)
	if code, _, stderr := slipway(t, "init", "--all", root); code != 0 {
		t.Fatalf("init --all: %d\n%s", code, stderr)
	}
	code, stdout, stderr := slipway(t, "generate", "--all", "--check", "--service", "web", "--service", "services/api", "--format", "json", root)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rows []workspace.Result
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Service != "api" || rows[1].Service != "web" {
		t.Fatalf("rows %+v, want api then web (the file's order)", rows)
	}
	if code, _, stderr := slipway(t, "generate", "--all", "--service", "nope", root); code != exitUsage || !strings.Contains(stderr, `no service "nope"`) {
		t.Fatalf("unknown service: exit %d\n%s", code, stderr)
	}
}

// In the wizard (--accessible, answers on stdin) init --all asks which
// services to write: toggling the second leaves it out.
func TestInitAllAsksWhichInTheWizard(t *testing.T) {
	root := monorepo(t)
	in := filepath.Join(t.TempDir(), "answers")
	if err := os.WriteFile(in, []byte("2\n0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	code, stdout, stderr := slipway(t, "init", "--all", "--accessible", root)
	os.Stdin = saved
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "Services to write") {
		t.Errorf("no question asked:\n%s", stdout)
	}
	ws, err := workspace.Load(filepath.Join(root, workspace.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ws.File.Services {
		names = append(names, s.Name)
	}
	// Found in path order: api, web, worker; the second (web) was toggled off.
	if strings.Join(names, ",") != "api,worker" {
		t.Fatalf("workspace lists %v, want api,worker", names)
	}
	if _, err := os.Stat(filepath.Join(root, "services", "web", "slipway.toml")); err == nil {
		t.Error("the service left out was written")
	}
}
