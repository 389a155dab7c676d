// Package templates holds the language providers, one folder (and Go
// package) per language with its manifest, templates and detection, listed
// in registry.go; it embeds the shared partials, the golden-image template
// and the base-image catalogue. Load parses and checks all of it; nothing
// happens at import time.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/tomlx"
)

//go:embed catalogue.toml all:_shared all:_golden
var files embed.FS

// probeSource is slipway's static health probe (probe/main.go, a program
// of its own with its tests), which generate writes into a Dockerfile's
// probe stage.
//
//go:embed probe/main.go
var probeSource string

// ProbeSource returns the Go source of slipway-probe.
func ProbeSource() string { return probeSource }

// FS returns the embedded catalogue, shared partials and golden template;
// each language's own files are its provider's Files.
func FS() fs.FS { return files }

// Base is one catalogue entry: a final-stage base image and what it offers.
type Base struct {
	Key        string   `toml:"-"`
	Image      string   `toml:"image"`
	User       int      `toml:"user"`
	Shell      bool     `toml:"shell"`
	Libc       string   `toml:"libc"`
	CACerts    bool     `toml:"ca_certs"`
	TZData     bool     `toml:"tzdata"`
	Runtime    string   `toml:"runtime"`
	RuntimeBin string   `toml:"runtime_bin"`
	Languages  []string `toml:"languages"`
	Tools      []string `toml:"tools"`
	Size       string   `toml:"size"`
	Lab        bool     `toml:"lab"`
	Notes      string   `toml:"notes"`
}

// HasTool reports whether the base ships the named tool.
func (b Base) HasTool(name string) bool {
	for _, t := range b.Tools {
		if t == name {
			return true
		}
	}
	return false
}

// Fits reports whether the base can run the language's output.
func (b Base) Fits(language string) bool {
	for _, l := range b.Languages {
		if l == language {
			return true
		}
	}
	return false
}

// Manifest describes one language's template: its variables and defaults.
type Manifest struct {
	Language    string `toml:"language"`
	Description string `toml:"description"`
	// TemplateVersion is bumped whenever the rendered output changes.
	TemplateVersion int      `toml:"template_version"`
	DefaultVersion  string   `toml:"default_version"`
	Versions        []string `toml:"versions"`
	DefaultBase     string   `toml:"default_base"`
	DefaultPort     int      `toml:"default_port"`
	DefaultMain     string   `toml:"default_main"`
	// PackageManagers lists the build tools, the first being the default;
	// Load copies them from the provider's Info.
	PackageManagers []string `toml:"-"`
	// Builders maps a package manager (or "default") to the build-stage image
	// with {version} where the language version goes.
	Builders map[string]string `toml:"builders"`
	// Entrypoint is the default exec-form entrypoint, with placeholders
	// {name}, {main}, {main_stem}, {runtime} (the base's runtime binary)
	// and {port}.
	Entrypoint []string `toml:"entrypoint"`
	// Cmd is the default exec-form CMD, with the same placeholders.
	Cmd []string `toml:"cmd"`
	// Static is true when the build output is a self-contained binary.
	Static bool `toml:"static"`
	// Notes are shown by the wizard.
	Notes string `toml:"notes"`
	// Provider is the language's static facts (provider.Facts reads the
	// same table for the provider's Info, before the templates load).
	Provider provider.Info `toml:"provider"`
}

// Set is the loaded, checked template tree.
type Set struct {
	Bases     map[string]Base
	Manifests map[string]Manifest
	tmpl      map[string]*template.Template // language -> Dockerfile and dockerignore templates
}

// Load parses the catalogue, every manifest and every template, with funcs
// added to each template (generate supplies the escaping helpers).
func Load(funcs template.FuncMap) (*Set, error) {
	s := &Set{Manifests: map[string]Manifest{}, tmpl: map[string]*template.Template{}}
	bases, err := Catalogue()
	if err != nil {
		return nil, err
	}
	s.Bases = bases
	shared, err := fs.Glob(files, "_shared/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, p := range providers {
		info := provider.InfoOf(p)
		lang := info.Key
		pf := p.Files()
		var m Manifest
		if err := decodeStrict(pf, "manifest.toml", path.Join(lang, "manifest.toml"), &m); err != nil {
			return nil, err
		}
		if m.Language != lang {
			return nil, fmt.Errorf("templates/%s/manifest.toml: language is %q, want %q", lang, m.Language, lang)
		}
		if _, ok := s.Bases[m.DefaultBase]; !ok {
			return nil, fmt.Errorf("templates/%s/manifest.toml: default_base %q is not in the catalogue", lang, m.DefaultBase)
		}
		if len(m.Builders) == 0 {
			return nil, fmt.Errorf("templates/%s/manifest.toml: builders is empty", lang)
		}
		if len(info.PackageManagers) == 0 {
			return nil, fmt.Errorf("templates/%s: the provider names no package manager", lang)
		}
		m.PackageManagers = append([]string(nil), info.PackageManagers...)
		t := template.New(lang).Option("missingkey=error").Funcs(funcs).Funcs(template.FuncMap{
			// heredoc returns one of the provider's own embedded source
			// files as a Dockerfile heredoc body (HeredocCode).
			"heredoc": func(name string) (string, error) {
				b, err := fs.ReadFile(pf, name)
				if err != nil {
					return "", fmt.Errorf("templates/%s: %w", path.Join(lang, name), err)
				}
				return HeredocCode(string(b))
			},
		})
		own, err := fs.Glob(pf, "*.tmpl")
		if err != nil {
			return nil, err
		}
		for _, src := range []struct {
			fsys   fs.FS
			names  []string
			prefix string
		}{{pf, own, lang}, {files, shared, ""}} {
			for _, name := range src.names {
				b, err := fs.ReadFile(src.fsys, name)
				if err != nil {
					return nil, err
				}
				if _, err := t.New(path.Base(name)).Parse(string(b)); err != nil {
					return nil, fmt.Errorf("templates/%s: %w", path.Join(src.prefix, name), err)
				}
			}
		}
		for _, need := range []string{"Dockerfile.tmpl", "dockerignore.tmpl"} {
			if t.Lookup(need) == nil {
				return nil, fmt.Errorf("templates/%s: missing %s", lang, need)
			}
		}
		s.Manifests[lang] = m
		s.tmpl[lang] = t
	}
	return s, nil
}

