package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/crypto/ssh"

	"github.com/slipway/slipway/internal/lab/labtest"
)

// Lab stand-in bases (see internal/lab): real names, served by the lab's
// registry mirror.
const (
	debianBase = "docker.io/library/debian:bookworm-slim"
)

func labClient(t *testing.T) *Client {
	t.Helper()
	return connectTo(t, labtest.Require(t).BuildkitHost)
}

// connectTo connects to the buildkitd at addr; the client is closed when
// the test ends.
func connectTo(t *testing.T, addr string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Connect(ctx, ConnectOptions{Addr: addr})
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func randomCanary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer safe for the progress display's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recordingFS records every path the daemon walks or opens through a mount.
type recordingFS struct {
	fsutil.FS
	mu   sync.Mutex
	seen map[string]bool
}

func (r *recordingFS) Walk(ctx context.Context, target string, fn fs.WalkDirFunc) error {
	return r.FS.Walk(ctx, target, func(path string, d fs.DirEntry, err error) error {
		r.mu.Lock()
		r.seen[path] = true
		r.mu.Unlock()
		return fn(path, d, err)
	})
}

func (r *recordingFS) Open(p string) (io.ReadCloser, error) {
	r.mu.Lock()
	r.seen["open:"+p] = true
	r.mu.Unlock()
	return r.FS.Open(p)
}

// ociBlob is one file of an OCI layout tarball, decompressed when it was.
type ociBlob struct {
	name string
	raw  []byte
	// plain is the decompressed content of a gzip or zstd blob (a layer).
	plain []byte
}

func readOCITar(t *testing.T, path string) []ociBlob {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blobs []ociBlob
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		raw, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		b := ociBlob{name: h.Name, raw: raw}
		switch {
		case bytes.HasPrefix(raw, []byte{0x1f, 0x8b}):
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", h.Name, err)
			}
			if b.plain, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", h.Name, err)
			}
		case bytes.HasPrefix(raw, []byte{0x28, 0xb5, 0x2f, 0xfd}):
			zr, err := zstd.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			b.plain, err = io.ReadAll(zr)
			zr.Close()
			if err != nil {
				t.Fatalf("%s: %v", h.Name, err)
			}
		}
		blobs = append(blobs, b)
	}
	return blobs
}

// layerFile returns the content of name in the uncompressed layer tar, if any.
func layerFile(layer []byte, name string) ([]byte, bool) {
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, false
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			b, _ := io.ReadAll(tr)
			return b, true
		}
	}
}

