"""The public URLs that answers carry, made from the configured base URL (``BASE_URL``).

Never from the request's ``Host`` header: answers are cached (here and by shared caches,
``Cache-Control: public``), and a client that sends a forged Host must not get its host
written into the Link, VoID or service-description URLs that others are then served.
"""

from __future__ import annotations

from flask import current_app, request, url_for


def base_url() -> str:
    """The service's public base URL, without a trailing slash."""
    return current_app.config["BASE_URL"]


def public_url(endpoint: str, **values) -> str:
    """The absolute public URL of a view (``url_for`` under the base URL)."""
    path = url_for(endpoint, **values)
    return base_url() + path.removeprefix(request.script_root)


def public_path(path: str) -> str:
    """The absolute public URL of a path of this app (``/sparql``)."""
    return base_url() + path
