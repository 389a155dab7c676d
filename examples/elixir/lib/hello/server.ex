defmodule Hello.Server do
  @moduledoc """
  A tiny HTTP/1.1 server on `:gen_tcp` (OTP only, no Plug or Cowboy).

  Listens on 0.0.0.0:$PORT (default 8080). `GET /` answers a JSON greeting,
  `GET /healthz` answers `ok`; anything else is a 404. Each connection is
  served by its own task and closed after one response.
  """
  use GenServer

  @doc "The listen port: $PORT, or 8080."
  def port, do: String.to_integer(System.get_env("PORT") || "8080")

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    Process.flag(:trap_exit, true)
    port = Keyword.fetch!(opts, :port)

    {:ok, listen} =
      :gen_tcp.listen(port, [
        :binary,
        packet: :http_bin,
        active: false,
        reuseaddr: true,
        ip: {0, 0, 0, 0}
      ])

    IO.puts("hello-elixir listening on 0.0.0.0:#{port}")
    acceptor = spawn_link(fn -> accept(listen) end)
    {:ok, %{listen: listen, acceptor: acceptor}}
  end

  @impl true
  def terminate(_reason, %{listen: listen}) do
    :gen_tcp.close(listen)
  end

  defp accept(listen) do
    case :gen_tcp.accept(listen) do
      {:ok, sock} ->
        {:ok, pid} = Task.Supervisor.start_child(Hello.ConnSup, fn -> serve(sock) end)
        :ok = :gen_tcp.controlling_process(sock, pid)
        send(pid, :go)
        accept(listen)

      {:error, :closed} ->
        :ok
    end
  end

  defp serve(sock) do
    receive do
      :go -> :ok
    after
      1_000 -> exit(:normal)
    end

    with {:ok, {:http_request, method, {:abs_path, target}, _vsn}} <- :gen_tcp.recv(sock, 0, 5_000),
         :ok <- skip_headers(sock) do
      path = target |> String.split("?", parts: 2) |> hd()
      {status, type, body} = route(method, path)
      :ok = :inet.setopts(sock, packet: :raw)

      head =
        "HTTP/1.1 #{status}\r\ncontent-type: #{type}\r\ncontent-length: #{byte_size(body)}\r\nconnection: close\r\n\r\n"

      :gen_tcp.send(sock, if(method == :HEAD, do: head, else: [head, body]))
    end

    :gen_tcp.close(sock)
  end

  defp skip_headers(sock) do
    case :gen_tcp.recv(sock, 0, 5_000) do
      {:ok, :http_eoh} -> :ok
      {:ok, {:http_header, _, _, _, _}} -> skip_headers(sock)
      other -> other
    end
  end

  defp route(method, "/") when method in [:GET, :HEAD],
    do: {"200 OK", "application/json", ~s({"message":"hello from elixir"}\n)}

  defp route(method, "/healthz") when method in [:GET, :HEAD],
    do: {"200 OK", "text/plain; charset=utf-8", "ok"}

  defp route(_method, _path), do: {"404 Not Found", "text/plain; charset=utf-8", "not found\n"}
end
