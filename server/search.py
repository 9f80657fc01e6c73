"""`/search?q=`: find schools, institutions, faculties, networks and countries by name.

What a name is and how results are ranked: `passerelle.search_index`. The index of the build
being served is loaded once per build and per process, from the build's ``search.json``
(written by `passerelle build`), or read from the store when there is none (a remote store).
HTML for browsers, JSON (``/search.json``, or ``Accept: application/json``) for the
autocomplete of the header's search box and of the canned-query forms; ``kind=`` keeps one
kind of entity (``institution`` keeps schools too: a school is an institution).
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from passerelle.search_index import (
    DEFAULT_LIMIT,
    KIND_ORDER,
    SEARCH_FILE,
    Entry,
    Index,
    fold,
)
from passerelle.store import OpenStore
from passerelle.vocabulary import ID
from server.errors import ApiError
from server.store import current_store

bp = Blueprint("search", __name__, template_folder="templates")

MAX_QUERY = 200
MAX_LIMIT = 100


_lock = threading.Lock()


def index_of(opened: OpenStore) -> Index:
    """The index of the build being served, read once per build (and per process)."""
    build_id = opened.build.get("build_id") or id(opened.store)
    cached = current_app.extensions.get("passerelle-search")
    if cached and cached[0] == build_id and not opened.writable:
        return cached[1]
    with _lock:
        saved = opened.directory / SEARCH_FILE if opened.directory else None
        # A writable store changes under /update: its index is read from the store itself.
        if saved and saved.is_file() and not opened.writable:
            index = Index.load(saved)
        else:
            index = Index.read(opened.store)
        current_app.extensions["passerelle-search"] = (build_id, index)
    return index


def labels() -> Index:
    """The current build's index, for pages that need a label for an IRI."""
    return index_of(current_store())


@bp.get("/search")
@bp.get("/search.<any(json, html):suffix>")
def search(suffix: str | None = None):
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        raise ApiError(400, "Invalid parameter", f"q is at most {MAX_QUERY} characters")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KIND_ORDER:
        raise ApiError(400, "Invalid parameter",
                       f"kind={kind!r} is not one of {', '.join(KIND_ORDER)}")
    limit = _limit(request.args.get("limit"))
    index = labels()
    results = [_result(index, entry, matched) for entry, matched in
               index.search(text, kind, limit)]
    wants_json = suffix == "json" or (suffix is None and request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json")
    if wants_json:
        response = jsonify({"query": text, "kind": kind, "results": results})
    else:
        response = Response(render_template("search.html", query=text, kind=kind,
                                            results=results, kinds=KIND_ORDER),
                            mimetype="text/html")
    response.vary.add("Accept")
    return response


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "Invalid parameter", f"limit={raw!r} is not a whole number "
                                                 f"from 1 to {MAX_LIMIT}")
    return int(raw)


def _result(index: Index, entry: Entry, matched: str) -> dict:
    return {"iri": entry.iri, "url": url_for("pages.entity", path=entry.iri.removeprefix(ID)),
            "label": entry.label,
            "kind": entry.kind, "id": entry.key,
            "matched": "" if fold(matched) == fold(entry.label) else matched,
            "context": index.label(entry.context)}
