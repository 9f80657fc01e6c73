"""Security headers on every response.

- ``X-Content-Type-Options: nosniff`` everywhere: a browser must not read a JSON error or a
  Turtle page as HTML or script.
- On HTML pages, a Content Security Policy that allows scripts and styles from this origin
  only, and no inline script (the query page's code is a file, `static/query-page.js`, and
  reads what it needs from data attributes). YASGUI sets styles from its script, hence
  ``'unsafe-inline'`` for styles only. Its requests go to this origin's /sparql
  (``connect-src 'self'``): the page cannot be made to send queries elsewhere.
- ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for older browsers) so no other
  site can frame the pages, ``Referrer-Policy: no-referrer`` so a query in the URL is not
  sent to the sites the pages link to.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