// TestSecretNeverInImageOrLogs builds with a secret mount and a context
// holding an excluded .env, then searches every blob of the exported OCI
// tarball (layers decompressed, config, manifest, index) and the plain
// progress log for both canaries.
func TestSecretNeverInImageOrLogs(t *testing.T) {
	c := labClient(t)
	canary := randomCanary(t)
	envCanary := randomCanary(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\n" +
			"RUN --mount=type=secret,id=canary,required=true sha256sum /run/secrets/canary | cut -d' ' -f1 > /canary.sha256\n" +
			"RUN --mount=type=secret,id=envcanary,env=ENV_CANARY,required=true printf %s \"$ENV_CANARY\" | sha256sum | cut -d' ' -f1 > /env.sha256\n" +
			"COPY . /ctx/\n",
		".dockerignore": ".env\n",
		".env":          "API_TOKEN=" + envCanary + "\n",
		"app.txt":       "hello\n",
	})
	secretFile := filepath.Join(t.TempDir(), "canary")
	if err := os.WriteFile(secretFile, []byte(canary), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLIPWAY_TEST_ENV_CANARY", envCanary)
	dest := filepath.Join(t.TempDir(), "image.tar")
	var progress syncBuffer
	rec := map[string]*recordingFS{}
	hook := func(name string, f fsutil.FS) fsutil.FS {
		r := &recordingFS{FS: f, seen: map[string]bool{}}
		rec[name] = r
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := c.build(ctx, Options{
		ContextDir:      dir,
		Secrets:         []Secret{{ID: "canary", Src: secretFile}, {ID: "envcanary", Env: "SLIPWAY_TEST_ENV_CANARY"}},
		RequiredSecrets: []string{"canary"},
		Outputs:         []Output{{Type: OutputOCI, Dest: dest}},
		Tags:            []string{"lab.local/canary:test"},
		NoCache:         true,
		Provenance:      "max", // the attestation records the build's inputs: secrets must not be among them
		Progress:        "plain",
		ProgressOut:     &progress,
	}, hook)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	t.Logf("build with secrets took %v, image %s", time.Since(start).Round(time.Millisecond), res.ImageDigest)
	if !strings.HasPrefix(res.ImageDigest, "sha256:") {
		t.Errorf("ImageDigest = %q", res.ImageDigest)
	}

	blobs := readOCITar(t, dest)
	provenance := false
	for _, b := range blobs {
		provenance = provenance || bytes.Contains(b.raw, []byte("https://slsa.dev/provenance/"))
	}
	if !provenance {
		t.Error("the export holds no provenance attestation, so the test does not cover attestations")
	}
	var layers, found int
	wantSum := sha256.Sum256([]byte(canary))
	wantEnvSum := sha256.Sum256([]byte(envCanary))
	for _, b := range blobs {
		for _, c := range []string{canary, envCanary} {
			if bytes.Contains(b.raw, []byte(c)) || bytes.Contains(b.plain, []byte(c)) {
				t.Errorf("a canary is in %s", b.name)
			}
		}
		if b.plain == nil {
			continue
		}
		layers++
		if got, ok := layerFile(b.plain, "canary.sha256"); ok {
			found++
			if strings.TrimSpace(string(got)) != hex.EncodeToString(wantSum[:]) {
				t.Errorf("/canary.sha256 = %q: the step did not see the secret", got)
			}
		}
		if got, ok := layerFile(b.plain, "env.sha256"); ok {
			found++
			if strings.TrimSpace(string(got)) != hex.EncodeToString(wantEnvSum[:]) {
				t.Errorf("/env.sha256 = %q: the step did not see the env secret", got)
			}
		}
		if _, ok := layerFile(b.plain, "ctx/.env"); ok {
			t.Error(".env reached the image despite .dockerignore")
		}
		if _, ok := layerFile(b.plain, "ctx/app.txt"); ok {
			found++
		}
	}
	if layers < 3 || found != 3 {
		t.Fatalf("searched %d blobs, %d layers, found %d of the 3 marker files: the search did not cover the image", len(blobs), layers, found)
	}
	if p := progress.String(); strings.Contains(p, canary) || strings.Contains(p, envCanary) {
		t.Errorf("a canary is in the progress output:\n%s", p)
	} else if !strings.Contains(p, "sha256sum /run/secrets/canary") {
		t.Errorf("the progress output does not show the build steps (was it captured?):\n%s", p)
	}
	for path := range rec["context"].seen {
		if strings.TrimPrefix(path, "open:") == ".env" {
			t.Errorf("the daemon was served .env from the context (%s)", path)
		}
	}
	if !rec["context"].seen["open:app.txt"] {
		t.Errorf("the recorder did not see app.txt being sent: %v", rec["context"].seen)
	}
	for path := range rec["dockerfile"].seen {
		if p := strings.TrimPrefix(path, "open:"); p != "Dockerfile" && p != "Dockerfile.dockerignore" {
			t.Errorf("the dockerfile mount served %s", p)
		}
	}
}

func TestMissingSecret(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN --mount=type=secret,id=canary,required=true cat /run/secrets/canary >/dev/null\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Not declared: BuildKit fails the step.
	var progress syncBuffer
	_, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "plain", ProgressOut: &progress})
	if err == nil {
		t.Fatal("a build whose required secret was not given succeeded")
	}
	var be *Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "canary") {
		t.Errorf("error = %v (%T), want a build error naming the secret", err, err)
	}
	t.Logf("BuildKit's error: %v", err)

	// Declared (slipway.toml): refused before anything reaches the daemon.
	progress = syncBuffer{}
	_, err = c.Build(ctx, Options{ContextDir: dir, RequiredSecrets: []string{"canary"}, Progress: "plain", ProgressOut: &progress})
	var me *MissingSecretsError
	if !errors.As(err, &me) || !IsInvalid(err) {
		t.Fatalf("error = %v, want a MissingSecretsError", err)
	}
	if !strings.Contains(err.Error(), "--secret id=canary") {
		t.Errorf("error lacks the hint: %v", err)
	}
	if progress.String() != "" {
		t.Errorf("the build started before the missing secret was caught:\n%s", progress.String())
	}
}

