// Package java is slipway's Java provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package java

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Java language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// Validate refuses a main that is no jar: the template runs the jar the
// build produces, whose manifest names the main class, and has no way to
// run a class by name.
func (Provider) Validate(s provider.Settings) []provider.Issue {
	if s.Main != "" && !strings.HasSuffix(s.Main, ".jar") {
		return []provider.Issue{{Key: "main", Msg: fmt.Sprintf("%q is not a jar: for Java, main names the jar the build produces (e.g. api-1.0.jar), whose manifest names the main class; leave it empty to use the build's jar", s.Main)}}
	}
	return nil
}
