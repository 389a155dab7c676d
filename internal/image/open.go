package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Kind says where an image was read from.
type Kind string

// Kinds of image sources.
const (
	KindRegistry      Kind = "registry"       // a reference, pulled lazily
	KindLayout        Kind = "oci-layout"     // an OCI layout directory
	KindOCIArchive    Kind = "oci-archive"    // an OCI layout tarball
	KindDockerArchive Kind = "docker-archive" // a `docker save` tarball
)

// Options tune Open.
type Options struct {
	// TempDir is where a gzipped tarball's blobs are written ("" = the
	// system's).
	TempDir string
	// Insecure allows plain HTTP to the registry. Loopback registries
	// (localhost, 127.0.0.0/8, ::1) are always allowed it.
	Insecure bool
	// Keychain authenticates to registries (default: the Docker config,
	// authn.DefaultKeychain).
	Keychain authn.Keychain
	// Platform picks one image from an index (default linux/GOARCH).
	Platform *v1.Platform
	// Limits bound the image's structure (zero fields: the context's
	// Settings, else DefaultLimits).
	Limits Limits
	// Warn receives warnings (default: the context's Settings, else
	// os.Stderr).
	Warn io.Writer
}

// Source is an opened image.
type Source struct {
	v1.Image
	// Ref is what the caller gave (a path or a reference); Name is the
	// fully qualified reference for a registry image.
	Ref, Name string
	Kind      Kind
	tmp       string
}

// Close removes what Open unpacked.
func (s *Source) Close() error {
	if s == nil || s.tmp == "" {
		return nil
	}
	return os.RemoveAll(s.tmp)
}

// NotFoundError means src is neither a readable local image nor a valid
// image reference.
type NotFoundError struct {
	Src string
	Err error
}

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// Open reads the image src: an existing path (OCI layout directory, OCI
// tarball, docker save tarball) or else a registry reference
// ("registry.example.com/team/app:1.2", "...@sha256:..."). A registry
// image's layers are fetched only when read.
func Open(ctx context.Context, src string, o Options) (*Source, error) {
	if src == "" {
		return nil, &NotFoundError{Src: src, Err: fmt.Errorf("no image given")}
	}
	if _, err := os.Stat(src); err == nil {
		tmp, err := os.MkdirTemp(o.TempDir, "slipway-image-")
		if err != nil {
			return nil, fmt.Errorf("creating a temporary directory: %w", err)
		}
		img, kind, err := openLocal(ctx, src, tmp, settingsFrom(ctx, o), o.Platform)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		return &Source{Image: img, Ref: src, Kind: kind, tmp: tmp}, nil
	}
	if looksLikePath(src) {
		return nil, &NotFoundError{Src: src, Err: fmt.Errorf("%s: no such file or directory", src)}
	}
	ref, err := ParseReference(src, o.Insecure)
	if err != nil {
		return nil, &NotFoundError{Src: src, Err: fmt.Errorf("%q is not an existing file and not an image reference: %w", src, err)}
	}
	img, err := Pull(ctx, ref, o)
	if err != nil {
		return nil, err
	}
	return &Source{Image: img, Ref: src, Name: ref.Name(), Kind: KindRegistry}, nil
}

// ParseReference parses an image reference; a loopback registry (and any
// registry when insecure) is reached over plain HTTP.
func ParseReference(s string, insecure bool) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, err
	}
	if insecure || Loopback(ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.Insecure)
	}
	return ref, nil
}

// Pull returns the image ref names, for o.Platform when it is an index,
// verified and bounded like a local one: the manifest against ref's digest
// (when ref has one) and the index's descriptor, the config against the
// manifest, the layers as they are read.
func Pull(ctx context.Context, ref name.Reference, o Options) (v1.Image, error) {
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	s := settingsFrom(ctx, o)
	st := &registryStore{repo: ref.Context(), opts: []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}}
	desc, err := remote.Get(ref, st.opts...)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	file := ref.String()
	if int64(len(desc.Manifest)) > s.Limits.MaxManifestSize {
		return nil, invalid(file, "the manifest is %d bytes, more than the limit of %d (raise it with --max-manifest-size)", len(desc.Manifest), s.Limits.MaxManifestSize)
	}
	d := desc.Descriptor
	if dg, ok := ref.(name.Digest); ok {
		want, err := v1.NewHash(dg.DigestStr())
		if err != nil {
			return nil, invalid(file, "%v", err)
		}
		d.Digest, d.Size = want, int64(len(desc.Manifest))
		if _, err := readVerified(bytes.NewReader(desc.Manifest), d, s.Limits.MaxManifestSize, "manifest", file, "--max-manifest-size"); err != nil {
			return nil, err
		}
	}
	if d.MediaType.IsIndex() {
		img, err := fromIndex(ctx, st, desc.Manifest, file, s, o.Platform)
		if err != nil {
			return nil, fmt.Errorf("pulling %s: %w", ref, err)
		}
		return img, nil
	}
	img, err := loadImage(ctx, st, d, desc.Manifest, s.Limits, file)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	return img, nil
}

// registryStore reads blobs and manifests of one repository.
type registryStore struct {
	repo name.Repository
	opts []remote.Option
}

func (r *registryStore) local() bool { return false }

func (r *registryStore) open(_ context.Context, d v1.Descriptor, manifest bool) (io.ReadCloser, string, error) {
	ref := r.repo.Digest(d.Digest.String())
	if manifest {
		desc, err := remote.Get(ref, r.opts...)
		if err != nil {
			return nil, ref.String(), fmt.Errorf("pulling %s: %w", ref, err)
		}
		return io.NopCloser(bytes.NewReader(desc.Manifest)), ref.String(), nil
	}
	l, err := remote.Layer(ref, r.opts...)
	if err != nil {
		return nil, ref.String(), fmt.Errorf("pulling %s: %w", ref, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, ref.String(), fmt.Errorf("pulling %s: %w", ref, err)
	}
	return rc, ref.String(), nil
}

// Loopback reports whether a registry host (host[:port]) is this machine.
func Loopback(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// looksLikePath is true for arguments that can only be meant as a file:
// they start with . or /, or end like a tarball.
func looksLikePath(s string) bool {
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") {
		return true
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}
