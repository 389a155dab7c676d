package main

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// labWord is "lab" as a word: the lab, lab's, make lab; not label or
// collaborate.
var labWord = regexp.MustCompile(`(?i)\blab\b|render-tested`)

// notProduct are the folders whose strings may speak of the test lab,
// because they are the lab or only run against it; none of them is part of
// the slipway CLI.
var notProduct = map[string]string{
	"internal/lab":      "the lab itself",
	"cmd/slipway-lab":   "starts and stops the lab",
	"internal/e2e":      "end-to-end tests against the lab",
	"internal/bench":    "make bench: measures slipway against the lab's BuildKit",
	"cmd/slipway-bench": "make bench's command",
	"tools":             "a separate module that builds the lab's buildkitd",
	".lab":              "the lab's state",
	".git":              "",
}

// No string slipway can print speaks of our test lab: every string literal
// of every non-test Go file outside the lab's own folders (import paths and
// struct tags are not text), and the base catalogue's notes, which the
// wizard shows. Where those facts belong is the README's Tests section.
func TestNoUserFacingStringSpeaksOfTheLab(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if d.IsDir() {
			if _, skip := notProduct[rel]; skip {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		skip := map[ast.Node]bool{}
		for _, im := range f.Imports {
			skip[im.Path] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if fl, ok := n.(*ast.Field); ok && fl.Tag != nil {
				skip[fl.Tag] = true
			}
			bl, ok := n.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING || skip[bl] {
				return true
			}
			s, err := strconv.Unquote(bl.Value)
			if err != nil {
				s = bl.Value
			}
			if m := labWord.FindStringIndex(s); m != nil {
				lo, hi := max(0, m[0]-40), min(len(s), m[1]+40)
				t.Errorf("%s: a string speaks of the test lab: …%s…", relPos(root, fset.Position(bl.Pos())), s[lo:hi])
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d Go files scanned from %s: the walk is broken", files, root)
	}

	cat, err := os.Open(filepath.Join(root, "templates", "catalogue.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	sc := bufio.NewScanner(cat)
	notes := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "notes") {
			continue
		}
		notes++
		if labWord.MatchString(line) {
			t.Errorf("templates/catalogue.toml:%d: a note the wizard shows speaks of the test lab: %s", n, line)
		}
	}
	if notes == 0 {
		t.Error("no notes found in templates/catalogue.toml")
	}
}

func relPos(root string, p token.Position) string {
	p.Filename = strings.TrimPrefix(p.Filename, root+string(filepath.Separator))
	return p.String()
}
