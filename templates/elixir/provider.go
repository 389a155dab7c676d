// Package elixir is slipway's Elixir provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
//
// The build stage is hexpm/elixir (the image Phoenix's own release
// Dockerfile starts from): its tags name the Elixir, the OTP and the Debian
// release, so the ERTS a release bundles was linked against the same
// Debian as the final stage. The official elixir:1.x images follow the
// erlang images' Debian, which moves under a tag.
package elixir

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Elixir language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// CheckBase refuses bases the release cannot start on: its ERTS is linked
// against glibc, and bin/<release> is a POSIX shell script.
func (Provider) CheckBase(b provider.Base, _ provider.Build) []provider.Issue {
	switch b.Libc {
	case "musl":
		return []provider.Issue{{Key: "base", Msg: fmt.Sprintf("the Elixir release carries an ERTS built against glibc, but base %s uses musl; use debian-slim", b.Key)}}
	case "none":
		return []provider.Issue{{Key: "base", Msg: fmt.Sprintf("base %s has no libc: the Elixir release's ERTS needs glibc and a shell for bin/<release>; use debian-slim", b.Key)}}
	}
	return nil
}

// reRelease is a release name: mix names releases by atoms, and the name
// becomes bin/<name> and the argument of `mix release`.
var reRelease = regexp.MustCompile(`^[a-z_][A-Za-z0-9_]{0,63}$`)

// Validate refuses a main that cannot name a release.
func (Provider) Validate(s provider.Settings) []provider.Issue {
	if s.Main != "" && !reRelease.MatchString(s.Main) {
		return []provider.Issue{{Key: "main", Msg: fmt.Sprintf("%q is not a release name: Elixir names releases by atoms (a lowercase letter or '_', then letters, digits or '_'), e.g. the app name of mix.exs", s.Main)}}
	}
	return nil
}
