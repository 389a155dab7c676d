package verify

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
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/layer"
)

// ExtractStats describes what Unpack wrote.
type ExtractStats struct {
	Files     int   // regular file entries written, all layers
	Dirs      int   // directory entries
	Symlinks  int   // symbolic links
	Hardlinks int   // hard links
	Written   int64 // regular file bytes written, all layers (what the unpacked-size limit counts)
	Bytes     int64 // regular file bytes of the final root filesystem (hard links counted once)
}

// maxLinks bounds symlink resolution, like the kernel's ELOOP limit.
const maxLinks = 40

// Whiteout markers of the OCI layer format.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Unpack writes the root filesystem of img under root (which must exist),
// applying its layers from the bottom up as containerd and umoci do: an
// entry replaces whatever an earlier entry, of a lower layer or of the same
// one, left at its path (the last entry wins), ".wh.NAME" removes NAME,
// and ".wh..wh..opq" empties its directory of what lower layers put there.
//
// It keeps modes, including the setuid, setgid and sticky bits, and the
// numeric owners of every entry (the caller runs as root). It never writes
// outside root, and never follows a link while writing: an entry whose
// parent is a symbolic link or a file, a name that is absolute or holds
// "..", a hard link to anything but an earlier entry of its own layer, a
// device node, or an entry type no layer needs, is refused with an error
// naming the layer and the entry (a *layer.EntryError). An unsafe entry
// never ends the unpacking early and silently: each layer is read to its
// end, which also verifies its digest. lim bounds the entries, their
// names and the bytes written (*layer.LimitError); ctx stops it.
func Unpack(ctx context.Context, img v1.Image, root string, lim layer.Limits) (*ExtractStats, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image layers: %w", err)
	}
	b := layer.NewBudget(lim)
	st := &ExtractStats{}
	for i, l := range layers {
		if err := unpackLayer(ctx, l, i+1, root, b, st); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return st, cerr
			}
			return st, err
		}
	}
	st.Bytes, err = treeBytes(root)
	return st, err
}

func unpackLayer(ctx context.Context, l v1.Layer, n int, root string, b *layer.Budget, st *ExtractStats) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("layer %d: %w", n, err)
	}
	defer rc.Close()
	r := image.ContextReader(ctx, rc)
	if err := Apply(r, root, n, b, st); err != nil {
		return err
	}
	// Read what the tar reader left after the end marker, so that the
	// layer's digest is verified; it counts against the size limit.
	left := b.Limits().UnpackedBytes - b.Bytes()
	m, err := io.Copy(io.Discard, io.LimitReader(r, left+1))
	if err != nil {
		return fmt.Errorf("layer %d: verifying its content: %w", n, err)
	}
	if m > left {
		return &layer.LimitError{Layer: n, Name: "(data after the end of the tar)", What: "unpacked size over the limit", Flag: "--max-unpacked-size"}
	}
	return nil
}

// Apply applies one layer tar (layer number n, 1-based from the bottom)
// onto root, counting its entries in b and st. See Unpack.
func Apply(r io.Reader, root string, n int, b *layer.Budget, st *ExtractStats) error {
	x := &applier{root: root, layer: n, own: map[string]byte{}}
	// The root itself is not an entry Walk gives: it keeps root's mode
	// and owner.
	return b.Walk(n, r, func(hdr *tar.Header, p string, tr *tar.Reader) error {
		if err := x.entry(p[1:], hdr, tr, b, st); err != nil {
			if layer.IsBadInput(err) {
				return err
			}
			return fmt.Errorf("layer %d: entry %s: %w", n, layer.Quote(hdr.Name), err)
		}
		return nil
	})
}

// applier applies one layer.
type applier struct {
	root  string
	layer int
	// own holds the paths this layer wrote so far (relative, clean), with
	// their tar type: an opaque marker keeps them, a hard link may point
	// only at one of them.
	own map[string]byte
}

func (x *applier) refuse(hdr *tar.Header, format string, args ...any) error {
	return &layer.EntryError{Layer: x.layer, Name: hdr.Name, Why: fmt.Sprintf(format, args...)}
}

func (x *applier) host(rel string) string { return filepath.Join(x.root, filepath.FromSlash(rel)) }

