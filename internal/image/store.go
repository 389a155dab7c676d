package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// store hands out the bytes of blobs by descriptor. The bytes are not
// trusted: every reader of a store verifies them (verifier).
type store interface {
	// open returns blob d and a name for it in messages. manifest is true
	// for an index or image manifest (a registry serves those apart).
	open(ctx context.Context, d v1.Descriptor, manifest bool) (io.ReadCloser, string, error)
	// local is true when reading a blob twice costs only a local read, so
	// layers are verified whole before their first byte is handed out.
	local() bool
}

var (
	digestAlg = regexp.MustCompile(`^[a-z0-9]+$`)
	digestHex = regexp.MustCompile(`^[a-f0-9]{32,128}$`)
)

// blobPath is where an OCI layout keeps d, or an error for a digest that
// is not one (so no digest can name a path outside blobs/).
func blobPath(h v1.Hash) (string, error) {
	if !digestAlg.MatchString(h.Algorithm) || !digestHex.MatchString(h.Hex) {
		return "", fmt.Errorf("%q is not a digest", h.String())
	}
	return "blobs/" + h.Algorithm + "/" + h.Hex, nil
}

// dirStore is an OCI layout folder.
type dirStore struct{ dir string }

func (s dirStore) local() bool { return true }

func (s dirStore) open(_ context.Context, d v1.Descriptor, _ bool) (io.ReadCloser, string, error) {
	rel, err := blobPath(d.Digest)
	if err != nil {
		return nil, s.dir, &InvalidError{File: filepath.Join(s.dir, "index.json"), Err: err}
	}
	p := filepath.Join(s.dir, filepath.FromSlash(rel))
	f, err := os.Open(p)
	if err != nil {
		err = fmt.Errorf("blob %s is missing from the layout: %w", d.Digest, err)
		if errors.Is(err, fs.ErrNotExist) {
			err = missingBlob{err}
		}
		return nil, p, &InvalidError{File: p, Err: err}
	}
	return f, p, nil
}

// maxTarEntries bounds how many entries a tarball of an image may hold
// (a layout or docker save has a handful per layer).
const maxTarEntries = 100000

// member is a regular file of a tarball.
type member struct {
	size, off int64  // off is the data's offset in a plain tarball
	spooled   string // a gzipped tarball's member, once written out
}

// tarStore is an image tarball: an OCI layout or a docker save, plain or
// gzipped. A plain tarball's members are read in place; a gzipped one's
// members are written to tmp when first needed, and only those the
// image references (whose sizes its verified descriptors state).
type tarStore struct {
	path    string
	gz      bool
	members map[string]*member
	top     map[string][]byte // index.json, oci-layout, manifest.json
	tmp     string
	spools  int
	// spoolTotal is what has been written to tmp, at most maxSpool;
	// members past it are read from the tarball itself, a pass each.
	spoolTotal int64
	// byDigest maps a docker save's blobs, named by their digest, to
	// member names.
	byDigest map[v1.Hash]string
}

func (s *tarStore) local() bool { return true }

// topFiles are read into memory while listing, bounded by the manifest
// limit.
var topFiles = map[string]bool{"index.json": true, "oci-layout": true, "manifest.json": true, "repositories": true}

// cleanName is a tar entry's name as a layout or docker save means it
// ("./index.json" is index.json).
func cleanName(n string) string {
	return strings.TrimPrefix(path.Clean("/"+n), "/")
}

// listTar reads the tarball p once: it records every regular file,
// refuses a name that occurs twice (which one a reader would take is not
// defined, so an image can show one reader one thing and another
// another), and keeps the small top-level files.
func listTar(ctx context.Context, p string, lim Limits) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading image: %w", err)
	}
	s := &tarStore{path: p, members: map[string]*member{}, top: map[string][]byte{}}
	var magic [2]byte
	n, _ := io.ReadFull(f, magic[:])
	s.gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var r io.Reader = f
	var gzc io.Closer
	if s.gz {
		zr, err := gzipReader(f)
		if err != nil {
			f.Close()
			return nil, invalid(p, "not a gzip stream: %v", err)
		}
		r, gzc = zr, zr
	}
	err = func() error {
		tr := tar.NewReader(ctxReader{ctx, r})
		entries := 0
		seen := map[string]bool{}
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return invalid(p, "not a valid tarball: %v", err)
			}
			if entries++; entries > maxTarEntries {
				return invalid(p, "more than %d entries: not an image tarball", maxTarEntries)
			}
			if len(hdr.Name) > 4096 {
				return invalid(p, "an entry's name is %d bytes long: not an image tarball", len(hdr.Name))
			}
			name := cleanName(hdr.Name)
			if hdr.Typeflag == tar.TypeDir || name == "" {
				continue
			}
			if seen[name] {
				return invalid(p, "%s occurs twice in the tarball: which one counts is not defined, so the image is refused", name)
			}
			seen[name] = true
			if hdr.Typeflag != tar.TypeReg {
				continue // links and devices are never followed nor made
			}
			m := &member{size: hdr.Size}
			if !s.gz {
				if m.off, err = f.Seek(0, io.SeekCurrent); err != nil {
					return err
				}
			}
			s.members[name] = m
			if topFiles[name] {
				b, err := readBounded(tr, lim.MaxManifestSize, name, p+": "+name, "--max-manifest-size")
				if err != nil {
					return err
				}
				s.top[name] = b
			}
		}
	}()
	if gzc != nil {
		gzc.Close()
	}
	f.Close()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// member returns name's member, checking its size against want (-1 =
