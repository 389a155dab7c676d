package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
)

// slipway runs the CLI in process with stdout and stderr captured, and
// returns the exit code and what it printed.
func slipway(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, context.Background(), nil, args...)
}

func serviceDir(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// listDir names the files in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestGenerateMalformedConfigExitsTwo(t *testing.T) {
	for name, toml := range map[string]string{
		"unknown key":   "name = \"api\"\nlanguage = \"go\"\ncolour = \"red\"\n",
		"syntax error":  "name = \"api\"\nlanguage = \"go\"\n[healthcheck\n",
		"invalid value": "name = \"api\"\nlanguage = \"go\"\nport = 70000\n",
		"preflight":     "name = \"api\"\nlanguage = \"go\"\nbase = \"distroless-static\"\ncgo = true\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := serviceDir(t, toml)
			for _, args := range [][]string{{"generate", dir}, {"generate", "--check", dir}, {"generate", "--force", dir}} {
				code, _, stderr := slipway(t, args...)
				if code != exitUsage {
					t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, exitUsage, stderr)
				}
				if !strings.Contains(stderr, filepath.Join(dir, config.FileName)+":") {
					t.Errorf("%v: stderr does not name the file:\n%s", args, stderr)
				}
			}
			if got := listDir(t, dir); len(got) != 1 {
				t.Errorf("files written: %v", got)
			}
		})
	}
}

func TestGenerateCheckAndForce(t *testing.T) {
	dir := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	df := filepath.Join(dir, "Dockerfile")

	// Nothing generated yet: --check fails and writes nothing.
	if code, _, stderr := slipway(t, "generate", "--check", dir); code != exitFailure || !strings.Contains(stderr, "new") {
		t.Fatalf("check before generate: exit %d\n%s", code, stderr)
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Fatalf("--check wrote files: %v", got)
	}

	if code, _, stderr := slipway(t, "generate", dir); code != exitOK {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	written, err := os.ReadFile(df)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := slipway(t, "generate", "--check", dir); code != exitOK {
		t.Fatalf("check in sync: exit %d\n%s", code, stderr)
	}
	if code, _, _ := slipway(t, "generate", dir); code != exitOK {
		t.Fatalf("generate again: exit %d", code)
	}

	// A hand edit.
	edited := strings.Replace(string(written), "ENTRYPOINT", "RUN echo hand edit\nENTRYPOINT", 1)
	if err := os.WriteFile(df, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := slipway(t, "generate", "--check", dir)
	if code != exitFailure || !strings.Contains(stderr, "edited by hand") {
		t.Fatalf("check after a hand edit: exit %d\n%s", code, stderr)
	}
	code, _, stderr = slipway(t, "generate", dir)
	if code != exitFailure || !strings.Contains(stderr, "--force") {
		t.Fatalf("generate over a hand edit: exit %d\n%s", code, stderr)
	}
	if now, _ := os.ReadFile(df); string(now) != edited {
		t.Fatalf("generate changed a hand-edited Dockerfile")
	}
	code, stdout, _ := slipway(t, "generate", "--diff", dir)
	if code != exitOK || !strings.Contains(stdout, "-RUN echo hand edit") {
		t.Errorf("--diff: exit %d\n%s", code, stdout)
	}
	if now, _ := os.ReadFile(df); string(now) != edited {
		t.Fatalf("--diff changed the Dockerfile")
	}

	if code, _, stderr := slipway(t, "generate", "--force", dir); code != exitOK {
		t.Fatalf("generate --force: exit %d\n%s", code, stderr)
	}
	if now, _ := os.ReadFile(df); string(now) != string(written) {
		t.Fatalf("--force did not restore the generated Dockerfile")
	}
	if code, _, _ := slipway(t, "generate", "--check", dir); code != exitOK {
		t.Fatalf("check after --force: exit %d", code)
	}
}

func TestGenerateStdoutWritesNothing(t *testing.T) {
	dir := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	code, stdout, stderr := slipway(t, "generate", "--stdout", dir)
	if code != exitOK || !strings.Contains(stdout, "ENTRYPOINT [\"/app/api\"]") {
		t.Fatalf("--stdout: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("--stdout wrote files: %v", got)
	}
}

func TestGenerateUsageErrors(t *testing.T) {
	dir := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	for _, args := range [][]string{
		{"generate", "--bogus", dir},
		{"generate", dir, dir},
	} {
		if code, _, stderr := slipway(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
		}
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("files written: %v", got)
	}
}
