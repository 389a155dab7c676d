// Package ruby is slipway's Ruby provider: its detection (detect.go: the
// Gemfile, Gemfile.lock and how the service starts; secrets.go: private gem
// servers), its facts (manifest.toml's [provider] table) and its templates and manifest.toml,
// embedded from this folder. templates/registry.go lists it.
package ruby

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Ruby language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// HTTPProbe probes url with the standard library's Net::HTTP, with short
// timeouts; any error exits 1.
func (Provider) HTTPProbe(runtimeBin, url string) []string {
	return []string{runtimeBin, "-rnet/http", "-e",
		fmt.Sprintf("u = URI(%q); r = (Net::HTTP.start(u.host, u.port, open_timeout: 2, read_timeout: 2) { |h| h.get(u.request_uri) } rescue nil); exit(r.is_a?(Net::HTTPSuccess) ? 0 : 1)", url)}
}

// IsToolchain reports whether a ruby image ships a compiler
// (provider.ToolchainImages): the official image's full tags (ruby:3.3,
// ruby:3.3-bookworm, ruby:latest) are built on buildpack-deps, with gcc,
// make and the -dev headers; its slim and alpine tags are not. Chainguard's
// -dev variants carry a shell, apk and the build tools.
func (Provider) IsToolchain(name, tag string) bool {
	switch name {
	case "ruby":
		return !strings.Contains(tag, "slim") && !strings.Contains(tag, "alpine")
	case "cgr.dev/chainguard/ruby":
		return strings.HasSuffix(tag, "-dev")
	}
	return false
}
