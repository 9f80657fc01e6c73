"""The server's one error type, one handler and one JSON error shape.

Every error a client sees, whether raised by our code (`ApiError`) or by Flask and
Werkzeug (404, 405, 413, an unexpected 500), is answered as
``{"error": {"status": 400, "title": "...", "detail": "..."}}`` with that HTTP status.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException


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


def error_response(error: ApiError) -> Response:
    body = {"error": {"status": error.status, "title": error.title, "detail": error.detail}}
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


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
