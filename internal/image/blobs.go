package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Errors of Blobs.Read, to be tested with errors.Is. A blob whose bytes are
// not the ones its descriptor names is a *DigestError.
var (
	// ErrTooLarge: the descriptor says more bytes than the caller reads.
	ErrTooLarge = errors.New("too large")
	// ErrMissing: the source does not hold the blob.
	ErrMissing = errors.New("not in the image")
)

// missingBlob marks a store's "no such blob" error as ErrMissing and
// keeps its message.
type missingBlob struct{ error }

func (m missingBlob) Unwrap() error      { return m.error }
func (missingBlob) Is(target error) bool { return target == ErrMissing }

// Blobs reads an image source below its images: the top-level index and
// any blob it names by digest, through the same stores and checks as Open.
// It is how the attachments of an image (attestation manifests and their
// statements) are read.
type Blobs struct {
	// Root is the top-level index (index.json, or the registry's index),
	// nil when the source has none: a docker save tarball, or a registry
	// reference naming a single manifest.
	Root []byte
	// File names the source in messages.
	File string
	st   store
	tmp  string
}

// OpenBlobs opens src as Open does (a layout directory, a tarball or a
// registry reference), reading no more than its top-level index, refused
// when that is more than maxRoot bytes. A source without an index has a
// nil Root. Close removes what reading a gzipped tarball wrote.
func OpenBlobs(ctx context.Context, src string, o Options, maxRoot int64) (*Blobs, error) {
	s := settingsFrom(ctx, o)
	if fi, err := os.Stat(src); err == nil {
		if fi.IsDir() {
			file := filepath.Join(src, "index.json")
			f, err := os.Open(file)
			if errors.Is(err, fs.ErrNotExist) {
				return &Blobs{File: src}, nil
			}
			if err != nil {
				return nil, invalid(src, "reading index.json: %v", err)
			}
			defer f.Close()
			b, err := readBounded(f, maxRoot, "index.json", file, "")
			if err != nil {
				return nil, err
			}
			return &Blobs{Root: b, File: file, st: dirStore{src}}, nil
		}
		st, err := listTar(ctx, src, s.Limits)
		if err != nil {
			return nil, err
		}
		b := st.top["index.json"]
		if int64(len(b)) > maxRoot {
			return nil, invalid(src, "index.json is more than the limit of %d bytes", maxRoot)
		}
		tmp, err := os.MkdirTemp(o.TempDir, "slipway-blobs-")
		if err != nil {
			return nil, fmt.Errorf("creating a temporary directory: %w", err)
		}
		st.tmp = tmp
		return &Blobs{Root: b, File: src + ": index.json", st: st, tmp: tmp}, nil
	}
	ref, err := ParseReference(src, o.Insecure)
	if err != nil {
		return nil, &NotFoundError{Src: src, Err: fmt.Errorf("%q is not an existing file and not an image reference: %w", src, err)}
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	st := &registryStore{repo: ref.Context(), opts: []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}}
	desc, err := remote.Get(ref, st.opts...)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	bl := &Blobs{File: ref.String(), st: st}
	if !desc.MediaType.IsIndex() {
		return bl, nil
	}
	d := desc.Descriptor
	if dg, ok := ref.(name.Digest); ok {
		if d.Digest, err = v1.NewHash(dg.DigestStr()); err != nil {
			return nil, invalid(bl.File, "%v", err)
		}
	}
	d.Size = int64(len(desc.Manifest))
	if bl.Root, err = readVerified(bytes.NewReader(desc.Manifest), d, maxRoot, "index", bl.File, ""); err != nil {
		return nil, err
	}
	return bl, nil
}

// Read returns blob d (manifest: an index or image manifest, which a
// registry serves apart from other blobs), checked against d's digest and
// size. A descriptor of more than limit bytes is ErrTooLarge, unread; a
// blob the source lacks is ErrMissing.
func (b *Blobs) Read(ctx context.Context, d v1.Descriptor, manifest bool, limit int64) ([]byte, error) {
	if err := tooLarge(d, limit); err != nil {
		return nil, err
	}
	if b.st == nil {
		return nil, ErrMissing
	}
	rc, file, err := b.st.open(ctx, d, manifest)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return nil, missingBlob{err}
		}
		return nil, err
	}
	defer rc.Close()
	return readVerified(rc, d, limit, "blob", file, "")
}

// ReadCompressed reads layer l whole as it is stored (compressed), checked
// against d's digest and size; a descriptor of more than limit bytes is
// ErrTooLarge, unread.
func ReadCompressed(l v1.Layer, d v1.Descriptor, limit int64) ([]byte, error) {
	if err := tooLarge(d, limit); err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readVerified(rc, d, limit, "blob", d.Digest.String(), "")
}

// tooLarge refuses, unread, a descriptor of more than limit bytes.
func tooLarge(d v1.Descriptor, limit int64) error {
	if d.Size > limit {
		return fmt.Errorf("%w: %d bytes, more than the %d bytes read", ErrTooLarge, d.Size, limit)
	}
	return nil
}

// Close removes what reading the source wrote.
func (b *Blobs) Close() error {
	if b == nil || b.tmp == "" {
		return nil
	}
	return os.RemoveAll(b.tmp)
}
