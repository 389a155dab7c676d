package elixir_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/detect"
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/testkit"
)

const phoenixMix = `defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [
      app: :shop,
      version: "0.1.0",
      elixir: "~> 1.15",
      aliases: aliases(),
      deps: deps()
    ]
  end

  defp deps do
    [
      {:phoenix, "~> 1.7.14"},
      {:bandit, "~> 1.5"},
      {:jason, "~> 1.2"}
    ]
  end

  defp aliases do
    ["assets.deploy": ["tailwind shop --minify", "esbuild shop --minify", "phx.digest"]]
  end
end
`

const phoenixRuntime = `import Config

if config_env() == :prod do
  port = String.to_integer(System.get_env("PORT") || "4000")

  config :shop, ShopWeb.Endpoint,
    http: [ip: {0, 0, 0, 0, 0, 0, 0, 0}, port: port]
end
`

const routerEx = `defmodule ShopWeb.Router do
  use ShopWeb, :router

  scope "/", ShopWeb do
    get "/healthz", HealthController, :index
  end
end
`

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name                     string
		files                    map[string]string
		dir                      string // instead of files
		main, framework, version string
		port                     int
		portEnv, health          string
		secrets                  []provider.Secret
		ambiguous, refusal       string // a word of the ambiguity or refusal expected
	}{
		{name: "example", dir: "../../examples/elixir", main: "hello", port: 8080, portEnv: "PORT", health: "/healthz"},
		{
			name:  "phoenix",
			files: map[string]string{"mix.exs": phoenixMix, "config/runtime.exs": phoenixRuntime, "lib/shop_web/router.ex": routerEx, "assets/js/app.js": "", "mix.lock": "%{\n  \"phoenix\": {:hex, :phoenix, \"1.7.14\", \"a\", [:mix], [], \"hexpm\", \"b\"},\n}\n"},
			main:  "shop", framework: "phoenix", port: 4000, portEnv: "PORT", health: "/healthz",
		},
		{
			name: "plug cowboy from a private organization",
			files: map[string]string{"mix.exs": `defmodule Api.MixProject do
  use Mix.Project
  def project, do: [app: :api, version: "1.0.0", deps: deps()]
  defp deps, do: [{:plug_cowboy, "~> 2.7"}, {:acme_auth, "~> 1.0", organization: "acme"}]
end
`, "mix.lock": "%{}\n"},
			main: "api", framework: "plug_cowboy",
			secrets: []provider.Secret{{ID: "hex_api_key", Env: "HEX_API_KEY"}},
		},
		{
			name: "an organization's package in mix.lock",
			files: map[string]string{"mix.exs": `defmodule Api.MixProject do
  use Mix.Project
  def project, do: [app: :api, deps: [{:bandit, "~> 1.0"}, {:acme_auth, "~> 1.0"}]]
end
`, "mix.lock": `%{
  "acme_auth": {:hex, :acme_auth, "1.0.2", "c", [:mix], [], "hexpm:acme", "d"},
  "bandit": {:hex, :bandit, "1.5.7", "e", [:mix], [], "hexpm", "f"},
}
`},
			main: "api", framework: "bandit",
			secrets: []provider.Secret{{ID: "hex_api_key", Env: "HEX_API_KEY"}},
		},
		{
			name: "asdf versions and a named release",
			files: map[string]string{".tool-versions": "erlang 27.0.1\nelixir 1.17.2-otp-27\n", "mix.exs": `defmodule Svc.MixProject do
  use Mix.Project
  # app: :not_this_one
  def project do
    [app: :svc_core, releases: [svc: [include_executables_for: [:unix], applications: [runtime_tools: :permanent]]]]
  end
end
`},
			main: "svc", version: "1.17.2-erlang-27.0.1",
		},
		{
			name: "two releases",
			files: map[string]string{"mix.exs": `defmodule Duo.MixProject do
  use Mix.Project
  def project do
    [app: :duo, releases: [web: [steps: [:assemble]], worker: [steps: [:assemble, :tar]]]]
  end
end
`},
			ambiguous: "two releases",
		},
		{
			name: "umbrella without releases",
			files: map[string]string{"mix.exs": `defmodule Umb.MixProject do
  use Mix.Project
  def project, do: [apps_path: "apps", deps: []]
end
`},
			ambiguous: "umbrella",
		},
		{
			name: "a release without ERTS",
			files: map[string]string{"mix.exs": `defmodule Bare.MixProject do
  use Mix.Project
  def project, do: [app: :bare, releases: [bare: [include_erts: false]]]
end
`},
			main: "bare", refusal: "include_erts",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = testkit.WriteTree(t, c.files)
			}
			r, err := detect.Detect(dir)
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != "elixir" || r.Main != c.main || r.Framework != c.framework || r.Version != c.version {
				t.Errorf("language %q main %q framework %q version %q, want elixir %q %q %q", r.Language, r.Main, r.Framework, r.Version, c.main, c.framework, c.version)
			}
			if r.Port != c.port || r.PortEnv != c.portEnv || r.HealthPath != c.health {
				t.Errorf("port %d port_env %q health %q, want %d %q %q", r.Port, r.PortEnv, r.HealthPath, c.port, c.portEnv, c.health)
			}
			if !slices.Equal(r.BuildSecrets, c.secrets) {
				t.Errorf("secrets %+v, want %+v", r.BuildSecrets, c.secrets)
			}
			if got := strings.Join(r.Ambiguities, "\n"); (c.ambiguous == "") != (got == "") || !strings.Contains(got, c.ambiguous) {
				t.Errorf("ambiguities %q, want one saying %q", r.Ambiguities, c.ambiguous)
			}
			if got := strings.Join(r.Refusals, "\n"); (c.refusal == "") != (got == "") || !strings.Contains(got, c.refusal) {
				t.Errorf("refusals %q, want one saying %q", r.Refusals, c.refusal)
			}
			if c.main != "" && !slices.ContainsFunc(r.Evidence, func(l string) bool { return strings.HasPrefix(l, "main = "+c.main) }) {
				t.Errorf("no evidence for main in %q", r.Evidence)
			}
		})
	}
}
