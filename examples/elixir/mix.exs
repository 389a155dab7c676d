defmodule Hello.MixProject do
  use Mix.Project

  def project do
    [
      app: :hello,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      releases: [
        hello: [include_erts: true, include_executables_for: [:unix]]
      ]
    ]
  end

  # :gen_tcp and Logger come with OTP and Elixir: the service needs no Hex
  # package, so it builds with no access to hex.pm.
  def application do
    [
      extra_applications: [:logger],
      mod: {Hello.Application, []}
    ]
  end

  defp deps do
    []
  end
end
