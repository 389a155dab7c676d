package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

// TestUnsupportedNamed: a tree whose only project file is one of a language
// without a provider is refused on language, naming the language, the file
// and the registry's languages.
func TestUnsupportedNamed(t *testing.T) {
	supported := "supported: " + strings.Join(templates.Keys(), ", ")
	for _, u := range unsupported {
		t.Run(u.pattern, func(t *testing.T) {
			dir := t.TempDir()
			name := strings.ReplaceAll(u.pattern, "*", "hello")
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := "language: " + u.language + " (" + name + ") is not supported yet; " + supported
			if r.Language != "" || len(r.Refusals) != 1 || r.Refusals[0] != want {
				t.Errorf("language %q refusals %q, want %q", r.Language, r.Refusals, want)
			}
		})
	}
	if !strings.Contains(supported, "static") || strings.Contains(supported, "C/C++") {
		t.Errorf("the supported list is not the registry's: %s", supported)
	}
}

// TestUnsupportedBesideSupported: a supported language's project file wins
// (a Go service with a CMakeLists.txt for a C helper is a Go service).
func TestUnsupportedBesideSupported(t *testing.T) {
	dir := t.TempDir()
	for f, body := range map[string]string{"CMakeLists.txt": "project(x)\n", "go.mod": "module x\n\ngo 1.26\n", "main.go": "package main\n\nfunc main() {}\n"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "go" || len(r.Refusals) != 0 {
		t.Errorf("language %q refusals %q, want go and none", r.Language, r.Refusals)
	}
}

// TestUnsupportedAreNoMarkers: no unsupported pattern is (or matches, or is
// matched by) a registered provider's marker; a language that gains a
// provider must leave the list (mix.exs, Gemfile, composer.json did).
func TestUnsupportedAreNoMarkers(t *testing.T) {
	for _, p := range templates.Providers() {
		for _, m := range provider.InfoOf(p).Markers {
			for _, u := range unsupported {
				a, _ := filepath.Match(u.pattern, filepath.Base(m))
				b, _ := filepath.Match(filepath.Base(m), u.pattern)
				if u.pattern == m || a || b {
					t.Errorf("%s is %s's marker %s, and on the unsupported list as %s", u.pattern, provider.InfoOf(p).Key, m, u.language)
				}
			}
		}
	}
	for _, gone := range []string{"mix.exs", "Gemfile", "composer.json", "index.html"} {
		for _, u := range unsupported {
			if u.pattern == gone {
				t.Errorf("%s is supported now; remove it from the unsupported list", gone)
			}
		}
	}
}

func TestMarkersMessage(t *testing.T) {
	m := Markers()
	for _, want := range []string{"go.mod", "package.json", "Gemfile", "composer.json", "mix.exs", "index.html", " or "} {
		if !strings.Contains(m, want) {
			t.Errorf("Markers() = %q lacks %q", m, want)
		}
	}
}
