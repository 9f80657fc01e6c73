"""/reconcile: the W3C Entity Reconciliation API v0.2 over HTTP, for OpenRefine.

- ``GET /reconcile``: the service manifest (JSON).
- ``GET|POST /reconcile`` with ``queries=`` (form field or query parameter): a batch of
  queries, answered with candidates (passerelle/reconciliation.py).
- ``GET /reconcile/preview?id=institution/tum``: an HTML card for OpenRefine's preview.
- ``GET /reconcile/suggest/entity|type|property?prefix=...``: auto-completion.

The names come from the served build (its ``names.json``, written by `passerelle build`):
the same names and the same matcher as the build's resolver, so a name matches here exactly
as it resolved in the build. The server reads no seeds and imports no parser. A remote store
has no build directory, hence no name index: /reconcile then answers 503.

Bounds on a batch (the matcher runs in the server's process): at most 100 queries of at
most 300 characters (400 otherwise), at most 25 candidates each, a body of at most 1 MB
(413), and the request's time budget (as a query's: ``timeout=`` lowers it), checked
before each query: past it, 503.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from passerelle.matching import NAMES_FILE, Named, NameIndex
from passerelle.reconciliation import (
    PROPERTIES,
    TYPES,
    OutOfTime,
    QueryError,
    Service,
    suggest_from,
)
from server.errors import ApiError
from server.execution import budget
from server.store import current_store
from server.urls import base_url

MAX_PREFIX_CHARS = 100

bp = Blueprint("reconcile", __name__)
_services: dict[Path, Service] = {}  # the last build's only: a new build replaces it
_lock = threading.Lock()


def service() -> Service:
    """The reconciliation service over the name index of the build being served."""
    directory = current_store().directory
    if directory is None:
        raise ApiError(503, "Reconciliation unavailable", "a remote store has no name "
                       "index; serve a store directory built by `passerelle build`")
    with _lock:
        if directory not in _services:
            path = directory / NAMES_FILE
            if not path.is_file():
                raise ApiError(503, "Reconciliation unavailable", "this build has no name "
                               "index (names.json); rebuild it with `passerelle build`")
            entries = [Named.from_dict(e) for e in json.loads(path.read_text("utf-8"))]
            _services.clear()
            _services[directory] = Service(NameIndex.of(entries))
        return _services[directory]


def _root() -> str:
    # The configured public address, never the Host header (the manifest may be cached).
    return base_url()


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile() -> Response:
    queries = request.values.get("queries")
    if queries is None:
        return jsonify(service().manifest(_root()))
    seconds = budget()  # the request's, as for a query: timeout= lowers it
    try:
        batch = json.loads(queries)
        return jsonify(service().reconcile(batch, seconds))
    except json.JSONDecodeError as exc:
        raise ApiError(400, "Bad reconciliation query", f"queries is not JSON: {exc}") from exc
    except QueryError as exc:
        raise ApiError(400, "Bad reconciliation query", str(exc)) from exc
    except OutOfTime as exc:
        raise ApiError(503, "Reconciliation timeout", str(exc), {"Retry-After": "1"}) from exc


@bp.get("/reconcile/preview")
def preview() -> Response:
    identifier = request.args.get("id", "")
    html = service().preview(identifier, _root())
    if html is None:
        raise ApiError(404, "Not found", f"no institution or faculty {identifier!r}")
    return Response(html, mimetype="text/html")


@bp.get("/reconcile/suggest/<kind>")
def suggest(kind: str) -> Response:
    prefix = request.args.get("prefix", "")
    if len(prefix) > MAX_PREFIX_CHARS:
        raise ApiError(400, "Bad suggest query", f"prefix longer than {MAX_PREFIX_CHARS} "
                       "characters")
    if kind == "entity":
        type_id = request.args.get("type") or None
        return jsonify({"result": service().suggest_entities(prefix, type_id)})
    tables = {"type": TYPES, "property": PROPERTIES}
    if kind not in tables:
        raise ApiError(404, "Not found", f"no suggest service {kind!r}: entity, type or "
                       "property")
    return jsonify({"result": suggest_from(tables[kind], prefix)})
