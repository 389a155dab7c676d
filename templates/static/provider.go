// Package static is slipway's static-site provider: a front-end app whose
// build writes static files (Vite, Create React App, Vue CLI, Angular,
// Parcel, a plain build script) or a folder of plain HTML. Its detection
// (detect.go), its facts (manifest.toml's [provider] table), its templates, manifest.toml and
// catalogue.toml, and the web server it ships (server/main.go) are embedded
// from this folder. templates/registry.go lists it.
//
// The site is built with Node in a build stage (the node provider's
// detection reads its version, package manager, lock file and .npmrc) and
// served by slipway-static, a small web server of the standard library
// whose source the Dockerfile carries in a heredoc, built in a golang stage
// onto distroless static: no shell, no libc, no package manager, a non-root
// uid, a read-only root file system, and a -healthcheck mode of the same
// binary for an exec-form HEALTHCHECK. A general-purpose server (nginx,
// Caddy) would bring its own configuration language to escape into, a
// writable cache or pid path to provide and, for nginx, a libc; this server
// needs nothing from its base and does only what a built site needs.
package static

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates/node"
)

//go:embed manifest.toml catalogue.toml Dockerfile.tmpl dockerignore.tmpl server/main.go
var files embed.FS

// Provider is the static-site language.
type Provider struct{}

// Files returns manifest.toml, catalogue.toml, the templates and the
// server's source.
func (Provider) Files() fs.FS { return files }

// Claims takes a front-end app's package.json (node.FrontEnd), or an
// index.html (at the root or in public/) with no package.json: a plain
// HTML site.
func (Provider) Claims(d *provider.Detector) (bool, error) {
	if d.Exists("package.json") {
		fe, err := node.FrontEnd(d)
		return fe != "", err
	}
	return d.Exists("index.html") || d.Exists("public/index.html"), nil
}

// Validate refuses a site folder that leaves the project, and, for a
// plain site (package_manager none, which has no build step), the keys
// only a build honours.
func (Provider) Validate(s provider.Settings) []provider.Issue {
	var out []provider.Issue
	if m := s.Main; m != "" && (strings.HasPrefix(m, "/") || path.Clean(m) != m || m == ".." || strings.HasPrefix(m, "../")) {
		out = append(out, provider.Issue{Key: "main", Msg: fmt.Sprintf("the site folder %q must be a clean path inside the project (dist, build, public, .)", m)})
	}
	if s.PackageManager == "none" {
		var used []string
		for _, k := range []struct {
			key string
			set bool
		}{{"[[secret]]", s.BuildSecrets > 0}, {"build_packages", s.BuildPackages > 0}, {"build_command", s.BuildCommand}, {"npmrc", s.Npmrc}} {
			if k.set {
				used = append(used, k.key)
			}
		}
		if len(used) > 0 {
			out = append(out, provider.Issue{Key: "package_manager", Msg: fmt.Sprintf("none serves the files as they are, with no build step, but %s is set for a build; build the site with npm, yarn or pnpm, or remove it", strings.Join(used, ", "))})
		}
	}
	return out
}
