"""The email service: renders order confirmations from templates/ (a real
deployment would send them; this one returns the HTML it would send)."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jinja2 import Environment, FileSystemLoader, select_autoescape

env = Environment(
    loader=FileSystemLoader(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")),
    autoescape=select_autoescape(["html", "xml"]),
)
# Loaded at start: a missing templates/ folder fails here, not on the first order.
template = env.get_template("confirmation.html")


class EmailHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/_healthz":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_error(404)

    def do_POST(self):
        if self.path != "/send_order_confirmation":
            self.send_error(404)
            return
        try:
            order = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            html = template.render(**order).encode()
        except (ValueError, TypeError) as err:
            self.send_error(400, str(err))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(html)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"email service listening on :{port}", flush=True)
    ThreadingHTTPServer(("", port), EmailHandler).serve_forever()
