package verify

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// ExtractStats describes what Extract wrote.
type ExtractStats struct {
	Files     int      // regular files
	Dirs      int      // directories
	Symlinks  int      // symbolic links
	Hardlinks int      // hard links
	Bytes     int64    // bytes of regular file content (hard links counted once)
	Skipped   []string // entries not materialized (device nodes, fifos, unknown types)
}

// maxLinks bounds symlink resolution, like the kernel's ELOOP limit.
const maxLinks = 40

// Extract writes the tar stream r (a flattened image filesystem, as
// mutate.Extract produces) under root, which must exist.
//
// It keeps modes, including the setuid, setgid and sticky bits, and the
// numeric owners of every entry (the caller runs as root). It never writes
// outside root: a name with a ".." component is refused, and symbolic links
// met in the parent directories of an entry are followed as if root were "/"
// (an absolute or climbing link stays inside root, exactly as the container
// will see it). An existing entry at the target is replaced, never written
// through. Hard links whose target appears later in the stream are made at
// the end. Device nodes and fifos are skipped: the runtime provides /dev.
func Extract(r io.Reader, root string) (*ExtractStats, error) {
	st := &ExtractStats{}
	x := &extractor{root: root, implicit: map[string]bool{}}
	tr := tar.NewReader(r)
	type link struct{ name, target string }
	var pending []link
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading tar: %w", err)
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return st, err
		}
		if name == "" {
			// The root directory itself: keep root's own mode and owner.
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := x.dir(name, hdr); err != nil {
				return st, err
			}
			st.Dirs++
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // TypeRegA still appears in old layers
			n, err := x.file(name, hdr, tr)
			if err != nil {
				return st, err
			}
			st.Files++
			st.Bytes += n
		case tar.TypeSymlink:
			if err := x.symlink(name, hdr); err != nil {
				return st, err
			}
			st.Symlinks++
		case tar.TypeLink:
			target, err := cleanName(hdr.Linkname)
			if err != nil || target == "" {
				return st, fmt.Errorf("hard link %s: target %q is outside the image", hdr.Name, hdr.Linkname)
			}
			ok, err := x.hardlink(name, target)
			if err != nil {
				return st, err
			}
			if !ok {
				pending = append(pending, link{name, target})
				continue
			}
			st.Hardlinks++
		case tar.TypeXGlobalHeader:
		default:
			st.Skipped = append(st.Skipped, "/"+name)
		}
	}
	for _, l := range pending {
		ok, err := x.hardlink(l.name, l.target)
		if err != nil {
			return st, err
		}
		if !ok {
			return st, fmt.Errorf("hard link /%s: target /%s is not in the image", l.name, l.target)
		}
		st.Hardlinks++
	}
	return st, nil
}

