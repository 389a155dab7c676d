// Package dotnet is slipway's .NET provider: its detection (detect.go), its
// facts (Info below) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package dotnet

import (
	"embed"
	"io/fs"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// info reads the embedded manifest.toml once, on first use.
var info = provider.FactsOnce(files)

// Provider is the .NET language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// Info returns the language's facts: manifest.toml's [provider] table.
func (Provider) Info() provider.Info { return info() }
