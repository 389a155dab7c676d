package build

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/testkit"
)

// writeTree writes files (path → content) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	return testkit.WriteTree(t, files)
}

func TestPrepareRequiredSecrets(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\n", "npmrc": "//reg/:_authToken=abc\n"})
	_, err := prepare(Options{ContextDir: dir, RequiredSecrets: []string{"npm", "netrc"},
		Secrets: []Secret{{ID: "npm", Src: filepath.Join(dir, "npmrc")}}})
	var me *MissingSecretsError
	if !errors.As(err, &me) {
		t.Fatalf("want MissingSecretsError, got %v", err)
	}
	if !slices.Equal(me.IDs, []string{"netrc"}) {
		t.Errorf("missing = %v, want [netrc]", me.IDs)
	}
	if !strings.Contains(err.Error(), "--secret id=netrc,src=FILE") {
		t.Errorf("error lacks the hint: %v", err)
	}
	if _, err := prepare(Options{ContextDir: dir, RequiredSecrets: []string{"npm"},
		Secrets: []Secret{{ID: "npm", Src: filepath.Join(dir, "npmrc")}}}); err != nil {
		t.Errorf("all required secrets given: %v", err)
	}
}

func TestPrepareSecretSources(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	const value = "s3cr3t-value-never-printed"
	t.Setenv("SLIPWAY_TEST_SECRET", value)
	cases := []struct {
		s       Secret
		wantErr string
	}{
		{s: Secret{ID: "a", Env: "SLIPWAY_TEST_SECRET"}},
		{s: Secret{ID: "a", Env: "SLIPWAY_TEST_UNSET_VAR"}, wantErr: "environment variable SLIPWAY_TEST_UNSET_VAR is not set"},
		{s: Secret{ID: "a", Src: filepath.Join(dir, "nope")}, wantErr: "no such file"},
		{s: Secret{ID: "a", Src: dir}, wantErr: "is a directory"},
		{s: Secret{ID: "SLIPWAY_TEST_SECRET"}}, // bare id: the env var of that name
	}
	for _, c := range cases {
		p, err := prepare(Options{ContextDir: dir, Secrets: []Secret{c.s}})
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.s, err)
			} else if c.s.Env == "" && c.s.Src == "" && p.secrets[0].Env != "SLIPWAY_TEST_SECRET" {
				t.Errorf("bare id resolved to %+v, want env SLIPWAY_TEST_SECRET", p.secrets[0])
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%+v: error %v, want %q", c.s, err, c.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), value) {
			t.Errorf("error echoes the secret value: %v", err)
		}
	}
	if _, err := prepare(Options{ContextDir: dir, Secrets: []Secret{{ID: "a", Env: "SLIPWAY_TEST_SECRET"}, {ID: "a", Env: "SLIPWAY_TEST_SECRET"}}}); err == nil {
		t.Error("a secret id given twice was accepted")
	}
}

