// Package detect reads a service's source tree and reports what it can tell
// about it: the language, its version, the package manager, the entry point,
// the port and a health endpoint. It only reads files; it never runs
// anything. The language is found from the registered providers' markers
// (templates.Providers); the provider of that language reads the rest, and
// the language-neutral scan here reads its entry sources for ports and
// health endpoints. Every finding names the file it came from (Evidence),
// and when the tree allows several answers the field is left empty and the
// choice is reported (Ambiguities, Unresolved) instead of guessed.
package detect

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates"
)

// Result is what a source tree says about the service (provider.Result).
type Result = provider.Result

// Detect reads dir and reports what it finds. When project files of several
// languages are present the language is left empty (see Languages and
// Ambiguities); DetectAs then reads the tree as one of them.
func Detect(dir string) (*Result, error) { return detect(dir, "") }

// DetectAs reads dir as a project of the given language, e.g. after the
// user resolved an ambiguity or passed --language.
func DetectAs(dir, language string) (*Result, error) { return detect(dir, language) }

func detect(dir, language string) (*Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reading %s: not a directory", dir)
	}
	d := &provider.Detector{Dir: dir, R: &Result{}}
	files := map[string][]string{}
	var fallbacks []string
	for _, p := range templates.Providers() {
		info := provider.InfoOf(p)
		for _, pat := range info.Markers {
			matches, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range matches {
				if provider.FileExists(f) {
					files[info.Key] = append(files[info.Key], filepath.Base(f))
				}
			}
		}
		if len(files[info.Key]) == 0 {
			continue
		}
		if c, ok := p.(provider.Claimer); ok {
			mine, err := c.Claims(d)
			if err != nil {
				return nil, err
			}
			if !mine {
				continue
			}
		}
		if info.Fallback {
			fallbacks = append(fallbacks, info.Key)
			continue
		}
		d.R.Languages = append(d.R.Languages, info.Key)
	}
	if len(d.R.Languages) == 0 {
		d.R.Languages = fallbacks
	}
	lang := language
	switch {
	case lang != "":
	case len(d.R.Languages) == 1:
		lang = d.R.Languages[0]
		d.R.Found("language", lang, "%s", strings.Join(files[lang], ", "))
	case len(d.R.Languages) > 1:
		var parts []string
		for _, l := range d.R.Languages {
			parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(files[l], ", "), l))
		}
		d.R.Choice("language", true, "project files of several languages: %s", strings.Join(parts, ", "))
	}
	d.R.Language = lang
	if lang == "" && len(d.R.Languages) == 0 {
		refuseUnsupported(d)
	}
	if p, ok := templates.Provider(lang); ok {
		if err := p.Detect(d); err != nil {
			return nil, err
		}
	}
	scanSources(d)
	if d.R.Name == "" {
		abs, err := filepath.Abs(dir)
		if err == nil {
			d.SetName(filepath.Base(abs), "the directory name")
		}
	}
	return d.R, nil
}