// unknown).
func (s *tarStore) member(name string, d v1.Descriptor, what string) (*member, error) {
	m, ok := s.members[name]
	if !ok {
		return nil, &InvalidError{File: s.path, Err: missingBlob{fmt.Errorf("%s %s is not in the tarball (no %s)", what, d.Digest, name)}}
	}
	if d.Size >= 0 && m.size != d.Size {
		return nil, &DigestError{What: what, File: s.path + ": " + name, Want: d.Digest, WantSize: d.Size, GotSize: m.size}
	}
	return m, nil
}

func (s *tarStore) name(d v1.Descriptor) (string, error) {
	if n, ok := s.byDigest[d.Digest]; ok {
		return n, nil
	}
	return blobPath(d.Digest)
}

func (s *tarStore) open(ctx context.Context, d v1.Descriptor, _ bool) (io.ReadCloser, string, error) {
	name, err := s.name(d)
	if err != nil {
		return nil, s.path, &InvalidError{File: s.path, Err: err}
	}
	file := s.path + ": " + name
	m, err := s.member(name, d, "blob")
	if err != nil {
		return nil, file, err
	}
	rc, err := s.openMember(ctx, name, m)
	return rc, file, err
}

// openMember opens member m, named name.
func (s *tarStore) openMember(ctx context.Context, name string, m *member) (io.ReadCloser, error) {
	if !s.gz {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, err
		}
		return &readCloser{Reader: io.NewSectionReader(f, m.off, m.size), close: f.Close}, nil
	}
	if m.spooled == "" && s.spoolTotal+m.size <= maxSpool {
		if err := s.spool(ctx, []string{name}); err != nil {
			return nil, err
		}
	}
	if m.spooled == "" {
		return s.stream(ctx, name, m)
	}
	return os.Open(m.spooled)
}

// prefetch writes the members the descriptors name out of a gzipped
// tarball in one pass, so reading an image's layers costs one more pass
// and not one per layer.
func (s *tarStore) prefetch(ctx context.Context, ds []v1.Descriptor) error {
	if !s.gz {
		return nil
	}
	var names []string
	var total int64
	want := map[string]bool{}
	for _, d := range ds {
		name, err := s.name(d)
		if err != nil {
			return &InvalidError{File: s.path, Err: err}
		}
		m, err := s.member(name, d, "blob")
		if err != nil {
			return err
		}
		if m.spooled == "" && !want[name] && s.spoolTotal+total+m.size <= maxSpool {
			names = append(names, name)
			want[name] = true
			total += m.size
		}
	}
	if len(names) == 0 {
		return nil
	}
	return s.spool(ctx, names)
}

// spool writes the named members (exactly their recorded sizes) under
// s.tmp in one pass over the gzipped tarball.
func (s *tarStore) spool(ctx context.Context, names []string) error {
	if s.tmp == "" {
		return fmt.Errorf("no temporary folder for %s", s.path)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzipReader(f)
	if err != nil {
		return invalid(s.path, "not a gzip stream: %v", err)
	}
	defer zr.Close()
	tr := tar.NewReader(ctxReader{ctx, zr})
	for len(want) > 0 {
		hdr, err := tr.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return invalid(s.path, "reading the tarball again: %v", err)
		}
		name := cleanName(hdr.Name)
		if !want[name] || hdr.Typeflag != tar.TypeReg {
			continue
		}
		delete(want, name)
		m := s.members[name]
		s.spools++
		dst := filepath.Join(s.tmp, fmt.Sprintf("blob-%d", s.spools))
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.CopyN(out, tr, m.size)
		spooledBytes.Add(m.size)
		s.spoolTotal += m.size
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("unpacking %s: %s: %w", s.path, name, err)
		}
		m.spooled = dst
	}
	return nil
}

// maxSpool caps the temporary bytes a gzipped tarball costs: its blobs
// are written out, up to this much, so each later read is a plain file
// read; past it each read decompresses the tarball up to the blob.
var maxSpool int64 = 2 << 30

// stream reads member name of a gzipped tarball from the tarball itself.
func (s *tarStore) stream(ctx context.Context, name string, m *member) (io.ReadCloser, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	zr, err := gzipReader(f)
	if err != nil {
		f.Close()
		return nil, invalid(s.path, "not a gzip stream: %v", err)
	}
	closeAll := func() error { zr.Close(); return f.Close() }
	tr := tar.NewReader(ctxReader{ctx, zr})
	for {
		hdr, err := tr.Next()
		if err != nil {
			closeAll()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, invalid(s.path, "reading the tarball again for %s: %v", name, err)
		}
		if cleanName(hdr.Name) == name && hdr.Typeflag == tar.TypeReg {
			return &readCloser{Reader: io.LimitReader(tr, m.size), close: closeAll}, nil
		}
	}
}

// spooledBytes counts what spool has written, for the tests' bound on
// temporary bytes.
var spooledBytes atomic.Int64

// ContextReader returns r that stops reading, with ctx's error, once ctx
// is done: a long read of a hostile image ends on SIGINT. scan's walk and
// verify's unpacking read layers through it too.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

// ctxReader is ContextReader's reader.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
