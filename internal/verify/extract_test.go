package verify

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/slipway/slipway/internal/lab/labtest"
)

// entry is one tar entry for the tests: a header and, for files, content.
type entry struct {
	hdr  tar.Header
	body string
}

func dir(name string, mode int64) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode}}
}
func file(name string, mode int64, uid, gid int, body string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: gid, Size: int64(len(body))}, body: body}
}
func symlink(name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}
func hardlink(name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target}}
}

func tarOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func imageOf(t *testing.T, layers ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for _, b := range layers {
		b := b
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		labtest.Unavailable(t, "extraction keeps owners and setuid bits: run as root")
	}
}

func unpack(t *testing.T, img v1.Image) (string, *ExtractStats) {
	t.Helper()
	root := t.TempDir()
	rc := mutate.Extract(img)
	defer rc.Close()
	st, err := Extract(rc, root)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return root, st
}

func statT(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

func TestExtractKeepsModesOwnersLinks(t *testing.T) {
	needRoot(t)
	base := tarOf(t,
		dir("usr/", 0o755),
		dir("usr/bin/", 0o755),
		symlink("bin", "usr/bin"),
		file("usr/bin/su", 0o4755, 0, 0, "su"),
		file("usr/bin/wall", 0o2755, 0, 5, "wall"),
		file("usr/bin/tool", 0o755, 0, 0, "tool"),
		hardlink("usr/bin/tool2", "usr/bin/tool"),
		dir("home/app/", 0o750),
		file("home/app/data", 0o640, 1000, 1001, "data"),
		dir("tmp/", 0o1777),
		file("etc/gone", 0o644, 0, 0, "removed by the next layer"),
	)
	top := tarOf(t,
		file("etc/.wh.gone", 0o644, 0, 0, ""),
		// Written through the /bin -> usr/bin link of the layer below.
		file("bin/added", 0o755, 0, 0, "added"),
	)
	root, st := unpack(t, imageOf(t, base, top))

	mode := func(p string) os.FileMode {
		fi, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode()
	}
	if m := mode("usr/bin/su"); m&os.ModeSetuid == 0 || m.Perm() != 0o755 {
		t.Errorf("usr/bin/su mode %v: want setuid 0755", m)
	}
	if m := mode("usr/bin/wall"); m&os.ModeSetgid == 0 {
		t.Errorf("usr/bin/wall mode %v: want setgid", m)
	}
	if m := mode("tmp"); m&os.ModeSticky == 0 || m.Perm() != 0o777 {
		t.Errorf("tmp mode %v: want sticky 0777", m)
	}
	if m := mode("home/app"); m.Perm() != 0o750 || !m.IsDir() {
		t.Errorf("home/app mode %v: want dir 0750", m)
	}
	if s := statT(t, filepath.Join(root, "home/app/data")); s.Uid != 1000 || s.Gid != 1001 {
		t.Errorf("home/app/data owned by %d:%d, want 1000:1001", s.Uid, s.Gid)
	}
	if s := statT(t, filepath.Join(root, "usr/bin/wall")); s.Gid != 5 {
		t.Errorf("usr/bin/wall group %d, want 5", s.Gid)
	}
	if l, err := os.Readlink(filepath.Join(root, "bin")); err != nil || l != "usr/bin" {
		t.Errorf("bin: readlink = %q, %v; want usr/bin", l, err)
	}
	a, b := statT(t, filepath.Join(root, "usr/bin/tool")), statT(t, filepath.Join(root, "usr/bin/tool2"))
	if a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("tool2 is not a hard link of tool (inodes %d, %d; nlink %d)", a.Ino, b.Ino, a.Nlink)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/gone")); !os.IsNotExist(err) {
		t.Errorf("etc/gone survived its whiteout: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(root, "usr/bin/added")); err != nil || string(got) != "added" {
		t.Errorf("bin/added was not written through the bin link: %q, %v", got, err)
	}
	if st.Hardlinks != 1 || st.Symlinks != 1 {
		t.Errorf("stats %+v: want 1 hard link, 1 symlink", st)
	}
	// Content bytes: su, wall, tool, data, added (the hard link shares tool's).
	if want := int64(len("su") + len("wall") + len("tool") + len("data") + len("added")); st.Bytes != want {
		t.Errorf("unpacked bytes = %d, want %d", st.Bytes, want)
	}

	priv, err := findPrivileged(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range priv {
		got = append(got, p.Path+":"+p.Bits)
	}
	// /tmp is sticky and home/app is a plain dir: neither is listed.
	if strings.Join(got, " ") != "/usr/bin/su:setuid /usr/bin/wall:setgid" {
		t.Errorf("findPrivileged = %v", got)
	}
}

func TestExtractRandomImage(t *testing.T) {
	needRoot(t)
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	root, st := unpack(t, img)
	if st.Files != 3 {
		t.Fatalf("random image with 3 layers of one file each: extracted %d files", st.Files)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if e.Type().IsRegular() {
			n++
		}
	}
	if n != 3 {
		t.Errorf("root holds %d regular files, want 3", n)
	}
}

func TestExtractRefusesTraversal(t *testing.T) {
	needRoot(t)
	for _, name := range []string{"../escaped", "a/../../escaped", "./../escaped"} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			root := filepath.Join(parent, "root")
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := Extract(bytes.NewReader(tarOf(t, file(name, 0o644, 0, 0, "x"))), root)
			if err == nil || !strings.Contains(err.Error(), "..") {
				t.Fatalf("Extract(%q) = %v, want a refusal naming ..", name, err)
			}
			if _, err := os.Lstat(filepath.Join(parent, "escaped")); !os.IsNotExist(err) {
				t.Fatalf("%s was written outside the root", name)
			}
		})
	}
	// A hard link may not point out either.
	root := t.TempDir()
	if _, err := Extract(bytes.NewReader(tarOf(t, hardlink("passwd", "../../etc/passwd"))), root); err == nil {
		t.Fatal("a hard link to ../../etc/passwd was accepted")
	}
}

