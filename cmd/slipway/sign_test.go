package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/sign"
	"github.com/slipway/slipway/internal/testkit"
)

// TestSignFlagsAndKeyErrors: --sign's flags and key problems are usage
// errors (exit 2), found before anything is built, and no message holds
// the passphrase.
func TestSignFlagsAndKeyErrors(t *testing.T) {
	const pass = "flag-canary-passphrase-91"
	dir := t.TempDir()
	t.Setenv(sign.EnvPassword, "")
	if code, _, stderr := runIO(t, "", "key", "generate", filepath.Join(dir, "k")); code != exitUsage || !strings.Contains(stderr, sign.EnvPassword) {
		t.Fatalf("key generate without a passphrase: exit %d: %s", code, stderr)
	}
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(pass+"\n"), 0o600)
	if code, stdout, stderr := runIO(t, "", "key", "generate", "--password-file", pwFile, filepath.Join(dir, "k")); code != exitOK || !strings.Contains(stdout, "slipway.pub") {
		t.Fatalf("key generate: exit %d: %s %s", code, stdout, stderr)
	}
	key := filepath.Join(dir, "k", sign.PrivateKeyFile)
	svc := filepath.Join(dir, "svc")
	os.MkdirAll(svc, 0o755)
	os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte("FROM scratch\nCOPY a /a\n"), 0o644)
	os.WriteFile(filepath.Join(svc, "a"), []byte("a"), 0o644)
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("not-it\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"--sign without --key", []string{"build", svc, "--sign", "--push", "-t", "r.example.com/a:1"}, "--sign needs --key"},
		{"--key without --sign", []string{"build", svc, "--key", key}, "--key and --password-file are for --sign"},
		{"--sign without --push", []string{"build", svc, "--sign", "--key", key, "--password-file", pwFile}, "use it with --push and --tag"},
		{"wrong passphrase", []string{"build", svc, "--sign", "--key", key, "--password-file", wrong, "--push", "-t", "r.example.com/a:1"}, "wrong passphrase"},
		{"golden: wrong passphrase", []string{"golden", "build", "--dir", dir, "--registry", "r.example.com/p", "--sign", "--key", key, "--password-file", wrong}, "wrong passphrase"},
		{"no key file", []string{"build", svc, "--sign", "--key", filepath.Join(dir, "nope.key"), "--password-file", pwFile, "--push", "-t", "r.example.com/a:1"}, "nope.key: reading the signing key"},
	} {
		code, stdout, stderr := runIO(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, want 2 and %q: %s", tc.name, code, tc.want, stderr)
		}
		if strings.Contains(stdout+stderr, pass) {
			t.Errorf("%s: the passphrase was printed", tc.name)
		}
	}
}

// TestTrustedKeyErrorsExit2: a team file whose trusted key is missing is
// bad input naming the file and line, before anything is built.
func TestTrustedKeyErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slipway-team.toml"), []byte("[[trusted_key]]\nprefix = \"r.example.com/golden/\"\nkey = \"missing.pub\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM r.example.com/golden/base:1\nUSER 10001\n"), 0o644)
	code, _, stderr := runIO(t, "", "build", dir, "--addr", "tcp://127.0.0.1:1")
	if code != exitUsage || !strings.Contains(stderr, "slipway-team.toml:3: trusted_key[0].key: missing.pub") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestScanAndVerifySignatureStatus: scan of a registry image and verify
// --signed-in report the signature status against the team's keys; an
// unsigned image is refused by verify before it runs.
func TestScanAndVerifySignatureStatus(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	reg := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(sign.EnvPassword, "status-pass")
	if code, _, stderr := runIO(t, "", "key", "generate", "keys"); code != exitOK {
		t.Fatal(stderr)
	}
	os.WriteFile("slipway-team.toml", []byte("[[trusted_key]]\nprefix = \""+reg+"/team/\"\nkey = \"keys/slipway.pub\"\n"), 0o644)
	img, _ := random.Image(64, 1)
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	ref, _ := name.NewTag(reg+"/team/api:1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	testkit.WriteLayout(t, filepath.Join(dir, "api"), img, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))

	_, _, stderr := runIO(t, "", "scan", reg+"/team/api:1")
	if !strings.Contains(stderr, "signature: "+reg+"/team/api:1@"+d.String()+": unsigned") {
		t.Fatalf("scan of an unsigned image: %s", stderr)
	}
	code, _, stderr := runIO(t, "", "verify", "api", "--signed-in", reg+"/team/api")
	if code != exitFailure || !strings.Contains(stderr, "unsigned") || strings.Contains(stderr, "unpacking") {
		t.Fatalf("verify --signed-in of an unsigned image: exit %d: %s", code, stderr)
	}
	code, _, stderr = runIO(t, "", "verify", "api", "--signed-in", reg+"/elsewhere/api")
	if code != exitUsage || !strings.Contains(stderr, "no [[trusted_key]] of the team file covers it") {
		t.Fatalf("verify --signed-in outside the trusted prefixes: exit %d: %s", code, stderr)
	}

	sv, err := sign.LoadSigner(filepath.Join("keys", sign.PrivateKeyFile), []byte("status-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.Sign(context.Background(), reg+"/team/api@"+d.String(), sv, sign.Options{Resolve: insecureRef}); err != nil {
		t.Fatal(err)
	}
	_, _, stderr = runIO(t, "", "scan", reg+"/team/api:1")
	if !strings.Contains(stderr, "signature: "+reg+"/team/api:1@"+d.String()+": signed by keys/slipway.pub") {
		t.Fatalf("scan of a signed image: %s", stderr)
	}
	_, _, stderr = runIO(t, "", "verify", "api", "--signed-in", reg+"/team/api")
	if !strings.Contains(stderr, "signature: "+reg+"/team/api@"+d.String()+": signed by keys/slipway.pub") {
		t.Fatalf("verify --signed-in of a signed image: %s", stderr)
	}
}