func TestReproducibleDigest(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN mkdir -p /app && echo built > /app/stamp && touch /app/new\nCOPY app.txt /app/\n",
		"app.txt":    "hello\n",
	})
	// A fresh mtime on the context file: the epoch must override it.
	now := time.Now()
	os.Chtimes(filepath.Join(dir, "app.txt"), now, now)
	epoch := int64(1700000000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var digests []string
	for i := range 2 {
		start := time.Now()
		res, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, SourceDateEpoch: &epoch, Progress: "quiet"})
		if err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
		t.Logf("no-cache build %d: %v, %s", i, time.Since(start).Round(time.Millisecond), res.ImageDigest)
		digests = append(digests, res.ImageDigest)
		if i == 0 {
			time.Sleep(1100 * time.Millisecond) // a different wall-clock second
		}
	}
	if digests[0] == "" || digests[0] != digests[1] {
		t.Errorf("same sources, same epoch, no cache: digests %s and %s differ", digests[0], digests[1])
	}
	// A different epoch gives a different image: the value is really used.
	other := epoch + 1
	res, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, SourceDateEpoch: &other, Progress: "quiet"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImageDigest == digests[0] {
		t.Errorf("a different SOURCE_DATE_EPOCH gave the same digest %s", res.ImageDigest)
	}
}

func TestParseErrorShowsLine(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN true\nFROBNICATE the widgets\nRUN false\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Build(ctx, Options{ContextDir: dir, Progress: "quiet"})
	if err == nil {
		t.Fatal("a Dockerfile with an unknown instruction built")
	}
	msg := err.Error()
	t.Logf("error:\n%s", msg)
	for _, want := range []string{"line 3", "Dockerfile:3", ">>> FROBNICATE the widgets", "   3 |"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "rpc error") {
		t.Errorf("error keeps gRPC's wrapping:\n%s", msg)
	}
}

func TestFailingStepShowsLine(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN true\nRUN exit 7\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "quiet"})
	if err == nil {
		t.Fatal("RUN exit 7 succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"exit code: 7", ">>> RUN exit 7", "Dockerfile:3"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestChecks(t *testing.T) {
	c := labClient(t)
	// "as" in lower case while FROM is upper case: BuildKit's FromAsCasing check.
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + " as base\nRUN true\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := c.Build(ctx, Options{ContextDir: dir, Progress: "quiet"})
	if err != nil {
		t.Fatalf("without checks: %v", err)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0].Rule, "FromAsCasing") || res.Warnings[0].Line != 1 {
		t.Errorf("warnings = %+v, want FromAsCasing on line 1", res.Warnings)
	}
	_, err = c.Build(ctx, Options{ContextDir: dir, Progress: "quiet", Checks: true})
	if err == nil {
		t.Fatal("with Checks a Dockerfile with a check warning built")
	}
	if !strings.Contains(err.Error(), "FromAsCasing") {
		t.Errorf("error does not name the check:\n%v", err)
	}
}

func TestCancelMidBuild(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN sleep 30\n",
	})
	outDir := t.TempDir()
	dest := filepath.Join(outDir, "image.tar")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the RUN step has started.
	started := make(chan struct{})
	var once sync.Once
	pw := writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte("RUN sleep 30")) {
			once.Do(func() { close(started) })
		}
		return len(p), nil
	})
	canceled := make(chan time.Time, 1)
	go func() {
		select {
		case <-started:
			time.Sleep(500 * time.Millisecond)
		case <-time.After(60 * time.Second):
		}
		canceled <- time.Now()
		cancel()
	}()
	start := time.Now()
	_, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "plain", ProgressOut: pw,
		Outputs: []Output{{Type: OutputOCI, Dest: dest}}})
	end := time.Now()
	canceledAt := <-canceled
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	select {
	case <-started:
	default:
		t.Fatal("the RUN step never started")
	}
	if d := end.Sub(canceledAt); d > 5*time.Second {
		t.Errorf("Build returned %v after the cancel, want < 5s", d)
	}
	t.Logf("canceled %v into the build; Build returned %v later", canceledAt.Sub(start).Round(time.Millisecond), end.Sub(canceledAt).Round(time.Millisecond))
	entries, _ := os.ReadDir(outDir)
	for _, e := range entries {
		t.Errorf("left behind in the output directory: %s", e.Name())
	}
}