func (x *applier) entry(name string, hdr *tar.Header, r io.Reader, b *layer.Budget, st *ExtractStats) error {
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	if base == opaqueMarker {
		return x.opaque(dir, hdr)
	}
	if gone, ok := strings.CutPrefix(base, whiteoutPrefix); ok {
		if gone == "" || gone == "." || gone == ".." {
			return x.refuse(hdr, "a whiteout of %q", gone)
		}
		return x.whiteout(path.Join(dir, gone), hdr)
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeRegA, tar.TypeSymlink, tar.TypeLink, tar.TypeFifo: //nolint:staticcheck // TypeRegA still appears in old layers
	case tar.TypeChar, tar.TypeBlock:
		return x.refuse(hdr, "a device node (images have none: the runtime provides /dev)")
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return x.refuse(hdr, "an entry of type %q, which no layer needs", hdr.Typeflag)
	}
	if err := x.parents(dir, hdr, true); err != nil {
		return err
	}
	p := x.host(name)
	switch hdr.Typeflag {
	case tar.TypeDir:
		fi, err := os.Lstat(p)
		switch {
		case err == nil && fi.IsDir():
		case err == nil || errors.Is(err, fs.ErrNotExist):
			if err := clear(p); err != nil {
				return err
			}
			if err := os.Mkdir(p, 0o700); err != nil {
				return err
			}
		default:
			return err
		}
		st.Dirs++
		x.own[name] = tar.TypeDir
		return setOwnerMode(p, hdr)
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck
		if err := clear(p); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return err
		}
		// The budget has counted hdr.Size, and the tar reader gives no
		// more than that.
		m, err := io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		st.Written += m
		if err != nil {
			return err
		}
		st.Files++
		x.own[name] = tar.TypeReg
		return setOwnerMode(p, hdr)
	case tar.TypeSymlink:
		if err := clear(p); err != nil {
			return err
		}
		// The link's text is stored as it is: it is only ever interpreted
		// inside the container, or by ResolveIn, which keeps it under root.
		if err := os.Symlink(hdr.Linkname, p); err != nil {
			return err
		}
		st.Symlinks++
		x.own[name] = tar.TypeSymlink
		return os.Lchown(p, hdr.Uid, hdr.Gid)
	case tar.TypeFifo:
		if err := clear(p); err != nil {
			return err
		}
		if err := unix.Mkfifo(p, 0o600); err != nil {
			return err
		}
		x.own[name] = tar.TypeFifo
		return setOwnerMode(p, hdr)
	}
	// A hard link.
	tgt, err := b.Name(x.layer, hdr.Linkname)
	if err != nil {
		return err
	}
	switch t, ok := x.own[tgt]; {
	case tgt == "" || tgt == name:
		return x.refuse(hdr, "a hard link to %s", layer.Quote(hdr.Linkname))
	case !ok:
		return x.refuse(hdr, "a hard link to %s, which is not an earlier entry of this layer (a missing target)", layer.Quote(hdr.Linkname))
	case t == tar.TypeDir:
		return x.refuse(hdr, "a hard link to the directory %s", layer.Quote(hdr.Linkname))
	}
	// The target's directories may have changed since it was written (a
	// later entry put a link in their place): check them again, so that
	// the link is never made through a symbolic link.
	tdir, _ := path.Split(tgt)
	if err := x.parents(strings.TrimSuffix(tdir, "/"), hdr, false); errors.Is(err, errNoParent) {
		return x.refuse(hdr, "a hard link to %s, which a later entry removed (a missing target)", layer.Quote(hdr.Linkname))
	} else if err != nil {
		return err
	}
	if fi, err := os.Lstat(x.host(tgt)); errors.Is(err, fs.ErrNotExist) {
		return x.refuse(hdr, "a hard link to %s, which a later entry removed (a missing target)", layer.Quote(hdr.Linkname))
	} else if err != nil {
		return err
	} else if fi.IsDir() {
		return x.refuse(hdr, "a hard link to the directory %s", layer.Quote(hdr.Linkname))
	}
	if err := clear(p); err != nil {
		return err
	}
	if err := os.Link(x.host(tgt), p); err != nil {
		return err
	}
	st.Hardlinks++
	x.own[name] = x.own[tgt]
	return nil
}

