package lab

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// refRubySlim stands in for the official Ruby image of the catalogue's
// ruby-slim base, which is both the build stage and the final base of a
// Ruby service at the default version. It carries Debian bookworm's Ruby,
// 3.1, under the 3.3 tag (as the rust stand-in carries Debian's older
// rustc under rust:1): services that pin no newer Ruby build and run alike.
const refRubySlim = "docker.io/library/ruby:3.3-slim-bookworm"

// rubyRecipes are the Ruby stand-ins: Debian's ruby3.1 and bundler 2.3 on
// the debian stand-in, laid out as the official image is (ruby, gem and
// bundle in /usr/local/bin; GEM_HOME and BUNDLE_APP_CONFIG at
// /usr/local/bundle, writable by anyone, its bin on PATH). The lab serves
// no gem source (rubygems.org is unreachable and Debian ships gems
// unpacked, not as .gem files), so a service built here installs only
// gems that need no download: an empty bundle, or gems in vendor/cache.
func rubyRecipes() []recipe {
	mirror, security := debianMirror()
	return []recipe{{
		ref: refRubySlim, parent: refDebian,
		inputs: []string{"ruby bundler ca-certificates --no-install-recommends, /usr/local/bin links, /usr/local/bundle 1777", mirror, security},
		layer: func(ctx context.Context, b *builder, dir string) error {
			return b.aptLayer(ctx, dir, `apt-get install -y -q --no-install-recommends ca-certificates ruby bundler
for t in ruby gem bundle bundler irb erb; do ln -sf /usr/bin/$t /usr/local/bin/$t; done
mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle`)
		},
		config: func(c *v1.Config) {
			setEnv(c, "LANG=C.UTF-8", "RUBY_VERSION=3.1", "GEM_HOME=/usr/local/bundle",
				"BUNDLE_SILENCE_ROOT_WARNING=1", "BUNDLE_APP_CONFIG=/usr/local/bundle",
				"PATH=/usr/local/bundle/bin:"+defaultPath)
			c.Cmd = []string{"irb"}
		},
	}}
}
