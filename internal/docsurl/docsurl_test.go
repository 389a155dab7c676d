package docsurl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// The links are real: Repository is the repository of the module path in
// go.mod, and every document linked is a file of this repository.
func TestLinksPointAtThisRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	src, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod := modfile.ModulePath(src)
	if want := "https://" + mod; Repository != want {
		t.Errorf("Repository = %q, want %q (from go.mod's module %s)", Repository, want, mod)
	}
	for _, u := range []string{Rules, Config} {
		rel, ok := strings.CutPrefix(u, Blob)
		if !ok {
			t.Errorf("%s is not under %s", u, Blob)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
			t.Errorf("%s links to a file the repository does not have: %v", u, err)
		}
	}
}
