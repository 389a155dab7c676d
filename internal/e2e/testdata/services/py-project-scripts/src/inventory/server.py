"""The inventory server; `inventory-server` runs main()."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_stock = {"OLJCESPC7Z": 12, "66VCHSJNUP": 4, "1YMWWN1N4O": 0}
_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ready":
            self._send(200, {"ready": True})
        elif self.path == "/stock":
            with _lock:
                self._send(200, dict(_stock))
        elif self.path.startswith("/stock/"):
            pid = self.path.removeprefix("/stock/")
            with _lock:
                if pid in _stock:
                    self._send(200, {pid: _stock[pid]})
                else:
                    self._send(404, {"error": "unknown product"})
        else:
            self._send(404, {"error": "not found"})

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


def main():
    port = int(os.environ.get("PORT", "8090"))
    server = ThreadingHTTPServer(("", port), Handler)
    print(f"inventory listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
