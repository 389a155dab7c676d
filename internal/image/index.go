package image

import (
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// walker picks one image manifest out of an index tree, reading every
// nested index through the store, verified and bounded: no deeper than
// MaxIndexDepth, no more than MaxIndexEntries descriptors in all, and
// never an index that is its own ancestor.
type walker struct {
	ctx      context.Context
	st       store
	lim      Limits
	platform v1.Platform
	entries  int
	// matches are the manifests for the platform, fallback those that
	// record none, both in the order met (depth first, in index order).
	matches, fallback []v1.Descriptor
}

func (w *walker) walk(im *v1.IndexManifest, file string, depth int, ancestors []v1.Hash) error {
	for _, d := range im.Manifests {
		if w.entries++; w.entries > w.lim.MaxIndexEntries {
			return invalid(file, "the image index lists more than %d descriptors in all", w.lim.MaxIndexEntries)
		}
		switch {
		case d.MediaType.IsIndex():
			for _, a := range ancestors {
				if a == d.Digest {
					return invalid(file, "index %s refers to itself (through %s): a cycle", d.Digest, chain(ancestors))
				}
			}
			if depth+1 > w.lim.MaxIndexDepth {
				return invalid(file, "indexes nest deeper than %d (%s → %s; raise the limit with --max-index-depth)", w.lim.MaxIndexDepth, chain(ancestors), d.Digest)
			}
			b, cfile, err := readBlob(w.ctx, w.st, d, true, w.lim.MaxManifestSize, "image index", "--max-manifest-size", file)
			if err != nil {
				return err
			}
			child, err := parseIndex(b, cfile)
			if err != nil {
				return err
			}
			if err := w.walk(child, cfile, depth+1, append(ancestors[:len(ancestors):len(ancestors)], d.Digest)); err != nil {
				return err
			}
		case d.MediaType.IsImage():
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			if p := d.Platform; p != nil {
				if p.OS == w.platform.OS && p.Architecture == w.platform.Architecture &&
					(w.platform.Variant == "" || p.Variant == w.platform.Variant) {
					w.matches = append(w.matches, d)
				}
				continue
			}
			w.fallback = append(w.fallback, d)
		}
	}
	return nil
}

func chain(hs []v1.Hash) string {
	if len(hs) == 0 {
		return "index.json"
	}
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return "index.json → " + strings.Join(s, " → ")
}

// pick returns the manifest for the platform: the first met when several
// are (with a warning naming them, since which one a runtime runs is then
// up to the runtime), else the first that records no platform.
func (w *walker) pick(warn io.Writer, file string) (v1.Descriptor, error) {
	cands := w.matches
	what := "for " + platformString(w.platform)
	if len(cands) == 0 {
		cands, what = w.fallback, "without a platform"
	}
	if len(cands) == 0 {
		return v1.Descriptor{}, invalid(file, "no image for %s in the index", platformString(w.platform))
	}
	for _, c := range cands[1:] {
		if c.Digest != cands[0].Digest {
			var ds []string
			for _, c := range cands {
				ds = append(ds, c.Digest.String())
			}
			fmt.Fprintf(warn, "slipway: warning: %s: %d image manifests %s (%s); reading the first, %s\n",
				file, len(cands), what, strings.Join(ds, ", "), cands[0].Digest)
			break
		}
	}
	return cands[0], nil
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
