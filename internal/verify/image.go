package verify

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// OpenImage reads the image at p: an OCI layout directory, an OCI layout
// tarball (BuildKit's type=oci export, plain or gzipped) or a `docker save`
// tarball (BuildKit's type=docker). An OCI tarball is unpacked under tmp.
// When the layout holds several images, the one for linux and this machine's
// architecture is picked; attestation manifests are ignored.
func OpenImage(p, tmp string) (v1.Image, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("reading image: %w", err)
	}
	if fi.IsDir() {
		return fromLayout(p)
	}
	kind, err := sniffTar(p)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "docker":
		img, err := tarball.ImageFromPath(p, nil)
		if err != nil {
			return nil, fmt.Errorf("reading docker tarball %s: %w", p, err)
		}
		return img, nil
	case "oci":
		dir := filepath.Join(tmp, "layout")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := untarLayout(p, dir); err != nil {
			return nil, err
		}
		return fromLayout(dir)
	}
	return nil, fmt.Errorf("%s is neither an OCI layout (index.json) nor a docker save tarball (manifest.json)", p)
}

// sniffTar reports "docker" when the tarball has a manifest.json (docker
// save; BuildKit's docker exporter writes both files), "oci" when it has an
// index.json, and "" otherwise.
func sniffTar(p string) (string, error) {
	rc, err := openTar(p)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	kind := ""
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return kind, nil
		}
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", p, err)
		}
		switch filepath.Clean(hdr.Name) {
		case "manifest.json":
			return "docker", nil
		case "index.json":
			kind = "oci"
		}
	}
}

// openTar opens a tarball, transparently gunzipping it.
func openTar(p string) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading image: %w", err)
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, nil
}

// untarLayout unpacks an OCI layout tarball into dir with the same careful
// extraction as the root filesystem.
func untarLayout(p, dir string) error {
	rc, err := openTar(p)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := Extract(rc, dir); err != nil {
		return fmt.Errorf("unpacking %s: %w", p, err)
	}
	return nil
}

func fromLayout(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	img, err := pickImage(idx)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return img, nil
}

// pickImage finds the runnable image in an index: the manifest for
// linux/GOARCH, or the only image when platforms are not recorded.
func pickImage(idx v1.ImageIndex) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var fallback *v1.Descriptor
	for i := range im.Manifests {
		d := im.Manifests[i]
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			if img, err := pickImage(child); err == nil {
				return img, nil
			}
		case d.MediaType.IsImage():
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			if p := d.Platform; p != nil {
				if p.OS == "linux" && p.Architecture == runtime.GOARCH {
					return idx.Image(d.Digest)
				}
				continue
			}
			if fallback == nil {
				fallback = &d
			}
		}
	}
	if fallback != nil {
		return idx.Image(fallback.Digest)
	}
	return nil, fmt.Errorf("no image for linux/%s in the index", runtime.GOARCH)
}
