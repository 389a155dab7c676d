package lab

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// refElixir is the build image templates/elixir/manifest.toml names by
// default: hexpm's image of one Elixir on one OTP on one Debian release.
const refElixir = "docker.io/hexpm/elixir:1.17.2-erlang-27.0.1-debian-bookworm-20240722-slim"

// elixirRecipes are the Elixir stand-ins. The build image is debian plus
// Debian bookworm's elixir 1.14 and Erlang/OTP 25 (far older than the tag
// says; hex.pm is unreachable, so no Hex or rebar is installed and only
// projects without hex dependencies build). Its release bundles Debian's
// ERTS, which runs on the debian stand-in as the final stage with libssl3
// (crypto) installed: the real image's ERTS needs the same libraries.
func elixirRecipes() []recipe {
	return []recipe{{
		ref: refElixir, parent: refDebian,
		inputs: []string{"elixir erlang-dev erlang-inets erlang-crypto erlang-ssl erlang-public-key ca-certificates git (Debian's)"},
		layer: func(ctx context.Context, b *builder, dir string) error {
			return b.aptLayer(ctx, dir, `apt-get install -y -q --no-install-recommends ca-certificates git elixir erlang-dev erlang-inets erlang-crypto erlang-ssl erlang-public-key erlang-syntax-tools erlang-runtime-tools`)
		},
		config: func(c *v1.Config) {
			// As the real image: a UTF-8 locale, no mix/hex installed.
			setEnv(c, "LANG=C.UTF-8")
			c.Cmd = []string{"iex"}
		},
	}}
}
