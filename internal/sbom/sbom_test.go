package sbom_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/sbom"
	"github.com/slipway/slipway/internal/sbom/sbomtest"
	"github.com/slipway/slipway/internal/scan"
	"github.com/slipway/slipway/internal/testkit"
)

type entry struct {
	name string
	mode int64
	body []byte
}

func layerOf(t *testing.T, es ...entry) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: mode, Size: int64(len(e.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func jar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := slices.Sorted(maps.Keys(files))
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const dpkgStatus = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u9

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data
 a continuation line: with a colon
`

// goBinary builds testdata/gobin once: a Go binary whose build info lists
// a module with its version.
func goBinary(t *testing.T) string {
	t.Helper()
	gobinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sbom-gobin-")
		if err != nil {
			gobinErr = err
			return
		}
		gobinPath = filepath.Join(dir, "gobin")
		out, err := exec.Command("go", "build", "-o", gobinPath, "./testdata/gobin").CombinedOutput()
		if err != nil {
			gobinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if gobinErr != nil {
		t.Fatal(gobinErr)
	}
	return gobinPath
}

var (
	gobinOnce sync.Once
	gobinPath string
	gobinErr  error
)

// testImage has a record of every kind, a whiteout that removes one npm
// package, and an opaque directory that hides another.
func testImage(t *testing.T) v1.Image {
	t.Helper()
	bin, err := os.ReadFile(goBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	l1 := layerOf(t,
		entry{name: "etc/os-release", body: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")},
		entry{name: "var/lib/dpkg/status", body: []byte(dpkgStatus)},
		entry{name: "app/node_modules/ms/package.json", body: []byte(`{"name":"ms","version":"2.1.3"}`)},
		entry{name: "app/node_modules/gone/package.json", body: []byte(`{"name":"gone","version":"1.0.0"}`)},
		entry{name: "app/node_modules/@scope/pkg/package.json", body: []byte(`{"name":"@scope/pkg","version":"0.2.0"}`)},
		entry{name: "app/node_modules/ms/test/package.json", body: []byte(`{"name":"fixture","version":"9.9.9"}`)},
		entry{name: "old/node_modules/hidden/package.json", body: []byte(`{"name":"hidden","version":"1.0.0"}`)},
		entry{name: "usr/lib/python3/dist-packages/Flask_Cors-4.0.0.dist-info/METADATA", body: []byte("Metadata-Version: 2.1\nName: Flask_Cors\nVersion: 4.0.0\n\nName: not-this\n")},
		entry{name: "app/lib/app.jar", body: jar(t, map[string]string{
			"META-INF/MANIFEST.MF":                              "Manifest-Version: 1.0\nImplementation-Title: app\n",
			"META-INF/maven/com.example/app/pom.properties":     "groupId=com.example\nartifactId=app\nversion=1.2.3\n",
			"META-INF/maven/org.slf4j/slf4j-api/pom.properties": "#shaded\ngroupId=org.slf4j\nartifactId=slf4j-api\nversion=2.0.9\n",
		})},
		entry{name: "app/hello", mode: 0o755, body: bin},
		entry{name: "app/script.sh", mode: 0o755, body: []byte("#!/bin/sh\necho hi\n")},
	)
	l2 := layerOf(t,
		entry{name: "app/node_modules/.wh.gone"},
		entry{name: "old/node_modules/.wh..wh..opq"},
	)
	img, err := mutate.AppendLayers(empty.Image, l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: mustRootFS(t, img)})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustRootFS(t *testing.T, img v1.Image) v1.RootFS {
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf.RootFS
}

func purls(m *sbom.Made, t *testing.T) map[string]bool {
	t.Helper()
	bom, err := sbom.Decode(m.JSON)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range *bom.Components {
		out[c.PackageURL] = true
	}
	return out
}

func TestCollectEveryKind(t *testing.T) {
	img := testImage(t)
	inv, err := sbom.Collect(context.Background(), img, sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.OS != "debian" || inv.OSVer != "12" {
		t.Errorf("os = %q %q", inv.OS, inv.OSVer)
	}
	bom := sbom.BOM(inv, sbom.Subject{Name: "example.com/app:1", Digest: inv.Digest}, "test")
	doc, err := sbom.Encode(bom)
	if err != nil {
		t.Fatal(err)
	}
	if err := sbomtest.ValidateJSON(doc); err != nil {
		t.Fatalf("the SBOM does not validate against the CycloneDX 1.6 schema: %v", err)
	}
	got := map[string]bool{}
	for _, c := range *bom.Components {
		got[c.PackageURL] = true
	}
	for _, want := range []string{
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12",
		"pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
		"pkg:npm/ms@2.1.3",
		"pkg:npm/%40scope/pkg@0.2.0",
		"pkg:pypi/flask-cors@4.0.0",
		"pkg:maven/com.example/app@1.2.3",
		"pkg:maven/org.slf4j/slf4j-api@2.0.9",
		"pkg:golang/github.com/package-url/packageurl-go@v0.1.7",
	} {
		if !got[want] {
			t.Errorf("no component %s in %v", want, got)
		}
	}
	for p := range got {
		for _, bad := range []string{"removed-one", "gone", "hidden", "fixture", "not-this"} {
			if strings.Contains(p, "/"+bad+"@") {
				t.Errorf("component %s should not be there (removed, hidden or not a package)", p)
			}
		}
	}
	var stdlib, main bool
	for _, c := range *bom.Components {
		stdlib = stdlib || strings.HasPrefix(c.PackageURL, "pkg:golang/stdlib@go1.")
		main = main || (c.Name == "github.com/slipway/slipway" && c.Type == "application")
	}
	if !stdlib || !main {
		t.Errorf("Go binary: stdlib %v, main module as application %v", stdlib, main)
	}
	// Deterministic: the same image gives the same bytes.
	again, _ := sbom.Encode(sbom.BOM(inv, sbom.Subject{Name: "example.com/app:1", Digest: inv.Digest}, "test"))
	if !bytes.Equal(doc, again) {
		t.Error("two SBOMs of one image differ")
	}
}

// Limits: a metadata file over the limit is noted and not read; a
// binary over it is not opened.
func TestCollectLimits(t *testing.T) {
	img := testImage(t)
	inv, err := sbom.Collect(context.Background(), img, sbom.Options{Limits: sbom.Limits{MaxMetadata: 64, MaxBinary: 1 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inv.Packages {
		if p.Type == sbom.Golang || p.Type == sbom.Deb {
			t.Errorf("%s %s read past its limit", p.Type, p.Name)
		}
	}
	if !strings.Contains(strings.Join(inv.Notes, "\n"), "/var/lib/dpkg/status: ") {
		t.Errorf("notes do not name the skipped status file: %v", inv.Notes)
	}
}

// writeOCITar writes img as an OCI layout tarball, the shape BuildKit's
// oci exporter gives: index.json listing the manifest with a ref.name.
func writeOCITar(t *testing.T, img v1.Image) string {
	t.Helper()
	dir := testkit.WriteLayout(t, t.TempDir(), img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "example.com/app:1"}))
	out := filepath.Join(t.TempDir(), "img.tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	f.Close()
	return out
}

// The SBOM is attached to an OCI tarball as BuildKit attaches
// attestations, and the readers that know BuildKit's shape find it: scan's
// attestation reader, and image.Open still picks the same image.
func TestAttachToOCITarball(t *testing.T) {
	ctx := context.Background()
	img := testImage(t)
	want, _ := img.Digest()
	p := writeOCITar(t, img)
	m, err := sbom.Make(ctx, p, false, sbom.MakeOptions{Name: "example.com/app:1", ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != want.String() || m.Counts["deb"] != 2 || m.Counts["npm"] != 2 {
		t.Fatalf("made %+v", m)
	}
	src, err := image.Open(ctx, p, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := src.Digest()
	src.Close()
	if got != want {
		t.Fatalf("after attaching, the tarball's image is %s, want %s", got, want)
	}
	checkAttached(t, p, want, m)
}

func checkAttached(t *testing.T, src string, subject v1.Hash, m *sbom.Made) {
	t.Helper()
	atts, err := scan.ReadAttestations(context.Background(), src, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range atts {
		if a.PredicateType != sbom.PredicateType {
			continue
		}
		n++
		if a.Subject != subject.String() || a.Problem != "" {
			t.Errorf("attestation %+v", a)
		}
		st, err := sbom.ParseStatement(a.Data)
		if err != nil {
			t.Fatal(err)
		}
		if st.Subject[0].Digest["sha256"] != subject.Hex {
			t.Errorf("statement subject %v", st.Subject)
		}
		if !bytes.Equal(bytes.TrimSpace(st.Predicate), bytes.TrimSpace(m.JSON)) {
			t.Errorf("the attached predicate is not the SBOM that was made:\n%.300s\n%.300s", st.Predicate, m.JSON)
		}
	}
	if n != 1 {
		t.Fatalf("%d CycloneDX attestations, want 1 (of %d attestations)", n, len(atts))
	}
	if !purls(m, t)["pkg:npm/ms@2.1.3"] {
		t.Error("the SBOM lost ms")
	}
	// scan reads it back and counts what it lists.
	ss := scan.SBOMs(atts)
	if len(ss) != 1 || ss[0].Format != "CycloneDX 1.6" || ss[0].Total != m.Total || ss[0].Components["deb"] != 2 || ss[0].Problem != "" {
		t.Errorf("scan.SBOMs = %+v, made %d components", ss, m.Total)
	}
}

func TestAttachToRegistry(t *testing.T) {
	ctx := context.Background()
	host := testkit.Registry(t)
	img := testImage(t)
	want, _ := img.Digest()
	ref, err := name.ParseReference(host+"/team/app:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	m, err := sbom.Make(ctx, ref.String(), true, sbom.MakeOptions{Name: ref.String(), ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	_, im := testkit.RemoteIndex(t, ref)
	if len(im.Manifests) != 2 || im.Manifests[0].Digest != want || im.Manifests[0].Platform == nil || im.Manifests[0].Platform.OS != "linux" ||
		im.Manifests[1].Annotations[sbom.AnnotRefType] != sbom.RefTypeAttestation || im.Manifests[1].Annotations[sbom.AnnotRefDigest] != want.String() {
		t.Fatalf("index after attaching: %+v", im.Manifests)
	}
	checkAttached(t, ref.String(), want, m)
}

// A tarball whose index.json already lists an index (BuildKit's shape with
// --provenance) gets the attestation added to that index: attaching twice
// exercises it, and the image stays the one readers pick.
func TestAttachToNestedIndex(t *testing.T) {
	ctx := context.Background()
	img := testImage(t)
	want, _ := img.Digest()
	p := writeOCITar(t, img)
	// Two different SBOMs (another tool version), then the second again:
	// attaching is idempotent.
	for i, v := range []string{"a", "b", "b"} {
		if _, err := sbom.Make(ctx, p, false, sbom.MakeOptions{ToolVersion: v}); err != nil {
			t.Fatalf("attach %d: %v", i+1, err)
		}
	}
	atts, err := scan.ReadAttestations(ctx, p, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range atts {
		if a.PredicateType == sbom.PredicateType && a.Subject == want.String() && a.Problem == "" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d CycloneDX attestations after attaching two SBOMs, want 2 (of %d attestations)", n, len(atts))
	}
	src, err := image.Open(ctx, p, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if got, _ := src.Digest(); got != want {
		t.Fatalf("image %s, want %s", got, want)
	}
}
