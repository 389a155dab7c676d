package main

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

const tomlWithSecrets = `name = "api"
language = "go"
base = "distroless-static"
main = "./cmd/api"

[[secret]]
id = "netrc"
target = "/root/.netrc"

[[secret]]
id = "sentry"
env = "SENTRY_AUTH"
optional = true
`

// runBuild runs `slipway build args...` and returns the exit code, stdout
// and the error text.
func runBuild(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"build"}, args...))
	err := root.ExecuteContext(ctx)
	msg := errOut.String()
	if err != nil {
		msg += err.Error()
	}
	return report(ctx, err), out.String(), msg
}

func TestBuildOptionsFromConfig(t *testing.T) {
	generated := string(generate.WithHeader([]byte("FROM scratch\n"), "go@1", ""))
	dir := writeFiles(t, map[string]string{"slipway.toml": tomlWithSecrets, "Dockerfile": generated})
	f := buildFlags{progress: "plain", secrets: []string{"id=netrc,src=/home/me/.netrc"},
		buildArgs: []string{"VERSION=1.2"}, labels: []string{"team=core"}, outputs: []string{"type=oci,dest=o.tar"}}
	o, err := f.options(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.RequiredSecrets, []string{"netrc"}) {
		t.Errorf("RequiredSecrets = %v, want [netrc] (sentry is optional)", o.RequiredSecrets)
	}
	if !o.Checks {
		t.Error("a generated Dockerfile is not built with Checks")
	}
	if o.Dockerfile != filepath.Join(dir, "Dockerfile") || o.BuildArgs["VERSION"] != "1.2" || o.Labels["team"] != "core" {
		t.Errorf("options = %+v", o)
	}
	if len(o.Secrets) != 1 || o.Secrets[0] != (build.Secret{ID: "netrc", Src: "/home/me/.netrc"}) {
		t.Errorf("Secrets = %+v", o.Secrets)
	}
	if len(o.Outputs) != 1 || o.Outputs[0].Type != "oci" || o.Outputs[0].Dest != "o.tar" {
		t.Errorf("Outputs = %+v", o.Outputs)
	}
	if o.SourceDateEpoch != nil {
		t.Errorf("SourceDateEpoch set without the flag: %d", *o.SourceDateEpoch)
	}

	// --checks=false wins over the header.
	f.checksSet, f.checks = true, false
	if o, _ := f.options(dir); o.Checks {
		t.Error("--checks=false ignored")
	}

	// A hand-written Dockerfile and no slipway.toml: no checks, no required secrets.
	hand := writeFiles(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	o, err = (&buildFlags{progress: "auto", epochSet: true, epoch: 42}).options(hand)
	if err != nil {
		t.Fatal(err)
	}
	if o.Checks || len(o.RequiredSecrets) != 0 {
		t.Errorf("hand-written Dockerfile: Checks=%v RequiredSecrets=%v", o.Checks, o.RequiredSecrets)
	}
	if o.SourceDateEpoch == nil || *o.SourceDateEpoch != 42 {
		t.Errorf("--source-date-epoch 42 not passed: %v", o.SourceDateEpoch)
	}
}

func TestBuildBuildArgFromEnv(t *testing.T) {
	t.Setenv("SLIPWAY_TEST_VERSION", "9.9")
	m, err := keyValues("--build-arg", []string{"SLIPWAY_TEST_VERSION", "A=b=c"}, true)
	if err != nil || m["SLIPWAY_TEST_VERSION"] != "9.9" || m["A"] != "b=c" {
		t.Errorf("keyValues = %v, %v", m, err)
	}
	if _, err := keyValues("--label", []string{"novalue"}, false); err == nil {
		t.Error("--label without = accepted")
	}
}

// Made-up credentials of real shapes: never issued.
var (
	fakeGitHubToken = "ghp_" + strings.Repeat("Zq7W", 9)
	fakeURLPassword = "pw" + strings.Repeat("9x", 6)
)

// These fail before any daemon is contacted: the address is unreachable on
// purpose, so a test that got as far as connecting would see exit 1.
func TestBuildRefusalsBeforeConnecting(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"slipway.toml": tomlWithSecrets, "Dockerfile": "FROM scratch\n"})
	secret := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(secret, []byte("machine x"), 0o600)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"credential build arg", []string{dir, "--secret", "id=netrc,src=" + secret, "--build-arg", "GITHUB_TOKEN=ghp_x"},
			[]string{"GITHUB_TOKEN looks like a credential", "--secret id=github_token,env=GITHUB_TOKEN"}},
		{"credential value under an innocent name", []string{dir, "--secret", "id=netrc,src=" + secret, "--provenance", "max",
			"--build-arg", "GH=" + fakeGitHubToken, "--build-arg", "VERSION=1.2"},
			[]string{"build arg GH holds what looks like a GitHub token", "value is not shown", "--secret id=gh,env=GH"}},
		{"password in a URL", []string{dir, "--secret", "id=netrc,src=" + secret,
			"--build-arg", "GOPROXY=https://bob:" + fakeURLPassword + "@proxy.example.com"},
			[]string{"build arg GOPROXY holds what looks like a password in a URL", "--secret id=goproxy,env=GOPROXY"}},
		{"missing declared secret", []string{dir},
			[]string{"missing build secret netrc", "--secret id=netrc,src=FILE"}},
		{"bad secret flag", []string{dir, "--secret", "src=/x"}, []string{"missing id="}},
		{"bad output flag", []string{dir, "-o", "type=zip,dest=x"}, []string{`unknown type "zip"`}},
		{"bad progress", []string{dir, "--progress", "fancy"}, []string{"want auto, tty, plain"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, msg := runBuild(t, ctx, append(c.args, "--addr", "unix:///nonexistent/buildkitd.sock")...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d: %s", code, exitUsage, msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "ghp_x") || strings.Contains(msg, fakeGitHubToken[4:]) || strings.Contains(msg, fakeURLPassword) {
				t.Errorf("message echoes the build arg's value: %s", msg)
			}
		})
	}
}

