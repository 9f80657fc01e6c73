"""Loading the graph into a remote SPARQL 1.1 store (`passerelle.remote` talks to it).

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

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, serialize

from graph.errors import BuildError
from passerelle.remote import (
    BUILD_GRAPH,
    METADATA,
    WRITE_TIMEOUT,
    Endpoint,
    RemoteStoreError,
    basic_authorization,
    digest_authorization,
    opener,
    read_metadata,
    select_rows,
    update,
)
from passerelle.vocabulary import STAGING_PREFIX

log = logging.getLogger(__name__)

BATCH_QUADS = 5_000  # quads per INSERT DATA request (Virtuoso compiles each to one SQL text)
GSP_BATCH_QUADS = 100_000  # quads per Graph Store Protocol request


def _gsp_write(endpoint: Endpoint, graph: str, body: bytes, replace: bool) -> None:
    """PUT (replace) or POST (add) N-Triples into one graph through the Graph Store Protocol."""
    url = f"{endpoint.gsp_url}?{urllib.parse.urlencode({'graph': graph})}"
    # N-Triples is Turtle; every store's Graph Store endpoint takes text/turtle.
    request = urllib.request.Request(url, data=body, method="PUT" if replace else "POST",
                                     headers={"Content-Type": "text/turtle; charset=utf-8"})
    if endpoint.user is not None and endpoint.auth == "basic":
        request.add_header("Authorization", basic_authorization(endpoint))
    try:
        if endpoint.user is not None and endpoint.auth == "digest":
            # Authenticated before the body goes (the opener still answers a stale nonce).
            answer = digest_authorization(endpoint, request, WRITE_TIMEOUT)
            if answer is not None:
                request.add_header("Authorization", answer)
        with opener(endpoint).open(request, timeout=WRITE_TIMEOUT):
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


