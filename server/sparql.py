"""``/sparql``: the SPARQL 1.1 Protocol query operation, read-only for everyone; and
``/update``: the update operation, registered only when the server has an admin token.

Both read an operation the three ways the protocol allows (GET ``?query=``, a POST
form, a POST of the text itself with its own media type), with the dataset parameters
(``default-graph-uri`` / ``named-graph-uri``, ``using-graph-uri`` / ``using-named-graph-uri``).
Without dataset parameters, a query's default graph is the union of all named graphs,
unless the query names its own with FROM.

A query runs in a query process (`server.executor`) within its time budget: the server's
``QUERY_TIMEOUT``, or less when the request says ``timeout=<seconds>``; past it, 503. An
answer has at most ``ROW_CAP`` rows or triples; ``X-Passerelle-Truncated`` says whether
some were cut.

An update runs on the server's one update thread, which cannot open a network socket
(`server.updater`): a LOAD or SERVICE the guard in front missed fails there, 400.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, make_response, request
from pyoxigraph import NamedNode

from passerelle import limits
from passerelle.jobs import QueryJob
from passerelle.remote_store import query_form
from server.errors import ApiError
from server.execution import execution
from server.meta import rdf_response, service_description
from server.negotiation import GRAPH, RESULTS, Format, negotiate, prefers_html
from server.pages import render_query_page
from server.sparql_text import check_no_network, with_using
from server.store import current_store
from server.updater import REFUSED_SIGN
from server.urls import public_path

# The longest query or update text accepted, in characters. The whole request body is
# capped separately (MAX_CONTENT_LENGTH); a GET is capped by the WSGI server's request-line
# limit (8 KB, server.wsgi.REQUEST_LINE_LIMIT): longer queries are POSTed.
MAX_QUERY_LENGTH = limits.MAX_QUERY_LENGTH

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

bp = Blueprint("sparql", __name__)
update_bp = Blueprint("update", __name__)


@dataclass(frozen=True)
class Operation:
    """A query or update as the request gave it, with its protocol dataset parameters."""

    text: str
    default_graphs: list[str]
    named_graphs: list[str]


@bp.route("/sparql", methods=["GET", "POST"])
def query():
    # Flask answers HEAD with the GET view; run_query then sends the headers alone.
    if request.method in ("GET", "HEAD") and not {"query", "update"} & request.args.keys():
        return _describe_service()
    if "update" in request.values or request.mimetype == UPDATE_TYPE:
        raise ApiError(400, "Read-only endpoint",
                       "/sparql answers queries only; it never changes the data")
    operation = read_operation("query", QUERY_TYPE, ("default-graph-uri", "named-graph-uri"))
    return run_query(operation)


@update_bp.route("/update", methods=["POST"])
def update():
    _require_admin_token()
    if "query" in request.values or request.mimetype == QUERY_TYPE:
        raise ApiError(400, "Not an update", "queries go to /sparql")
    operation = read_operation("update", UPDATE_TYPE,
                               ("using-graph-uri", "using-named-graph-uri"))
    base_iri = public_path("/update")
    check_no_network(operation.text, update=True, base_iri=base_iri, allowed_services=frozenset())
    text = with_using(operation.text, operation.default_graphs, operation.named_graphs)
    try:
        current_app.extensions["passerelle-updater"].run(current_store().store, text, base_iri)
    except SyntaxError as exc:
        raise ApiError(400, "Update syntax error", str(exc)) from exc
    except PermissionError as exc:
        if REFUSED_SIGN not in str(exc):
            raise ApiError(400, "Update failed", str(exc)) from exc
        raise ApiError(400, "Remote call refused", "the update tried to reach another "
                       "server (LOAD or SERVICE): this endpoint never contacts other "
                       "servers") from exc
    except (OSError, RuntimeError, ValueError) as exc:  # e.g. CREATE of an existing graph
        raise ApiError(400, "Update failed", str(exc)) from exc
    return Response(status=204)


def read_operation(field: str, direct_type: str, dataset_params: tuple[str, str]) -> Operation:
    """The operation text and dataset IRIs of this request, checked as the protocol says."""
    if request.method in ("GET", "HEAD"):
        params = request.args
        texts = params.getlist(field)
    elif request.mimetype == FORM:
        params = request.values  # the URL's parameters and the form's, together
        texts = params.getlist(field)
    elif request.mimetype == direct_type:
        params = request.args
        texts = [_utf8_body()] + params.getlist(field)
    else:
        raise ApiError(415, "Unsupported Media Type",
                       f"POST the {field} as {FORM} (a '{field}' field) or as {direct_type}; "
                       f"got Content-Type {request.content_type or 'none'!r}")
    if len(texts) != 1:
        raise ApiError(400, f"Expected one {field}",
                       f"the request must carry exactly one {field}; it has {len(texts)}")
    if len(texts[0]) > MAX_QUERY_LENGTH:
        raise ApiError(413, "Content Too Large",
                       f"the {field} is {len(texts[0])} characters long; at most "
                       f"{MAX_QUERY_LENGTH} are accepted")
    default_param, named_param = dataset_params
    return Operation(texts[0], _iris(params.getlist(default_param), default_param),
                     _iris(params.getlist(named_param), named_param))


def run_query(operation: Operation) -> Response:
    """Run a query on the store: the protocol's dataset, else FROM, else the union graph;
    answer it in the negotiated format."""
    base_iri = public_path("/sparql")
    allowlist = current_app.config["SERVICE_ALLOWLIST"]
    # Without an allowlist the query process scans the text itself, inside the budget.
    network = bool(allowlist) and check_no_network(operation.text, update=False,
                                                   base_iri=base_iri,
                                                   allowed_services=allowlist)
    formats = {RESULTS: _acceptable(RESULTS), GRAPH: _acceptable(GRAPH)}
    if all(isinstance(chosen, ApiError) for chosen in formats.values()):
        # No format of any kind: no need to run the query. The refusal lists the formats of
        # the query's own form (a CONSTRUCT's are graph formats).
        try:
            graph_form = query_form(operation.text) in ("CONSTRUCT", "DESCRIBE")
        except SyntaxError:
            graph_form = False
        raise formats[GRAPH if graph_form else RESULTS]
    given = operation.default_graphs or operation.named_graphs
    job = QueryJob(
        operation.text, row_cap=int(current_app.config["ROW_CAP"]), base_iri=base_iri,
        union=None if not given else False, refuse_service=not network,
        default_graphs=tuple(operation.default_graphs) if given else None,
        named_graphs=tuple(operation.named_graphs) if given else None,
        formats=tuple(_for_the_child(kind, chosen) for kind, chosen in formats.items()))
    answer = execution(network=network).answer(job)
    response = Response(answer.body, content_type=formats[answer.kind].content_type)
    response.headers["X-Passerelle-Truncated"] = "true" if answer.truncated else "false"
    response.vary.add("Accept")
    return response


def _acceptable(kind: str) -> Format | ApiError:
    # Which kind of answer a query gives is known once it runs, so both are negotiated first.
    try:
        return negotiate(request.headers.get("Accept"), kind, request.values.get("format"))
    except ApiError as refused:
        return refused


def _for_the_child(kind: str, chosen: Format | ApiError) -> tuple[str, str, str]:
    if isinstance(chosen, ApiError):
        return (kind, "refused", chosen.detail)
    return (kind, "ok", chosen.media_type)


def _describe_service() -> Response:
    # A browser gets the query page; an RDF client (or curl) the service description.
    if not request.args.get("format") and prefers_html(request.headers.get("Accept")):
        page = make_response(render_query_page())
        page.vary.add("Accept")
        return page
    return rdf_response(service_description(public_path("/sparql"),
                                            current_store()))


def _utf8_body() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "Unsupported Media Type",
                       f"the body must be UTF-8 (SPARQL 1.1 Protocol); got charset={charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "Bad encoding", f"the body is not valid UTF-8: {exc}") from exc


def _iris(values: list[str], param: str) -> list[str]:
    for value in values:
        try:
            NamedNode(value)
        except ValueError as exc:
            raise ApiError(400, "Bad graph IRI", f"{param}={value!r}: {exc}") from exc
    return values


def _require_admin_token() -> None:
    # The token is compared in constant time and never echoed nor logged.
    expected = current_app.config["ADMIN_TOKEN"].encode()
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(),
                                                             expected):
        raise ApiError(401, "Unauthorized",
                       "updates need the admin token: send 'Authorization: Bearer <token>'",
                       {"WWW-Authenticate": 'Bearer realm="passerelle-update"'})
