// Package dotnet is slipway's .NET provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package dotnet

import (
	"embed"
	"io/fs"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the .NET language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }
