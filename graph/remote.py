"""The graph in a remote SPARQL 1.1 store: where it is, how to talk to it, how to load it.

A store location is a directory (the embedded pyoxigraph store, `graph.store`) or the URL
of a SPARQL 1.1 query endpoint. For a URL, `endpoint_from` gathers the rest from options
and the environment (options win):

- ``PASSERELLE_STORE_UPDATE_URL``: the SPARQL Update endpoint (default: the query URL);
- ``PASSERELLE_STORE_GSP_URL``: a Graph Store Protocol endpoint; when set, graphs are
  loaded with PUT/POST of N-Triples there, otherwise with INSERT DATA through the update
  endpoint;
- ``PASSERELLE_STORE_USER``, ``PASSERELLE_STORE_PASSWORD``, ``PASSERELLE_STORE_AUTH``
  (``basic``, the default, or ``digest``): credentials for every request;
- ``PASSERELLE_STORE_TIMEOUT``: seconds a query may take (default 60);
- ``PASSERELLE_STORE_DATASET``: what a query without FROM runs on. ``named`` (the default):
  the graphs of the published build, named in every request (``default-graph-uri``,
  ``named-graph-uri``), the same on every store and never a graph being loaded. ``union``:
  the store's own default graph, which must then be the union of all its graphs (Virtuoso,
  GraphDB and Neptune by default, ``oxigraph serve --union-default-graph``, Fuseki with
  ``tdb2:unionDefaultGraph``); faster where naming graphs is costly (Oxigraph evaluates a
  list of default graphs several times slower than its union), but a query running while
  a build loads sees the staging graphs too.

Loading replaces the graphs atomically from the reader's point of view. `stage` writes each
graph under a staging name (``urn:passerelle:staging:<build id>:<n>``) and checks the store
holds every quad; `publish` then sends one update request that MOVEs every staging graph
onto its public name, drops public graphs the new build no longer has, and writes the build
metadata (the ``build.json`` of an embedded store) into the graph ``urn:passerelle:build``.
Oxigraph, Jena TDB2 (Fuseki), GraphDB and Neptune apply one update request in one
transaction and answer each query from one snapshot, so a reader sees the old graphs or
the new ones. Virtuoso also runs the request as one transaction, but its readers work at
read-committed isolation: a query running across the commit can see a mix.

Staging graphs are visible to clients that query such a store over all of its graphs
(Virtuoso's, GraphDB's and Neptune's default graph is the union of every graph), and to
Passerelle's own server in the ``union`` dataset mode; in the default ``named`` mode the
server names the published graphs in every query and never sees them.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPResponse
from itertools import islice

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse_query_results,
    serialize,
)
from SPARQLWrapper import CONSTRUCT, DESCRIBE, INSERT, JSON, POST, SELECT, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from graph.errors import BuildError

log = logging.getLogger(__name__)

STAGING_PREFIX = "urn:passerelle:staging:"
BUILD_GRAPH = NamedNode("urn:passerelle:build")
METADATA = NamedNode("urn:passerelle:metadata")
AUTH_SCHEMES = ("basic", "digest")
DEFAULT_TIMEOUT = 60.0
WRITE_TIMEOUT = 3600  # seconds; a load or a switch of a large graph takes long
BATCH_QUADS = 5_000  # quads per INSERT DATA request (Virtuoso compiles each to one SQL text)
GSP_BATCH_QUADS = 100_000  # quads per Graph Store Protocol request

ENVIRONMENT = {
    "PASSERELLE_STORE_UPDATE_URL": "update_url",
    "PASSERELLE_STORE_GSP_URL": "gsp_url",
    "PASSERELLE_STORE_USER": "user",
    "PASSERELLE_STORE_PASSWORD": "password",
    "PASSERELLE_STORE_AUTH": "auth",
    "PASSERELLE_STORE_TIMEOUT": "timeout",
    "PASSERELLE_STORE_DATASET": "dataset",
}
DATASETS = ("named", "union")


class RemoteStoreError(OSError):
    """The remote store could not be reached, refused a request or answered an error."""


@dataclass(frozen=True)
class Endpoint:
    """Where a remote store answers queries and takes writes, and how to authenticate."""

    query_url: str
    update_url: str
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    timeout: float = DEFAULT_TIMEOUT
    dataset: str = "named"


def is_url(location: object) -> bool:
    """True when a store location names a remote endpoint rather than a directory."""
    return str(location).startswith(("http://", "https://"))


def endpoint_from(location: str, environ: Mapping[str, str] = os.environ,
                  **options: str | float | None) -> Endpoint:
    """The endpoint at ``location``: options (None: not given) over environment variables.

    Raises ValueError for a location that is not an http(s) URL, an unknown option or
    authentication scheme, or a timeout that is not a positive number.
    """
    if not is_url(location):
        raise ValueError(f"{location!r} is not the http(s) URL of a SPARQL endpoint")
    settings = {key: environ[name] for name, key in ENVIRONMENT.items() if environ.get(name)}
    unknown = set(options) - set(ENVIRONMENT.values())
    if unknown:
        raise ValueError(f"unknown remote store options: {sorted(unknown)}")
    settings.update({key: value for key, value in options.items() if value is not None})
    auth = str(settings.get("auth", "basic")).lower()
    if auth not in AUTH_SCHEMES:
        raise ValueError(f"authentication {auth!r} is not one of {', '.join(AUTH_SCHEMES)}")
    dataset = str(settings.get("dataset", "named")).lower()
    if dataset not in DATASETS:
        raise ValueError(f"store dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    try:
        timeout = float(settings.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as exc:
        raise ValueError(f"the store timeout must be a number of seconds: {exc}") from exc
    if timeout <= 0:
        raise ValueError(f"the store timeout must be positive, not {timeout}")
    return Endpoint(query_url=location, update_url=settings.get("update_url") or location,
                    gsp_url=settings.get("gsp_url"), user=settings.get("user"),
                    password=settings.get("password"), auth=auth, timeout=timeout,
                    dataset=dataset)


# ---- Talking to the store ------------------------------------------------------------------

def query(endpoint: Endpoint, text: str, form: str = SELECT, default_graphs: Iterable[str] = (),
          named_graphs: Iterable[str] = (), timeout: float | None = None) -> HTTPResponse:
    """POST a query of that form; the open HTTP response: SPARQL JSON results for SELECT and
    ASK, Turtle for CONSTRUCT and DESCRIBE. The caller reads and closes it.

    Raises SyntaxError when the store says the query is malformed (HTTP 400), TimeoutError
    when it does not answer in time, RemoteStoreError for any other failure.
    """
    wrapper = _wrapper(endpoint, timeout or endpoint.timeout)
    wrapper.setReturnFormat(TURTLE if form in (CONSTRUCT, DESCRIBE) else JSON)
    wrapper.setOnlyConneg(True)  # no format=/output= parameters, which some stores refuse
    for graph in default_graphs:
        wrapper.addParameter("default-graph-uri", graph)
    for graph in named_graphs:
        wrapper.addParameter("named-graph-uri", graph)
    _set_text(wrapper, text, form)
    return _send(wrapper, endpoint.query_url).response


def update(endpoint: Endpoint, text: str) -> None:
    """POST a SPARQL update to the update endpoint (errors as for `query`)."""
    wrapper = _wrapper(endpoint, WRITE_TIMEOUT)
    _set_text(wrapper, text, INSERT)
    _send(wrapper, endpoint.update_url).response.close()


def _set_text(wrapper: SPARQLWrapper, text: str, form: str) -> None:
    # SPARQLWrapper guesses the form from the text, and its guess reads comments (it skips
    # only every other line of a comment block): say it, since it picks the endpoint (query
    # or update) and the Accept header from it.
    wrapper.setQuery(text)
    wrapper.queryType = form


def select_rows(endpoint: Endpoint, text: str, **dataset: Iterable[str]) -> list[tuple]:
    """A SELECT query's rows, each a tuple of terms (None where unbound)."""
    return [tuple(solution) for solution in read_results(query(endpoint, text, **dataset))]


