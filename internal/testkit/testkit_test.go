package testkit

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestWriteTree(t *testing.T) {
	dir := WriteTree(t, map[string]string{"a/b/c.txt": "c", "top": "t"})
	for name, want := range map[string]string{"a/b/c.txt": "c", "top": "t"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
}

func TestSilentListenerNeverAnswers(t *testing.T) {
	c, err := net.DialTimeout("tcp", SilentListener(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("read %d bytes, %v: want a timeout", n, err)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("read: %v, want a timeout (the connection is held open)", err)
	}
}

func TestSleepMarker(t *testing.T) {
	a, b := SleepMarker(t), SleepMarker(t)
	if !regexp.MustCompile(`^sleep 60\.[0-9]{9}$`).MatchString(a) || a == b {
		t.Errorf("markers %q and %q: want two different sleep commands", a, b)
	}
}

func TestAssertEmptyDir(t *testing.T) {
	AssertEmptyDir(t, t.TempDir())
	dir := WriteTree(t, map[string]string{"left.tar": "x"})
	var r recorder
	AssertEmptyDir(&r, dir)
	if len(r.errors) != 1 {
		t.Errorf("a directory holding left.tar: %d errors, want 1", len(r.errors))
	}
}

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestWriteLayoutAndIndexes(t *testing.T) {
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	dir := filepath.Join(t.TempDir(), "layout")
	if got := WriteLayout(t, dir, img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"})); got != dir {
		t.Errorf("WriteLayout returned %s, want %s", got, dir)
	}
	_, im := LayoutIndex(t, dir)
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != want || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "latest" {
		t.Errorf("layout index %+v, want the one image %s with its ref name", im.Manifests, want)
	}

	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/team/app:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	ii := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	if err := remote.WriteIndex(ref, ii); err != nil {
		t.Fatal(err)
	}
	idx, im := RemoteIndex(t, ref)
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != want {
		t.Errorf("remote index %+v, want the one image %s", im.Manifests, want)
	}
	if got, wantIdx := digestOf(t, idx), digestOf(t, ii); got != wantIdx {
		t.Errorf("remote index %s, pushed %s", got, wantIdx)
	}
}

func digestOf(t *testing.T, idx interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
