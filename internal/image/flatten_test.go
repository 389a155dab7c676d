package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func tarLayerOf(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := slices.Sorted(maps.Keys(files))
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	l, err := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The later layer wins, a whiteout removes, names come absolute and
// clean, and the content is readable from tr.
func TestWalkFlattened(t *testing.T) {
	img, err := mutate.AppendLayers(empty.Image,
		tarLayerOf(t, map[string]string{"./etc/motd": "old", "etc/gone": "x", "app//run": "1"}),
		tarLayerOf(t, map[string]string{"etc/motd": "new", "etc/.wh.gone": ""}),
	)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = WalkFlattened(img, func(name string, h *tar.Header, tr *tar.Reader) error {
		b, err := io.ReadAll(tr)
		got[name] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"/etc/motd": "new", "/app/run": "1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("walked %v, want %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := WalkFlattened(img, func(string, *tar.Header, *tar.Reader) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: got %v after %d entries, want it back after the first", err, n)
	}
}
