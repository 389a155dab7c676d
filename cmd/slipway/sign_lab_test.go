package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/sign"
)

const signCanary = "pass-CANARY-4b1d9e0c7a"

// TestSignedGoldenLab builds a golden image with --sign through the CLI,
// checks its signature with the Sigstore library apart from slipway's
// verifier, builds a service FROM it under a team file that trusts the
// key, and then breaks the chain three ways (signature removed, the tag
// re-pushed unsigned, signed by another key) plus a signature copied onto
// another digest: each build is refused before BuildKit is asked
// (--addr names a port where no daemon listens), exit 1, naming the image
// and the reason. The passphrase is a canary that no output and no
// registry blob may hold.
func TestSignedGoldenLab(t *testing.T) {
	l := labtest.Require(t)
	t.Setenv(sign.EnvPassword, signCanary)
	t.Setenv(image.EnvRegistryMirror, l.Registry)
	suffix := make([]byte, 4)
	rand.Read(suffix)
	prefix := l.Registry + "/sign-test-" + hex.EncodeToString(suffix)
	root := t.TempDir()
	var outputs []string
	cli := func(args ...string) (int, string) {
		t.Helper()
		code, out, errOut := runIO(t, "", args...)
		outputs = append(outputs, out, errOut)
		return code, out + errOut
	}

	// Keys: the team's, and another one.
	keys, otherKeys := filepath.Join(root, "keys"), filepath.Join(root, "other")
	for _, d := range []string{keys, otherKeys} {
		if code, out := cli("key", "generate", d); code != exitOK {
			t.Fatalf("key generate: exit %d: %s", code, out)
		}
	}
	if code, out := cli("key", "generate", keys); code != exitUsage || !strings.Contains(out, "already exists") {
		t.Fatalf("key generate over existing keys: exit %d: %s", code, out)
	}

	// The golden image, signed.
	gdir := filepath.Join(root, "golden")
	os.MkdirAll(gdir, 0o755)
	spec, err := os.ReadFile("../../golden/base.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(gdir, "base.toml"), spec, 0o644)
	start := time.Now()
	code, out := cli("golden", "build", "--dir", gdir, "--registry", prefix, "--sign", "--key", filepath.Join(keys, sign.PrivateKeyFile), "--progress", "quiet")
	if code != exitOK {
		t.Fatalf("golden build --sign: exit %d: %s", code, out)
	}
	t.Logf("golden build --sign: %s", time.Since(start).Round(100*time.Millisecond))
	lock, err := golden.ReadLock(filepath.Join(gdir, golden.LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	entry := lock.Entry("base")
	if entry == nil || !strings.Contains(out, "signed "+entry.Image+"@"+entry.Digest) {
		t.Fatalf("no signed entry: %+v\n%s", entry, out)
	}
	baseTag := entry.Image + ":latest"
	goodDigest := entry.Digest

	// The signature, checked with the Sigstore library directly.
	pub, err := sign.LoadVerifier(filepath.Join(keys, sign.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sign.Verify(context.Background(), baseTag, goodDigest, []sign.Key{{Name: "team", Verifier: pub}}, sign.Options{Resolve: insecureRef})
	if err != nil || !st.OK() {
		t.Fatalf("verify the golden image: %+v %v", st, err)
	}

	// A service FROM the golden image, under a team file that trusts the key.
	svc := filepath.Join(root, "svc")
	os.MkdirAll(svc, 0o755)
	os.WriteFile(filepath.Join(root, "slipway-team.toml"), []byte("[[trusted_key]]\nprefix = \""+prefix+"/golden/\"\nkey = \"keys/slipway.pub\"\n"), 0o644)
	os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte("FROM "+baseTag+"\nCOPY hello.txt /hello.txt\nUSER 10001:10001\n"), 0o644)
	os.WriteFile(filepath.Join(svc, "hello.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(svc, ".dockerignore"), []byte(".git\n"), 0o644)
	app := prefix + "/app:1"
	code, out = cli("build", svc, "--progress", "quiet", "-t", app, "--push", "--sign", "--key", filepath.Join(keys, sign.PrivateKeyFile))
	if code != exitOK || !strings.Contains(out, "verified "+baseTag+"@"+goodDigest+": signed by keys/slipway.pub") || !strings.Contains(out, "signed "+prefix+"/app@sha256:") {
		t.Fatalf("build FROM the signed golden image: exit %d: %s", code, out)
	}

	// With --sbom the index that lists the image and its SBOM attestation
	// by digest is signed too: the SBOM is signed with the image.
	code, out = cli("build", svc, "--progress", "quiet", "-t", prefix+"/app:sbom", "--push", "--sbom", "--sign", "--key", filepath.Join(keys, sign.PrivateKeyFile))
	idxAt := regexp.MustCompile(`signed (\S+@sha256:[0-9a-f]{64}) \(the image with its SBOM\)`).FindStringSubmatch(out)
	if code != exitOK || idxAt == nil {
		t.Fatalf("build --sbom --sign: exit %d, no signed index: %s", code, out)
	}
	repoName, idxDigest, _ := strings.Cut(idxAt[1], "@")
	if st, err := sign.Verify(context.Background(), repoName+":sbom", idxDigest, []sign.Key{{Name: "team", Verifier: pub}}, sign.Options{Resolve: insecureRef}); err != nil || !st.OK() {
		t.Fatalf("the SBOM's index %s is not signed: %+v %v", idxAt[1], st, err)
	}

	// scan reports the signature status of a registry image.
	team := filepath.Join(root, "slipway-team.toml")
	_, out = cli("scan", baseTag, "--team", team)
	if !strings.Contains(out, "signature: "+baseTag+"@"+goodDigest+": signed by keys/slipway.pub") {
		t.Fatalf("scan of the signed golden image: %s", out)
	}

	refused := func(what string, want ...string) {
		t.Helper()
		code, out := cli("build", svc, "--addr", "tcp://127.0.0.1:1", "--progress", "plain")
		if code != exitFailure || !strings.Contains(out, "nothing was built") || strings.Contains(out, "no BuildKit daemon") || strings.Contains(out, "#1 ") {
			t.Fatalf("%s: want a refusal before BuildKit, exit 1; got exit %d: %s", what, code, out)
		}
		for _, w := range append(want, filepath.Join(svc, "Dockerfile")+":1", baseTag) {
			if !strings.Contains(out, w) {
				t.Fatalf("%s: the refusal does not name %q: %s", what, w, out)
			}
		}
		t.Logf("%s: %s", what, strings.TrimSpace(out))
	}

	// 1. The signature removed.
	repo, _ := name.NewRepository(entry.Image, name.Insecure)
	h, _ := v1.NewHash(goodDigest)
	sigTag := sign.SignatureTag(repo, h)
	sigImg, err := remote.Image(sigTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(sigTag); err != nil {
		t.Fatalf("deleting %s: %v", sigTag, err)
	}
	refused("signature removed", "unsigned", goodDigest)
	// golden build refuses a golden:base taken from golden.lock likewise.
	child := filepath.Join(gdir, "child.toml")
	os.WriteFile(child, []byte("name = \"child\"\nfrom = \"golden:base\"\n"), 0o644)
	code, out = cli("golden", "build", "child", "--dir", gdir, "--registry", prefix, "--addr", "tcp://127.0.0.1:1")
	if code != exitFailure || !strings.Contains(out, child+":2: golden image child: "+entry.Image+"@"+goodDigest+" is not signed by a trusted key: unsigned (no signature for "+goodDigest+")") {
		t.Fatalf("golden build FROM golden:base without its signature: exit %d: %s", code, out)
	}
	os.Remove(child)
	if err := remote.Write(sigTag, sigImg); err != nil { // put it back
		t.Fatal(err)
	}

	// 2. The tag re-pushed with an unsigned image.
	img, _ := random.Image(512, 1)
	img = mutate.MediaType(img, "application/vnd.oci.image.manifest.v1+json")
	tagRef, _ := name.NewTag(baseTag, name.Insecure)
	if err := remote.Write(tagRef, img); err != nil {
		t.Fatal(err)
	}
	newDigest, _ := img.Digest()
	refused("re-pushed unsigned", "unsigned", newDigest.String(), "the digest its tag points at now")
	code, out = cli("scan", baseTag, "--team", team)
	if code != exitFailure || !strings.Contains(out, "signature: "+baseTag+"@"+newDigest.String()+": unsigned") {
		t.Fatalf("scan of the re-pushed tag: exit %d: %s", code, out)
	}

	// 3. The new image signed by another key.
	otherSigner, err := sign.LoadSigner(filepath.Join(otherKeys, sign.PrivateKeyFile), []byte(signCanary))
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.Sign(context.Background(), entry.Image+"@"+newDigest.String(), otherSigner, sign.Options{Resolve: insecureRef}); err != nil {
		t.Fatal(err)
	}
	refused("signed by another key", "wrong key", "none by keys/slipway.pub")

	// 4. The good signature copied onto the new digest's tag.
	if err := remote.Write(sign.SignatureTag(repo, newDigest), sigImg); err != nil {
		t.Fatal(err)
	}
	refused("signature copied to another digest", "digest moved", "signed "+goodDigest)

	// A pinned FROM at the signed digest still builds... without a daemon
	// here it gets past verification to the connection, which shows that
	// verification passed.
	os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte("FROM "+entry.Image+"@"+goodDigest+"\nCOPY hello.txt /hello.txt\nUSER 10001:10001\n"), 0o644)
	code, out = cli("build", svc, "--addr", "tcp://127.0.0.1:1", "--progress", "quiet")
	if !strings.Contains(out, "verified "+entry.Image+"@"+goodDigest) || strings.Contains(out, "nothing was built") {
		t.Fatalf("pinned at the signed digest: exit %d: %s", code, out)
	}

	// The canary: in no output, and in no blob under the test's prefix.
	for _, o := range outputs {
		if strings.Contains(o, signCanary) {
			t.Fatalf("the passphrase was printed: %s", o)
		}
	}
	scanned := scanRegistry(t, prefix, []byte(signCanary))
	t.Logf("scanned %d blobs under %s: no passphrase", scanned, prefix)
}

func insecureRef(ref string) (name.Reference, error) { return name.ParseReference(ref, name.Insecure) }

// scanRegistry reads every manifest, config and (uncompressed) layer of
// every tag of every repository under prefix and fails when one holds
// needle. It returns how many blobs it read.
func scanRegistry(t *testing.T, prefix string, needle []byte) int {
	t.Helper()
	host, path, _ := strings.Cut(prefix, "/")
	reg, _ := name.NewRegistry(host, name.Insecure)
	repos, err := remote.Catalog(context.Background(), reg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	check := func(what string, r io.Reader) {
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		n++
		if bytes.Contains(b, needle) {
			t.Fatalf("%s holds the passphrase", what)
		}
	}
	var image func(what string, img v1.Image)
	image = func(what string, img v1.Image) {
		raw, _ := img.RawManifest()
		check(what+" manifest", bytes.NewReader(raw))
		cfg, _ := img.RawConfigFile()
		check(what+" config", bytes.NewReader(cfg))
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			check(what+" layer", rc)
			rc.Close()
		}
	}
	for _, r := range repos {
		if !strings.HasPrefix(r, path+"/") {
			continue
		}
		repo, _ := name.NewRepository(host+"/"+r, name.Insecure)
		tags, err := remote.List(repo)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			desc, err := remote.Get(repo.Tag(tag))
			if err != nil {
				t.Fatal(err)
			}
			what := repo.Tag(tag).String()
			if desc.MediaType.IsIndex() {
				idx, _ := desc.ImageIndex()
				check(what+" index", bytes.NewReader(desc.Manifest))
				im, _ := idx.IndexManifest()
				for _, m := range im.Manifests {
					img, err := idx.Image(m.Digest)
					if err != nil {
						t.Fatal(err)
					}
					image(what+"@"+m.Digest.String(), img)
				}
				continue
			}
			img, err := desc.Image()
			if err != nil {
				t.Fatal(err)
			}
			image(what, img)
		}
	}
	if n == 0 {
		t.Fatalf("no blob found under %s", prefix)
	}
	return n
}
