// Package sbom makes a software bill of materials from a built image's
// files, the way slipway already reads images (internal/image verifies
// every blob, internal/layer bounds every entry): Debian's dpkg status
// (and distroless' status.d), the build info Go writes into its binaries,
// node_modules package.json files, Python dist-info METADATA and the
// manifests and pom.properties of jar files. It writes CycloneDX 1.6 JSON
// through CycloneDX's Go library and attaches it to the image as an
// in-toto attestation, in the attestation manifest shape BuildKit uses, to
// an OCI tarball or a registry image.
package sbom

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/debindex"
	"github.com/slipway/slipway/internal/image"
	tarlayer "github.com/slipway/slipway/internal/layer"
)

// Limits bound what inventorying one image may cost beyond the layer
// limits: a metadata file larger than MaxMetadata is skipped (and noted),
// a binary or jar larger than MaxBinary is not opened, and at most
// MaxPackages packages are kept. Binaries and jars are spooled one at a
// time to a temporary file (debug/buildinfo and archive/zip need random
// access), so disk use is at most one MaxBinary.
type Limits struct {
	Layers      tarlayer.Limits
	MaxMetadata int64
	MaxBinary   int64
	MaxPackages int
}

// Defaults that no real image meets.
const (
	DefaultMaxMetadata = 32 << 20  // the dpkg status of a large image is a few MB
	DefaultMaxBinary   = 512 << 20 // the largest Go binaries are a few hundred MB
	DefaultMaxPackages = 200_000
	maxJarEntries      = 100_000
	maxJarFile         = 1 << 20 // one MANIFEST.MF or pom.properties
)

func (l Limits) withDefaults() Limits {
	if l.MaxMetadata <= 0 {
		l.MaxMetadata = DefaultMaxMetadata
	}
	if l.MaxBinary <= 0 {
		l.MaxBinary = DefaultMaxBinary
	}
	if l.MaxPackages <= 0 {
		l.MaxPackages = DefaultMaxPackages
	}
	return l
}

// Ecosystems of a package, as package URL types.
const (
	Deb    = "deb"
	Golang = "golang"
	Npm    = "npm"
	PyPI   = "pypi"
	Maven  = "maven"
)

// Package is one package found in the image.
type Package struct {
	Type      string // Deb, Golang, Npm, PyPI, Maven
	Namespace string // Maven group, npm scope (without @), "debian"
	Name      string
	Version   string
	Arch      string // deb: the package's architecture
	Source    string // deb: the source package, when it differs
	// Path is the file it was read from ("/var/lib/dpkg/status",
	// "/app/hello-go", "/app/node_modules/ms/package.json").
	Path string
	// Main marks a Go binary's main module.
	Main bool
}

// Inventory is what Collect found.
type Inventory struct {
	Digest   string // the image manifest's digest
	OS       string // /etc/os-release ID ("debian"), or ""
	OSVer    string // VERSION_ID ("12")
	Packages []Package
	// AptSources are the repositories the image's apt reads (its
	// sources.list and sources.list.d), in path order: the package index
	// it was built against.
	AptSources []debindex.Source
	// Notes say what was skipped and why (a file over a limit, an
	// unreadable record), for the report.
	Notes []string
}

// Options for Collect.
type Options struct {
	Limits  Limits
	TempDir string // where binaries are spooled ("" = the system's)
}

// found is what one file of the final filesystem contributed.
type found struct {
	pkgs  []Package
	notes []string
	osID  string
	osVer string
	apt   []debindex.Source
}

