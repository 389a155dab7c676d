package verify

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway/slipway/internal/hostile"
	"github.com/slipway/slipway/internal/image"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/layer"
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

func unpackErr(t *testing.T, img v1.Image, lim layer.Limits) (string, *ExtractStats, error) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := Unpack(context.Background(), img, root, lim)
	return root, st, err
}

func unpack(t *testing.T, img v1.Image) (string, *ExtractStats) {
	t.Helper()
	root, st, err := unpackErr(t, img, layer.Limits{})
	if err != nil {
		t.Fatalf("Unpack: %v", err)
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

func TestUnpackKeepsModesOwnersLinks(t *testing.T) {
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
		file("etc/replaced", 0o644, 0, 0, "replaced by the next layer"),
	)
	top := tarOf(t,
		file("etc/.wh.gone", 0o644, 0, 0, ""),
		file("etc/replaced", 0o600, 0, 0, "new"),
		file("usr/bin/added", 0o755, 0, 0, "added"),
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
	if got, err := os.ReadFile(filepath.Join(root, "etc/replaced")); err != nil || string(got) != "new" || mode("etc/replaced").Perm() != 0o600 {
		t.Errorf("etc/replaced: the upper layer's version must win: %q, %v", got, err)
	}
	if st.Hardlinks != 1 || st.Symlinks != 1 {
		t.Errorf("stats %+v: want 1 hard link, 1 symlink", st)
	}
	// Final content: su, wall, tool (tool2 shares it), data, new, added.
	if want := int64(len("su") + len("wall") + len("tool") + len("data") + len("new") + len("added")); st.Bytes != want {
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
	if strings.Join(got, " ") != "/usr/bin/su:setuid /usr/bin/wall:setgid" {
		t.Errorf("findPrivileged = %v", got)
	}
}

func TestUnpackRandomImage(t *testing.T) {
	needRoot(t)
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	root, st := unpack(t, img)
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
	if st.Files != 3 || n != 3 {
		t.Errorf("3 layers of one file each: %d files written, %d in the root", st.Files, n)
	}
}

// TestUnpackLayerCases runs verify's unpacker over every layer case of
// the hostile corpus, as an OCI layout and as a docker-save tarball: a
// refused case fails with a bad-input error naming its layer and what is
// wrong, and writes nothing outside the root; an accepted one has the
// setuid file or the shell the case hides.
func TestUnpackLayerCases(t *testing.T) {
	needRoot(t)
	for _, c := range hostile.LayerCases() {
		t.Run(c.Name, func(t *testing.T) {
			img := openCase(t, c, t.TempDir())
			parent := t.TempDir()
			root := filepath.Join(parent, "a", "rootfs")
			if err := os.MkdirAll(root, 0o755); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := Unpack(context.Background(), img, root, layer.Limits{})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("unpacking took %s", took)
			}
			if c.Want.Refuse {
				if err == nil || !layer.IsBadInput(err) || !strings.Contains(err.Error(), c.Want.ErrorHas) || !strings.HasPrefix(err.Error(), "layer ") {
					t.Fatalf("Unpack = %v; want a bad-input error naming the layer and containing %q", err, c.Want.ErrorHas)
				}
				if len(err.Error()) > 400 {
					t.Errorf("the error is %d bytes long; keep it short", len(err.Error()))
				}
				// Nothing beside the root.
				ents, _ := os.ReadDir(filepath.Join(parent, "a"))
				if len(ents) != 1 {
					t.Errorf("something was written beside the root: %v", ents)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			priv, err := findPrivileged(root)
			if err != nil {
				t.Fatal(err)
			}
			shells, err := findShells(root)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range c.Want.VerifyFails {
				switch f {
				case CheckNoSetuid:
					if len(priv) == 0 {
						t.Errorf("no setuid file found; the case hides one")
					}
				case CheckNoShell:
					if len(shells) == 0 {
						t.Errorf("no shell found; the case hides one")
					}
				default:
					t.Errorf("unknown check %q", f)
				}
			}
		})
	}
}

func TestUnpackDuplicateLastWins(t *testing.T) {
	needRoot(t)
	root, _ := unpack(t, imageOf(t, tarOf(t,
		file("a", 0o644, 0, 0, "first"), file("a", 0o600, 0, 0, "second"),
		dir("d/", 0o755), file("d", 0o644, 0, 0, "a file now"),
		file("s", 0o644, 0, 0, "a file"), symlink("s", "a"),
		symlink("e", "a"), dir("e/", 0o700),
	)))
	if b, _ := os.ReadFile(filepath.Join(root, "a")); string(b) != "second" {
		t.Errorf("a = %q, want the second entry", b)
	}
	if fi, err := os.Lstat(filepath.Join(root, "d")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("d: want the file that came after the directory: %v", err)
	}
	if l, err := os.Readlink(filepath.Join(root, "s")); err != nil || l != "a" {
		t.Errorf("s: want the link that came after the file: %q %v", l, err)
	}
	if fi, err := os.Lstat(filepath.Join(root, "e")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("e: want the directory that came after the link: %v", err)
	}
}

func TestUnpackHardlinkToRemovedParent(t *testing.T) {
	needRoot(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x"), []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	// a/x is written, then a becomes a link to a host directory: a hard
	// link to a/x must not be made through it.
	_, _, err := unpackErr(t, imageOf(t, tarOf(t,
		dir("a/", 0o755), file("a/x", 0o644, 0, 0, "x"), symlink("a", outside), hardlink("y", "a/x"),
	)), layer.Limits{})
	if !layer.IsBadInput(err) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Unpack = %v, want a refusal", err)
	}
}

func duBytes(root string) int64 {
	var n int64
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Sys().(*syscall.Stat_t).Blocks * 512
			}
		}
		return nil
	})
	return n
}