def read_results(response: HTTPResponse) -> QuerySolutions | QueryBoolean:
    """SPARQL JSON results as pyoxigraph's QuerySolutions (or QueryBoolean for ASK).

    The body is read whole. Virtuoso labels blank nodes "nodeID://b10006", which is not a
    blank node label: such labels are replaced by labels derived from them, the same for
    the same node throughout the answer.
    """
    with response:
        body = response.read()
    if b"nodeID://" in body:
        answer = json.loads(body)
        for row in answer.get("results", {}).get("bindings", []):
            for term in row.values():
                if term.get("type") == "bnode":
                    term["value"] = "b" + hashlib.sha256(term["value"].encode()).hexdigest()
        body = json.dumps(answer).encode("utf-8")
    return parse_query_results(body, format=QueryResultsFormat.JSON)


def _wrapper(endpoint: Endpoint, timeout: float) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(endpoint.query_url, updateEndpoint=endpoint.update_url,
                            agent="passerelle (SPARQLWrapper)")
    wrapper.setMethod(POST)  # never a URL that logs or caps the text
    wrapper.timeout = timeout  # setTimeout would round it down to whole seconds
    if endpoint.user is not None and endpoint.auth == "basic":
        wrapper.addCustomHttpHeader("Authorization", _basic(endpoint))
    elif endpoint.user is not None:
        # SPARQLWrapper opens URLs with urllib's process-wide opener, which is where a
        # digest handler must go (its own setCredentials would tie it to one realm).
        urllib.request.install_opener(_opener(endpoint))
    return wrapper