// HeredocCode turns a Go source file into the body of a Dockerfile heredoc
// (COPY <<'EOF' main.go): whole-line comments are left out (the file must
// have no //go: directives) and tabs become spaces (Go reads either; a
// generated Dockerfile has no control characters), so the Dockerfile
// carries the code only. A line that would end the heredoc is an error.
func HeredocCode(src string) (string, error) {
	var code []string
	for _, l := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "//") {
			continue
		}
		if t == "EOF" {
			return "", fmt.Errorf("a source line is EOF, which would end the heredoc")
		}
		code = append(code, strings.ReplaceAll(l, "\t", "    "))
	}
	return strings.Join(code, "\n"), nil
}

// Languages returns the language keys in sorted order.
func (s *Set) Languages() []string {
	return slices.Sorted(maps.Keys(s.Manifests))
}

// BaseKeys returns the catalogue keys in sorted order.
func (s *Set) BaseKeys() []string {
	return slices.Sorted(maps.Keys(s.Bases))
}

// Execute renders the named template (Dockerfile.tmpl or dockerignore.tmpl)
// of a language with data.
func (s *Set) Execute(lang, name string, data any) ([]byte, error) {
	t, ok := s.tmpl[lang]
	if !ok {
		return nil, fmt.Errorf("no templates for language %q", lang)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s/%s: %w", lang, name, err)
	}
	return buf.Bytes(), nil
}

// Catalogue reads and checks the base catalogue, keyed by base key: the
// shared bases of templates/catalogue.toml and each language folder's own
// catalogue.toml (its runtime's bases, and the shared ones it fits). It is
// the one reader of those files.
func Catalogue() (map[string]Base, error) {
	var cat struct {
		Bases map[string]Base `toml:"bases"`
	}
	if err := decodeStrict(files, "catalogue.toml", "catalogue.toml", &cat); err != nil {
		return nil, err
	}
	out := map[string]Base{}
	if err := addBases(out, cat.Bases, "catalogue.toml", ""); err != nil {
		return nil, err
	}
	// Each language folder may carry a catalogue.toml of its own: the
	// bases of its runtime, and the shared bases above it runs on (fits).
	type own struct {
		Fits  []string        `toml:"fits"`
		Bases map[string]Base `toml:"bases"`
	}
	owns := map[string]own{}
	for _, p := range providers {
		lang := provider.InfoOf(p).Key
		if _, err := fs.Stat(p.Files(), "catalogue.toml"); err != nil {
			continue
		}
		var c own
		if err := decodeStrict(p.Files(), "catalogue.toml", path.Join(lang, "catalogue.toml"), &c); err != nil {
			return nil, err
		}
		if err := addBases(out, c.Bases, path.Join(lang, "catalogue.toml"), lang); err != nil {
			return nil, err
		}
		owns[lang] = c
	}
	for _, p := range providers {
		lang := provider.InfoOf(p).Key
		for _, k := range owns[lang].Fits {
			b, ok := out[k]
			if !ok {
				return nil, fmt.Errorf("templates/%s/catalogue.toml: fits: %q is not a base of the catalogue", lang, k)
			}
			if !b.Fits(lang) {
				b.Languages = append(append([]string(nil), b.Languages...), lang)
			}
			out[k] = b
		}
	}
	return out, nil
}

// addBases checks bases of the file display and adds them to out; a
// language's own file (lang set) names bases for that language only.
func addBases(out map[string]Base, bases map[string]Base, display, lang string) error {
	keys := slices.Sorted(maps.Keys(bases))
	for _, k := range keys {
		b := bases[k]
		b.Key = k
		if b.Image == "" || (b.Libc != "none" && b.Libc != "glibc" && b.Libc != "musl") {
			return fmt.Errorf("templates/%s: bases.%s: image is required and libc must be none, glibc or musl", display, k)
		}
		if _, dup := out[k]; dup {
			return fmt.Errorf("templates/%s: bases.%s: the key is already a base of the catalogue", display, k)
		}
		if lang != "" {
			if len(b.Languages) == 0 {
				b.Languages = []string{lang}
			}
			if len(b.Languages) != 1 || b.Languages[0] != lang {
				return fmt.Errorf("templates/%s: bases.%s: languages may name only %s (a base shared by several languages belongs in templates/catalogue.toml)", display, k, lang)
			}
		}
		out[k] = b
	}
	return nil
}

// decodeStrict decodes a TOML file of fsys through slipway's strict
// decoder (internal/tomlx); display names it in errors, under templates/.
func decodeStrict(fsys fs.FS, name, display string, v any) error {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("templates/%s: %w", display, err)
	}
	_, err = tomlx.Decode("templates/"+display, src, v)
	return err
}
