package hostile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one tar entry of a generated layer: a header and, for regular
// files, the content (Size is set from it).
type Entry struct {
	Hdr  tar.Header
	Body string
}

// Dir, File, Symlink, Hardlink and Device make entries.
func Dir(name string, mode int64) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode}}
}
func File(name string, mode int64, body string) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}, Body: body}
}
func Symlink(name, target string) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}
func Hardlink(name, target string) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644}}
}
func Device(name string) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeChar, Name: name, Mode: 0o666, Devmajor: 1, Devminor: 1}}
}

// Tar writes entries as one layer tar, in the order given (archive/tar,
// PAX format so that long names survive).
func Tar(entries ...Entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.Hdr
		h.Format = tar.FormatPAX
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, e.Body); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// Distroless is the base-name label that makes scan and verify expect no
// shell (a distroless claim).
const Distroless = "gcr.io/distroless/static-debian12"

// Image makes an OCI image of layer tars (the first is the bottom one), as
// uid 65532, with a base-name label when base is not "".
func Image(base string, layers ...[]byte) (v1.Image, error) {
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for _, b := range layers {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
			tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.User = "65532:65532"
	cf.Config.Entrypoint = []string{"/app"}
	if base != "" {
		cf.Config.Labels = map[string]string{"org.opencontainers.image.base.name": base}
	}
	return mutate.ConfigFile(img, cf)
}

// RefName is the ref name the OCI layouts give their image (what `umoci
// unpack --image DIR:latest` asks for).
const RefName = "latest"

// WriteLayout writes img as an OCI layout folder dir/name.
func WriteLayout(dir, name string, img v1.Image) (string, error) {
	p := filepath.Join(dir, name)
	lp, err := layout.Write(p, empty.Index)
	if err != nil {
		return "", err
	}
	err = lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": RefName}))
	return p, err
}

// WriteDockerSave writes img as a docker-save tarball dir/name.
func WriteDockerSave(dir, name string, img v1.Image) (string, error) {
	p := filepath.Join(dir, name)
	tag, err := name2tag("hostile/" + strings.TrimSuffix(name, ".tar") + ":latest")
	if err != nil {
		return "", err
	}
	return p, tarball.WriteToFile(p, tag, img)
}

func name2tag(s string) (name.Tag, error) { return name.NewTag(s, name.WeakValidation) }

// lowerWithSetuidAndShell is the layer an attack hides: a setuid
// /usr/bin/su and a /bin/sh, as in any Debian image.
func lowerWithSetuidAndShell() ([]byte, error) {
	return Tar(Dir("bin/", 0o755), File("bin/sh", 0o755, "#!shell"), Dir("usr/", 0o755), Dir("usr/bin/", 0o755),
		File("usr/bin/su", 0o4755, "su"), Dir("app/", 0o755), File("app/run", 0o755, "app"))
}

// layered builds a case's image from its layers: a lower layer with a
// setuid su and a shell (when withLower), then the given tops.
type layered struct {
	name, class string
	withLower   bool
	tops        [][]Entry
	want        Want
}

func (c layered) image() (v1.Image, error) {
	var ls [][]byte
	if c.withLower {
		b, err := lowerWithSetuidAndShell()
		if err != nil {
			return nil, err
		}
		ls = append(ls, b)
	}
	for _, es := range c.tops {
		b, err := Tar(es...)
		if err != nil {
			return nil, err
		}
		ls = append(ls, b)
	}
	return Image(Distroless, ls...)
}

// cases returns c as an OCI layout and as a docker-save tarball.
func (c layered) cases() []Case {
	return []Case{
		{Name: c.name, Class: c.class, Want: c.want, Build: func(dir string) (string, error) {
			img, err := c.image()
			if err != nil {
				return "", err
			}
			return WriteLayout(dir, c.name, img)
		}},
		{Name: c.name + "-docker", Class: c.class, Want: c.want, Build: func(dir string) (string, error) {
			img, err := c.image()
			if err != nil {
				return "", err
			}
			return WriteDockerSave(dir, c.name+".tar", img)
		}},
	}
}

// dirty is what an accepted case must make scan and verify report: the
// setuid file, or the shell in an image that claims to be distroless.
var (
	wantSetuid = Want{ScanRules: []string{"SW210"}, VerifyFails: []string{"no-setuid"}}
	wantShell  = Want{ScanRules: []string{"SW232"}, VerifyFails: []string{"no-shell"}}
	wantBoth   = Want{ScanRules: []string{"SW210", "SW232"}, VerifyFails: []string{"no-setuid", "no-shell"}}
)

func refuse(has string) Want { return Want{Refuse: true, ErrorHas: has} }

// layerCases returns the cases about layer contents: unsafe entries, duplicates, bombs.
func layerCases() []Case {
	deep := strings.Repeat("d/", 100_000) + "f"
	deeper := strings.Repeat("d/", 300) + "f"
	list := []layered{
		// Unsafe entries on top of a layer with a setuid su and a shell:
		// each is refused, naming its layer, and never ends the unpacking
		// early (which would hide the layer below).
		{name: "layer-dotdot-entry", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{File("../evil", 0o644, "x")}}, want: refuse(`".."`)},
		{name: "layer-dotdot-inner", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Dir("a/", 0o755), File("a/../../evil", 0o644, "x")}}, want: refuse(`".."`)},
		{name: "layer-absolute-entry", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{File("/etc/evil", 0o644, "x")}}, want: refuse("absolute")},
		{name: "layer-through-lower-symlink", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Symlink("opt", "/usr/bin")}, {File("opt/su2", 0o4755, "su")}}, want: refuse("symbolic link")},
		{name: "layer-through-own-symlink", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Symlink("escape", "../../../../"), File("escape/etc/evil", 0o644, "x")}}, want: refuse("symbolic link")},
		{name: "layer-whiteout-through-symlink", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Symlink("opt", "/bin")}, {File("opt/.wh.sh", 0o644, "")}}, want: refuse("symbolic link")},
		{name: "layer-hardlink-escape", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Hardlink("app/passwd", "../../etc/passwd")}}, want: refuse(`".."`)},
		{name: "layer-hardlink-missing", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Hardlink("app/tool", "app/missing")}}, want: refuse("missing target")},
		{name: "layer-hardlink-lower-layer", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Dir("app/", 0o755), Hardlink("app/su", "usr/bin/su")}}, want: refuse("missing target")},
		{name: "layer-device-node", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Dir("dev/", 0o755), Device("dev/mem")}}, want: refuse("device node")},
		{name: "layer-deep-path", class: "limits", withLower: true,
			tops: [][]Entry{{File(deep, 0o644, "x")}}, want: refuse("bytes, over")},
		{name: "layer-deeper-than-limit", class: "limits", withLower: true,
			tops: [][]Entry{{File(deeper, 0o644, "x")}}, want: refuse("path components, over")},

		// Neighbours that are accepted: a symbolic link's text may point
		// anywhere (it is only read inside the container), and the lower
		// layer's setuid su and shell are still seen.
		{name: "layer-symlink-escape-kept", class: "unsafe-entry", withLower: true,
			tops: [][]Entry{{Dir("etc/", 0o755), Symlink("etc/shadow-link", "../../../../../etc/shadow"), Symlink("etc/abs", "/etc/shadow")}}, want: wantBoth},

		// Duplicates: the last entry of a path wins, as in tar, containerd
		// and umoci.
		{name: "layer-dup-file-then-setuid", class: "duplicate",
			tops: [][]Entry{{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), File("usr/bin/tool", 0o755, "harmless"), File("usr/bin/tool", 0o4755, "setuid")}}, want: wantSetuid},
		{name: "layer-dup-dir-then-shell", class: "duplicate",
			tops: [][]Entry{{Dir("bin/", 0o755), Dir("bin/sh/", 0o755), File("bin/sh", 0o755, "#!shell")}}, want: wantShell},
		{name: "layer-dup-symlink-then-setuid", class: "duplicate",
			tops: [][]Entry{{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), Symlink("usr/bin/tool", "/bin/true"), File("usr/bin/tool", 0o4755, "setuid")}}, want: wantSetuid},
		{name: "layer-dup-hardlink-then-setuid", class: "duplicate",
			tops: [][]Entry{{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), File("usr/bin/tool", 0o755, "harmless"), Hardlink("usr/bin/tool2", "usr/bin/tool"), File("usr/bin/tool2", 0o4755, "setuid")}}, want: wantSetuid},
		{name: "layer-dup-across-layers", class: "duplicate",
			tops: [][]Entry{{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), File("usr/bin/tool", 0o755, "harmless")},
				{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), File("usr/bin/tool", 0o755, "still harmless"), File("usr/bin/tool", 0o6755, "setuid")}}, want: wantSetuid},
		{name: "layer-whiteout-then-readd", class: "duplicate", withLower: true,
			tops: [][]Entry{{Dir("usr/", 0o755), Dir("usr/bin/", 0o755), File("usr/bin/.wh.su", 0o644, ""), File("usr/bin/su", 0o4755, "su again"),
				Dir("bin/", 0o755), File("bin/.wh.sh", 0o644, "")}}, want: wantSetuid},
		{name: "layer-opaque-then-readd", class: "duplicate", withLower: true,
			tops: [][]Entry{{Dir("bin/", 0o755), File("bin/.wh..wh..opq", 0o644, ""), File("bin/sh", 0o755, "new shell")}}, want: wantBoth},
	}
	var out []Case
	for _, c := range list {
		out = append(out, c.cases()...)
	}
	out = append(out, Case{Name: "layer-size-claim", Class: "limits", Want: refuse("unpacked size over"), Build: func(dir string) (string, error) {
		img, err := claimedSizeImage()
		if err != nil {
			return "", err
		}
		return WriteLayout(dir, "layer-size-claim", img)
	}})
	return out
}

