package generate_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTempFiles fails if an atomic write left a temporary file in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestPlanStates(t *testing.T) {
	dir := t.TempDir()
	want := generate.WithHeader([]byte("FROM scratch\n"), "go@1", "")
	older := generate.WithHeader([]byte("FROM busybox\n"), "go@1", "")

	path := filepath.Join(dir, "Dockerfile")
	c, err := generate.Plan(path, want, true)
	if err != nil || c.State != generate.New || c.Old != nil {
		t.Fatalf("missing file: %+v, %v", c, err)
	}
	if d := c.Diff(); !strings.Contains(d, "--- /dev/null") || !strings.Contains(d, "+FROM scratch") {
		t.Errorf("diff of a new file:\n%s", d)
	}

	write(t, path, string(want))
	if c, err = generate.Plan(path, want, true); err != nil || c.State != generate.Same {
		t.Errorf("identical file: %v, %v", c.State, err)
	}
	if c.Diff() != "" {
		t.Errorf("an up-to-date file has a diff")
	}

	write(t, path, string(older))
	if c, err = generate.Plan(path, want, true); err != nil || c.State != generate.Stale || string(c.Old) != string(older) {
		t.Errorf("slipway-written older file: %v, %v", c.State, err)
	}
	if d := c.Diff(); !strings.Contains(d, "-FROM busybox") || !strings.Contains(d, "+FROM scratch") || !strings.Contains(d, "(on disk)") {
		t.Errorf("diff of a stale file:\n%s", d)
	}

	write(t, path, strings.Replace(string(older), "busybox", "alpine", 1))
	if c, err = generate.Plan(path, want, true); err != nil || c.State != generate.Edited {
		t.Errorf("hand-edited file: %v, %v", c.State, err)
	}

	write(t, path, "FROM scratch\n")
	if c, err = generate.Plan(path, want, true); err != nil || c.State != generate.Edited {
		t.Errorf("file without header: %v, %v", c.State, err)
	}

	// An unmanaged file (no header) counts as edited whenever it differs.
	other := filepath.Join(dir, "slipway.toml")
	write(t, other, "name = \"a\"\n")
	if c, err = generate.Plan(other, []byte("name = \"b\"\n"), false); err != nil || c.State != generate.Edited {
		t.Errorf("unmanaged differing file: %v, %v", c.State, err)
	}
	if c, err = generate.Plan(other, []byte("name = \"a\"\n"), false); err != nil || c.State != generate.Same {
		t.Errorf("unmanaged identical file: %v, %v", c.State, err)
	}

	// A path that cannot be read is an error naming it.
	if _, err := generate.Plan(dir, want, true); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Plan(directory) = %v", err)
	}

	for s, name := range map[generate.State]string{generate.Same: "up to date", generate.New: "new", generate.Stale: "outdated", generate.Edited: "edited by hand"} {
		if s.String() != name {
			t.Errorf("State(%d) = %q, want %q", s, s, name)
		}
	}
}

func TestApply(t *testing.T) {
	dir := t.TempDir()
	fresh := generate.WithHeader([]byte("FROM scratch\n"), "go@1", "")
	stalePath, editedPath, newPath := filepath.Join(dir, "Dockerfile"), filepath.Join(dir, ".dockerignore"), filepath.Join(dir, "extra")
	stale := string(generate.WithHeader([]byte("FROM busybox\n"), "go@1", ""))
	edited := "# my own ignore file\n.git\n"
	write(t, stalePath, stale)
	write(t, editedPath, edited)
	if err := os.Chmod(editedPath, 0o600); err != nil {
		t.Fatal(err)
	}
	var changes []generate.Change
	for _, p := range []string{stalePath, editedPath, newPath} {
		c, err := generate.Plan(p, fresh, true)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}

	// One conflict: nothing at all is written.
	err := generate.Apply(changes, false)
	var ce *generate.ConflictError
	if !errors.As(err, &ce) || len(ce.Paths) != 1 || ce.Paths[0] != editedPath {
		t.Fatalf("Apply = %v; want a ConflictError for %s", err, editedPath)
	}
	for _, w := range []string{"--force", "--diff", editedPath} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("conflict message does not mention %q: %v", w, err)
		}
	}
	if read(t, stalePath) != stale || read(t, editedPath) != edited {
		t.Errorf("Apply wrote files despite the conflict")
	}
	if _, err := os.Stat(newPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Apply created a new file despite the conflict")
	}
	noTempFiles(t, dir)

	// Forced: everything is written, atomically, modes kept.
	if err := generate.Apply(changes, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stalePath, editedPath, newPath} {
		if read(t, p) != string(fresh) {
			t.Errorf("%s not written", p)
		}
	}
	if fi, _ := os.Stat(editedPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file's mode is %v, want 0600 kept", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(newPath); fi.Mode().Perm() != 0o644 {
		t.Errorf("new file's mode is %v, want 0644", fi.Mode().Perm())
	}
	noTempFiles(t, dir)

	// Same changes are not written at all.
	c := generate.Change{Path: stalePath, New: []byte("something else"), State: generate.Same}
	if err := generate.Apply([]generate.Change{c}, false); err != nil || read(t, stalePath) != string(fresh) {
		t.Errorf("Apply rewrote an up-to-date file (err %v)", err)
	}

	// A write that fails leaves no temp file and reports the path.
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		err := generate.Apply([]generate.Change{{Path: filepath.Join(ro, "Dockerfile"), New: fresh, State: generate.New}}, false)
		if err == nil || !strings.Contains(err.Error(), ro) {
			t.Errorf("write into a read-only dir: %v", err)
		}
		noTempFiles(t, ro)
	}
}

