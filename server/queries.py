"""`/queries` and `/queries/<name>[.json|.csv|...]`: the canned-query catalogue and its runs.

A run answers SPARQL 1.1 results led by a ``meta`` object (JSON), or CSV, TSV or XML, by
``Accept``, ``format=`` or a suffix; browsers get an HTML page with the form and the
table. When the row cap cut the rows, JSON says ``"truncated": true`` in ``meta``, every
format carries ``X-Passerelle-Truncated: true`` and the HTML page says so above the table.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from server import canned, openapi
from server.errors import ApiError
from server.negotiation import RESULTS, Format, negotiate, prefers_html
from server.store import current_store

bp = Blueprint("queries", __name__, template_folder="templates")

JSON = "application/json"
RESERVED_ARGS = {"format"}  # request arguments that are not query parameters


@bp.record_once
def _load_catalogue(state) -> None:
    # When the app registers the blueprint, so that a broken .rq file stops create_app
    # (CannedQueryError naming the file) instead of failing every request.
    app = state.app
    app.extensions["passerelle-queries"] = canned.load_queries(Path(app.config["QUERIES_DIR"]))


def catalogue() -> dict[str, canned.CannedQuery]:
    """The app's canned queries, read from its queries folder when the app was made."""
    return current_app.extensions["passerelle-queries"]


def _row_cap() -> int:
    return int(current_app.config.get("ROW_CAP", canned.DEFAULT_ROW_CAP))


@bp.get("/queries")
@bp.get("/queries.<suffix>")
def listing(suffix: str | None = None):
    """The catalogue: HTML for browsers, JSON otherwise (or with the .json suffix)."""
    if suffix not in (None, "json", "html"):
        raise ApiError(404, "Not Found", f"the catalogue comes as .json or .html, not .{suffix}")
    queries = list(catalogue().values())
    # On a tie (*/*, curl) JSON wins: it comes first.
    negotiated = request.accept_mimetypes.best_match([JSON, "text/html"])
    if suffix == "html" or (suffix is None and negotiated == "text/html"):
        response = Response(render_template("queries.html", queries=queries), mimetype="text/html")
    else:
        entries = [{**q.to_dict(), "url": url_for("queries.run_query", name=q.name,
                                                  _external=True)} for q in queries]
        response = Response(json.dumps({"queries": entries}, ensure_ascii=False), mimetype=JSON)
    response.vary.add("Accept")
    return response


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description, generated from the canned queries' headers."""
    body = openapi.document(catalogue().values(), request.url_root)
    return Response(json.dumps(body, ensure_ascii=False), mimetype=JSON)


@bp.get("/queries/<name>")
def run_query(name: str):
    """Run one canned query; ``name`` may end in a format suffix (.json, .csv, .rq, ...)."""
    base, _, suffix = name.partition(".")
    query = catalogue().get(base)
    if query is None:
        raise ApiError(404, "Not Found", f"no canned query named {base!r}; see /queries")
    if suffix == "rq":
        return Response(query.sparql, mimetype="application/sparql-query")
    override = suffix or request.args.get("format")
    if override == "html" or (not override and prefers_html(request.headers.get("Accept"),
                                                            RESULTS)):
        return _html(query)
    answer = negotiate(request.headers.get("Accept"), RESULTS, override)
    try:
        result = canned.run(current_store().store, query, _values(), _row_cap())
    except canned.ParameterError as exc:
        raise ApiError(400, "Invalid parameter", str(exc)) from exc
    return _results_response(result, answer)


def _values() -> dict[str, str]:
    """The request's query parameters; one value each (a repeated one is refused)."""
    values = {}
    for key in request.args:
        if key in RESERVED_ARGS:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ApiError(400, "Invalid parameter",
                           f"parameter {key!r}: given {len(given)} times; give it once")
        values[key] = given[0]
    return values


def _results_response(result: canned.CannedResult, answer: Format) -> Response:
    response = Response(canned.serialize(result, answer.oxigraph),
                        content_type=answer.content_type)
    response.headers["X-Passerelle-Truncated"] = "true" if result.truncated else "false"
    response.vary.add("Accept")
    return response


def _html(query: canned.CannedQuery):
    """The query's page: its form, and its results when it could run.

    A required parameter left empty shows the form alone; a bad value shows the form with
    the error, answered 400.
    """
    values = _values()
    missing = [p.name for p in query.params if p.required and not (values.get(p.name) or p.default)]
    result, error, status = None, None, 200
    if not missing:
        try:
            result = canned.run(current_store().store, query, values, _row_cap())
        except canned.ParameterError as exc:
            error, status = str(exc), 400
    page = render_template("query.html", query=query, values=values, result=result,
                           error=error, missing=missing,
                           formats=("json", "csv", "tsv", "xml"))
    response = Response(page, status=status, mimetype="text/html")
    response.vary.add("Accept")
    if result is not None:
        response.headers["X-Passerelle-Truncated"] = "true" if result.truncated else "false"
    return response