def _send(wrapper: SPARQLWrapper, url: str):
    try:
        return wrapper.query()
    except QueryBadFormed as exc:
        raise SyntaxError(f"{url} answered 400 Bad Request: {_message(exc)}") from exc
    except TimeoutError as exc:
        raise TimeoutError(f"{url} did not answer within {wrapper.timeout} s") from exc
    except (SPARQLWrapperException, urllib.error.URLError, OSError) as exc:
        raise RemoteStoreError(f"{url}: {_message(exc)}") from exc


def _message(exc: Exception) -> str:
    # SPARQLWrapper's message ends with the repr of the store's answer, the part worth
    # reading: show that text as the store wrote it.
    text = str(exc)
    if isinstance(exc, SPARQLWrapperException):
        _, _, answer = text.partition("\n\nResponse:\n")
        try:
            text = ast.literal_eval(answer).decode("utf-8", "replace").strip() or text
        except (ValueError, SyntaxError, AttributeError):
            pass  # no answer in the message: keep SPARQLWrapper's words
    return text if len(text) < 2000 else text[:2000] + "..."


def _basic(endpoint: Endpoint) -> str:
    pair = f"{endpoint.user}:{endpoint.password or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _opener(endpoint: Endpoint) -> urllib.request.OpenerDirector:
    """A urllib opener that answers digest challenges with the endpoint's credentials."""
    if endpoint.user is None or endpoint.auth != "digest":
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    for url in {endpoint.query_url, endpoint.update_url, endpoint.gsp_url} - {None}:
        passwords.add_password(None, url, endpoint.user, endpoint.password or "")
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))


def _gsp_write(endpoint: Endpoint, graph: str, body: bytes, replace: bool) -> None:
    """PUT (replace) or POST (add) N-Triples into one graph through the Graph Store Protocol."""
    url = f"{endpoint.gsp_url}?{urllib.parse.urlencode({'graph': graph})}"
    # N-Triples is Turtle; every store's Graph Store endpoint takes text/turtle.
    request = urllib.request.Request(url, data=body, method="PUT" if replace else "POST",
                                     headers={"Content-Type": "text/turtle; charset=utf-8"})
    if endpoint.user is not None and endpoint.auth == "basic":
        request.add_header("Authorization", _basic(endpoint))
    try:
        with _opener(endpoint).open(request, timeout=WRITE_TIMEOUT):
            pass
    except (urllib.error.URLError, OSError) as exc:
        detail = exc.read().decode("utf-8", "replace")[:2000] if hasattr(exc, "read") else ""
        raise RemoteStoreError(f"{url}: {exc} {detail}".strip()) from exc


# ---- Loading: stage, check, switch ---------------------------------------------------------

@dataclass(frozen=True)
class Staging:
    """One build's graphs under their staging names: public IRI -> staging IRI."""

    build_id: str
    graphs: dict[str, str]
    triples: int = 0


def stage(endpoint: Endpoint, source: Store) -> Staging:
    """Copy every named graph of ``source`` into fresh staging graphs of the remote store,
    in batches, and check the remote store holds every triple.

    On failure the staging graphs are dropped and the error raised again: BuildError when
    the store lost or merged triples, RemoteStoreError (or SyntaxError, TimeoutError) when
    a request failed.
    """
    if next(iter(source.quads_for_pattern(None, None, None, DefaultGraph())), None):
        raise BuildError("the dataset has triples outside any named graph: nothing to load "
                         "them into")
    graphs = sorted(g.value for g in source.named_graphs() if isinstance(g, NamedNode))
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    staging = Staging(build_id, {graph: f"{STAGING_PREFIX}{build_id}:{index}"
                                 for index, graph in enumerate(graphs)})
    try:
        written = {graph: _write_graph(endpoint, source, graph, staging.graphs[graph])
                   for graph in graphs}
        triples = _check_staged(endpoint, staging, written)
    except BaseException:
        _discard_after_failure(endpoint, staging)
        raise
    return Staging(build_id, staging.graphs, triples)


