package build

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/testkit"
)

// credentialFiles are the files issue 8 found the generated .dockerignore
// letting into a build context, each written at the context root and two
// directories down (a/b/).
var credentialFiles = []string{
	"secret.pem", ".aws/credentials", ".npmrc", ".netrc", ".pypirc", ".docker/config.json", ".ssh/config",
	".git/config", ".git-credentials", ".kube/config", ".envrc", ".env", "terraform.tfstate", "terraform.tfstate.backup",
	".vault-token", "credentials.json", "my-project-service-account.json", "secrets.yaml", "server.key", ".ssh/id_ed25519",
}

// dependencyFiles are not credentials but stay out too (node_modules).
var dependencyFiles = []string{"node_modules/left-pad/index.js"}

// neededFiles are what a build needs, and must still be sent.
var neededFiles = []string{"main.go", "certs/ca.pem", "certs/server.crt", ".docker/nginx.conf", "static/app.js", ".ssh.go"}

const credentialDepth = "a/b/"

// credentialContext writes a context holding every credential file at
// depth 0 and 2, with dockerignore as its .dockerignore ("" for none).
func credentialContext(t *testing.T, dockerfile, dockerignore string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Dockerfile": dockerfile}
	if dockerignore != "" {
		files[".dockerignore"] = dockerignore
	}
	for _, f := range slices.Concat(credentialFiles, dependencyFiles, neededFiles) {
		for _, p := range []string{f, credentialDepth + f} {
			files[p] = "content of " + p + "\n"
		}
	}
	testkit.WriteTreeAt(t, dir, files)
	return dir
}

// generatedIgnores are the .dockerignore files slipway generates, one per
// language (generate's golden files, kept current by its tests).
func generatedIgnores(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("../generate/testdata/golden/*.dockerignore")
	if err != nil || len(paths) < 6 {
		t.Fatalf("generated .dockerignore files: %v, %v", paths, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		if n := filepath.Base(p); strings.Contains(n, "-service-dir.") || strings.Contains(n, "-whole-context.") {
			// Ignore files for a context above the service folder
			// (service_dir): generate's TestServiceDirIgnoreSendsOnlyWhatTheServiceNeeds
			// walks them over a repository.
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".dockerignore")] = string(b)
	}
	return out
}

