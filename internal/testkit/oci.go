package testkit

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// WriteLayout writes img as the one image of a new OCI image layout at dir
// (opts as layout's AppendImage takes them: a platform, annotations) and
// returns dir.
func WriteLayout(t testing.TB, dir string, img v1.Image, opts ...layout.Option) string {
	t.Helper()
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, opts...); err != nil {
		t.Fatal(err)
	}
	return dir
}

// RemoteIndex reads the image index ref names in a registry, with its
// manifest.
func RemoteIndex(t testing.TB, ref name.Reference, opts ...remote.Option) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	idx, err := remote.Index(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return idx, indexManifest(t, idx)
}

// LayoutIndex reads the image index of the OCI image layout at dir, with
// its manifest.
func LayoutIndex(t testing.TB, dir string) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	return idx, indexManifest(t, idx)
}

func indexManifest(t testing.TB, idx v1.ImageIndex) *v1.IndexManifest {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// Registry starts an in-process OCI registry (go-containerregistry's) for
// the test and returns its host:port; it stops when the test ends.
func Registry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