func TestPrepareAttrs(t *testing.T) {
	dir := writeTree(t, map[string]string{"build/Containerfile": "FROM scratch\n"})
	epoch := int64(1700000000)
	p, err := prepare(Options{
		ContextDir: dir, Dockerfile: filepath.Join(dir, "build/Containerfile"),
		BuildArgs: map[string]string{"VERSION": "1.2"}, Labels: map[string]string{"org.opencontainers.image.title": "app"},
		Platforms: []string{"linux/amd64", "linux/arm64"}, Target: "final", NoCache: true,
		SourceDateEpoch: &epoch, Checks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"filename":                             "Containerfile",
		"build-arg:VERSION":                    "1.2",
		"label:org.opencontainers.image.title": "app",
		"platform":                             "linux/amd64,linux/arm64",
		"target":                               "final",
		"no-cache":                             "",
		"build-arg:SOURCE_DATE_EPOCH":          "1700000000",
		"build-arg:BUILDKIT_DOCKERFILE_CHECK":  "error=true",
	}
	for k, v := range want {
		if got, ok := p.attrs[k]; !ok || got != v {
			t.Errorf("attr %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if len(p.attrs) != len(want) {
		t.Errorf("attrs = %v, want exactly %v", p.attrs, want)
	}
	if p.dockerfileDir != filepath.Join(dir, "build")+string(filepath.Separator) {
		t.Errorf("dockerfileDir = %s", p.dockerfileDir)
	}
}

func TestPrepareRefusesSecretBuildArg(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	_, err := prepare(Options{ContextDir: dir, BuildArgs: map[string]string{"GITHUB_TOKEN": "ghp_abcdef"}})
	if err == nil || !strings.Contains(err.Error(), "--secret id=github_token,env=GITHUB_TOKEN") {
		t.Fatalf("GITHUB_TOKEN build arg: %v", err)
	}
	if strings.Contains(err.Error(), "ghp_abcdef") {
		t.Errorf("error echoes the value: %v", err)
	}
}

func TestPrepareDefaultEpoch(t *testing.T) {
	// Not a git work tree: epoch 0, so builds stay reproducible.
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	p, err := prepare(Options{ContextDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.attrs["build-arg:SOURCE_DATE_EPOCH"] != "0" {
		t.Errorf("epoch outside git = %q, want 0", p.attrs["build-arg:SOURCE_DATE_EPOCH"])
	}
	neg := int64(-1)
	p, err = prepare(Options{ContextDir: dir, SourceDateEpoch: &neg})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.attrs["build-arg:SOURCE_DATE_EPOCH"]; ok {
		t.Error("a negative epoch still set SOURCE_DATE_EPOCH")
	}
}

func TestPrepareErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{ContextDir: filepath.Join(dir, "missing")}, "no such file"},
		{Options{ContextDir: dir, Dockerfile: filepath.Join(dir, "Nope")}, "no such file"},
		{Options{ContextDir: dir, Push: true}, "--push needs an image name"},
		{Options{ContextDir: dir, Outputs: []Output{{Type: "oci"}}}, "needs a dest"},
		{Options{ContextDir: dir, SSH: []string{"=x"}}, "--ssh"},
	} {
		if _, err := prepare(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
}

func TestExportEntries(t *testing.T) {
	p := &prepared{epoch: 0}
	var tars []fileOutput
	// Tags only: an image exporter named after them.
	ex, err := exportEntries(Options{Tags: []string{"reg/app:1", "reg/app:latest"}}, p, &tars)
	if err != nil || len(ex) != 1 || ex[0].Type != "image" || ex[0].Attrs["name"] != "reg/app:1,reg/app:latest" || ex[0].Attrs["push"] != "" {
		t.Errorf("tags only: %+v, %v", ex, err)
	}
	if ex[0].Attrs["rewrite-timestamp"] != "true" {
		t.Errorf("rewrite-timestamp not set: %+v", ex[0].Attrs)
	}
	// An oci output gets the tags as its name, and push adds an image exporter.
	ex, err = exportEntries(Options{Tags: []string{"reg/app:1"}, Push: true, Outputs: []Output{{Type: "oci", Dest: "x.tar"}}}, p, &tars)
	if err != nil || len(ex) != 2 {
		t.Fatalf("oci+push: %+v, %v", ex, err)
	}
	if ex[0].Type != "oci" || ex[0].Attrs["name"] != "reg/app:1" || ex[0].Output == nil || len(tars) != 1 {
		t.Errorf("oci entry: %+v", ex[0])
	}
	if ex[1].Type != "image" || ex[1].Attrs["push"] != "true" {
		t.Errorf("push entry: %+v", ex[1])
	}
	// Nothing asked: still an (unnamed) image, for the digest.
	ex, _ = exportEntries(Options{}, &prepared{epoch: -1}, &tars)
	if len(ex) != 1 || ex[0].Type != "image" || ex[0].Attrs["rewrite-timestamp"] != "" {
		t.Errorf("no output: %+v", ex)
	}
}

func TestContextFSHonoursDockerignore(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"Dockerfile":    "FROM scratch\nCOPY . /\n",
		".dockerignore": ".env*\n**/*.pem\nsecrets/\n!secrets/README\n",
		".env":          "TOKEN=x\n",
		".env.local":    "TOKEN=y\n",
		"main.go":       "package main\n",
		"certs/key.pem": "-----BEGIN-----\n",
		"secrets/a":     "a\n",
	})
	p, err := prepare(Options{ContextDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfs, err := contextFS(p.contextDir, p.dockerfileDir, p.dockerfileName)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = cfs.Walk(context.Background(), "", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			seen = append(seen, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	want := []string{".dockerignore", "Dockerfile", "main.go"}
	if !slices.Equal(seen, want) {
		t.Errorf("context serves %v, want %v", seen, want)
	}
	if _, err := cfs.Open(".env"); err == nil {
		t.Error(".env can be opened through the context")
	}

	dfs, err := dockerfileFS(p.dockerfileDir, p.dockerfileName)
	if err != nil {
		t.Fatal(err)
	}
	seen = nil
	_ = dfs.Walk(context.Background(), "", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			seen = append(seen, path)
		}
		return err
	})
	if !slices.Equal(seen, []string{"Dockerfile"}) {
		t.Errorf("dockerfile mount serves %v, want only Dockerfile", seen)
	}
}

func TestConnectUnreachable(t *testing.T) {
	for _, addr := range []string{"unix:///nonexistent/buildkitd.sock", "tcp://127.0.0.1:1"} {
		t.Run(addr, func(t *testing.T) {
			start := time.Now()
			c, err := Connect(context.Background(), ConnectOptions{Addr: addr})
			took := time.Since(start)
			if err == nil {
				c.Close()
				t.Fatalf("Connect(%s) succeeded", addr)
			}
			if took > 5*time.Second {
				t.Errorf("Connect(%s) took %v, want < 5s", addr, took)
			}
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				t.Errorf("error is %T, want *UnreachableError: %v", err, err)
			}
			msg := err.Error()
			for _, want := range []string{addr, "docker buildx create", "BUILDKIT_HOST=docker-container://buildx_buildkit_", "a remote daemon is reached with", "--addr tcp://", "--tlscacert"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			t.Logf("%s failed in %v", addr, took.Round(time.Millisecond))
		})
	}
}

func TestConnectAddrPrecedence(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "tcp://10.0.0.1:1234")
	if got := ResolveAddr("unix:///x.sock"); got != "unix:///x.sock" {
		t.Errorf("flag: %s", got)
	}
	if got := ResolveAddr(""); got != "tcp://10.0.0.1:1234" {
		t.Errorf("env: %s", got)
	}
	t.Setenv("BUILDKIT_HOST", "")
	if got := ResolveAddr(""); got != DefaultAddr {
		t.Errorf("default: %s", got)
	}
}

func TestConnectTLSFlags(t *testing.T) {
	ctx := context.Background()
	if _, err := Connect(ctx, ConnectOptions{Addr: "tcp://127.0.0.1:1", Cert: "c.pem"}); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("cert without key: %v", err)
	}
	if _, err := Connect(ctx, ConnectOptions{Addr: "unix:///x.sock", CACert: "ca.pem"}); err == nil || !strings.Contains(err.Error(), "tcp://") {
		t.Errorf("TLS on unix: %v", err)
	}
	if _, err := Connect(ctx, ConnectOptions{Addr: "tcp://127.0.0.1:1", CACert: "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "TLS file") {
		t.Errorf("missing CA file: %v", err)
	}
	if _, err := Connect(ctx, ConnectOptions{Addr: "localhost:1234"}); err == nil || !strings.Contains(err.Error(), "want a URL") {
		t.Errorf("address without scheme: %v", err)
	}
}

func TestConnectDockerContainerScheme(t *testing.T) {
	// docker-container:// is dialled through BuildKit's connection helper
	// (it runs `docker exec`); with no such container it must still fail
	// fast with the hint, not be refused as an unknown scheme.
	t.Setenv("PATH", t.TempDir()) // no docker binary
	start := time.Now()
	_, err := Connect(context.Background(), ConnectOptions{Addr: "docker-container://buildx_buildkit_nope0"})
	if err == nil {
		t.Fatal("connected to a container that does not exist")
	}
	if strings.Contains(err.Error(), "want a URL") {
		t.Errorf("docker-container:// refused as unknown: %v", err)
	}
	if !strings.Contains(err.Error(), "docker buildx create") {
		t.Errorf("error lacks the hint: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestConnectSilentServerTimesOut(t *testing.T) {
	// A listener that accepts and never answers: the worst case, bounded by
	// the preflight timeout.
	addr := testkit.SilentListener(t)
	start := time.Now()
	_, err := Connect(context.Background(), ConnectOptions{Addr: "tcp://" + addr})
	took := time.Since(start)
	if err == nil {
		t.Fatal("connected to a silent server")
	}
	if took > 5*time.Second {
		t.Errorf("took %v, want < 5s", took)
	}
	if !strings.Contains(err.Error(), "a remote daemon is reached with") {
		t.Errorf("error lacks the hint: %v", err)
	}
	t.Logf("silent server: failed after %v: %v", took.Round(time.Millisecond), shortErr(errors.Unwrap(err)))
}

func TestGitCommitTime(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		labtest.Unavailable(t, "git is not installed")
	}
	repo := writeTree(t, map[string]string{"svc/a/Dockerfile": "FROM scratch\n", "svc/b/Dockerfile": "FROM scratch\n"})
	git := func(date string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE="+date, "GIT_AUTHOR_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("", "init", "-q")
	git("@1600000000 +0000", "add", ".")
	git("@1600000000 +0000", "commit", "-q", "-m", "both")
	os.WriteFile(filepath.Join(repo, "svc/b/Dockerfile"), []byte("FROM scratch\nCOPY . /\n"), 0o644)
	git("@1700000000 +0000", "commit", "-q", "-am", "b only")
	if got := gitCommitTime(filepath.Join(repo, "svc/a")); got != 1600000000 {
		t.Errorf("svc/a epoch = %d, want 1600000000 (its last commit, not HEAD's)", got)
	}
	if got := gitCommitTime(filepath.Join(repo, "svc/b")); got != 1700000000 {
		t.Errorf("svc/b epoch = %d, want 1700000000", got)
	}
}
