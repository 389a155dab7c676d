package scan

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/image"
)

// golden compares the image's base with golden.lock. The base is known
// from the labels slipway writes (org.opencontainers.image.base.name and
// .base.digest); without a digest label, the image's lowest layers are
// compared with each locked golden image's layers, fetched from its
// registry.
func (s *scanner) golden(ctx context.Context, lock *goldenlock.Lock, ro image.Options) error {
	if lock == nil || len(lock.Images) == 0 {
		return nil
	}
	names := make([]string, 0, len(lock.Images))
	for n := range lock.Images {
		names = append(names, n)
	}
	sort.Strings(names)
	labels := s.cf.Config.Labels
	baseName, baseDigest := labels[labelBaseName], labels[labelBaseDigest]
	baseRepo := repository(baseName)

	if baseDigest != "" {
		for _, n := range names {
			if lockedDigest(lock.Images[n], baseDigest) {
				return nil
			}
		}
		for _, n := range names {
			if e := lock.Images[n]; baseRepo != "" && baseRepo == repository(e.Image) {
				s.add("SW251", "the base %s is golden image %q at %s, but golden.lock pins %s", baseName, n, short(baseDigest), short(e.Digest))
				return nil
			}
		}
		s.add("SW250", "the base %s (%s, from the image's labels) is none of golden.lock's images (%s)", nonEmpty(baseName, "(unnamed)"), short(baseDigest), strings.Join(names, ", "))
		return nil
	}

	// No digest label: compare layers.
	have := s.cf.RootFS.DiffIDs
	for _, n := range names {
		e := lock.Images[n]
		diffIDs, err := goldenLayers(ctx, e, ro)
		if err != nil {
			return fmt.Errorf("checking the base against golden.lock: golden image %q: %w", n, err)
		}
		if prefix(diffIDs, have) {
			return nil
		}
		if baseRepo != "" && baseRepo == repository(e.Image) {
			s.add("SW251", "the image says its base is golden image %q (%s), but its lowest layers are not those of %s", n, baseName, e.Ref())
			return nil
		}
	}
	s.add("SW250", "the image's lowest layers match none of golden.lock's images (%s), and it has no %s label", strings.Join(names, ", "), labelBaseDigest)
	return nil
}

// lockedDigest reports whether d is the entry's digest or one of its
// platform manifests'.
func lockedDigest(e *goldenlock.LockEntry, d string) bool {
	if e.Digest == d {
		return true
	}
	for _, p := range e.Platforms {
		if p == d {
			return true
		}
	}
	return false
}

// goldenLayers fetches the layer diff ids of the locked image for this
// platform.
func goldenLayers(ctx context.Context, e *goldenlock.LockEntry, ro image.Options) ([]v1.Hash, error) {
	plat := "linux/" + runtime.GOARCH
	if ro.Platform != nil {
		plat = ro.Platform.OS + "/" + ro.Platform.Architecture
	}
	d := e.Digest
	if pd, ok := e.Platforms[plat]; ok {
		d = pd
	}
	ref, err := image.ParseReference(e.Image+"@"+d, ro.Insecure)
	if err != nil {
		return nil, fmt.Errorf("golden.lock names %s@%s: %w", e.Image, d, err)
	}
	img, err := image.Pull(ctx, ref, ro)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	return cf.RootFS.DiffIDs, nil
}

// prefix reports whether base's layers are the lowest layers of img.
func prefix(base, img []v1.Hash) bool {
	if len(base) == 0 || len(base) > len(img) {
		return false
	}
	for i := range base {
		if base[i] != img[i] {
			return false
		}
	}
	return true
}

// repository strips the tag and digest from a reference, fully qualified
// ("debian" → "index.docker.io/library/debian"); "" when it does not parse.
func repository(ref string) string {
	if ref == "" {
		return ""
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return ""
	}
	return r.Context().Name()
}

func short(d string) string {
	if i := strings.Index(d, ":"); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
