"""`/queries` and `/queries/<name>[.json|.csv|...]`: the canned-query catalogue and its runs.

A run answers SPARQL 1.1 results led by a ``meta`` object (JSON), or CSV, TSV or XML, by
``Accept``, ``format=`` or a suffix; browsers get an HTML page with the form and the
table. When the row cap cut the rows, JSON says ``"truncated": true`` in ``meta``, every
format carries ``X-Passerelle-Truncated: true`` and the HTML page says so above the table.

CSV keeps the IRIs and adds, beside each IRI column of ours, its label column (and an ISO
code column for countries); ``shape=objects`` makes the JSON an array of flat objects with
those columns (what pandas.read_json and spreadsheets take) instead of SPARQL JSON.

Besides the query's parameters a request may give ``limit`` (rows per page, at most the row
cap), ``offset`` (rows to skip), ``shape`` and ``timeout`` (seconds, below the query's
budget). A page
links to the next and previous ones with ``Link`` headers (RFC 8288: ``rel="next"``,
``rel="prev"``), so a client walks all the rows a page at a time.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request

from passerelle import canned, tables
from passerelle.funnel import Page
from server import openapi
from server.errors import ApiError
from server.execution import execution, funnel_store, limits
from server.negotiation import RESULTS, Format, negotiate, prefers_html
from server.sparql_text import check_no_network
from server.store import current_store
from server.urls import base_url, public_path, public_url

bp = Blueprint("queries", __name__, template_folder="templates")

JSON = "application/json"
# Rows an HTML page shows unless its ``limit=`` asks for more (up to the row cap): a table of
# the whole field (schools-sharing-partners at 100x: 350,000 rows) is read a page at a time.
HTML_PAGE_ROWS = 200
# Parameter types (or names) whose values the site search can suggest.
SEARCHABLE = ("school", "institution", "network", "country")


@bp.record_once
def _load_catalogue(state) -> None:
    # When the app registers the blueprint, so that a broken .rq file stops create_app
    # (CannedQueryError naming the file) instead of failing every request.
    app = state.app
    app.extensions["passerelle-queries"] = canned.load_queries(Path(app.config["QUERIES_DIR"]))


def catalogue() -> dict[str, canned.CannedQuery]:
    """The app's canned queries, read from its queries folder when the app was made."""
    return current_app.extensions["passerelle-queries"]


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
        entries = [{**q.to_dict(), "url": public_url("queries.run_query", name=q.name)}
                   for q in queries]
        response = Response(json.dumps({"queries": entries}, ensure_ascii=False), mimetype=JSON)
    response.vary.add("Accept")
    return response


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description, generated from the canned queries' headers."""
    body = openapi.document(catalogue().values(), base_url() + "/")
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
    page = _page()
    try:
        result = run_canned(query, _values(), page)
    except canned.ParameterError as exc:
        raise ApiError(400, "Invalid parameter", str(exc)) from exc
    response = _results_response(result, answer, _shape(answer))
    _add_links(response, page_targets(page, result.truncated))
    return response


def _shape(answer: Format) -> str | None:
    """``shape=objects``: JSON as an array of flat objects rather than SPARQL JSON."""
    shape = request.args.get("shape")
    if shape in (None, "", "sparql"):
        return None
    if shape != "objects":
        raise ApiError(400, "Invalid parameter",
                       f"shape={shape!r}: the JSON comes as shape=sparql (the default, SPARQL "
                       "1.1 JSON results) or shape=objects (an array of flat objects)")
    if answer.name != "json":
        raise ApiError(400, "Invalid parameter",
                       f"shape=objects is a shape of JSON; this answer is {answer.name}")
    return shape


def _page(rows: int | None = None) -> Page:
    """The request's ``offset`` and ``limit`` (at most ``rows`` when it gives no limit); 400
    unless whole numbers in range."""
    try:
        page = limits().page(request.args.get("offset"), request.args.get("limit"))
    except ValueError as exc:
        raise ApiError(400, "Invalid parameter", str(exc)) from exc
    if rows is not None and page.limit is None:
        page = replace(page, size=min(page.size, rows))
    return page


