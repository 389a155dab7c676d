package templates

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/provider"
)

// languageMentionsAllowed are the files outside the providers' folders whose
// string literals may equal a language key, each for a reason that is not a
// list of languages. The test fails when a file listed here no longer needs
// its entry, so the list cannot go stale.
var languageMentionsAllowed = map[string]string{
	// Fixtures keyed by the example services' directories (examples/go,
	// examples/node, ...), not by language: each names one service.
	"internal/examples/examples.go": "example services named by their directory under examples/",
	"internal/bench/rebuild.go":     "the two examples the rebuild benchmark edits",
	"internal/bench/size.go":        "a hand-written naive Dockerfile and payload paths per example service",
	"internal/bench/generate.go":    "the example the generate benchmark renders",
	"internal/bench/lint.go":        "the go command that runs the lint benchmark",
	"internal/bench/scan.go":        "the go command that runs the scan benchmark",
	"internal/bench/golden.go":      "the go command that runs the golden benchmark",
	"internal/bench/pool.go":        "the go command that builds the pool benchmark's CPU burner",
	"internal/testkit/testkit.go":   "the go command that lists what a package depends on (Deps)",
	"internal/bench/report.go":      "the Go toolchain version of the machine the benchmarks ran on",
	// Program names, not languages.
	"internal/lab/buildkitd.go":  "runs the go command to build buildkitd",
	"internal/lab/registry.go":   "runs the go command to build slipway-lab",
	"internal/lab/procs.go":      "checks the go command is installed",
	"internal/lab/recipes.go":    "the lab's stand-in toolchain images run this machine's go and node",
	"internal/lab/host.go":       "copies this machine's go and node into the lab's stand-in toolchain images",
	"internal/lab/gostandins.go": "runs the go command to download Go toolchains from the module proxy",
	"internal/lint/run.go":       "python as a program in RUN lines (python -m pip install)",
}

// TestNoLanguageListOutsideProviders is the claim that a new language is its
// folder plus one line of registry.go: no Go file of the module outside
// templates/<language>/ names a language key in a string literal (a map key,
// a case, a list), except the files above, and every folder of templates/
// that is not shared (_shared, _golden) is a registered provider.
func TestNoLanguageListOutsideProviders(t *testing.T) {
	keys := Keys()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var offences []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if rel == "." {
				return nil
			}
			name := e.Name()
			_, nested := os.Stat(filepath.Join(p, "go.mod"))
			switch {
			case strings.HasPrefix(name, ".") || name == "testdata" || nested == nil:
				return filepath.SkipDir // another module, fixtures, VCS
			case slices.Contains(keys, strings.TrimPrefix(rel, "templates/")) && strings.HasPrefix(rel, "templates/"):
				return filepath.SkipDir // a provider's own folder
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, k := range keys {
				if v == k || strings.Contains(v, `language = "`+k+`"`) {
					if _, ok := languageMentionsAllowed[rel]; ok {
						used[rel] = true
					} else {
						offences = append(offences, fset.Position(lit.Pos()).String()+": "+lit.Value)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(offences)
	for _, o := range offences {
		t.Errorf("%s names a language outside templates/<language>/: ask the registry (templates.Providers, Keys, Provider)", o)
	}
	for f, why := range languageMentionsAllowed {
		if !used[f] {
			t.Errorf("%s is allowed to name a language (%s) but no longer does: remove it from languageMentionsAllowed", f, why)
		}
	}

	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, d := range dirs {
		// probe/ is slipway's static health probe (a program, not a
		// language), whose source generate writes into Dockerfiles.
		if d.IsDir() && !strings.HasPrefix(d.Name(), "_") && d.Name() != "probe" {
			folders = append(folders, d.Name())
		}
	}
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if !slices.Equal(folders, want) {
		t.Errorf("folders of templates/ are %q, registered providers %q: each language is one folder and one line of registry.go", folders, want)
	}
}

// TestProviders checks each registered provider's facts against its own
// files: a unique key, markers, a package manager, a manifest that loads.
func TestProviders(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Providers() {
		i := provider.InfoOf(p)
		if seen[i.Key] {
			t.Errorf("language %q registered twice", i.Key)
		}
		seen[i.Key] = true
		if len(i.Markers) == 0 || len(i.PackageManagers) == 0 || i.MainHelp == "" {
			t.Errorf("%s: markers %q, package managers %q and main help %q must all be set", i.Key, i.Markers, i.PackageManagers, i.MainHelp)
		}
		var m Manifest
		if err := decodeStrict(p.Files(), "manifest.toml", i.Key+"/manifest.toml", &m); err != nil {
			t.Errorf("%s: %v", i.Key, err)
			continue
		}
		if m.Language != i.Key {
			t.Errorf("%s/manifest.toml: language = %q", i.Key, m.Language)
		}
		if m.Static != (i.RuntimeName == "") {
			t.Errorf("%s: static = %v but runtime name %q: a language without a runtime builds a self-contained binary", i.Key, m.Static, i.RuntimeName)
		}
		if got, ok := Provider(i.Key); !ok || provider.InfoOf(got).Key != i.Key {
			t.Errorf("Provider(%q) does not find it", i.Key)
		}
	}
	if _, ok := Provider("cobol"); ok {
		t.Error("Provider finds an unregistered language")
	}
}
