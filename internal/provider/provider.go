// Package provider is the contract between slipway and one language. A
// provider lives in its own folder under templates/ (its manifest.toml,
// Dockerfile and .dockerignore templates, and the Go code here described),
// and templates/registry.go lists the providers in order. Everything else in
// slipway (config validation, the wizard, generate, lint, detect) asks the
// registry instead of naming a language.
//
// A provider reads a source tree (Detect) and records plain values in a
// Result, each with the evidence that told it; the wizard turns them into a
// config.Project and the templates render only that. This package imports
// nothing of slipway, so config and every other package may import the
// registry.
package provider

import (
	"fmt"
	"io/fs"
	"sync"

	"github.com/BurntSushi/toml"
)

// Provider is one language: its files and its detection. What slipway
// needs to know of the language without loading its templates is data in
// its manifest.toml (InfoOf reads it).
type Provider interface {
	// Files holds the language's manifest.toml, Dockerfile.tmpl and
	// dockerignore.tmpl at its root, and optionally its catalogue.toml
	// (the bases of its runtime, and the shared bases it fits) and source
	// files its templates write into a Dockerfile (the heredoc function).
	Files() fs.FS
	// Detect reads d.Dir as a project of this language: it fills d.R (with
	// Found and Choice for the evidence) and appends the entry sources
	// that the language-neutral scan reads for ports and health endpoints
	// to d.Sources. A file that cannot be parsed is evidence, not an error;
	// only I/O failures are returned.
	Detect(d *Detector) error
}

// Info is a language's static facts. A provider declares them in the
// [provider] table of its manifest.toml (the key Key is the manifest's
// language); Facts reads them.
type Info struct {
	// Key is the language key of slipway.toml ("go", "node").
	Key string `toml:"-"`
	// Markers are the project files at the service root that name the
	// language: exact names or filepath.Glob patterns.
	Markers []string `toml:"markers"`
	// PackageManagers are the build tools a service may choose, the first
	// being the default. With a single entry the key package_manager is
	// not offered and is refused when set.
	PackageManagers []string `toml:"package_managers"`
	// RuntimeName is the command that runs the language's output
	// ("python3") when a base does not give its runtime's absolute path;
	// empty for languages that build a self-contained binary.
	RuntimeName string `toml:"runtime_name"`
	// MainHelp explains the key main for this language (shown by the wizard).
	MainHelp string `toml:"main_help"`
	// Toolchains are the build-stage image repositories of the language
	// (familiar names, "golang", "mcr.microsoft.com/dotnet/sdk"), which
	// lint refuses as a final stage.
	Toolchains []string `toml:"toolchains"`
	// Keys are the slipway.toml keys that only some languages honour
	// ("cgo") and this one does; config refuses them for the others.
	Keys []string `toml:"keys"`
	// Fallback languages count only when no other language's markers
	// are found: a static site's index.html beside a go.mod is the Go
	// service's front end, not a second language.
	Fallback bool `toml:"fallback"`
}

// ToolchainImages is implemented by providers whose runtime image is a
// toolchain under some tags only: the official ruby image carries gcc and
// make except in its slim and alpine variants. Lint refuses such an image
// as a final stage when IsToolchain says so of its familiar name ("ruby",
// "cgr.dev/chainguard/ruby") and tag ("" when it has none).
type ToolchainImages interface {
	IsToolchain(name, tag string) bool
}

// Claimer is implemented by providers whose markers another language also
// uses (package.json is a Node service's and a front-end app's): Claims
// says whether the tree is this language's, and may note why not in d.R.
type Claimer interface {
	Claims(d *Detector) (bool, error)
}

// LanguageKeys are the slipway.toml keys that a language honours only when
// its provider lists them in Info.Keys.
// runtime_files, service_dir and shared_paths need COPY lines the
// language's template renders (templates/_shared/context.tmpl); a provider
// lists them once its template does.
var LanguageKeys = []string{"cgo", "healthcheck.binary", "runtime_files", "service_dir", "shared_paths", "npmrc"}

// Settings are the slipway.toml values a provider may check.
type Settings struct {
	Main           string
	PackageManager string
	// BuildSecrets and BuildPackages count the project's [[secret]] and
	// build_packages entries, which a language without a build step
	// cannot honour.
	BuildSecrets  int
	BuildPackages int
	BuildCommand  bool
	Npmrc         bool
}

// Validator is implemented by providers that refuse values their template
// could not honour (so that no key is silently ignored). Main is "" when
// slipway.toml leaves it to the manifest's default.
type Validator interface {
	Validate(s Settings) []Issue
}

// Prober is implemented by providers whose runtime can probe an HTTP
// endpoint itself, so an http_path healthcheck works on a base that has the
// runtime but neither curl nor wget.
type Prober interface {
	// HTTPProbe returns the exec-form command that exits 0 when url
	// answers 2xx, run with the runtime at runtimeBin.
	HTTPProbe(runtimeBin, url string) []string
}

// Base is what a language check may read of a catalogue base.
type Base struct {
	Key  string
	Libc string // "none", "glibc" or "musl"
}

// Build is what a language check may read of the project.
type Build struct {
	CGO bool
}

// Issue is a language-specific compatibility problem of a project with its
// base: an error on Key, or a warning when Warning is set.
type Issue struct {
	Key     string
	Msg     string
	Warning bool
}

// BaseChecker is implemented by providers whose output needs something of
// the final base (a libc).
type BaseChecker interface {
	CheckBase(b Base, p Build) []Issue
}

// infos caches InfoOf: Provider values are comparable (providers are
// empty structs), and a provider's embedded manifest never changes.
var infos sync.Map // Provider -> Info

// InfoOf is p's static facts: Facts of its files, read once.
func InfoOf(p Provider) Info {
	if i, ok := infos.Load(p); ok {
		return i.(Info)
	}
	i, _ := infos.LoadOrStore(p, Facts(p.Files()))
	return i.(Info)
}

// Facts reads a provider's Info from the manifest.toml at the root of its
// files: the language key and the [provider] table. The templates loader
// decodes the same file strictly (an unknown key is refused there), so this
// reads only what Info needs. It panics on a file that cannot be read: the
// files are embedded in the binary, and every provider's manifest is loaded
// by the templates tests.
func Facts(files fs.FS) Info {
	src, err := fs.ReadFile(files, "manifest.toml")
	if err != nil {
		panic(fmt.Sprintf("provider: %v", err))
	}
	var m struct {
		Language string `toml:"language"`
		Provider Info   `toml:"provider"`
	}
	if _, err := toml.Decode(string(src), &m); err != nil {
		panic(fmt.Sprintf("provider: manifest.toml: %v", err))
	}
	if m.Language == "" {
		panic("provider: manifest.toml has no language")
	}
	m.Provider.Key = m.Language
	return m.Provider
}
