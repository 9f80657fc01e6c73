"""CORS for the read endpoints, so that web pages anywhere can query the graph.

Every response except those of ``/update`` carries ``Access-Control-Allow-Origin: *``; a
preflight (OPTIONS with ``Access-Control-Request-Method``) is answered with the route's
methods and the headers a SPARQL client sends (``Content-Type: application/sparql-query``
is not a "simple" header, so a browser asks first). ``/update`` gets no CORS headers: a
browser page on another site cannot send it the admin token.
"""

from __future__ import annotations

from flask import Flask, Response, request

PRIVATE_PREFIXES = ("/update",)
ALLOWED_REQUEST_HEADERS = "Accept, Content-Type"
PREFLIGHT_MAX_AGE = "86400"


def add_cors_headers(response: Response) -> Response:
    if request.path.startswith(PRIVATE_PREFIXES):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        # Flask answers OPTIONS itself, with the route's methods in Allow.
        response.headers["Access-Control-Allow-Methods"] = response.headers.get(
            "Allow", "GET, HEAD, OPTIONS")
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def register(app: Flask) -> None:
    app.after_request(add_cors_headers)
