// Package java is slipway's Java provider: its detection (detect.go), its
// facts (Info below) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package java

import (
	"embed"
	"io/fs"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Java language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// Info returns the language's facts.
func (Provider) Info() provider.Info {
	return provider.Info{
		Key:             "java",
		Markers:         []string{"pom.xml", "build.gradle", "build.gradle.kts"},
		PackageManagers: []string{"maven", "gradle"},
		RuntimeName:     "java",
		MainHelp:        "The main class or jar name; usually empty (the build's manifest names it).",
		Toolchains:      []string{"maven", "gradle", "openjdk", "cgr.dev/chainguard/jdk", "cgr.dev/chainguard/maven", "cgr.dev/chainguard/gradle"},
	}
}