// Collect reads img's layers bottom-up, applying whiteouts and opaque
// directories as the runtime does (the last entry of a path wins), and
// inventories the packages of the final filesystem.
func Collect(ctx context.Context, img v1.Image, o Options) (*Inventory, error) {
	lim := o.Limits.withDefaults()
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image layers: %w", err)
	}
	tmp, err := os.MkdirTemp(o.TempDir, "slipway-sbom-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	budget := tarlayer.NewBudget(lim.Layers)
	files := map[string]*found{}
	for i, ly := range layers {
		if err := readLayer(ctx, i+1, ly, budget, lim, tmp, files); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, err
		}
	}
	inv := &Inventory{Digest: d.String()}
	paths := slices.Sorted(maps.Keys(files))
	for _, p := range paths {
		f := files[p]
		if f.osID != "" {
			inv.OS, inv.OSVer = f.osID, f.osVer
		}
		inv.Notes = append(inv.Notes, f.notes...)
		inv.AptSources = append(inv.AptSources, f.apt...)
		for _, pk := range f.pkgs {
			if len(inv.Packages) >= lim.MaxPackages {
				inv.Notes = append(inv.Notes, fmt.Sprintf("more than %d packages: the rest are left out", lim.MaxPackages))
				return inv, nil
			}
			inv.Packages = append(inv.Packages, pk)
		}
	}
	return inv, nil
}

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// readLayer applies layer l to files: this layer's whiteouts and opaque
// directories remove what lower layers left, then its own records replace
// those at the same paths.
func readLayer(ctx context.Context, l int, ly v1.Layer, budget *tarlayer.Budget, lim Limits, tmp string, files map[string]*found) error {
	rc, err := ly.Uncompressed()
	if err != nil {
		return fmt.Errorf("reading layer %d: %w", l, err)
	}
	defer rc.Close()
	mine := map[string]*found{}
	var gone, opaque []string
	err = budget.Walk(l, image.ContextReader(ctx, rc), func(hdr *tar.Header, p string, tr *tar.Reader) error {
		dir, base := path.Dir(p), path.Base(p)
		switch {
		case base == opaqueMarker:
			opaque = append(opaque, dir)
			return nil
		case strings.HasPrefix(base, whiteoutPrefix):
			gone = append(gone, path.Join(dir, base[len(whiteoutPrefix):]))
			return nil
		}
		// Any entry at a path replaces what a lower layer had there.
		delete(files, p)
		delete(mine, p)
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA { //nolint:staticcheck // old layers
			return nil
		}
		f, err := readFile(p, hdr, tr, lim, tmp)
		if err != nil {
			return fmt.Errorf("layer %d: %s: %w", l, tarlayer.Quote(p), err)
		}
		if f != nil {
			mine[p] = f
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range gone {
		removeTree(files, g, true)
	}
	for _, d := range opaque {
		removeTree(files, d, false)
	}
	for p, f := range mine {
		files[p] = f
	}
	return nil
}

// removeTree deletes p (when self) and everything under it.
func removeTree(files map[string]*found, p string, self bool) {
	prefix := strings.TrimSuffix(p, "/") + "/"
	for k := range files {
		if (self && k == p) || strings.HasPrefix(k, prefix) {
			delete(files, k)
		}
	}
}

// readFile inventories one regular file, or returns nil when it holds no
// package record.
func readFile(p string, hdr *tar.Header, r io.Reader, lim Limits, tmp string) (*found, error) {
	kind := classify(p)
	if kind == "" && hdr.Mode&0o111 != 0 && hdr.Size >= 4 {
		kind = "binary"
	}
	if kind == "" {
		return nil, nil
	}
	switch kind {
	case "binary", "jar":
		if hdr.Size > lim.MaxBinary {
			if kind == "jar" {
				return &found{notes: []string{fmt.Sprintf("%s: a jar of %d bytes, over the %d-byte limit: not read", p, hdr.Size, lim.MaxBinary)}}, nil
			}
			return nil, nil
		}
		return spooled(p, kind, r, hdr.Size, tmp)
	}
	if hdr.Size > lim.MaxMetadata {
		return &found{notes: []string{fmt.Sprintf("%s: %d bytes, over the %d-byte limit: not read", p, hdr.Size, lim.MaxMetadata)}}, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxMetadata))
	if err != nil {
		return nil, err
	}
	return parseMetadata(p, kind, data), nil
}

// classify says which package record a path is, or "".
func classify(p string) string {
	base := path.Base(p)
	dir := path.Dir(p)
	switch {
	case p == "/var/lib/dpkg/status":
		return "dpkg"
	case dir == "/var/lib/dpkg/status.d" && !strings.HasSuffix(base, ".md5sums"):
		return "dpkg" // distroless: one stanza file per package
	case p == "/etc/os-release" || p == "/usr/lib/os-release":
		return "os-release"
	case p == "/etc/apt/sources.list",
		dir == "/etc/apt/sources.list.d" && (strings.HasSuffix(base, ".list") || strings.HasSuffix(base, ".sources")):
		return "apt"
	case base == "package.json" && npmPackageDir(dir):
		return "npm"
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info"):
		return "dist-info"
	case base == "PKG-INFO" && strings.HasSuffix(dir, ".egg-info"):
		return "dist-info"
	case strings.HasSuffix(base, ".jar"):
		return "jar"
	}
	return ""
}

// npmPackageDir reports whether dir is a package folder directly in a
// node_modules folder (node_modules/ms, node_modules/@scope/name).
func npmPackageDir(dir string) bool {
	parent := path.Dir(dir)
	if path.Base(parent) == "node_modules" {
		return !strings.HasPrefix(path.Base(dir), ".")
	}
	return strings.HasPrefix(path.Base(parent), "@") && path.Base(path.Dir(parent)) == "node_modules"
}

var elfMagic = []byte{0x7f, 'E', 'L', 'F'}

// spooled writes a binary or jar to a temporary file (it needs random
// access) and reads it; the file is removed before returning.
func spooled(p, kind string, r io.Reader, size int64, tmp string) (*found, error) {
	head := make([]byte, 4)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	if kind == "binary" && !bytes.Equal(head, elfMagic) {
		return nil, nil
	}
	f, err := os.CreateTemp(tmp, "blob-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(head); err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, io.LimitReader(r, size-4)); err != nil {
		return nil, err
	}
	if kind == "binary" {
		return goBinary(p, f), nil
	}
	return jarFile(p, f, size), nil
}
