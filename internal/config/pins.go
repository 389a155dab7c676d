package config

import (
	"maps"
	"slices"
	"strings"

	"github.com/distribution/reference"
)

// maxPins bounds the [pins] table: a Dockerfile slipway renders has a
// handful of stages.
const maxPins = 64

// validatePins checks the [pins] table: image references without a digest
// as keys, digests as values.
func validatePins(pr *problems, pins map[string]string) {
	if len(pins) > maxPins {
		pr.add("pins", "has %d entries; at most %d are allowed", len(pins), maxPins)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(pins)) {
		key := "pins." + k
		if bad := BadChar(k); bad != "" {
			pr.add("pins", "a key contains %s; keys are image references", bad)
			continue
		}
		switch n, err := reference.ParseNormalizedNamed(k); {
		case err != nil:
			pr.add(key, "%q is not an image reference: %v", k, err)
		case strings.Contains(k, "@"):
			pr.add(key, "%q already names a digest; the key is the reference without it", k)
		default:
			if _, ok := n.(reference.Tagged); !ok {
				pr.add(key, "%q has no tag; the key is the reference as the Dockerfile names it (image:tag)", k)
			}
		}
		if v := pins[k]; !reDigest.MatchString(v) {
			pr.add(key, "%q is not a digest: sha256: followed by 64 lowercase hex digits", v)
		}
	}
}

// PinnedRef returns ref with the digest pins holds for it, or ref as it is.
func PinnedRef(ref string, pins map[string]string) string {
	if d, ok := pins[ref]; ok && !strings.Contains(ref, "@") {
		return ref + "@" + d
	}
	return ref
}
