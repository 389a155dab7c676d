// Package image opens a container image wherever it is: in a registry (by
// reference), in an OCI layout directory, in an OCI layout tarball
// (BuildKit's type=oci export, plain or gzipped) or in a `docker save`
// tarball (BuildKit's type=docker). `slipway verify` and `slipway scan`
// read images through it. Layers stay where they are and are read lazily;
// only an OCI tarball is unpacked (its blobs, nothing else) to a temporary
// directory.
package image

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// OpenLocal reads the image at p: an OCI layout directory, an OCI layout
// tarball or a `docker save` tarball. An OCI tarball is unpacked under
// tmp. When the layout holds several images, the one for linux and this
// machine's architecture is picked; attestation manifests are ignored.
func OpenLocal(p, tmp string) (v1.Image, error) {
	img, _, err := openLocal(p, tmp)
	return img, err
}

func openLocal(p, tmp string) (v1.Image, Kind, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, "", fmt.Errorf("reading image: %w", err)
	}
	if fi.IsDir() {
		img, err := fromLayout(p)
		return img, KindLayout, err
	}
	kind, err := sniffTar(p)
	if err != nil {
		return nil, "", err
	}
	switch kind {
	case "docker":
		img, err := tarball.ImageFromPath(p, nil)
		if err != nil {
			return nil, "", fmt.Errorf("reading docker tarball %s: %w", p, err)
		}
		return img, KindDockerArchive, nil
	case "oci":
		dir := filepath.Join(tmp, "layout")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", err
		}
		if err := untarLayout(p, dir); err != nil {
			return nil, "", err
		}
		img, err := fromLayout(dir)
		return img, KindOCIArchive, err
	}
	return nil, "", fmt.Errorf("%s is neither an OCI layout (index.json) nor a docker save tarball (manifest.json)", p)
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
		switch path.Clean(hdr.Name) {
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

// layoutFile is every name an OCI layout holds: the two top-level files
// and content-addressed blobs. Nothing else is unpacked, so no name can
// climb out of dir, and no link or device is ever created.
var layoutFile = regexp.MustCompile(`^(?:oci-layout|index\.json|blobs/[a-z0-9]+/[a-f0-9]{32,128})$`)

// untarLayout unpacks the files of an OCI layout tarball into dir (a new,
// empty directory): regular files named like layout files only.
func untarLayout(p, dir string) error {
	rc, err := openTar(p)
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", p, err)
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !layoutFile.MatchString(name) {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("unpacking %s: %w", p, err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", p, err)
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpacking %s: %s: %w", p, name, err)
		}
	}
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
