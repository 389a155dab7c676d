// Package python is slipway's Python provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package python

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Python language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// HTTPProbe probes url with the standard library's urllib.
func (Provider) HTTPProbe(runtimeBin, url string) []string {
	return []string{runtimeBin, "-c", fmt.Sprintf("import sys,urllib.request as u; sys.exit(0 if u.urlopen(%q, timeout=4).status==200 else 1)", url)}
}