def _write_graph(endpoint: Endpoint, source: Store, graph: str, target: str) -> int:
    """Send one graph's triples in batches; how many were sent."""
    has_blank_nodes = source.query(f"ASK {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o "
                                   "FILTER(isBlank(?s) || isBlank(?o)) } }")
    # Blank node labels are scoped to one request: a graph with blank nodes goes in one piece.
    size = None if has_blank_nodes else GSP_BATCH_QUADS if endpoint.gsp_url else BATCH_QUADS
    # Virtuoso refuses blank nodes in INSERT DATA; an INSERT with an empty WHERE (one
    # solution) writes the same triples, with fresh blank nodes, on every store.
    operation, where = ("INSERT", " WHERE {}") if has_blank_nodes else ("INSERT DATA", "")
    quads = source.quads_for_pattern(None, None, None, NamedNode(graph))
    sent = 0
    while batch := [quad.triple for quad in islice(quads, size)]:
        body = serialize(batch, format=RdfFormat.N_TRIPLES)
        if endpoint.gsp_url:
            _gsp_write(endpoint, target, body, replace=sent == 0)
        else:
            update(endpoint, f"{operation} {{ GRAPH {NamedNode(target)} {{\n"
                             f"{body.decode('utf-8')}}} }}{where}")
        sent += len(batch)
    return sent


def _check_staged(endpoint: Endpoint, staging: Staging, written: dict[str, int]) -> int:
    rows = select_rows(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                 "GROUP BY ?g", named_graphs=list(staging.graphs.values()))
    counted = {graph.value: int(count.value) for graph, count in rows}
    for graph, target in staging.graphs.items():
        if counted.get(target, 0) != written[graph]:
            raise BuildError(f"the store holds {counted.get(target, 0)} triples of graph "
                             f"<{graph}> after loading {written[graph]}", endpoint.query_url)
    return sum(counted.values())


def publish(endpoint: Endpoint, staging: Staging, metadata: dict) -> None:
    """Switch the public graphs to the staged ones and record the metadata, in one request.

    Public graphs of the previous build that this build does not have are dropped. On
    failure the staging graphs are dropped and the previous build keeps serving.
    """
    previous = read_metadata(endpoint) or {}
    stale = sorted(set(previous.get("graphs", {})) - set(staging.graphs))
    record = Quad(BUILD_GRAPH, METADATA, Literal(json.dumps(metadata, ensure_ascii=False)),
                  BUILD_GRAPH)
    operations = [f"MOVE {NamedNode(source)} TO {NamedNode(target)}"
                  for target, source in sorted(staging.graphs.items())]
    operations += [f"DROP SILENT GRAPH {NamedNode(graph)}" for graph in stale]
    operations += [f"DROP SILENT GRAPH {BUILD_GRAPH}",
                   f"INSERT DATA {{ GRAPH {BUILD_GRAPH} {{ {record.triple} }} }}"]
    try:
        update(endpoint, " ;\n".join(operations))
        now = read_metadata(endpoint) or {}
        if now.get("build_id") != metadata.get("build_id"):
            raise RemoteStoreError(f"{endpoint.update_url} accepted the switch to build "
                                   f"{metadata.get('build_id')} but serves build "
                                   f"{now.get('build_id')}")
    except BaseException:
        _discard_after_failure(endpoint, staging)
        raise


def discard(endpoint: Endpoint, staging: Staging) -> None:
    """Drop the staging graphs (those already moved are gone: DROP SILENT skips them)."""
    operations = [f"DROP SILENT GRAPH {NamedNode(g)}" for g in staging.graphs.values()]
    if operations:
        update(endpoint, " ;\n".join(operations))


def _discard_after_failure(endpoint: Endpoint, staging: Staging) -> None:
    # The load's own error is the one to raise; if the store cannot even drop the staging
    # graphs, say which ones are left so that someone can drop them.
    try:
        discard(endpoint, staging)
    except OSError as exc:
        log.warning("could not drop the staging graphs %s of %s: %s",
                    ", ".join(staging.graphs.values()), endpoint.update_url, exc)


def read_metadata(endpoint: Endpoint) -> dict | None:
    """The metadata of the published build (see graph.build), None when none was published."""
    rows = select_rows(endpoint, f"SELECT ?m WHERE {{ {BUILD_GRAPH} {METADATA} ?m }}",
                       default_graphs=[BUILD_GRAPH.value])
    if not rows:
        return None
    return json.loads(rows[0][0].value)
