// Package php is slipway's PHP provider: its detection (detect.go), its
// facts (manifest.toml's [provider] table) and its templates and manifest.toml, embedded from this
// folder. templates/registry.go lists it.
//
// The service runs under Apache with mod_php (the official php:<v>-apache
// image): a production server in one process tree that needs no second
// server for FastCGI, moved to an unprivileged port and run as a created
// non-root user, with its pid and lock files in /tmp so the root file
// system can stay read-only. Dependencies are installed by Composer in the
// composer:2 build image; only vendor/ and the sources reach the final
// stage.
package php

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl
var files embed.FS

// Provider is the PHP language.
type Provider struct{}

// Files returns manifest.toml and the templates.
func (Provider) Files() fs.FS { return files }

// HTTPProbe probes url with PHP's own stream wrapper, which fails on a
// non-2xx answer.
func (Provider) HTTPProbe(runtimeBin, url string) []string {
	return []string{runtimeBin, "-r", fmt.Sprintf("exit(@file_get_contents(%q) === false ? 1 : 0);", url)}
}

// Validate refuses a document root that leaves the project.
func (Provider) Validate(s provider.Settings) []provider.Issue {
	m := s.Main
	if m == "" {
		return nil
	}
	if strings.HasPrefix(m, "/") || path.Clean(m) != m || m == ".." || strings.HasPrefix(m, "../") {
		return []provider.Issue{{Key: "main", Msg: fmt.Sprintf("the document root %q must be a clean path inside the project (public, web, .)", m)}}
	}
	return nil
}
