package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/generate"
)

// runIO runs the CLI with stdin fed from a file holding in, and returns the
// exit code and what it printed.
func runIO(t *testing.T, in string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, context.Background(), &in, args...)
}

// runWith runs the CLI in process with ctx, stdout and stderr captured in
// files (and stdin fed from a file holding *in, unless in is nil), and
// returns the exit code and what it printed.
func runWith(t *testing.T, ctx context.Context, in *string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	tmp := t.TempDir()
	files := map[string]**os.File{"stdout": &os.Stdout, "stderr": &os.Stderr}
	if in != nil {
		files["stdin"] = &os.Stdin
	}
	saved := map[string]*os.File{}
	defer func() {
		for name, f := range files {
			if s, ok := saved[name]; ok {
				(*f).Close()
				*f = s
			}
		}
	}()
	for name, f := range files {
		p := filepath.Join(tmp, name)
		content := ""
		if name == "stdin" {
			content = *in
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		nf, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		saved[name] = *f
		*f = nf
	}
	code = run(ctx, args)
	out, _ := os.ReadFile(filepath.Join(tmp, "stdout"))
	errOut, _ := os.ReadFile(filepath.Join(tmp, "stderr"))
	return code, string(out), string(errOut)
}

// copyExample copies examples/<name> into a temp dir.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
	return dst
}

var exampleLangs = map[string]string{
	"go": "go", "node": "node", "python": "python", "java": "java", "java-gradle": "java", "rust": "rust", "dotnet": "dotnet",
}

func requireTemplates(t *testing.T, lang string) {
	t.Helper()
	set, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set.Manifests[lang]; !ok {
		t.Fatalf("no %s templates: every language of config.Languages must have them", lang)
	}
}