func TestOutputsAndCache(t *testing.T) {
	c := labClient(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + " AS build\nRUN echo built > /out.txt\nFROM scratch\nCOPY --from=build /out.txt /\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := t.TempDir()
	cache := filepath.Join(out, "cache")
	res, err := c.Build(ctx, Options{ContextDir: dir, Progress: "quiet", NoCache: true,
		Outputs: []Output{{Type: OutputLocal, Dest: filepath.Join(out, "rootfs")}, {Type: OutputDocker, Dest: filepath.Join(out, "docker.tar")}},
		Tags:    []string{"lab.local/out:1"},
		CacheTo: []string{"type=local,dest=" + cache}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "rootfs", "out.txt")); err != nil || string(b) != "built\n" {
		t.Errorf("local output: %q, %v", b, err)
	}
	blobs := readOCITar(t, filepath.Join(out, "docker.tar"))
	var manifest string
	for _, b := range blobs {
		if b.name == "manifest.json" {
			manifest = string(b.raw)
		}
	}
	if !strings.Contains(manifest, "lab.local/out:1") {
		t.Errorf("docker tarball's manifest.json lacks the tag: %s", manifest)
	}
	if _, err := os.Stat(filepath.Join(cache, "index.json")); err != nil {
		t.Errorf("cache export: %v", err)
	}
	if res.ImageDigest == "" {
		t.Error("no image digest")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestPushToLabRegistry(t *testing.T) {
	c := labClient(t)
	l := labtest.Require(t)
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nCOPY app.txt /\n",
		"app.txt":    randomCanary(t) + "\n", // a new image each run
	})
	ref := l.Registry + "/slipway-build-test/push:1"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := c.Build(ctx, Options{ContextDir: dir, Tags: []string{ref}, Push: true, Progress: "quiet"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+l.Registry+"/v2/slipway-build-test/push/manifests/1", nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Docker-Content-Digest"); resp.StatusCode != 200 || got != res.ImageDigest {
		t.Errorf("registry has %s (HTTP %d), build returned %s", got, resp.StatusCode, res.ImageDigest)
	}
}

func TestSSHForwarding(t *testing.T) {
	c := labClient(t)
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pemBlock, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(key, pem.EncodeToMemory(pemBlock), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + "\nRUN --mount=type=ssh,id=deploy,required=true test -S \"$SSH_AUTH_SOCK\"\n",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "quiet", SSH: []string{"deploy=" + key}}); err != nil {
		t.Errorf("with the key forwarded: %v", err)
	}
	_, err = c.Build(ctx, Options{ContextDir: dir, NoCache: true, Progress: "quiet"})
	if err == nil {
		t.Fatal("a build that requires an SSH agent succeeded without one")
	}
	if !strings.Contains(strings.ToLower(err.Error()), "ssh") {
		t.Errorf("error does not mention ssh: %v", err)
	}
	t.Logf("without --ssh: %v", err)
}

// A local output is written beside its destination and swapped in only when
// the build succeeds: a failing build leaves the previous tree untouched and
// no partial directory behind; a successful one replaces it whole.
func TestLocalOutputIsAtomic(t *testing.T) {
	c := labClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := t.TempDir()
	dest := filepath.Join(out, "rootfs")
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dest, "old.txt"), []byte("previous build\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + " AS build\nRUN echo partial > /out.txt && exit 3\nFROM scratch\nCOPY --from=build /out.txt /\n",
	})
	if _, err := c.Build(ctx, Options{ContextDir: failing, Progress: "quiet", Outputs: []Output{{Type: OutputLocal, Dest: dest}}}); err == nil {
		t.Fatal("the failing build succeeded")
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "rootfs" {
		t.Fatalf("after a failed build the output folder holds %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "old.txt")); string(b) != "previous build\n" {
		t.Fatalf("a failed build changed the previous output: %q", b)
	}

	ok := writeTree(t, map[string]string{
		"Dockerfile": "FROM " + debianBase + " AS build\nRUN echo built > /out.txt\nFROM scratch\nCOPY --from=build /out.txt /\n",
	})
	if _, err := c.Build(ctx, Options{ContextDir: ok, Progress: "quiet", Outputs: []Output{{Type: OutputLocal, Dest: dest}}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "out.txt")); err != nil || string(b) != "built\n" {
		t.Fatalf("local output: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dest, "old.txt")); !os.IsNotExist(err) {
		t.Fatalf("the previous tree was merged, not replaced: %v", err)
	}
	entries, _ = os.ReadDir(out)
	if len(entries) != 1 {
		t.Fatalf("leftovers beside the output: %v", entries)
	}
}
