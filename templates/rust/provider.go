// Package rust is slipway's Rust provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package rust

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Rust language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// CheckBase refuses a musl base (the build stage links glibc) and warns on a
// base with no libc.
func (Provider) CheckBase(b provider.Base, _ provider.Build) []provider.Issue {
	switch b.Libc {
	case "musl":
		return []provider.Issue{{Key: "base", Msg: fmt.Sprintf("the Rust build stage produces a glibc-linked binary, but base %s uses musl; use distroless-cc", b.Key)}}
	case "none":
		return []provider.Issue{{Key: "base", Warning: true, Msg: fmt.Sprintf("base %s has no libc: the Rust binary must be statically linked (the default build links glibc dynamically); distroless-cc is the safe choice", b.Key)}}
	}
	return nil
}
