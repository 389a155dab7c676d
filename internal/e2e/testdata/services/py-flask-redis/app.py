"""A hit counter kept in Redis."""

import os

import redis
from flask import Flask

app = Flask(__name__)
cache = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379, socket_connect_timeout=2)


@app.route("/")
def hello():
    try:
        count = cache.incr("hits")
    except redis.exceptions.ConnectionError as err:
        return f"redis is unavailable: {err}\n", 503
    return f"Hello! I have been seen {count} times.\n"


@app.route("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
