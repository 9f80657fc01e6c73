"""The other WSGI apps the HTTP benchmark serves on granian, beside `passerelle serve`.

- ``ceiling()``: one trivial Flask route, ``GET /ping``: what the WSGI server itself costs,
  the throughput no query can beat.
- ``passerelle_with_caching()``: Passerelle's app as `passerelle serve` makes it, with
  server/caching.py registered; for as long as create_app does not register it itself, this
  shows what the cache brings. The store comes from ``PASSERELLE_STORE``.
"""

from __future__ import annotations

from flask import Flask, Response

from server import caching, create_app
from server.wsgi import THREADS


def ceiling() -> Flask:
    app = Flask(__name__)

    @app.get("/ping")
    def ping():
        return Response("ok", mimetype="text/plain")

    return app


def passerelle_with_caching() -> Flask:
    app = create_app({"QUERY_PROCESSES": THREADS})  # what server.wsgi.serve passes
    caching.register(app)
    return app