// checkWritten asserts the three files exist, slipway.toml loads, and
// generate --check finds no drift.
func checkWritten(t *testing.T, dir string) *config.Project {
	t.Helper()
	for _, f := range []string{"slipway.toml", "Dockerfile", ".dockerignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	p, err := config.Load(filepath.Join(dir, "slipway.toml"))
	if err != nil {
		t.Fatalf("written slipway.toml does not load: %v", err)
	}
	if code, _, stderr := runIO(t, "", "generate", "--check", dir); code != 0 {
		t.Errorf("generate --check after init: exit %d\n%s", code, stderr)
	}
	return p
}

func TestInitYesExamples(t *testing.T) {
	for ex, lang := range exampleLangs {
		t.Run(ex, func(t *testing.T) {
			requireTemplates(t, lang)
			dir := copyExample(t, ex)
			code, _, stderr := runIO(t, "", "init", "--yes", dir)
			if code != 0 {
				t.Fatalf("init --yes: exit %d\n%s", code, stderr)
			}
			for _, s := range []string{"Detected in", "language = " + lang, "slipway.toml: written (new)", "Next: slipway build"} {
				if !strings.Contains(stderr, s) {
					t.Errorf("init output lacks %q:\n%s", s, stderr)
				}
			}
			p := checkWritten(t, dir)
			if p.Language != lang || p.Port != 8080 || !p.Healthcheck.IsSet() {
				t.Errorf("slipway.toml: language %q port %d healthcheck %+v; want %s, 8080 and a healthcheck", p.Language, p.Port, p.Healthcheck, lang)
			}
			// A second run with the same answers changes nothing.
			if code, _, stderr := runIO(t, "", "init", "--yes", dir); code != 0 || !strings.Contains(stderr, "slipway.toml: up to date") {
				t.Errorf("second init --yes: exit %d\n%s", code, stderr)
			}
		})
	}
}

// Answers piped on stdin in accessible mode: a new name, then an empty line
// (the default) for every other question; EOF keeps the rest.
func TestInitAccessiblePiped(t *testing.T) {
	for _, ex := range []string{"go", "node", "python"} {
		t.Run(ex, func(t *testing.T) {
			requireTemplates(t, exampleLangs[ex])
			dir := copyExample(t, ex)
			in := "piped-" + ex + "\n" + strings.Repeat("\n", 12)
			code, stdout, stderr := runIO(t, in, "init", "--accessible", dir)
			if code != 0 {
				t.Fatalf("init --accessible: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "Service name [hello-"+ex+"]:") || !strings.Contains(stdout, "---- Dockerfile (preview) ----") {
				t.Errorf("prompts or preview missing:\n%s", stdout)
			}
			p := checkWritten(t, dir)
			if p.Name != "piped-"+ex {
				t.Errorf("name = %q, want the piped answer piped-%s", p.Name, ex)
			}
		})
	}
}

func TestInitRefusesDifferentConfig(t *testing.T) {
	requireTemplates(t, "go")
	dir := copyExample(t, "go")
	mine := "name = \"mine\"\nlanguage = \"go\"\nmain = \"./cmd/hello\"\n"
	cfg := filepath.Join(dir, "slipway.toml")
	if err := os.WriteFile(cfg, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIO(t, "", "init", "--yes", "--name", "theirs", dir)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr, "refusing to replace") || !strings.Contains(stdout, `+name = "theirs"`) {
		t.Errorf("no refusal with a diff:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if b, _ := os.ReadFile(cfg); string(b) != mine {
		t.Errorf("slipway.toml was changed:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err == nil {
		t.Error("a Dockerfile was written despite the refusal")
	}
	if code, _, stderr := runIO(t, "", "init", "--yes", "--name", "theirs", "--force", dir); code != 0 {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	if p := checkWritten(t, dir); p.Name != "theirs" {
		t.Errorf("name = %q after --force, want theirs", p.Name)
	}
}

func TestInitYesNamesMissingAnswers(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runIO(t, "", "init", "--yes", dir)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, "language: not detected") || !strings.Contains(stderr, "pass --language") {
		t.Errorf("missing language not named:\n%s", stderr)
	}
	// Three main packages: main is ambiguous and must be named.
	for _, m := range []string{"a", "b", "c"} {
		p := filepath.Join(dir, "cmd", m, "main.go")
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte("package main\n\nfunc main() {}\n"), 0o644)
	}
	_ = os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/three\n\ngo 1.26\n"), 0o644)
	code, _, stderr = runIO(t, "", "init", "--yes", dir)
	if code != exitUsage || !strings.Contains(stderr, "main: three main packages: ./cmd/a, ./cmd/b, ./cmd/c; pass --main") {
		t.Errorf("exit %d; ambiguous main not named:\n%s", code, stderr)
	}
	if code, _, stderr := runIO(t, "", "init", "--yes", "--main", "./cmd/b", dir); code != 0 {
		t.Errorf("with --main: exit %d\n%s", code, stderr)
	}
}

func TestInitFlagErrors(t *testing.T) {
	dir := copyExample(t, "go")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "70000"}, "--port: 70000 is out of range"},
		{[]string{"--port", "abc"}, `"abc" is not a port: a port is a number 1-65535`},
		{[]string{"--port", "0"}, "0 is not a port"},
		{[]string{"--user", "0"}, `"0" is root`},
		{[]string{"--user=00"}, `"00" is root: "00" is uid 0`},
		{[]string{"--user", "root"}, `"root" is root`},
		{[]string{"--user", "4294967296"}, `wraps around to uid 0`},
		{[]string{"--user", "app"}, `"app" is a name: give a numeric uid`},
		{[]string{"--user", "10001:10001"}, "names a group"},
		{[]string{"--user", "3000000000"}, "out of range"},
		{[]string{"--name", "Bad Name"}, "--name:"},
		{[]string{"--secret", "env=X"}, "id= is required"},
		{[]string{"--secret", "id=a,foo=b"}, `unknown field "foo"`},
		{[]string{"--label", "novalue"}, "want key=value"},
		{[]string{"--healthcheck-cmd", `["broken`}, "--healthcheck-cmd"},
	} {
		code, _, stderr := runIO(t, "", append(append([]string{"init", "--yes"}, tc.args...), dir)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("init %q: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "slipway.toml")); err == nil {
		t.Error("a failed init wrote slipway.toml")
	}
}

func TestInitFlagsOverrideDetection(t *testing.T) {
	requireTemplates(t, "go")
	dir := copyExample(t, "go")
	code, _, stderr := runIO(t, "", "init", "--yes", "--name", "api", "--port", "9090", "--base", "distroless-base",
		"--healthcheck-cmd=/app/api", "--healthcheck-cmd=-healthcheck", "--secret", "id=netrc,target=/root/.netrc",
		"--label", "team=payments", "--user", "10001", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	p := checkWritten(t, dir)
	if p.Name != "api" || p.Port != 9090 || p.Base != "distroless-base" || p.User != 10001 || p.Labels["team"] != "payments" ||
		len(p.Secrets) != 1 || p.Secrets[0].Target != "/root/.netrc" || strings.Join(p.Healthcheck.Command, " ") != "/app/api -healthcheck" {
		t.Errorf("flags not all applied: %+v", p)
	}
	df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if !strings.Contains(string(df), "EXPOSE 9090") {
		t.Errorf("Dockerfile does not expose 9090:\n%s", df)
	}
}

func TestInitDiffWritesNothing(t *testing.T) {
	requireTemplates(t, "go")
	dir := copyExample(t, "go")
	code, stdout, _ := runIO(t, "", "init", "--yes", "--diff", dir)
	if code != 0 || !strings.Contains(stdout, "+name = \"hello-go\"") || !strings.Contains(stdout, "+FROM ") {
		t.Errorf("exit %d, diff:\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "slipway.toml")); err == nil {
		t.Error("--diff wrote slipway.toml")
	}
}

// TestInitUnsupportedLanguage: init on a tree in a language slipway knows
// but cannot build exits 2 naming it and the supported languages, with or
// without --yes, and writes nothing.
func TestInitUnsupportedLanguage(t *testing.T) {
	for file, lang := range map[string]string{"CMakeLists.txt": "C/C++", "Package.swift": "Swift", "build.zig": "Zig", "hello.cabal": "Haskell", "pubspec.yaml": "Dart", "deno.json": "Deno"} {
		for _, args := range [][]string{{"init", "--yes"}, {"init"}} {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, file), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runIO(t, "", append(args, dir)...)
			if code != exitUsage {
				t.Errorf("%s %v: exit %d, want %d\n%s", file, args, code, exitUsage, stderr)
			}
			want := lang + " (" + file + ") is not supported yet; supported: " + strings.Join(config.Languages, ", ")
			if !strings.Contains(stderr, want) {
				t.Errorf("%s %v: stderr lacks %q:\n%s", file, args, want, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%s %v: init wrote files: %v", file, args, entries)
			}
		}
	}
}
