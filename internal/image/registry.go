package image

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway/slipway/internal/shells"
)

// EnvRegistryMirror names a registry (host:port) that serves the images of
// every other registry, with their repository paths (docker.io/library/debian
// -> HOST:PORT/library/debian), as the lab's loopback registry does for
// buildkitd. Remote asks it instead of the real registry.
const EnvRegistryMirror = "SLIPWAY_REGISTRY_MIRROR"

// Registry answers what golden, pin and init need to know of registries.
// *Remote implements it; tests use fakes.
type Registry interface {
	// Digest resolves a reference (by tag or digest) to the digest of its
	// manifest or index.
	Digest(ctx context.Context, ref string) (string, error)
	// Inspect reads a pushed image (ref pinned by digest): its platforms
	// and, per platform, the facts the audit checks.
	Inspect(ctx context.Context, ref string) (*Inspection, error)
}

// Inspection is what an image (or index) holds.
type Inspection struct {
	// Platforms maps os/arch[/variant] to the platform's manifest digest.
	Platforms map[string]string
	// Images are the facts of each platform's image, sorted by platform.
	Images []Facts
}

// Facts are what the audit checks in one image.
type Facts struct {
	Platform string
	User     string
	Labels   map[string]string
	// SetuidFiles are regular files with a setuid or setgid bit.
	SetuidFiles []string
	// Shells are files whose name is a known shell, in a bin directory.
	Shells []string
	// PackageState are package-manager binaries and state found.
	PackageState []string
	// AptLists are files left in /var/lib/apt/lists.
	AptLists []string
	// Paths is every path in the flattened filesystem (without leading /).
	Paths map[string]bool
}

// PackageStatePaths are the package-manager binaries and state that
// remove_package_manager deletes (the package list kept for scanners in
// /var/lib/dpkg/status.d and /lib/apk/db/installed is not among them).
var PackageStatePaths = []string{
	"usr/bin/dpkg", "usr/bin/apt", "usr/bin/apt-get", "bin/dpkg",
	"var/lib/dpkg/status", "var/lib/dpkg/info", "var/lib/dpkg/available",
	"var/lib/apt", "var/cache/apt", "etc/apt", "etc/dpkg",
	"sbin/apk", "etc/apk", "var/cache/apk",
}

// Remote is the Registry of real registries, through go-containerregistry.
// Loopback registries are spoken to over plain http.
type Remote struct {
	// Mirror, when set (host:port), serves every non-loopback registry.
	Mirror string
}

// NewRemote returns a Remote using $SLIPWAY_REGISTRY_MIRROR when mirror is "".
func NewRemote(mirror string) *Remote {
	if mirror == "" {
		mirror = os.Getenv(EnvRegistryMirror)
	}
	return &Remote{Mirror: mirror}
}

// Reference parses ref and maps it to the mirror when one is set.
func (r *Remote) Reference(ref string) (name.Reference, error) {
	n, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", ref, err)
	}
	host := n.Context().RegistryStr()
	if r.Mirror == "" || Loopback(host) || host == r.Mirror {
		if Loopback(host) {
			return name.ParseReference(ref, name.Insecure)
		}
		return n, nil
	}
	sep := ":"
	if _, ok := n.(name.Digest); ok {
		sep = "@"
	}
	opts := []name.Option{}
	if Loopback(r.Mirror) {
		opts = append(opts, name.Insecure)
	}
	return name.ParseReference(r.Mirror+"/"+n.Context().RepositoryStr()+sep+n.Identifier(), opts...)
}

// Digest implements Registry with a HEAD request.
func (r *Remote) Digest(ctx context.Context, ref string) (string, error) {
	n, err := r.Reference(ref)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(n, remote.WithContext(ctx))
	if err != nil {
		where := n.String()
		if where != ref {
			where = ref + " (asked of " + where + ")"
		}
		return "", fmt.Errorf("resolving %s: %w", where, err)
	}
	return desc.Digest.String(), nil
}

// Inspect implements Registry: it reads every platform's config and its
// flattened filesystem.
func (r *Remote) Inspect(ctx context.Context, ref string) (*Inspection, error) {
	n, err := r.Reference(ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(n, remote.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	ins := &Inspection{Platforms: map[string]string{}}
	var imgs []v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		for _, d := range m.Manifests {
			if d.Platform == nil || d.Platform.OS == "unknown" { // attestation manifests
				continue
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", ref, err)
			}
			imgs = append(imgs, img)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		imgs = append(imgs, img)
	}
	for _, img := range imgs {
		f, digest, err := ImageFacts(img)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		ins.Platforms[f.Platform] = digest
		ins.Images = append(ins.Images, *f)
	}
	sort.Slice(ins.Images, func(i, j int) bool { return ins.Images[i].Platform < ins.Images[j].Platform })
	return ins, nil
}

// ImageFacts reads one image's config and walks its flattened filesystem.
func ImageFacts(img v1.Image) (*Facts, string, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, "", err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, "", err
	}
	f := &Facts{
		Platform: platformString(v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}),
		User:     cfg.Config.User,
		Labels:   cfg.Config.Labels,
		Paths:    map[string]bool{},
	}
	err = WalkFlattened(img, func(name string, h *tar.Header, _ *tar.Reader) error {
		p := strings.TrimPrefix(name, "/")
		f.Paths[p] = true
		if h.Typeflag == tar.TypeReg && h.Mode&(0o4000|0o2000) != 0 {
			f.SetuidFiles = append(f.SetuidFiles, "/"+p)
		}
		dir, base := path.Split(p)
		if slices.Contains(shells.Names, base) && slices.Contains(shells.BinDirs, dir) && h.Typeflag != tar.TypeDir {
			f.Shells = append(f.Shells, "/"+p)
		}
		if strings.HasPrefix(p, "var/lib/apt/lists/") && h.Typeflag == tar.TypeReg && !strings.HasSuffix(p, "/lock") {
			f.AptLists = append(f.AptLists, "/"+p)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading layers: %w", err)
	}
	for _, sp := range PackageStatePaths {
		if f.Paths[sp] {
			f.PackageState = append(f.PackageState, "/"+sp)
		}
	}
	sort.Strings(f.SetuidFiles)
	sort.Strings(f.Shells)
	return f, digest.String(), nil
}
