defmodule Hello.Application do
  @moduledoc """
  Starts the HTTP listener under a supervisor. On SIGTERM the BEAM runs
  `:init.stop/0`, which stops this application: the supervisor shuts the
  listener down and the release exits 0.
  """
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      {Task.Supervisor, name: Hello.ConnSup},
      {Hello.Server, port: Hello.Server.port()}
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: Hello.Supervisor)
  end

  @impl true
  def prep_stop(state) do
    IO.puts("hello-elixir received SIGTERM, shutting down")
    state
  end
end
