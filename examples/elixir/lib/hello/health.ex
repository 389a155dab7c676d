defmodule Hello.Health do
  @moduledoc """
  The service's own probe, for bases without curl: `bin/hello eval
  "Hello.Health.check()"` GETs http://127.0.0.1:$PORT/healthz with a 2 s
  timeout and halts with 0 on a 200, 1 otherwise.
  """

  def check do
    port = Hello.Server.port()

    status =
      with {:ok, sock} <- :gen_tcp.connect(~c"127.0.0.1", port, [:binary, active: false], 2_000),
           :ok <- :gen_tcp.send(sock, "GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"),
           {:ok, "HTTP/1.1 200" <> _} <- :gen_tcp.recv(sock, 0, 2_000) do
        0
      else
        _ -> 1
      end

    System.halt(status)
  end
end
