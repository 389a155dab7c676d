package image

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// verifier hashes what is read through it and, at the end of r, checks
// the digest and (when size >= 0) the size. It never reads more than one
// byte past size, so a blob longer than its descriptor costs nothing more
// than its declared size. Its error is sticky: once wrong, every Read
// returns it.
type verifier struct {
	r          io.Reader
	h          hash.Hash
	want       v1.Hash
	size, n    int64
	what, file string
	err        error
	done       bool // reached the end and checked
}

func newHash(h v1.Hash) (hash.Hash, error) {
	switch h.Algorithm {
	case "sha256":
		return sha256.New(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("digest %q: unsupported algorithm %q (sha256 or sha512)", h, h.Algorithm)
}

func newVerifier(r io.Reader, want v1.Hash, size int64, what, file string) (*verifier, error) {
	h, err := newHash(want)
	if err != nil {
		return nil, &InvalidError{File: file, Err: fmt.Errorf("%s: %w", what, err)}
	}
	return &verifier{r: r, h: h, want: want, size: size, what: what, file: file}, nil
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.size >= 0 && int64(len(p)) > v.size-v.n+1 {
		p = p[:v.size-v.n+1]
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += n64(n)
	if v.size >= 0 && v.n > v.size {
		v.err = &DigestError{What: v.what, File: v.file, Want: v.want, WantSize: v.size, GotSize: v.n}
		return 0, v.err
	}
	if err == io.EOF {
		v.err = v.check()
		if v.err != nil {
			return n, v.err
		}
		v.err = io.EOF
	} else if err != nil {
		v.err = err
	}
	return n, err
}

func n64(n int) int64 { return int64(n) }

func (v *verifier) check() error {
	v.done = true
	got := v1.Hash{Algorithm: v.want.Algorithm, Hex: hex.EncodeToString(v.h.Sum(nil))}
	if v.size >= 0 && v.n != v.size {
		return &DigestError{What: v.what, File: v.file, Want: v.want, Got: got, WantSize: v.size, GotSize: v.n}
	}
	if got != v.want {
		return &DigestError{What: v.what, File: v.file, Want: v.want, Got: got}
	}
	return nil
}

// drain reads the rest of v (bounded by its size) and returns the
// verdict: nil when the bytes are the ones named.
func (v *verifier) drain() error {
	_, err := io.Copy(io.Discard, v)
	if err == nil && !v.done {
		err = v.check()
	}
	return err
}

// readBlob reads blob d of st whole: refused unread when its descriptor
// says more than limit, else checked by readVerified.
// where names the image (or the index naming d) in that refusal.
func readBlob(ctx context.Context, st store, d v1.Descriptor, manifest bool, limit int64, what, flag, where string) ([]byte, string, error) {
	if d.Size > limit {
		return nil, where, invalid(where, "%s %s is %d bytes, more than the limit of %d%s", what, d.Digest, d.Size, limit, raise(flag))
	}
	rc, file, err := st.open(ctx, d, manifest)
	if err != nil {
		return nil, file, err
	}
	defer rc.Close()
	b, err := readVerified(rc, d, limit, what, file, flag)
	return b, file, err
}

// readVerified reads all of r, which must be exactly d's size (at most
// limit bytes; a larger descriptor is refused before reading) and have
// d's digest. what and file name it in errors; flag is the option that
// raises limit.
func readVerified(r io.Reader, d v1.Descriptor, limit int64, what, file, flag string) ([]byte, error) {
	if d.Size > limit {
		return nil, invalid(file, "%s %s is %d bytes, more than the limit of %d%s", what, d.Digest, d.Size, limit, raise(flag))
	}
	if d.Size < 0 {
		return nil, invalid(file, "%s %s: negative size %d", what, d.Digest, d.Size)
	}
	v, err := newVerifier(r, d.Digest, d.Size, what, file)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// raise says which option raises a limit: " (raise it with FLAG)", or ""
// for a limit the caller sets, not the user.
func raise(flag string) string {
	if flag == "" {
		return ""
	}
	return " (raise it with " + flag + ")"
}

// readBounded reads all of r, refusing more than limit bytes.
func readBounded(r io.Reader, limit int64, what, file, flag string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &InvalidError{File: file, Err: fmt.Errorf("reading %s: %w", what, err)}
	}
	if int64(len(b)) > limit {
		return nil, invalid(file, "%s is more than the limit of %d bytes%s", what, limit, raise(flag))
	}
	return b, nil
}

// holdBack delivers src's bytes while keeping the last w of them back
// until src has ended, so a reader that stops at a format's own end
// marker (a tar's two zero blocks) still receives src's verdict: when
// the bytes after that marker are fewer than w, the final Read that
// would hand out the marker returns the digest error instead.
type holdBack struct {
	src        io.Reader
	buf        []byte
	start, end int
	eof        bool
	err        error
	w          int
}

const holdBackSize = 64 << 10

func newHoldBack(src io.Reader) *holdBack {
	return &holdBack{src: src, buf: make([]byte, 2*holdBackSize), w: holdBackSize}
}

func (h *holdBack) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for !h.eof && h.err == nil && h.end-h.start <= h.w {
		if h.end == len(h.buf) {
			copy(h.buf, h.buf[h.start:h.end])
			h.end -= h.start
			h.start = 0
		}
		n, err := h.src.Read(h.buf[h.end:])
		h.end += n
		if err == io.EOF {
			h.eof = true
		} else if err != nil {
			h.err = err
		}
	}
	if h.err != nil {
		return 0, h.err
	}
	avail := h.end - h.start
	if !h.eof {
		avail -= h.w
	}
	if avail <= 0 {
		return 0, io.EOF
	}
	if avail > len(p) {
		avail = len(p)
	}
	n := copy(p, h.buf[h.start:h.start+avail])
	h.start += n
	return n, nil
}