// service makes a service directory with slipway.toml and returns it.
func service(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, config.FileName), toml)
	return dir
}

const goService = "name = \"api\"\nlanguage = \"go\"\nport = 8080\n"

func TestRunWritesAndChecks(t *testing.T) {
	set := templateSet(t)
	dir := service(t, goService)
	df, di := filepath.Join(dir, "Dockerfile"), filepath.Join(dir, ".dockerignore")

	res, err := generate.Run(set, generate.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 || res.Changes[0].State != generate.New || res.Changes[1].State != generate.New || !res.Drift {
		t.Fatalf("first run: %+v", res)
	}
	first := read(t, df)
	if ok, _ := generate.Untouched([]byte(first)); !ok || !strings.Contains(first, "EXPOSE 8080") {
		t.Fatalf("written Dockerfile:\n%s", first)
	}
	if !strings.Contains(read(t, di), ".git") {
		t.Errorf(".dockerignore not written")
	}
	noTempFiles(t, dir)

	// In sync: check finds no drift.
	res, err = generate.Run(set, generate.Options{Dir: dir, Check: true})
	if err != nil || res.Drift || res.Changes[0].State != generate.Same || res.Changes[1].State != generate.Same {
		t.Fatalf("check in sync: %+v, %v", res, err)
	}

	// The config changes: check reports drift (stale) and writes nothing.
	write(t, filepath.Join(dir, config.FileName), strings.Replace(goService, "8080", "9090", 1))
	res, err = generate.Run(set, generate.Options{Dir: dir, Check: true})
	if err != nil || !res.Drift || res.Changes[0].State != generate.Stale {
		t.Fatalf("check after a config change: %+v, %v", res, err)
	}
	if read(t, df) != first {
		t.Fatalf("check wrote the Dockerfile")
	}

	// --diff prints the change and writes nothing.
	var out bytes.Buffer
	res, err = generate.Run(set, generate.Options{Dir: dir, Diff: true, Out: &out})
	if err != nil || !res.Drift || !strings.Contains(out.String(), "-EXPOSE 8080") || !strings.Contains(out.String(), "+EXPOSE 9090") {
		t.Fatalf("diff: %v\n%s", err, out.String())
	}
	if read(t, df) != first {
		t.Fatalf("diff wrote the Dockerfile")
	}

	// A stale file is replaced without --force.
	if _, err := generate.Run(set, generate.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	second := read(t, df)
	if !strings.Contains(second, "EXPOSE 9090") {
		t.Fatalf("stale Dockerfile not replaced:\n%s", second)
	}

	// A hand edit: check reports it, generate refuses, --force replaces.
	edited := strings.Replace(second, "EXPOSE 9090", "EXPOSE 9090\nRUN echo hand edit", 1)
	write(t, df, edited)
	res, err = generate.Run(set, generate.Options{Dir: dir, Check: true})
	if err != nil || !res.Drift || res.Changes[0].State != generate.Edited {
		t.Fatalf("check after a hand edit: %+v, %v", res, err)
	}
	// Make .dockerignore stale too: a conflict on one file writes neither.
	write(t, di, string(generate.WithHeader([]byte(".git\n"), "go@1", "")))
	staleIgnore := read(t, di)
	_, err = generate.Run(set, generate.Options{Dir: dir})
	var ce *generate.ConflictError
	if !errors.As(err, &ce) || len(ce.Paths) != 1 || ce.Paths[0] != df {
		t.Fatalf("generate over a hand edit: %v", err)
	}
	if read(t, df) != edited || read(t, di) != staleIgnore {
		t.Fatalf("generate wrote despite the conflict")
	}
	if _, err := generate.Run(set, generate.Options{Dir: dir, Force: true}); err != nil {
		t.Fatal(err)
	}
	if read(t, df) != second || read(t, di) == staleIgnore {
		t.Fatalf("--force did not replace the files")
	}
	noTempFiles(t, dir)
}

func TestRunStdout(t *testing.T) {
	set := templateSet(t)
	dir := service(t, goService)
	var out, warn bytes.Buffer
	res, err := generate.Run(set, generate.Options{Dir: dir, Stdout: true, Out: &out, Warnings: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if res.Drift || len(res.Changes) != 0 {
		t.Errorf("stdout run reports changes: %+v", res)
	}
	if !strings.Contains(out.String(), "# slipway:generated") || !strings.Contains(out.String(), "---- .dockerignore ----") {
		t.Errorf("stdout does not carry both files:\n%s", out.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("stdout run wrote files: %v", entries)
	}
}

func TestRunWarnings(t *testing.T) {
	set := templateSet(t)
	dir := service(t, "name = \"api\"\nlanguage = \"rust\"\nbase = \"distroless-static\"\n")
	var warn bytes.Buffer
	if _, err := generate.Run(set, generate.Options{Dir: dir, Check: true, Warnings: &warn}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(warn.String(), "warning: ") || !strings.Contains(warn.String(), "no libc") {
		t.Errorf("warnings: %q", warn.String())
	}
}

// TestRunPreflightErrors checks that a choice that cannot work comes back
// naming slipway.toml, the line and the key, with nothing written.
func TestRunPreflightErrors(t *testing.T) {
	set := templateSet(t)
	for _, tc := range []struct {
		name, toml string
		line       int
		key, want  string
	}{
		{"cgo on a base without libc", "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\ncgo = true\n", 4, "cgo", "distroless-base"},
		{"shell entrypoint on a shell-less base", "name = \"api\"\nlanguage = \"go\"\nentrypoint = [\"sh\", \"-c\", \"x\"]\n", 3, "entrypoint", "has no shell"},
		{"shell healthcheck on a shell-less base", "name = \"api\"\nlanguage = \"go\"\n\n[healthcheck]\ncommand = [\"/bin/sh\", \"-c\", \"true\"]\n", 5, "healthcheck.command", "has no shell"},
		{"any known shell, not only sh", "name = \"api\"\nlanguage = \"go\"\ncmd = [\"/usr/bin/zsh\", \"-c\", \"x\"]\n", 3, "cmd", "has no shell"},
		{"two healthcheck kinds", "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\n[healthcheck]\nhttp_path = \"/healthz\"\ngrpc = true\n", 4, "healthcheck", "not several"},
		{"base that does not fit the language", "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-java\"\n", 3, "base", "bases that fit"},
		{"base not in the catalogue", "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-foo\"\n", 3, "base", "not in the catalogue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := service(t, tc.toml)
			cfg := filepath.Join(dir, config.FileName)
			_, err := generate.Run(set, generate.Options{Dir: dir})
			if err == nil {
				t.Fatal("Run succeeded")
			}
			if !config.IsInvalid(err) {
				t.Errorf("not a configuration error (exit 2): %T", err)
			}
			prefix := fmt.Sprintf("%s:%d: %s: ", cfg, tc.line, tc.key)
			found := false
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, prefix) && strings.Contains(line, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("error does not say %q after %q:\n%v", tc.want, prefix, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files written despite the error: %v", entries)
			}
		})
	}
}

func TestRunTeam(t *testing.T) {
	set := templateSet(t)
	root := t.TempDir()
	dir := filepath.Join(root, "svc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, config.FileName), "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-base\"\nuser = 65532\n")
	write(t, filepath.Join(root, config.TeamFileName), "allowed_bases = [\"distroless-static\"]\nmin_uid = 70000\n")
	_, err := generate.Run(set, generate.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "base:") || !strings.Contains(err.Error(), "not allowed by the team standard") {
		t.Fatalf("team standard not applied: %v", err)
	}
	// A broken team file is reported with its own name.
	write(t, filepath.Join(root, config.TeamFileName), "min_uid = \"high\"\n")
	_, err = generate.Run(set, generate.Options{Dir: dir})
	if !config.IsInvalid(err) || !strings.Contains(err.Error(), config.TeamFileName+":1: min_uid") {
		t.Fatalf("broken team file: %v", err)
	}
}

func TestRunMissingConfig(t *testing.T) {
	set := templateSet(t)
	dir := t.TempDir()
	_, err := generate.Run(set, generate.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "slipway init") {
		t.Fatalf("missing slipway.toml: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}

func TestRunInvalidConfig(t *testing.T) {
	set := templateSet(t)
	dir := service(t, "name = \"api\"\nlanguage = \"go\"\nport = 70000\n")
	_, err := generate.Run(set, generate.Options{Dir: dir})
	cfg := filepath.Join(dir, config.FileName)
	if !config.IsInvalid(err) || !strings.HasPrefix(err.Error(), cfg+":3: port: ") {
		t.Fatalf("invalid config: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files written: %v", entries)
	}
}
