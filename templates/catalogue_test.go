package templates

import (
	"strings"
	"testing"
)

// TestCatalogueFromFolders: the merged catalogue gives every base a
// language, and a language folder's own bases that language alone.
func TestCatalogueFromFolders(t *testing.T) {
	cat, err := Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	for k, b := range cat {
		if len(b.Languages) == 0 {
			t.Errorf("base %s runs no language: no folder's catalogue.toml fits it", k)
		}
	}
	for k, want := range map[string]string{"ruby-slim": "ruby", "php-apache": "php", "distroless-nodejs": "node"} {
		if b := cat[k]; len(b.Languages) != 1 || b.Languages[0] != want {
			t.Errorf("%s: languages %q, want [%s]", k, b.Languages, want)
		}
	}
	for k, want := range map[string][]string{"debian-slim": {"go", "rust", "elixir"}, "distroless-static": {"go", "rust", "static"}, "scratch": {"go", "rust", "static"}} {
		if got := strings.Join(cat[k].Languages, ","); got != strings.Join(want, ",") {
			t.Errorf("%s: languages %s, want %s (the registry's order)", k, got, strings.Join(want, ","))
		}
	}
}

func TestAddBasesRefuses(t *testing.T) {
	out := map[string]Base{"scratch": {Key: "scratch", Image: "scratch", Libc: "none"}}
	for name, c := range map[string]struct {
		bases map[string]Base
		lang  string
		want  string
	}{
		"a duplicate key":         {map[string]Base{"scratch": {Image: "x", Libc: "none"}}, "ruby", "already a base"},
		"another language's base": {map[string]Base{"x": {Image: "x", Libc: "glibc", Languages: []string{"go"}}}, "ruby", "may name only ruby"},
		"no image":                {map[string]Base{"x": {Libc: "glibc"}}, "ruby", "image is required"},
		"a bad libc":              {map[string]Base{"x": {Image: "x", Libc: "bionic"}}, "", "libc must be"},
	} {
		err := addBases(out, c.bases, "ruby/catalogue.toml", c.lang)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "templates/ruby/catalogue.toml") {
			t.Errorf("%s: %v, want an error naming the file and saying %q", name, err, c.want)
		}
	}
}
