package image

import (
	"archive/tar"
	"errors"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// WalkFlattened calls fn for every entry of img's flattened filesystem, as
// go-containerregistry's mutate.Extract flattens it (a later layer's entry
// wins, whiteouts applied), with the entry's name made absolute and clean
// ("/usr/bin/sh"). tr is positioned at the entry's content. It stops at
// fn's first error and returns it as is; a read error comes back unwrapped
// for the caller to say what it was reading. mutate.Extract can end its tar
// cleanly before an error it met: a caller that must see every layer's
// digest checked runs CheckLayers first.
func WalkFlattened(img v1.Image, fn func(name string, h *tar.Header, tr *tar.Reader) error) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(path.Clean("/"+h.Name), h, tr); err != nil {
			return err
		}
	}
}