func TestBuildUnreachableDaemon(t *testing.T) {
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	start := time.Now()
	code, _, msg := runBuild(t, context.Background(), dir, "--addr", "tcp://127.0.0.1:1")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v, want < 5s", d)
	}
	if code != exitFailure || !strings.Contains(msg, "no BuildKit daemon answers at tcp://127.0.0.1:1") || !strings.Contains(msg, "a remote daemon is reached with") {
		t.Errorf("exit %d: %s", code, msg)
	}
}

func TestBuildCommandLab(t *testing.T) {
	l := labtest.Require(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile":    "FROM docker.io/library/debian:bookworm-slim\nCOPY hello.txt /\n",
		"hello.txt":     "hello\n",
		".dockerignore": ".env\n",
		".env":          "X=1\n",
	})
	dest := filepath.Join(t.TempDir(), "img.tar")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code, out, msg := runBuild(t, ctx, dir, "--addr", l.BuildkitHost, "--progress", "quiet", "-t", "lab.local/hello:1",
		"-o", "type=oci,dest="+dest, "--source-date-epoch", "1700000000")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	digest := strings.TrimSpace(out)
	if !strings.HasPrefix(digest, "sha256:") || strings.Contains(digest, "\n") {
		t.Fatalf("stdout = %q, want one digest line", out)
	}
	// The digest printed is the manifest the OCI index points at.
	idx := ociIndex(t, dest)
	if !strings.Contains(idx, digest) || !strings.Contains(idx, "lab.local/hello:1") {
		t.Errorf("index.json %s does not name %s and the tag", idx, digest)
	}
}

func TestBuildCommandCanceled(t *testing.T) {
	l := labtest.Require(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM docker.io/library/debian:bookworm-slim\nRUN sleep 30\n",
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	start := time.Now()
	code, _, msg := runBuild(t, ctx, dir, "--addr", l.BuildkitHost, "--progress", "quiet", "--no-cache")
	if code != exitCanceled {
		t.Errorf("exit %d, want %d: %s", code, exitCanceled, msg)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("canceled build returned after %v", d)
	}
}

// ociIndex returns index.json of an OCI layout tarball.
func ociIndex(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no index.json in %s: %v", path, err)
		}
		if h.Name == "index.json" {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// TestBuildWarnsAboutContextCredentials: a context whose .dockerignore
// lets a credential file through builds, with a warning on stderr that
// names the file (never its content).
func TestBuildWarnsAboutContextCredentials(t *testing.T) {
	l := labtest.Require(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile":              "FROM scratch\nCOPY hello.txt /\n",
		"hello.txt":               "hello\n",
		".dockerignore":           ".git\n",
		"deploy/.aws/credentials": "[default]\naws_secret_access_key = " + fakeURLPassword + "\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code, _, msg := runBuild(t, ctx, dir, "--addr", l.BuildkitHost, "--progress", "quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if !strings.Contains(msg, "warning: the build context") || !strings.Contains(msg, "deploy/.aws/credentials (AWS credentials)") {
		t.Errorf("no warning naming the file:\n%s", msg)
	}
	if strings.Contains(msg, fakeURLPassword) {
		t.Errorf("the warning shows the file's content:\n%s", msg)
	}
}