def run_canned(query: canned.CannedQuery, values: dict[str, str], page: Page
               ) -> canned.CannedResult:
    """Bind the values here; answer from the build's stored answers when they hold the
    page (`canned.stored`: no query process), else run the query in a query process
    within its budget.

    A canned query may call other servers (SERVICE) only where the allowlist lets any query.
    One without SERVICE (read once, at load: `canned.CannedQuery.calls_out`) is not scanned
    again, here or in the query process.
    """
    network = query.calls_out and check_no_network(
        query.sparql, update=False, base_iri=public_path(request.path),
        allowed_services=current_app.config["SERVICE_ALLOWLIST"])
    opened = current_store()
    bound = canned.bind(query, values, opened.store)
    rows = canned.stored(opened.answers, query, bound, page.offset, page.size)
    if rows is None:
        work = replace(canned.job(query, bound, page.size, page.offset, opened.store),
                       refuse_service=query.calls_out and not network)
        rows = execution(query.timeout, network=network).rows(work)
    return canned.result_of(query, bound, rows, page.size)


def _add_links(response: Response, targets: dict[str, str]) -> None:
    """RFC 8288 links to the next page (when rows were cut) and the previous one."""
    links = [f'<{url}>; rel="{rel}"' for rel, url in targets.items() if rel in ("next", "prev")]
    if links:
        response.headers["Link"] = ", ".join(links)


def page_targets(page: Page, more: bool) -> dict[str, str]:
    """The URLs of the next page (when rows were cut) and of the previous one, by rel."""
    targets = {}
    if more:
        targets["next"] = page.offset + page.size
    if page.offset > 0:
        targets["prev"] = max(0, page.offset - page.size)
    urls = {}
    for rel, offset in targets.items():
        args = {**request.args.to_dict(), "offset": str(offset)}
        if page.limit is not None:
            args["limit"] = str(page.size)
        urls[rel] = f"{public_path(request.path)}?{urlencode(args)}"
    return urls


def _values() -> dict[str, str]:
    """The request's query parameters; one value each (a repeated one is refused)."""
    values = {}
    for key in request.args:
        if key in canned.RESERVED_PARAMETERS:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ApiError(400, "Invalid parameter",
                           f"parameter {key!r}: given {len(given)} times; give it once")
        values[key] = given[0]
    return values


def _results_response(result: canned.CannedResult, answer: Format,
                      shape: str | None = None) -> Response:
    store = funnel_store()  # the names beside the IRIs: looked up within the budget
    if shape == "objects":
        response = Response(canned.objects(result, store), content_type="application/json")
    else:
        response = Response(canned.serialize(result, answer.oxigraph, store),
                            content_type=answer.content_type)
    response.headers["X-Passerelle-Truncated"] = "true" if result.truncated else "false"
    response.vary.add("Accept")
    return response


def _choices(query: canned.CannedQuery) -> dict[str, list[str]]:
    """The values a parameter can take, read from the data, where they are few: the
    agreement types of the store's scheme."""
    return {p.name: sorted(canned.agreement_types(current_store().store))
            for p in query.params if p.type == "agreement-type" and not p.allowed}


def _search_kinds(query: canned.CannedQuery) -> dict[str, str]:
    """The kind of entity the form's search suggests for each parameter that names one. The
    ``institution`` query's parameter is a string (it also takes QIDs and ROR IDs) named
    for what it is."""
    kinds = {}
    for p in query.params:
        kind = p.type if p.type in SEARCHABLE else p.name if p.name in SEARCHABLE else None
        if kind and not p.allowed:
            kinds[p.name] = kind
    return kinds


def _html(query: canned.CannedQuery):
    """The query's page: its form, and its results when it could run.

    A required parameter left empty shows the form alone; a bad value shows the form with
    the error, answered 400. The table shows a page of HTML_PAGE_ROWS rows (``limit=`` asks
    for another size); when more follow, the page names the parameters left empty that
    would narrow the answer.
    """
    values = _values()
    missing = [p.name for p in query.params if p.required and not (values.get(p.name) or p.default)]
    result, error, status, shown, pages, narrow = None, None, 200, None, {}, []
    if not missing:
        try:
            page = _page(HTML_PAGE_ROWS)
            result = run_canned(query, values, page)
        except canned.ParameterError as exc:
            error, status = str(exc), 400
        else:
            shown = tables.table(result.variables, result.rows, funnel_store())
            pages = {"offset": page.offset, **page_targets(page, result.truncated)}
            if result.truncated:
                narrow = [p.name for p in query.params if not values.get(p.name)]
    page = render_template("query.html", query=query, values=values, result=result,
                           error=error, missing=missing, narrow=narrow, choices=_choices(query),
                           search_kinds=_search_kinds(query), table=shown, pages=pages,
                           formats=("json", "csv", "tsv", "xml"))
    response = Response(page, status=status, mimetype="text/html")
    response.vary.add("Accept")
    if result is not None:
        response.headers["X-Passerelle-Truncated"] = "true" if result.truncated else "false"
        _add_links(response, pages)  # the same targets as the page's visible links
    return response
