package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

const canary = "canary-passphrase-7f3a91c2"

// testRegistry is go-containerregistry's in-process registry on loopback.
func testRegistry(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func insecure(ref string) (name.Reference, error) { return name.ParseReference(ref, name.Insecure) }

var opts = Options{Resolve: insecure}

func pushRandom(t *testing.T, reg, repo string) (string, v1.Hash) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(reg+"/"+repo+":1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	return reg + "/" + repo, h
}

func keys(t *testing.T, pass string) (dir string, sv signature.SignerVerifier, pub Key) {
	t.Helper()
	dir = t.TempDir()
	priv, pubFile, err := GenerateKeys(dir, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	if sv, err = LoadSigner(priv, []byte(pass)); err != nil {
		t.Fatal(err)
	}
	v, err := LoadVerifier(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sv, Key{Name: pubFile, Verifier: v}
}

func TestGenerateKeysEncryptedAndNeverReplaced(t *testing.T) {
	dir, _, _ := keys(t, canary)
	b, err := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		t.Fatalf("private key PEM type: %+v", blk)
	}
	if bytes.Contains(b, []byte(canary)) {
		t.Fatal("the passphrase is in the key file")
	}
	fi, _ := os.Stat(filepath.Join(dir, PrivateKeyFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	_, _, err = GenerateKeys(dir, []byte("other"))
	if !IsKeyError(err) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second generate: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if !bytes.Equal(before, after) {
		t.Fatal("the public key was replaced")
	}
	// Only the public key present: still refused, the private key not written.
	d2 := t.TempDir()
	os.WriteFile(filepath.Join(d2, PublicKeyFile), []byte("x"), 0o644)
	if _, _, err := GenerateKeys(d2, []byte("p")); !IsKeyError(err) {
		t.Fatalf("want refusal, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(d2, PrivateKeyFile)); err == nil {
		t.Fatal("a private key was written beside an existing public key")
	}
	if _, _, err := GenerateKeys(t.TempDir(), nil); !IsKeyError(err) {
		t.Fatalf("empty passphrase: %v", err)
	}
}

func TestLoadSignerWrongPassphraseNamesNoSecret(t *testing.T) {
	dir, _, _ := keys(t, canary)
	_, err := LoadSigner(filepath.Join(dir, PrivateKeyFile), []byte(canary+"x"))
	if !IsKeyError(err) || !strings.Contains(err.Error(), "wrong passphrase") || strings.Contains(err.Error(), canary) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// An unencrypted key is refused.
	raw, _, _ := cryptoutils.GeneratePEMEncodedECDSAKeyPair(ellipticP256(), nil)
	p := filepath.Join(t.TempDir(), "plain.key")
	os.WriteFile(p, raw, 0o600)
	if _, err := LoadSigner(p, []byte("x")); !IsKeyError(err) || !strings.Contains(err.Error(), "want an encrypted key") {
		t.Fatalf("plain key: %v", err)
	}
}

func TestPasswordSources(t *testing.T) {
	t.Setenv(EnvPassword, "")
	if _, err := Password(""); !IsKeyError(err) || !strings.Contains(err.Error(), EnvPassword) {
		t.Fatalf("no passphrase: %v", err)
	}
	t.Setenv(EnvPassword, canary)
	if pw, err := Password(""); err != nil || string(pw) != canary {
		t.Fatalf("env: %q %v", pw, err)
	}
	f := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(f, []byte("from-file\r\nsecond line\n"), 0o600)
	if pw, err := Password(f); err != nil || string(pw) != "from-file" {
		t.Fatalf("file: %q %v", pw, err)
	}
}

func TestSignVerifyReasons(t *testing.T) {
	ctx := context.Background()
	reg := testRegistry(t)
	repo, h := pushRandom(t, reg, "golden/base")
	_, sv, pub := keys(t, canary)
	_, _, other := keys(t, "another")
	img := repo + "@" + h.String()

	st, err := Verify(ctx, repo+":1", h.String(), []Key{pub}, opts)
	if err != nil || st.Reason != Unsigned {
		t.Fatalf("before signing: %+v %v", st, err)
	}
	if err := Sign(ctx, img, sv, opts); err != nil {
		t.Fatal(err)
	}
	// Twice with the same key: one signature.
	if err := Sign(ctx, img, sv, opts); err != nil {
		t.Fatal(err)
	}
	st, err = Verify(ctx, repo+":1", h.String(), []Key{other, pub}, opts)
	if err != nil || !st.OK() || st.Key != pub.Name || st.Signatures != 1 {
		t.Fatalf("signed: %+v %v", st, err)
	}
	st, err = Verify(ctx, repo+":1", h.String(), []Key{other}, opts)
	if err != nil || st.Reason != WrongKey {
		t.Fatalf("other key: %+v %v", st, err)
	}
	// The same repository, another digest: unsigned.
	_, h2 := pushRandom(t, reg, "golden/base")
	st, err = Verify(ctx, repo+":1", h2.String(), []Key{pub}, opts)
	if err != nil || st.Reason != Unsigned {
		t.Fatalf("new digest: %+v %v", st, err)
	}
	// A signature manifest copied onto the other digest's tag: the payload
	// names the first digest.
	src, _ := name.ParseReference(repo+":"+SignatureTag(mustRepo(t, repo), h).TagStr(), name.Insecure)
	sigImg, err := remote.Image(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(SignatureTag(mustRepo(t, repo), h2), sigImg); err != nil {
		t.Fatal(err)
	}
	st, err = Verify(ctx, repo+":1", h2.String(), []Key{pub}, opts)
	if err != nil || st.Reason != DigestMoved || !strings.Contains(st.Detail, h.String()) {
		t.Fatalf("copied signature: %+v %v", st, err)
	}
	// Another repository holding the same digest and a copied signature:
	// the identity does not match.
	other2, _ := name.NewRepository(reg+"/evil/base", name.Insecure)
	if err := remote.Write(SignatureTag(other2, h), sigImg); err != nil {
		t.Fatal(err)
	}
	st, err = Verify(ctx, reg+"/evil/base:1", h.String(), []Key{pub}, opts)
	if err != nil || st.Reason != DigestMoved || !strings.Contains(st.Detail, "golden/base") {
		t.Fatalf("other repository: %+v %v", st, err)
	}
}

func mustRepo(t *testing.T, s string) name.Repository {
	r, err := name.NewRepository(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIndependentVerification checks what Sign stored with the Sigstore
// library's own verifier and a payload check written here from cosign's
// format description, not with this package's Verify.
func TestIndependentVerification(t *testing.T) {
	ctx := context.Background()
	reg := testRegistry(t)
	repo, h := pushRandom(t, reg, "team/app")
	dir, sv, _ := keys(t, canary)
	if err := Sign(ctx, repo+"@"+h.String(), sv, opts); err != nil {
		t.Fatal(err)
	}
	pubPEM, _ := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	pk, err := cryptoutils.UnmarshalPEMToPublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := signature.LoadVerifier(pk, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(repo+":sha256-"+h.Hex+".sig", name.Insecure)
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatalf("cosign's tag %s: %v", tag, err)
	}
	m, _ := img.Manifest()
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || len(m.Layers) != 1 {
		t.Fatalf("manifest: %s, %d layers", m.MediaType, len(m.Layers))
	}
	l := m.Layers[0]
	if l.MediaType != "application/vnd.dev.cosign.simplesigning.v1+json" {
		t.Fatalf("layer media type %s", l.MediaType)
	}
	layer, _ := img.LayerByDigest(l.Digest)
	rc, _ := layer.Compressed()
	body, _ := io.ReadAll(rc)
	rc.Close()
	sig, err := base64.StdEncoding.DecodeString(l.Annotations["dev.cosignproject.cosign/signature"])
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(body)); err != nil {
		t.Fatalf("sigstore verifier: %v", err)
	}
	var p struct {
		Critical struct {
			Identity struct {
				DockerReference string `json:"docker-reference"`
			} `json:"identity"`
			Image struct {
				DockerManifestDigest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Critical.Type != "cosign container image signature" || p.Critical.Image.DockerManifestDigest != h.String() || p.Critical.Identity.DockerReference != repo {
		t.Fatalf("payload: %s", body)
	}
}
