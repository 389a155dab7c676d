package image

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// verifiedImage is a v1.Image whose manifest and config were read whole,
// bounded and checked against their descriptors before it was made, and
// whose layers check their bytes as they are read: the compressed bytes
// against the manifest's digest and size, the uncompressed bytes against
// the config's diff ID. go-containerregistry's layout and tarball images
// trust the files; this one trusts only the digests.
type verifiedImage struct {
	ctx    context.Context
	st     store
	raw    []byte
	mf     *v1.Manifest
	digest v1.Hash
	mt     types.MediaType
	rawCfg []byte
	cfg    *v1.ConfigFile
	layers []*verifiedLayer
	name   string // the image in messages
}

var _ v1.Image = (*verifiedImage)(nil)

// loadImage reads the image manifest d from st (raw when already read and
// verified), then its config, and checks that they agree.
func loadImage(ctx context.Context, st store, d v1.Descriptor, raw []byte, lim Limits, name string) (*verifiedImage, error) {
	if raw == nil {
		var err error
		if raw, _, err = readBlob(ctx, st, d, true, lim.MaxManifestSize, "image manifest", "--max-manifest-size", name); err != nil {
			return nil, err
		}
	}
	mf, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid(name, "image manifest %s is not valid JSON of a manifest: %v", d.Digest, err)
	}
	if mf.Config.Digest == (v1.Hash{}) {
		return nil, invalid(name, "image manifest %s has no config", d.Digest)
	}
	rawCfg, file, err := readBlob(ctx, st, mf.Config, false, lim.MaxConfigSize, "image config", "--max-config-size", name)
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, invalid(file, "image config %s is not valid JSON of an image config: %v", mf.Config.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(mf.Layers) {
		return nil, invalid(file, "image config %s lists %d diff IDs for the manifest's %d layers", mf.Config.Digest, len(cfg.RootFS.DiffIDs), len(mf.Layers))
	}
	mt := mf.MediaType
	if mt == "" {
		mt = d.MediaType
	}
	img := &verifiedImage{ctx: ctx, st: st, raw: raw, mf: mf, digest: d.Digest, mt: mt, rawCfg: rawCfg, cfg: cfg, name: name}
	for i, ld := range mf.Layers {
		if _, err := newHash(ld.Digest); err != nil {
			return nil, invalid(name, "layer %d: %v", i+1, err)
		}
		if _, err := newHash(cfg.RootFS.DiffIDs[i]); err != nil {
			return nil, invalid(file, "diff ID %d: %v", i+1, err)
		}
		img.layers = append(img.layers, &verifiedLayer{img: img, n: i + 1, desc: ld, diffID: cfg.RootFS.DiffIDs[i]})
	}
	return img, nil
}

func (i *verifiedImage) Layers() ([]v1.Layer, error) {
	if f, ok := i.st.(interface {
		prefetch(context.Context, []v1.Descriptor) error
	}); ok {
		if err := f.prefetch(i.ctx, i.mf.Layers); err != nil {
			return nil, err
		}
	}
	out := make([]v1.Layer, len(i.layers))
	for n, l := range i.layers {
		out[n] = l
	}
	return out, nil
}

func (i *verifiedImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *verifiedImage) Size() (int64, error)                { return int64(len(i.raw)), nil }
func (i *verifiedImage) ConfigName() (v1.Hash, error)        { return i.mf.Config.Digest, nil }
func (i *verifiedImage) ConfigFile() (*v1.ConfigFile, error) { return i.cfg.DeepCopy(), nil }
func (i *verifiedImage) RawConfigFile() ([]byte, error)      { return bytes.Clone(i.rawCfg), nil }
func (i *verifiedImage) Digest() (v1.Hash, error)            { return i.digest, nil }
func (i *verifiedImage) Manifest() (*v1.Manifest, error)     { return i.mf.DeepCopy(), nil }
func (i *verifiedImage) RawManifest() ([]byte, error)        { return bytes.Clone(i.raw), nil }

func (i *verifiedImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if l.desc.Digest == h {
			return l, nil
		}
	}
	if h == i.mf.Config.Digest {
		return configLayer{i}, nil
	}
	return nil, fmt.Errorf("%s: no layer %s", i.name, h)
}

func (i *verifiedImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if l.diffID == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%s: no layer with diff ID %s", i.name, h)
}

// configLayer is the config blob seen as a layer (partial.ConfigLayer).
type configLayer struct{ i *verifiedImage }

func (c configLayer) Digest() (v1.Hash, error) { return c.i.mf.Config.Digest, nil }
func (c configLayer) DiffID() (v1.Hash, error) { return c.i.mf.Config.Digest, nil }
func (c configLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(c.i.rawCfg)), nil
}
func (c configLayer) Uncompressed() (io.ReadCloser, error) { return c.Compressed() }
func (c configLayer) Size() (int64, error)                 { return int64(len(c.i.rawCfg)), nil }
func (c configLayer) MediaType() (types.MediaType, error)  { return c.i.mf.Config.MediaType, nil }

