// Package python is slipway's Python provider: its detection (detect.go), its
// facts (Info below) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package python

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// info reads the embedded manifest.toml once, on first use.
var info = provider.FactsOnce(files)

// Provider is the Python language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// Info returns the language's facts: manifest.toml's [provider] table.
func (Provider) Info() provider.Info { return info() }

// HTTPProbe probes url with the standard library's urllib.
func (Provider) HTTPProbe(runtimeBin, url string) []string {
	return []string{runtimeBin, "-c", fmt.Sprintf("import sys,urllib.request as u; sys.exit(0 if u.urlopen(%q, timeout=4).status==200 else 1)", url)}
}