// parents checks that every component of dir (relative, clean) is a real
// directory, creating the missing ones (0755, root's) when create is set.
// A symbolic link or a file on the way is refused: an unpacker would write
// through the link, somewhere other than the entry's name says.
func (x *applier) parents(dir string, hdr *tar.Header, create bool) error {
	if dir == "" {
		return nil
	}
	cur := ""
	for c := range strings.SplitSeq(dir, "/") {
		cur = path.Join(cur, c)
		p := x.host(cur)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !create {
				return errNoParent
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			x.own[cur] = tar.TypeDir
			continue
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return x.refuse(hdr, "its parent /%s is a symbolic link: the entry would be written through it", cur)
		case !fi.IsDir():
			return x.refuse(hdr, "its parent /%s is not a directory", cur)
		}
	}
	return nil
}

// errNoParent is a whiteout or opaque marker under a directory that does
// not exist: there is nothing to remove.
var errNoParent = errors.New("no such directory")

// whiteout removes name (the lower layers' version; a whiteout of a path
// that does not exist removes nothing).
func (x *applier) whiteout(name string, hdr *tar.Header) error {
	dir, _ := path.Split(name)
	err := x.parents(strings.TrimSuffix(dir, "/"), hdr, false)
	if errors.Is(err, errNoParent) {
		return nil
	}
	if err != nil {
		return err
	}
	delete(x.own, name)
	return os.RemoveAll(x.host(name))
}

// opaque removes from dir everything this layer did not write.
func (x *applier) opaque(dir string, hdr *tar.Header) error {
	err := x.parents(dir, hdr, false)
	if errors.Is(err, errNoParent) {
		return nil
	}
	if err != nil {
		return err
	}
	top := x.host(dir)
	if fi, err := os.Lstat(top); err != nil || !fi.IsDir() {
		return nil
	}
	return filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == top {
			return err
		}
		rel, err := filepath.Rel(x.root, p)
		if err != nil {
			return err
		}
		if _, ok := x.own[filepath.ToSlash(rel)]; ok {
			return nil
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
}

// clear removes whatever is at p, so that a new entry takes its place
// instead of being written through it.
func clear(p string) error {
	err := os.RemoveAll(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// setOwnerMode sets the numeric owner, then the mode: chown clears the
// setuid and setgid bits, so the order matters.
func setOwnerMode(p string, hdr *tar.Header) error {
	if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	return unix.Chmod(p, uint32(hdr.Mode&0o7777))
}

// treeBytes sums the regular files under root, each inode once.
func treeBytes(root string) (int64, error) {
	var n int64
	seen := map[uint64]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if s, ok := fi.Sys().(*syscall.Stat_t); ok && s.Nlink > 1 {
			if seen[s.Ino] {
				return nil
			}
			seen[s.Ino] = true
		}
		n += fi.Size()
		return nil
	})
	return n, err
}

// ResolveIn returns the host path of the image path name under root. Every
// symbolic link on the way, the last component included, is followed as if
// root were "/": the result is always inside root. Components that do not
// exist are kept as they are.
func ResolveIn(root, name string) (string, error) {
	rel, err := resolve(root, name)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(rel)), nil
}

// resolve walks name component by component under root and returns the
// resolved path relative to root (slash-separated, "" for root).
func resolve(root, name string) (string, error) {
	rest := splitPath(name)
	resolved := ""
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = parentOf(resolved)
			continue
		}
		next := path.Join(resolved, c)
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(next)))
		if errors.Is(err, fs.ErrNotExist) {
			resolved = next
			continue
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		links++
		if links > maxLinks {
			return "", fmt.Errorf("/%s: too many levels of symbolic links", name)
		}
		dest, err := os.Readlink(filepath.Join(root, filepath.FromSlash(next)))
		if err != nil {
			return "", err
		}
		if path.IsAbs(dest) {
			resolved = ""
		}
		rest = append(splitPath(dest), rest...)
	}
	return resolved, nil
}

func splitPath(p string) []string {
	return strings.Split(filepath.ToSlash(p), "/")
}

func parentOf(rel string) string {
	d := path.Dir(rel)
	if d == "." || d == "/" {
		return ""
	}
	return d
}