// sent is every file the context mount serves.
func sent(t *testing.T, dir string) []string {
	t.Helper()
	cfs, err := contextFS(dir, dir, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = cfs.Walk(context.Background(), "", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGeneratedIgnoreKeepsCredentialsOut: with each generated
// .dockerignore, the context mount serves none of the credential files at
// either depth, nor node_modules, but every file a build needs; and the
// context check finds nothing to warn about.
func TestGeneratedIgnoreKeepsCredentialsOut(t *testing.T) {
	for lang, ignore := range generatedIgnores(t) {
		t.Run(lang, func(t *testing.T) {
			dir := credentialContext(t, "FROM scratch\nCOPY . /ctx\n", ignore)
			got := sent(t, dir)
			ownNpmrc := sendsOwnNpmrc(ignore)
			for _, f := range slices.Concat(credentialFiles, dependencyFiles) {
				for _, p := range []string{f, credentialDepth + f} {
					if ownNpmrc && p == ".npmrc" {
						if !slices.Contains(got, p) {
							t.Errorf("%s is not sent, though npmrc = true", p)
						}
						continue
					}
					if slices.Contains(got, p) {
						t.Errorf("%s is sent", p)
					}
				}
			}
			for _, f := range neededFiles {
				for _, p := range []string{f, credentialDepth + f} {
					if !slices.Contains(got, p) {
						t.Errorf("%s, which a build may need, is not sent", p)
					}
				}
			}
			if ownNpmrc {
				writeOwnNpmrc(t, dir)
			}
			files, n, err := ContextCredentials(context.Background(), Options{ContextDir: dir}, 0)
			if err != nil || n != 0 {
				t.Errorf("context check: %d files %v, %v", n, files, err)
			}
			if ownNpmrc {
				// The same file holding a token of its own is warned about.
				if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte("//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				files, n, err := ContextCredentials(context.Background(), Options{ContextDir: dir}, 0)
				if err != nil || n != 1 || files[0].Path != ".npmrc" {
					t.Errorf("context check of an .npmrc with a token: %d files %v, %v", n, files, err)
				}
			}
		})
	}
}

// sendsOwnNpmrc reports whether a generated .dockerignore lets the
// service's own .npmrc in (npmrc = true): it names its token as
// ${NPM_TOKEN}, is bind-mounted into the install steps and is kept out of
// the final stage; a nested .npmrc still stays out.
func sendsOwnNpmrc(ignore string) bool { return strings.Contains(ignore, "\n!.npmrc\n") }

// writeOwnNpmrc gives the context root the .npmrc such a service has.
func writeOwnNpmrc(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNpmrcNamesOnly(t *testing.T) {
	for body, want := range map[string]bool{
		"registry=https://npm.example.com/\n//npm.example.com/:_authToken=${NPM_TOKEN}\n": true,
		"; comment\nalways-auth=true\n":                 false, // no reference: judged by its name
		"//registry.npmjs.org/:_authToken=npm_abc\n":    false,
		"//npm.example.com/:_authToken=${NPM_TOKEN}x\n": false,
		"_auth=dXNlcjpwYXNz\n":                          false,
		"//npm.example.com/:_password=${A}${B}\n":       false,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		cfs, err := contextFS(dir, dir, "Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		if got := npmrcNamesOnly(cfs, ".npmrc"); got != want {
			t.Errorf("%q: names only = %v, want %v", body, got, want)
		}
	}
}

// TestContextCheckHandWrittenIgnore: a weak hand-written .dockerignore
// lets the credentials through; the check names every one of them (and
// nothing a build needs), the warning lists at most maxContextFiles and
// counts the rest, and escapes a hostile file name.
func TestContextCheckHandWrittenIgnore(t *testing.T) {
	dir := credentialContext(t, "FROM scratch\n", ".git\nnode_modules\n")
	os.WriteFile(filepath.Join(dir, ".env.\x1b[2J\nforged"), []byte("X=1"), 0o644)
	files, n, err := ContextCredentials(context.Background(), Options{ContextDir: dir}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	for _, f := range credentialFiles {
		for _, p := range []string{f, credentialDepth + f} {
			if p == ".git/config" {
				continue // the hand-written file excludes the root .git
			}
			if !slices.Contains(paths, p) {
				t.Errorf("%s is sent and not named", p)
			}
		}
	}
	for _, f := range neededFiles {
		if slices.Contains(paths, f) {
			t.Errorf("%s is named as a credential", f)
		}
	}
	want := 2*len(credentialFiles) - 1 + 1 // all but the root .git/config, and the hostile .env
	if n != want || len(files) != n {
		t.Errorf("counted %d, listed %d; want %d", n, len(files), want)
	}

	some, total, err := ContextCredentials(context.Background(), Options{ContextDir: dir}, maxContextFiles)
	if err != nil || len(some) != maxContextFiles || total != n {
		t.Fatalf("bounded check: %d listed, %d counted, %v", len(some), total, err)
	}
	var w bytes.Buffer
	warnContext(&w, dir, some, total)
	msg := w.String()
	if lines := strings.Count(msg, "\n"); lines != maxContextFiles+3 {
		t.Errorf("warning has %d lines, want %d:\n%s", lines, maxContextFiles+3, msg)
	}
	if !strings.Contains(msg, "and 30 more") || !strings.Contains(msg, "--secret") {
		t.Errorf("warning lacks the count or the hint:\n%s", msg)
	}
	var all bytes.Buffer
	warnContext(&all, dir, files, n)
	if strings.ContainsRune(all.String(), '\x1b') || !strings.Contains(all.String(), `".env.\x1b[2J\nforged"`) {
		t.Errorf("the hostile name is not escaped:\n%q", all.String())
	}
}
