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

// Provider is the .NET language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// Info returns the language's facts.
func (Provider) Info() provider.Info {
	return provider.Info{
		Key:             "dotnet",
		Markers:         []string{"*.csproj"},
		PackageManagers: []string{"dotnet"},
		RuntimeName:     "dotnet",
		MainHelp:        "The project file, e.g. Api.csproj.",
		Toolchains:      []string{"mcr.microsoft.com/dotnet/sdk"},
		Keys:            []string{"runtime_files", "service_dir", "shared_paths"},
	}
}
