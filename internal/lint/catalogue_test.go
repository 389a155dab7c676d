package lint

import (
	"testing"

	"github.com/distribution/reference"

	"github.com/slipway/slipway/templates"
)

// lint knows the catalogue only through templates.Catalogue, the one
// reader of catalogue.toml; a base lint cannot map back to its key would
// silently lose the base rules, so every entry must be found by its image.
func TestEveryCatalogueBaseIsKnown(t *testing.T) {
	bases, err := templates.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	if len(bases) == 0 {
		t.Fatal("the catalogue is empty")
	}
	for k, b := range bases {
		n, err := reference.ParseNormalizedNamed(b.Image)
		if err != nil {
			t.Errorf("bases.%s: image %q: %v", k, b.Image, err)
			continue
		}
		if got := catalogueKey(n); got != k {
			t.Errorf("catalogueKey(%s) = %q, want %q", b.Image, got, k)
		}
	}
}
