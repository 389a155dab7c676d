package image

import (
	"archive/tar"
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/slipway/slipway/internal/testkit"
)

// factsImage is a linux/arm64/v8 image whose one layer holds a shell in a
// bin directory and one outside them, a setuid file, apt lists and dpkg's
// state, with a numeric user and a label.
func factsImage(t *testing.T) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/sh", Typeflag: tar.TypeReg, Mode: 0o755},
		{Name: "./usr/bin/bash", Typeflag: tar.TypeSymlink, Linkname: "/bin/sh"},
		{Name: "opt/tools/sh", Typeflag: tar.TypeReg, Mode: 0o755},
		{Name: "usr/bin/passwd", Typeflag: tar.TypeReg, Mode: 0o4755},
		{Name: "var/lib/apt/lists/deb.debian.org_Packages", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "var/lib/apt/lists/lock", Typeflag: tar.TypeReg, Mode: 0o640},
		{Name: "var/lib/dpkg/status", Typeflag: tar.TypeReg, Mode: 0o644},
	} {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	layer, err := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	cfg.OS, cfg.Architecture, cfg.Variant = "linux", "arm64", "v8"
	cfg.Config.User = "65532:65532"
	cfg.Config.Labels = map[string]string{"org.opencontainers.image.title": "base"}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImageFacts(t *testing.T) {
	img := factsImage(t)
	f, digest, err := ImageFacts(img)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := img.Digest(); digest != want.String() {
		t.Errorf("digest = %s, want %s", digest, want)
	}
	if f.Platform != "linux/arm64/v8" || f.User != "65532:65532" || f.Labels["org.opencontainers.image.title"] != "base" {
		t.Errorf("facts = %s %q %v", f.Platform, f.User, f.Labels)
	}
	for what, c := range map[string][2][]string{
		"shells":        {f.Shells, {"/bin/sh", "/usr/bin/bash"}},
		"setuid files":  {f.SetuidFiles, {"/usr/bin/passwd"}},
		"apt lists":     {f.AptLists, {"/var/lib/apt/lists/deb.debian.org_Packages"}},
		"package state": {f.PackageState, {"/var/lib/dpkg/status"}},
	} {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s = %q, want %q", what, c[0], c[1])
		}
	}
	if !f.Paths["opt/tools/sh"] || f.Paths["/bin/sh"] {
		t.Errorf("paths are kept without their leading /: %v", f.Paths)
	}
}

func TestRemoteReference(t *testing.T) {
	for _, tc := range []struct{ mirror, ref, want string }{
		{"", "debian:bookworm-slim", "index.docker.io/library/debian:bookworm-slim"},
		{"127.0.0.1:5000", "debian:bookworm-slim", "127.0.0.1:5000/library/debian:bookworm-slim"},
		{"127.0.0.1:5000", "cgr.dev/chainguard/static@sha256:" + strings.Repeat("a", 64), "127.0.0.1:5000/chainguard/static@sha256:" + strings.Repeat("a", 64)},
		{"127.0.0.1:5000", "localhost:6000/team/app:1", "localhost:6000/team/app:1"},
		{"mirror.example.com", "gcr.io/distroless/static:nonroot", "mirror.example.com/distroless/static:nonroot"},
	} {
		n, err := (&Remote{Mirror: tc.mirror}).Reference(tc.ref)
		if err != nil {
			t.Fatalf("Reference(%q): %v", tc.ref, err)
		}
		if n.Name() != tc.want {
			t.Errorf("mirror %q: Reference(%q) = %s, want %s", tc.mirror, tc.ref, n.Name(), tc.want)
		}
		if scheme := n.Context().Scheme(); (scheme == "http") != Loopback(n.Context().RegistryStr()) {
			t.Errorf("Reference(%q) speaks %s to %s", tc.ref, scheme, n.Context().RegistryStr())
		}
	}
	if _, err := (&Remote{}).Reference("UPPER CASE"); err == nil || !strings.Contains(err.Error(), "UPPER CASE") {
		t.Errorf("a bad reference: err = %v, want one naming it", err)
	}
}

// Digest and Inspect through a mirror: docker.io's name is asked of the
// in-process registry, which holds an index of one image and an
// attestation manifest (platform unknown/unknown), which is skipped.
func TestRemoteThroughMirror(t *testing.T) {
	host := testkit.Registry(t)
	img := factsImage(t)
	att, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "unknown", Architecture: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}},
	)
	dst, _ := name.ParseReference(host+"/library/base:1", name.Insecure)
	if err := remote.WriteIndex(dst, idx); err != nil {
		t.Fatal(err)
	}
	r := NewRemote(host)
	ctx := context.Background()
	d, err := r.Digest(ctx, "docker.io/library/base:1")
	if want, _ := idx.Digest(); err != nil || d != want.String() {
		t.Fatalf("Digest = %s, %v; want %s", d, err, want)
	}
	ins, err := r.Inspect(ctx, "docker.io/library/base@"+d)
	if err != nil {
		t.Fatal(err)
	}
	imgDigest, _ := img.Digest()
	if !reflect.DeepEqual(ins.Platforms, map[string]string{"linux/arm64/v8": imgDigest.String()}) || len(ins.Images) != 1 || ins.Images[0].User != "65532:65532" {
		t.Errorf("Inspect = %v, %d images", ins.Platforms, len(ins.Images))
	}
	if _, err := r.Digest(ctx, "docker.io/library/missing:1"); err == nil || !strings.Contains(err.Error(), "asked of "+host) {
		t.Errorf("a missing image: err = %v, want one naming the mirror asked", err)
	}
}

func TestNewRemoteReadsTheMirrorVariable(t *testing.T) {
	t.Setenv(EnvRegistryMirror, "127.0.0.1:5999")
	if r := NewRemote(""); r.Mirror != "127.0.0.1:5999" {
		t.Errorf("NewRemote(\"\").Mirror = %q, want $%s", r.Mirror, EnvRegistryMirror)
	}
	if r := NewRemote("10.0.0.1:5000"); r.Mirror != "10.0.0.1:5000" {
		t.Errorf("NewRemote(flag).Mirror = %q, want the flag's value", r.Mirror)
	}
}
