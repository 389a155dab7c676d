//go:build cosign

package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/sign"
)

// TestCosignInterop checks slipway's signatures with cosign's own CLI, and
// cosign's with slipway, both ways on one key pair from 'slipway key
// generate'. cosign is not a dependency of the project, and building it
// takes longer than the whole CI run, so this file is compiled only with
// the cosign build tag: `make interop-cosign` builds cosign and runs it.
// Without a cosign binary the test fails.
func TestCosignInterop(t *testing.T) {
	cosign := os.Getenv("SLIPWAY_COSIGN")
	if cosign == "" {
		var err error
		if cosign, err = exec.LookPath("cosign"); err != nil {
			t.Fatal("no cosign binary: set $SLIPWAY_COSIGN or put cosign on PATH (make interop-cosign builds one)")
		}
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	reg := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	t.Chdir(dir)
	const pass = "cosign-interop-pass"
	t.Setenv(sign.EnvPassword, pass)
	if code, _, stderr := runIO(t, "", "key", "generate", "keys"); code != exitOK {
		t.Fatal(stderr)
	}
	os.WriteFile("slipway-team.toml", []byte("[[trusted_key]]\nprefix = \""+reg+"/team/\"\nkey = \"keys/slipway.pub\"\n"), 0o644)
	push := func(repo string) string {
		img, _ := random.Image(128, 1)
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		ref, _ := name.NewTag(reg+"/"+repo+":1", name.Insecure)
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		return reg + "/" + repo + "@" + d.String()
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(cosign, args...)
		cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+pass, "TUF_ROOT="+filepath.Join(dir, "tuf"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// slipway signs, cosign verifies; another key is refused.
	ours := push("team/api")
	sv, err := sign.LoadSigner(filepath.Join("keys", sign.PrivateKeyFile), []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.Sign(context.Background(), ours, sv, sign.Options{Resolve: insecureRef}); err != nil {
		t.Fatal(err)
	}
	if out, err := run("verify", "--key", "keys/slipway.pub", "--insecure-ignore-tlog=true", "--allow-insecure-registry", ours); err != nil || !strings.Contains(out, "The signatures were verified against the specified public key") {
		t.Fatalf("cosign verify of slipway's signature: %v\n%s", err, out)
	}
	if code, _, stderr := runIO(t, "", "key", "generate", "other"); code != exitOK {
		t.Fatal(stderr)
	}
	if out, err := run("verify", "--key", "other/slipway.pub", "--insecure-ignore-tlog=true", "--allow-insecure-registry", ours); err == nil {
		t.Fatalf("cosign verify with another key passed:\n%s", out)
	}

	// cosign signs (with slipway's key file), slipway verifies.
	theirs := push("team/web")
	if out, err := run("sign", "--key", "keys/slipway.key", "--tlog-upload=false", "--allow-insecure-registry", "--yes", theirs); err != nil {
		t.Fatalf("cosign sign with slipway's key: %v\n%s", err, out)
	}
	_, _, stderr := runIO(t, "", "scan", theirs)
	if !strings.Contains(stderr, "signature: "+theirs+": signed by keys/slipway.pub") {
		t.Fatalf("slipway scan of cosign's signature: %s", stderr)
	}
}