// cleanName turns a tar entry name into a clean slash path relative to the
// root ("" for the root itself). A ".." component is refused outright:
// layer tars never need one, and an attacker's tar does.
func cleanName(name string) (string, error) {
	n := strings.TrimLeft(filepath.ToSlash(name), "/")
	for _, c := range strings.Split(n, "/") {
		if c == ".." {
			return "", fmt.Errorf("refusing tar entry %q: it climbs out of the image with ..", name)
		}
	}
	n = path.Clean("/" + n)[1:]
	return n, nil
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

// extractor holds what one Extract call has made so far.
type extractor struct {
	root string
	// implicit holds the directories created only because an entry lay
	// under them (relative paths). mutate.Extract emits upper layers first,
	// so the entry for such a directory, or for what a lower layer had at
	// its place, may come later.
	implicit map[string]bool
}

// target returns the host path where the entry name is written and its
// path relative to root: its parent directories resolved inside root (and
// created), its last component not followed.
func (x *extractor) target(name string) (host, rel string, err error) {
	dir, base := path.Split(name)
	prel, err := resolve(x.root, dir)
	if err != nil {
		return "", "", fmt.Errorf("resolving /%s: %w", name, err)
	}
	if err := x.mkdirs(prel); err != nil {
		return "", "", err
	}
	rel = path.Join(prel, base)
	return filepath.Join(x.root, filepath.FromSlash(rel)), rel, nil
}

// mkdirs creates the missing directories of the resolved path rel.
func (x *extractor) mkdirs(rel string) error {
	cur := ""
	for _, c := range splitPath(rel) {
		if c == "" {
			continue
		}
		cur = path.Join(cur, c)
		p := filepath.Join(x.root, filepath.FromSlash(cur))
		err := os.Mkdir(p, 0o755)
		if err == nil {
			x.implicit[cur] = true
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("creating /%s: %w", cur, err)
		}
	}
	return nil
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

// clearPath removes whatever is at p so that a new entry can take its place.
// A directory is kept when keepDir is set.
func clearPath(p string, keepDir bool) (exists bool, err error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if keepDir && fi.IsDir() {
		return true, nil
	}
	return false, os.RemoveAll(p)
}

func (x *extractor) dir(name string, hdr *tar.Header) error {
	p, rel, err := x.target(name)
	if err != nil {
		return err
	}
	exists, err := clearPath(p, true)
	if err != nil {
		return fmt.Errorf("replacing /%s: %w", name, err)
	}
	if !exists {
		if err := os.Mkdir(p, 0o700); err != nil {
			return fmt.Errorf("creating /%s: %w", name, err)
		}
	}
	delete(x.implicit, rel)
	return setOwnerMode(p, name, hdr)
}

// taken reports whether rel is a directory made for entries of an upper
// layer: a lower layer's file there stays hidden, as in overlayfs.
func (x *extractor) taken(rel string) bool { return x.implicit[rel] }

func (x *extractor) file(name string, hdr *tar.Header, r io.Reader) (int64, error) {
	p, rel, err := x.target(name)
	if err != nil {
		return 0, err
	}
	if x.taken(rel) {
		return 0, nil
	}
	if _, err := clearPath(p, false); err != nil {
		return 0, fmt.Errorf("replacing /%s: %w", name, err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return 0, fmt.Errorf("creating /%s: %w", name, err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("writing /%s: %w", name, err)
	}
	return n, setOwnerMode(p, name, hdr)
}

func (x *extractor) symlink(name string, hdr *tar.Header) error {
	p, rel, err := x.target(name)
	if err != nil {
		return err
	}
	moving := ""
	if x.taken(rel) {
		// Entries of an upper layer were written under this path before the
		// lower layer's link showed up (/bin -> usr/bin): after the link is
		// made they move to where it points, as when layers are applied in
		// order.
		moving = p + ".slipway-moving"
		if err := os.Rename(p, moving); err != nil {
			return err
		}
		defer os.RemoveAll(moving)
		delete(x.implicit, rel)
	} else if _, err := clearPath(p, false); err != nil {
		return fmt.Errorf("replacing /%s: %w", name, err)
	}
	// The link's text is stored as is; it is only ever interpreted inside
	// the container, or by resolve, which keeps it under root.
	if err := os.Symlink(hdr.Linkname, p); err != nil {
		return fmt.Errorf("creating /%s: %w", name, err)
	}
	if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
		return fmt.Errorf("chown /%s: %w", name, err)
	}
	if moving != "" {
		return x.moveInto(moving, rel)
	}
	return nil
}

// moveInto moves the children of the directory from into the directory the
// link rel resolves to (inside root).
func (x *extractor) moveInto(from, rel string) error {
	ents, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	dest, err := resolve(x.root, rel)
	if err != nil {
		return fmt.Errorf("resolving /%s: %w", rel, err)
	}
	if dest == rel || strings.HasPrefix(dest+"/", rel+"/") {
		return fmt.Errorf("/%s: a link into itself", rel)
	}
	if err := x.mkdirs(dest); err != nil {
		return err
	}
	for _, e := range ents {
		to := filepath.Join(x.root, filepath.FromSlash(dest), e.Name())
		if err := os.RemoveAll(to); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(from, e.Name()), to); err != nil {
			return fmt.Errorf("moving /%s/%s under /%s: %w", rel, e.Name(), dest, err)
		}
	}
	return nil
}

// hardlink links name to the existing entry tgt. It reports false when tgt
// does not exist yet.
func (x *extractor) hardlink(name, tgt string) (bool, error) {
	dir, base := path.Split(tgt)
	rel, err := resolve(x.root, dir)
	if err != nil {
		return false, fmt.Errorf("resolving link target /%s: %w", tgt, err)
	}
	src := filepath.Join(x.root, filepath.FromSlash(rel), base)
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if fi.IsDir() {
		return false, fmt.Errorf("hard link /%s: target /%s is a directory", name, tgt)
	}
	p, lrel, err := x.target(name)
	if err != nil {
		return false, err
	}
	if p == src || x.taken(lrel) {
		return true, nil
	}
	if _, err := clearPath(p, false); err != nil {
		return false, fmt.Errorf("replacing /%s: %w", name, err)
	}
	if err := os.Link(src, p); err != nil {
		return false, fmt.Errorf("linking /%s to /%s: %w", name, tgt, err)
	}
	return true, nil
}

// setOwnerMode sets the numeric owner, then the mode: chown clears the
// setuid and setgid bits, so the order matters.
func setOwnerMode(p, name string, hdr *tar.Header) error {
	if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
		return fmt.Errorf("chown /%s: %w", name, err)
	}
	if err := unix.Chmod(p, uint32(hdr.Mode&0o7777)); err != nil {
		return fmt.Errorf("chmod /%s: %w", name, err)
	}
	return nil
}