// verifiedLayer is layer n (1-based) of a verifiedImage.
type verifiedLayer struct {
	img      *verifiedImage
	n        int
	desc     v1.Descriptor
	diffID   v1.Hash
	verified atomic.Bool // its compressed bytes were read whole and matched
}

func (l *verifiedLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *verifiedLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *verifiedLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *verifiedLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l *verifiedLayer) what() string { return fmt.Sprintf("layer %d", l.n) }

func (l *verifiedLayer) compressed() (*verifier, io.Closer, error) {
	rc, file, err := l.img.st.open(l.img.ctx, l.desc, false)
	if err != nil {
		return nil, nil, err
	}
	v, err := newVerifier(rc, l.desc.Digest, l.desc.Size, l.what()+" (compressed)", file)
	if err != nil {
		rc.Close()
		return nil, nil, err
	}
	return v, rc, nil
}

// Compressed returns the layer's bytes as the manifest names them; the
// last Read (within the final 64 KiB) fails when they are not.
func (l *verifiedLayer) Compressed() (io.ReadCloser, error) {
	v, c, err := l.compressed()
	if err != nil {
		return nil, err
	}
	return &readCloser{Reader: newHoldBack(v), close: func() error { return c.Close() }}, nil
}

// Uncompressed returns the layer's tar stream. A local layer's compressed
// bytes are checked whole first; then, while the caller reads, the
// uncompressed bytes are hashed against the diff ID and, at their end,
// the rest of the compressed bytes are read and checked too. The last
// 64 KiB are held back until that verdict, so a caller that stops at the
// tar's end marker still gets the error from Read; Close drains and
// returns the verdict as well.
func (l *verifiedLayer) Uncompressed() (io.ReadCloser, error) {
	if l.img.st.local() && !l.verified.Load() {
		v, c, err := l.compressed()
		if err != nil {
			return nil, err
		}
		err = v.drain()
		c.Close()
		if err != nil {
			return nil, err
		}
		l.verified.Store(true)
	}
	cv, c, err := l.compressed()
	if err != nil {
		return nil, err
	}
	closers := []io.Closer{c}
	br := bufio.NewReaderSize(cv, 64<<10)
	magic, _ := br.Peek(4)
	if cv.err != nil && cv.err != io.EOF {
		c.Close()
		return nil, cv.err
	}
	var dec io.Reader = br
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			c.Close()
			return nil, invalid(cv.file, "%s: not a valid gzip stream: %v", l.what(), err)
		}
		dec = zr
		closers = append(closers, zr)
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			c.Close()
			return nil, invalid(cv.file, "%s: not a valid zstd stream: %v", l.what(), err)
		}
		dec = zr
		closers = append(closers, closerFunc(func() error { zr.Close(); return nil }))
	}
	uv, err := newVerifier(dec, l.diffID, -1, l.what()+" (uncompressed, diff ID)", cv.file)
	if err != nil {
		c.Close()
		return nil, err
	}
	e := &endCheck{uv: uv, cv: cv}
	return &readCloser{Reader: newHoldBack(e), close: func() error {
		var err error
		if !e.finished && !l.verified.Load() {
			// A remote layer the caller did not read to its end: read the
			// rest of its compressed bytes, so a replaced blob is still
			// named on Close.
			if derr := cv.drain(); IsInvalid(derr) {
				err = derr
			}
		}
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
		return err
	}}, nil
}

// endCheck reads the uncompressed stream and, at its end, the rest of the
// compressed one, so its EOF means both digests matched.
type endCheck struct {
	uv, cv   *verifier
	finished bool
}

func (e *endCheck) Read(p []byte) (int, error) {
	n, err := e.uv.Read(p)
	if err == io.EOF {
		e.finished = true
		if derr := e.cv.drain(); derr != nil {
			return n, derr
		}
		return n, io.EOF
	}
	if err != nil && !IsInvalid(err) {
		if e.cv.err != nil && e.cv.err != io.EOF {
			return n, e.cv.err
		}
		return n, &InvalidError{File: e.cv.file, Err: fmt.Errorf("%s: decompressing: %w", e.uv.what, err)}
	}
	return n, err
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// gzipReader opens a gzip stream.
func gzipReader(r io.Reader) (*gzip.Reader, error) { return gzip.NewReader(bufio.NewReader(r)) }

// parseIndex parses an index, naming file in its error.
func parseIndex(b []byte, file string) (*v1.IndexManifest, error) {
	var im v1.IndexManifest
	if err := json.Unmarshal(b, &im); err != nil {
		return nil, invalid(file, "not a valid image index: %v", err)
	}
	if im.SchemaVersion != 2 {
		return nil, invalid(file, "not a valid image index: schemaVersion %d, want 2", im.SchemaVersion)
	}
	return &im, nil
}
