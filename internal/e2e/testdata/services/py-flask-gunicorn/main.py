"""A greeting service: Flask app `app`, served by gunicorn."""

import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def hello_world():
    name = os.environ.get("NAME", "World")
    return f"Hello {name}!"


@app.route("/healthz")
def healthz():
    return jsonify(status="ok")


if __name__ == "__main__":
    # Development only; in production gunicorn imports main:app.
    app.run(debug=True, host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))