func TestExtractSymlinksStayInside(t *testing.T) {
	needRoot(t)
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	outside := filepath.Join(parent, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Extract(bytes.NewReader(tarOf(t,
		symlink("abs", "/"),             // absolute: means the image root
		symlink("up", "../../../../.."), // climbs: clamped at the image root
		symlink("out", outside),         // absolute path of a host directory
		symlink("replaced", victim),     // replaced by a file below, not written through
		file("abs/via-abs", 0o644, 0, 0, "a"),
		file("up/via-up", 0o644, 0, 0, "b"),
		file("out/victim", 0o644, 0, 0, "overwritten?"),
		file("replaced", 0o644, 0, 0, "new file"),
	)), root)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, p := range []string{"via-abs", "via-up", strings.TrimPrefix(outside, "/") + "/victim"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("want %s inside the root: %v", p, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched" {
		t.Errorf("a file outside the root was changed: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(root, "replaced")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("replaced: want a regular file in place of the link: %v %v", fi, err)
	}
	for _, p := range []string{"via-abs", "via-up"} {
		if _, err := os.Lstat(filepath.Join(parent, p)); !os.IsNotExist(err) {
			t.Errorf("%s escaped the root", p)
		}
	}
}

func TestExtractSymlinkLoop(t *testing.T) {
	needRoot(t)
	_, err := Extract(bytes.NewReader(tarOf(t,
		symlink("etc", "/etc"), // points at itself inside the image
		file("etc/passwd", 0o644, 0, 0, "x"),
	)), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Fatalf("Extract through a self-referencing link = %v, want a loop error", err)
	}
}

func TestExtractHardlinks(t *testing.T) {
	needRoot(t)
	root := t.TempDir()
	// The link comes before its target (mutate.Extract emits upper layers
	// first): it is made at the end.
	st, err := Extract(bytes.NewReader(tarOf(t,
		hardlink("b", "a"),
		file("a", 0o4711, 0, 0, "content"),
	)), root)
	if err != nil {
		t.Fatal(err)
	}
	a, b := statT(t, filepath.Join(root, "a")), statT(t, filepath.Join(root, "b"))
	if a.Ino != b.Ino || st.Hardlinks != 1 {
		t.Errorf("b is not a hard link to a")
	}
	if _, err := Extract(bytes.NewReader(tarOf(t, hardlink("c", "missing"))), t.TempDir()); err == nil || !strings.Contains(err.Error(), "not in the image") {
		t.Errorf("a hard link to a missing file = %v, want an error", err)
	}
	if _, err := Extract(bytes.NewReader(tarOf(t, dir("d/", 0o755), hardlink("e", "d"))), t.TempDir()); err == nil {
		t.Error("a hard link to a directory was accepted")
	}
}

func TestFindShellsThroughLinks(t *testing.T) {
	needRoot(t)
	root := t.TempDir()
	_, err := Extract(bytes.NewReader(tarOf(t,
		dir("usr/bin/", 0o755),
		symlink("bin", "/usr/bin"), // absolute: resolved inside the root, not on the host
		file("usr/bin/busybox", 0o755, 0, 0, "bb"),
		symlink("usr/bin/sh", "busybox"),
	)), root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := findShells(root)
	if err != nil {
		t.Fatal(err)
	}
	// /bin links to usr/bin: each shell is listed once.
	want := "/bin/sh /bin/busybox"
	if strings.Join(got, " ") != want {
		t.Errorf("findShells = %v, want %s", got, want)
	}
	empty := t.TempDir()
	if got, err := findShells(empty); err != nil || len(got) != 0 {
		t.Errorf("findShells(empty) = %v, %v", got, err)
	}
}