// claimedSizeImage has a layer whose one file claims 17 GiB, over the
// default unpacked-size limit, followed by a few bytes: the tar is cut
// short, but the limit refuses it at its header, before any content.
func claimedSizeImage() (v1.Image, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "big", Mode: 0o644, Size: 17 << 30, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(make([]byte, 4096)); err != nil {
		return nil, err
	}
	// Not closed: the tar ends inside the file.
	lower, err := lowerWithSetuidAndShell()
	if err != nil {
		return nil, err
	}
	return Image(Distroless, lower, buf.Bytes())
}

// GzipBombImage is an image whose one layer is a single file of size
// zero bytes, gzip-compressed at the best level (about 1 KB per MB): it
// stays small on disk (a few hundred KB for 256 MiB) and unpacks to size.
// The default unpacked-size limit is far above it; tests lower the limit.
func GzipBombImage(size int64) (v1.Image, error) {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "zeros", Mode: 0o644, Size: size}); err != nil {
		return nil, err
	}
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zeros)) {
		if _, err := tw.Write(zeros[:min(left, int64(len(zeros)))]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := gz.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		return nil, err
	}
	return mutate.Config(img, v1.Config{User: "65532", Entrypoint: []string{"/app"}})
}

// ManyFilesImage is an image with one layer of n empty files.
func ManyFilesImage(n int) (v1.Image, error) {
	es := make([]Entry, 0, n+1)
	es = append(es, Dir("many/", 0o755))
	for i := range n {
		es = append(es, File(fmt.Sprintf("many/f%d", i), 0o644, ""))
	}
	b, err := Tar(es...)
	if err != nil {
		return nil, err
	}
	return Image("", b)
}

