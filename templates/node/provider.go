// Package node is slipway's Node.js provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package node

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Node.js language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// HTTPProbe probes url with Node's built-in fetch.
func (Provider) HTTPProbe(runtimeBin, url string) []string {
	return []string{runtimeBin, "-e", fmt.Sprintf("fetch(%q).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))", url)}
}
