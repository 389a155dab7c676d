// Package golang is slipway's Go provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
package golang

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the Go language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// reHealthFlag is a self-probe flag declared with Go's flag package:
// flag.Bool("healthcheck", ...).
var reHealthFlag = regexp.MustCompile(`flag\.[A-Za-z]+\(\s*"(healthcheck|health-check)"`)

// healthFlag returns the flag as the program is run with it ("-healthcheck").
func healthFlag(line string) string {
	if m := reHealthFlag.FindStringSubmatch(line); m != nil {
		return "-" + m[1]
	}
	return ""
}

// CheckBase refuses a cgo build on a base whose libc the binary cannot use.
func (Provider) CheckBase(b provider.Base, p provider.Build) []provider.Issue {
	if !p.CGO {
		return nil
	}
	switch b.Libc {
	case "none":
		return []provider.Issue{{Key: "cgo", Msg: fmt.Sprintf("a cgo build links against glibc dynamically, but base %s has no libc; use distroless-base or distroless-cc, or set cgo = false", b.Key)}}
	case "musl":
		return []provider.Issue{{Key: "cgo", Msg: fmt.Sprintf("the Go build stage links against glibc, but base %s uses musl; the binary would not start; use a glibc base or cgo = false", b.Key)}}
	}
	return nil
}
