package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCtx is runIO with a context: a cancelled one is what SIGINT leaves.
func runCtx(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, ctx, nil, args...)
}

// The README's promise, per command: 0 success, 1 a problem found, 2 bad
// usage or input, 130 cancelled.
func TestExitCodesLintGenerateRules(t *testing.T) {
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.Dockerfile", cleanDockerfile)
	writeFile(t, dir, ".dockerignore", ".git\n.env\n.env.*\n**/.env\n*.pem\n*.key\n**/id_rsa*\n**/id_ed25519*\n.npmrc\n.pypirc\n.netrc\n.aws\n.docker\n")
	dirty := writeFile(t, dir, "dirty.Dockerfile", dirtyDockerfile)
	bom := writeFile(t, dir, "bom.Dockerfile", "\ufeffFROM debian:bookworm-slim AS Build\nUSER 65532\nCMD [\"/a\"]\n")
	nul := writeFile(t, dir, "nul.Dockerfile", "FROM debian:bookworm-slim\nRUN echo \x00\n")
	missingTeam := filepath.Join(dir, "no-such", "slipway-team.toml")

	svc := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	drifted := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	if code, _, stderr := slipway(t, "generate", drifted); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(drifted, "slipway.toml"), []byte("name = \"api\"\nlanguage = \"go\"\nport = 9090\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	edited := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	if err := os.WriteFile(filepath.Join(edited, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		args []string
		want int
		says string // in stderr
	}{
		{"lint clean", []string{"lint", clean}, exitOK, ""},
		{"lint findings", []string{"lint", dirty}, exitFailure, ""},
		{"lint BOM: BuildKit's checks run", []string{"lint", bom}, exitFailure, ""},
		{"lint NUL byte", []string{"lint", nul}, exitUsage, nul + ":2: column 10: a NUL byte"},
		{"lint missing file", []string{"lint", filepath.Join(dir, "missing")}, exitUsage, "missing"},
		{"lint missing --team", []string{"lint", "--team", missingTeam, clean}, exitUsage, missingTeam},
		{"lint bad --format", []string{"lint", "--format", "xml", clean}, exitUsage, "--format"},
		{"generate", []string{"generate", svc}, exitOK, ""},
		{"generate --check clean", []string{"generate", "--check", svc}, exitOK, ""},
		{"generate --check drift", []string{"generate", "--check", drifted}, exitFailure, "differ"},
		{"generate hand-edited", []string{"generate", edited}, exitFailure, "Dockerfile"},
		{"generate missing --team", []string{"generate", "--team", missingTeam, svc}, exitUsage, missingTeam},
		{"generate bad flags", []string{"generate", "--check", "--force", svc}, exitUsage, ""},
		{"generate missing slipway.toml", []string{"generate", dir}, exitUsage, "slipway init"},
		{"rules", []string{"rules"}, exitOK, ""},
		{"rules ID", []string{"rules", "SW130"}, exitOK, ""},
		{"rules unknown ID", []string{"rules", "SW999"}, exitUsage, "SW999"},
		{"rules bad --kind", []string{"rules", "--kind", "nope"}, exitUsage, "--kind"},
		{"rules bad --format", []string{"rules", "--format", "xml"}, exitUsage, "xml"},
		{"rules two IDs", []string{"rules", "SW130", "SW131"}, exitUsage, ""},
	} {
		code, _, stderr := slipway(t, c.args...)
		if code != c.want || !strings.Contains(stderr, c.says) {
			t.Errorf("%s: %v: exit %d, want %d (saying %q); stderr:\n%s", c.name, c.args, code, c.want, c.says, stderr)
		}
	}

	// Cancelled (SIGINT): 130.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"lint", clean}, {"generate", serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")}} {
		if code, _, stderr := runCtx(t, ctx, args...); code != exitCanceled || !strings.Contains(stderr, "slipway: canceled") {
			t.Errorf("%v cancelled: exit %d, want 130; stderr:\n%s", args, code, stderr)
		}
	}
}

// SIGINT during generate's write: the write finishes (each file whole,
// by temporary file and rename), then the command exits 130. The signal
// cancels the context main made; here it is cancelled before the run, the
// earliest a signal can come, and every file is still written whole.
func TestGenerateInterruptedFinishesTheWriteThenExits130(t *testing.T) {
	svc := serviceDir(t, "name = \"api\"\nlanguage = \"go\"\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, stderr := runCtx(t, ctx, "generate", svc)
	if code != exitCanceled {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		if !strings.Contains(stderr, f+": written") {
			t.Errorf("stderr does not say %s was written:\n%s", f, stderr)
		}
	}
	// Whole and as rendered: --check finds no drift, no temporary file left.
	if code, _, stderr := slipway(t, "generate", "--check", svc); code != exitOK {
		t.Errorf("generate --check after the interrupted run: exit %d\n%s", code, stderr)
	}
	for _, n := range listDir(t, svc) {
		if n != "slipway.toml" && n != "Dockerfile" && n != ".dockerignore" {
			t.Errorf("left behind: %s", n)
		}
	}
}