// TestUnpackGzipBomb: a 256 MiB file of zeros, a 256 KB layer, under a 64
// MiB limit: refused at its header with no byte written, in bounded
// memory; and with the limit above it, written in bounded memory too.
func TestUnpackGzipBomb(t *testing.T) {
	needRoot(t)
	if testing.Short() {
		t.Skip("-short: the bomb takes a few seconds to compress")
	}
	const size = 256 << 20
	img, err := hostile.GzipBombImage(size)
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := img.Layers()
	csize, _ := ls[0].Size()
	t.Logf("bomb: %d bytes compressed, %d unpacked", csize, size)
	if csize > 1<<20 {
		t.Fatalf("the generated bomb is %d bytes; keep it under 1 MiB", csize)
	}
	const memBound = 160 << 20
	labtest.PeakRSS(t, true)
	root, _, err := unpackErr(t, img, layer.Limits{UnpackedBytes: 64 << 20})
	var le *layer.LimitError
	if !errors.As(err, &le) || le.Flag != "--max-unpacked-size" {
		t.Fatalf("Unpack = %v, want the unpacked-size limit", err)
	}
	peak, used := labtest.PeakRSS(t, false), duBytes(root)
	t.Logf("refused: peak RSS %d MiB, %d bytes written", peak>>20, used)
	if used > 0 || peak > memBound {
		t.Errorf("refused bomb: %d bytes written (want 0), peak RSS %d MiB (bound %d MiB)", used, peak>>20, memBound>>20)
	}
	labtest.PeakRSS(t, true)
	root, st, err := unpackErr(t, img, layer.Limits{UnpackedBytes: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	peak = labtest.PeakRSS(t, false)
	t.Logf("accepted: peak RSS %d MiB, %d bytes written", peak>>20, st.Written)
	if st.Written != size || peak > memBound {
		t.Errorf("accepted bomb: %d bytes written, peak RSS %d MiB (bound %d MiB)", st.Written, peak>>20, memBound>>20)
	}
	_ = root
}

func TestUnpackLimits(t *testing.T) {
	needRoot(t)
	img, err := hostile.ManyFilesImage(3000)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = unpackErr(t, img, layer.Limits{Files: 1000})
	var le *layer.LimitError
	if !errors.As(err, &le) || le.Flag != "--max-files" {
		t.Fatalf("3000 files under --max-files 1000: %v", err)
	}
	if _, _, err := unpackErr(t, img, layer.Limits{Files: 5000}); err != nil {
		t.Fatalf("3000 files under --max-files 5000: %v", err)
	}
	deep := strings.Repeat("d/", 20) + "f"
	img = imageOf(t, tarOf(t, file(deep, 0o644, 0, 0, "x")))
	if _, _, err := unpackErr(t, img, layer.Limits{PathDepth: 10}); !errors.As(err, &le) || le.Flag != "--max-path-depth" {
		t.Fatalf("21 components under --max-path-depth 10: %v", err)
	}
	if _, _, err := unpackErr(t, img, layer.Limits{PathDepth: 30}); err != nil {
		t.Fatalf("21 components under --max-path-depth 30: %v", err)
	}
}

// TestUnpackCanceled: a canceled unpacking stops with ctx's error.
func TestUnpackCanceled(t *testing.T) {
	needRoot(t)
	img, err := hostile.ManyFilesImage(20000)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Unpack(ctx, img, t.TempDir(), layer.Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Unpack after cancel = %v", err)
	}
}

func TestFindShellsThroughLinks(t *testing.T) {
	needRoot(t)
	root, _ := unpack(t, imageOf(t, tarOf(t,
		dir("usr/bin/", 0o755),
		symlink("bin", "/usr/bin"), // absolute: resolved inside the root, not on the host
		file("usr/bin/busybox", 0o755, 0, 0, "bb"),
		symlink("usr/bin/sh", "busybox"),
	)))
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

var _ = bytes.NewReader

func TestTailBuffer(t *testing.T) {
	tb := newTail(10)
	for _, w := range []string{"abc", "defghijklmnop", "q", "rstuvwxyz0123"} {
		if n, err := tb.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatal(n, err)
		}
	}
	if got := string(tb.Bytes()); got != "uvwxyz0123" {
		t.Errorf("tail = %q", got)
	}
	tb = newTail(4)
	for i := range 100 {
		fmt.Fprintf(tb, "%d", i%10)
	}
	if got := string(tb.Bytes()); got != "6789" {
		t.Errorf("tail = %q, want 6789", got)
	}
}

// TestRunBoundsContainerOutput: a container that writes 1 GiB to stdout
// before it listens costs verify a 64 KiB tail, not the output: peak RSS
// stays bounded and nothing is stored on disk.
func TestRunBoundsContainerOutput(t *testing.T) {
	needRunc(t)
	if testing.Short() {
		t.Skip("-short: the container writes 1 GiB")
	}
	cfg := goodConfig()
	cfg.Cmd = []string{"-spew", "1024"}
	img := writeLayout(t, svcImage(t, cfg))
	work := t.TempDir()
	labtest.PeakRSS(t, true)
	rep, err := Run(context.Background(), Options{Image: img, WorkDir: work, Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	peak := labtest.PeakRSS(t, false)
	t.Logf("peak RSS %d MiB while the container wrote 1 GiB", peak>>20)
	if peak > 160<<20 {
		t.Errorf("peak RSS %d MiB, bound 160 MiB", peak>>20)
	}
	if st := statuses(rep); st[CheckPort] != Pass {
		t.Errorf("port row: %+v", rep.Row(CheckPort))
	}
	if last := rep.ContainerLog; !slices.Contains(last, "svc: spewed") {
		t.Errorf("the container log's tail lacks the line after the output: %.200q", last)
	}
	leftovers(t, work)
}

// fileFacts is what a runtime's unpacker decides about one path.
type fileFacts struct {
	typ      fs.FileMode
	mode     fs.FileMode // permissions and the setuid, setgid and sticky bits
	uid, gid uint32
	link     string
	size     int64
}

func treeFacts(t *testing.T, root string) map[string]fileFacts {
	t.Helper()
	out := map[string]fileFacts{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s := fi.Sys().(*syscall.Stat_t)
		f := fileFacts{typ: fi.Mode().Type(), mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), uid: s.Uid, gid: s.Gid}
		if f.typ == fs.ModeSymlink {
			f.link, _ = os.Readlink(p)
			f.mode = 0 // a link's own mode means nothing on Linux
		}
		if f.typ.IsRegular() {
			f.size = fi.Size()
		}
		rel, _ := filepath.Rel(root, p)
		out["/"+filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUnpackLikeUmoci unpacks every accepted layer case of the corpus, and
// ordinary images, with verify's unpacker and with umoci (the reference a
// runtime uses), and compares the two root filesystems: the same paths,
// file types, modes, owners, sizes and symbolic link targets.
func TestUnpackLikeUmoci(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	umoci, err := exec.LookPath("umoci")
	if err != nil {
		labtest.Unavailable(t, "umoci is not installed (apt-get install umoci)")
	}
	images := map[string]v1.Image{}
	ord, err := hostile.OrdinaryImages()
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(images, ord)
	dir := t.TempDir()
	for _, c := range hostile.LayerCases() {
		if c.Want.Refuse || strings.HasSuffix(c.Name, "-docker") {
			continue
		}
		images[c.Name] = openCase(t, c, dir)
	}
	if len(images) < 10 {
		t.Fatalf("only %d images to compare", len(images))
	}
	for _, name := range slices.Sorted(maps.Keys(images)) {
		t.Run(name, func(t *testing.T) { compareWithUmoci(t, umoci, images[name]) })
	}
}

// TestUnpackLabBasesLikeUmoci compares the two unpackers on the lab's
// stand-in base images (debootstrap's Debian, a distroless-style image).
func TestUnpackLabBasesLikeUmoci(t *testing.T) {
	labtest.NeedRootAndRunc(t)
	l := labtest.Require(t)
	umoci, err := exec.LookPath("umoci")
	if err != nil {
		labtest.Unavailable(t, "umoci is not installed (apt-get install umoci)")
	}
	for _, ref := range []string{"library/debian:bookworm-slim", "distroless/static-debian12:nonroot"} {
		t.Run(ref, func(t *testing.T) {
			r, err := name.ParseReference(l.Registry+"/"+ref, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			img, err := remote.Image(r)
			if err != nil {
				t.Fatal(err)
			}
			// umoci reads OCI media types only: the same layers, relabeled.
			ls, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}
			oci := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
			for _, ly := range ls {
				nl, err := tarball.LayerFromOpener(ly.Compressed, tarball.WithMediaType(types.OCILayer))
				if err != nil {
					t.Fatal(err)
				}
				if oci, err = mutate.AppendLayers(oci, nl); err != nil {
					t.Fatal(err)
				}
			}
			orig, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			cf, err := oci.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			cf = cf.DeepCopy()
			cf.OS, cf.Architecture, cf.Config = orig.OS, orig.Architecture, orig.Config
			if oci, err = mutate.ConfigFile(oci, cf); err != nil {
				t.Fatal(err)
			}
			compareWithUmoci(t, umoci, oci)
		})
	}
}

// compareWithUmoci unpacks img with umoci and with Unpack and compares
// the root filesystems.
func compareWithUmoci(t *testing.T, umoci string, img v1.Image) {
	t.Helper()
	{
		{
			lp, err := hostile.WriteLayout(t.TempDir(), "layout", img)
			if err != nil {
				t.Fatal(err)
			}
			bundle := filepath.Join(t.TempDir(), "bundle")
			if out, err := exec.Command(umoci, "unpack", "--image", lp+":"+hostile.RefName, bundle).CombinedOutput(); err != nil {
				t.Fatalf("umoci unpack: %v\n%s", err, out)
			}
			root, _ := unpack(t, img)
			want, got := treeFacts(t, filepath.Join(bundle, "rootfs")), treeFacts(t, root)
			if len(want) < 2 {
				t.Fatalf("umoci unpacked only %d paths", len(want))
			}
			t.Logf("%d paths compared", len(want))
			for _, p := range slices.Sorted(maps.Keys(want)) {
				if g, ok := got[p]; !ok {
					t.Errorf("%s: umoci has it, verify does not", p)
				} else if g != want[p] {
					t.Errorf("%s: verify %+v, umoci %+v", p, g, want[p])
				}
			}
			for _, p := range slices.Sorted(maps.Keys(got)) {
				if _, ok := want[p]; !ok {
					t.Errorf("%s: verify has it, umoci does not", p)
				}
			}
		}
	}
}

// openCase writes a hostile layer case into dir and opens it as an image.
func openCase(t *testing.T, c hostile.Case, dir string) v1.Image {
	t.Helper()
	p, err := c.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.OpenLocal(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return img
}
