package detect

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

// unsupported are project files of languages slipway knows but has no
// provider for, in the order looked for: a tree with one of them and no
// supported language's project file is refused with the language named,
// rather than reported as "nothing detected". No pattern here may be a
// registered provider's marker (a test holds them apart); a language that
// gains a provider leaves this list.
var unsupported = []struct{ pattern, language string }{
	{"CMakeLists.txt", "C/C++"},
	{"meson.build", "C/C++"},
	{"configure.ac", "C/C++"},
	{"Package.swift", "Swift"},
	{"build.zig", "Zig"},
	{"*.cabal", "Haskell"},
	{"stack.yaml", "Haskell"},
	{"cabal.project", "Haskell"},
	{"pubspec.yaml", "Dart"},
	{"deno.json", "Deno"},
	{"deno.jsonc", "Deno"},
	{"build.sbt", "Scala"},
	{"project.clj", "Clojure"},
	{"deps.edn", "Clojure"},
	{"rebar.config", "Erlang"},
	{"gleam.toml", "Gleam"},
	{"dune-project", "OCaml"},
	{"*.nimble", "Nim"},
	{"shard.yml", "Crystal"},
	{"*.fsproj", "F#"},
	{"*.vbproj", "Visual Basic .NET"},
	{"Project.toml", "Julia"},
	{"cpanfile", "Perl"},
	{"Makefile.PL", "Perl"},
	{"*.rockspec", "Lua"},
}

// refuseUnsupported records a refusal on language naming the first known
// but unsupported project file of the tree, with the supported languages
// (the registry's keys).
func refuseUnsupported(d *provider.Detector) {
	for _, u := range unsupported {
		matches, _ := filepath.Glob(filepath.Join(d.Dir, u.pattern))
		for _, f := range matches {
			if provider.FileExists(f) {
				d.R.Refuse("language", "%s (%s) is not supported yet; supported: %s", u.language, filepath.Base(f), strings.Join(templates.Keys(), ", "))
				return
			}
		}
	}
}

// Markers describes the project files of the supported languages, for a
// message saying none was found ("go.mod, package.json, ... or *.csproj").
func Markers() string {
	var all []string
	seen := map[string]bool{}
	for _, p := range templates.Providers() {
		for _, m := range provider.InfoOf(p).Markers {
			if !seen[m] {
				seen[m] = true
				all = append(all, m)
			}
		}
	}
	if len(all) < 2 {
		return strings.Join(all, "")
	}
	return fmt.Sprintf("%s or %s", strings.Join(all[:len(all)-1], ", "), all[len(all)-1])
}