// OrdinaryImages are well-formed images in the shape real ones have (a
// merged /usr, hard links, whiteouts and an opaque directory, a sticky
// /tmp, owners other than root), for parity tests against a runtime's
// unpacker.
func OrdinaryImages() (map[string]v1.Image, error) {
	base, err := Tar(Dir("usr/", 0o755), Dir("usr/bin/", 0o755), Symlink("bin", "usr/bin"), Dir("usr/lib/", 0o755), Symlink("lib", "usr/lib"),
		File("usr/bin/su", 0o4755, "su"), File("usr/bin/wall", 0o2755, "wall"), File("usr/bin/tool", 0o755, "tool"),
		Hardlink("usr/bin/tool2", "usr/bin/tool"), Dir("tmp/", 0o1777), Dir("etc/", 0o755), File("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n"),
		File("etc/gone", 0o644, "gone"), Dir("var/", 0o755), Dir("var/cache/", 0o755), File("var/cache/a", 0o644, "a"))
	if err != nil {
		return nil, err
	}
	app := []Entry{Dir("etc/", 0o755), File("etc/.wh.gone", 0o644, ""), Dir("var/", 0o755), Dir("var/cache/", 0o700), File("var/cache/.wh..wh..opq", 0o644, ""),
		File("var/cache/b", 0o600, "b"), Dir("home/", 0o755), Dir("home/app/", 0o750)}
	owned := File("home/app/data", 0o640, "data")
	owned.Hdr.Uid, owned.Hdr.Gid = 1000, 1001
	app = append(app, owned)
	top, err := Tar(app...)
	if err != nil {
		return nil, err
	}
	a, err := Image("", base)
	if err != nil {
		return nil, err
	}
	b, err := Image("", base, top)
	if err != nil {
		return nil, err
	}
	return map[string]v1.Image{"ordinary-base": a, "ordinary-app": b}, nil
}

// LayerCases returns the layer cases alone.
func LayerCases() []Case { return layerCases() }
