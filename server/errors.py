"""The server's one error type, one handler and one error shape, as JSON or as a page.

Every error a client sees, whether raised by our code (`ApiError`) or by Flask and
Werkzeug (404, 405, 413, an unexpected 500), is answered as
``{"error": {"status": 400, "title": "...", "detail": "..."}}`` with that HTTP status; a
browser (a client that ranks ``text/html`` above JSON) gets the same status, title and
detail as an HTML page instead, on every route.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered to the client: its HTTP status, a short title and what went wrong.

    ``headers`` are added to the response (``WWW-Authenticate`` on a 401, ``Allow`` on a 405).
    """

    def __init__(self, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def browser_wants_html(accept: str | None) -> bool:
    """True when the client ranks text/html above JSON; on a tie (``*/*``) JSON wins."""
    client = parse_accept_header(accept or "", MIMEAccept)
    return bool(client) and client.best_match(["application/json", "text/html"]) == "text/html"


def error_response(error: ApiError) -> Response:
    if browser_wants_html(request.headers.get("Accept")):
        response = _page(error)
    else:
        body = {"error": {"status": error.status, "title": error.title,
                          "detail": error.detail}}
        response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    response.vary.add("Accept")
    return response


def _page(error: ApiError) -> Response:
    try:
        page = render_template("error.html", error=error)
    except Exception:  # a page that cannot be drawn must not hide the error itself
        log.exception("cannot render the error page; answering plain text")
        return Response(f"{error.status} {error.title}\n\n{error.detail}\n",
                        mimetype="text/plain")
    return Response(page, mimetype="text/html")


def _from_http_exception(exc: HTTPException) -> Response:
    # Werkzeug's own errors (unknown route, wrong method, body too large, an unhandled
    # exception turned into a 500) get the same shape; its Allow header is kept on a 405.
    status = exc.code or 500
    headers = {name: value for name, value in exc.get_headers() if name == "Allow"}
    detail = exc.description or ""
    return error_response(ApiError(status, exc.name, detail, headers))


def register(app: Flask) -> None:
    """Install the handlers: ApiError and every HTTPException answer in the one shape."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _from_http_exception)
