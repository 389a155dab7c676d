"""Entry point: ``python -m app`` serves HTTP; ``python -m app --healthcheck`` probes it.

Listens on 0.0.0.0:$PORT (default 8080) and serves GET / and GET /healthz.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def port() -> int:
    return int(os.environ.get("PORT") or "8080")


class Handler(BaseHTTPRequestHandler):
    server_version = "hello-python"

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        path = self.path.split("?", 1)[0]
        if path == "/":
            body = json.dumps({"message": "hello from python"}).encode() + b"\n"
            self._send(200, "application/json", body)
        elif path == "/healthz":
            self._send(200, "text/plain; charset=utf-8", b"ok")
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n")

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep container logs quiet; only the startup/shutdown lines are logged


def healthcheck() -> int:
    url = f"http://127.0.0.1:{port()}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 0 if resp.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1


def main() -> int:
    if "--healthcheck" in sys.argv[1:]:
        return healthcheck()

    server = ThreadingHTTPServer(("0.0.0.0", port()), Handler)
    server.daemon_threads = True

    def stop(signum: int, _frame: object) -> None:
        print(f"hello-python received {signal.Signals(signum).name}, shutting down", flush=True)
        # shutdown() blocks until serve_forever() returns, so call it off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print(f"hello-python listening on 0.0.0.0:{port()}", flush=True)
    with server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
