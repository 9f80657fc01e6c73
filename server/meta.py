"""What the service says about itself: the SPARQL service description (answered by a
GET on /sparql without a query), VoID at ``/.well-known/void``, ``/healthz``, and dumps
of the whole dataset (``/dump.nq``, ``/dump.trig``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple, serialize

from passerelle import vocabulary
from passerelle.store import OpenStore
from server.errors import ApiError
from server.negotiation import (
    DATASET,
    GRAPH,
    RESULTS,
    Format,
    formats_of,
    negotiate,
    prefers_html,
)
from server.store import current_store
from server.urls import public_url

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = vocabulary.DCTERMS
RDF_TYPE = NamedNode(vocabulary.RDF_TYPE)
XSD_DATETIME = NamedNode(vocabulary.XSD + "dateTime")
PREFIXES = {"sd": SD, "void": VOID, "dcterms": DCTERMS,
            "formats": "http://www.w3.org/ns/formats/"}

DATASET_IRI = NamedNode(vocabulary.DATASET)
ONTOLOGY_IRI = NamedNode(vocabulary.PAS)
ID_SPACE = vocabulary.ID


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    spdx: str


# The graph's licence (the ontology's too). The copied source pages are not covered by it:
# they stay their publishers', kept verbatim as the evidence each fact cites.
LICENCE = Licence("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0")
LICENSE_PROPERTY = NamedNode(DCTERMS + "license")

# Builds listed by /healthz, the latest last (build.json keeps up to graph.history.KEPT).
HISTORY_SHOWN = 20

# Quads serialized per chunk of a dump: the dump streams, whatever the size of the store.
DUMP_BATCH = 10_000
# Dumps sent at once by one server process. A client that does not read its dump holds its
# thread and granian's buffer (about 8 chunks, ~20 MB at 100x): without a cap, 40 such
# clients took 740 MB per worker and the CPU of 40 serialisations (README, "Security").
DUMPS_AT_ONCE = 2

bp = Blueprint("meta", __name__)


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def _void(name: str) -> NamedNode:
    return NamedNode(VOID + name)


def service_description(endpoint: str, opened: OpenStore) -> list[Triple]:
    """The SPARQL 1.1 Service Description of the query endpoint at this URL."""
    service = BlankNode()
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, LICENSE_PROPERTY, NamedNode(LICENCE.url)),
    ]
    triples += [Triple(service, _sd("resultFormat"), NamedNode(f.iri))
                for f in formats_of(RESULTS) + formats_of(GRAPH)]
    dataset = BlankNode()
    triples += [Triple(service, _sd("defaultDataset"), dataset),
                Triple(dataset, RDF_TYPE, _sd("Dataset"))]
    for graph_iri, size in opened.graph_sizes().items():
        named, graph = BlankNode(), BlankNode()
        triples += [Triple(dataset, _sd("namedGraph"), named),
                    Triple(named, RDF_TYPE, _sd("NamedGraph")),
                    Triple(named, _sd("name"), NamedNode(graph_iri)),
                    Triple(named, _sd("graph"), graph),
                    Triple(graph, RDF_TYPE, _sd("Graph"))]
        if size is not None:
            triples.append(Triple(graph, _void("triples"), Literal(size)))
    return triples


def void_description(opened: OpenStore) -> list[Triple]:
    """VoID: what the dataset is, where to query and download it, what it is made of."""
    triples = [
        Triple(DATASET_IRI, RDF_TYPE, _void("Dataset")),
        Triple(DATASET_IRI, NamedNode(DCTERMS + "title"), Literal("Passerelle", language="en")),
        Triple(DATASET_IRI, NamedNode(DCTERMS + "description"), Literal(
            "The international partnerships of French engineering schools, as their "
            "published pages state them.", language="en")),
        Triple(DATASET_IRI, _void("sparqlEndpoint"),
               NamedNode(public_url("sparql.query"))),
        Triple(DATASET_IRI, _void("triples"), Literal(opened.triples())),
        Triple(DATASET_IRI, _void("uriSpace"), Literal(ID_SPACE)),
        Triple(DATASET_IRI, _void("vocabulary"), ONTOLOGY_IRI),
        Triple(DATASET_IRI, LICENSE_PROPERTY, NamedNode(LICENCE.url)),
    ]
    triples += [Triple(DATASET_IRI, _void("dataDump"),
                       NamedNode(public_url("meta.dump", suffix=f.name)))
                for f in formats_of(DATASET)]
    if "built_at" in opened.build:
        triples.append(Triple(DATASET_IRI, NamedNode(DCTERMS + "modified"),
                              Literal(opened.build["built_at"], datatype=XSD_DATETIME)))
    triples += [Triple(DATASET_IRI, NamedNode(DCTERMS + "source"),
                       NamedNode(f"{ID_SPACE}source/{source['id']}"))
                for source in opened.build.get("sources", [])]
    for graph_iri, size in opened.graph_sizes().items():
        subset = BlankNode()
        triples += [Triple(DATASET_IRI, _void("subset"), subset),
                    Triple(subset, RDF_TYPE, _void("Dataset")),
                    Triple(subset, _sd("name"), NamedNode(graph_iri))]
        if size is not None:
            triples.append(Triple(subset, _void("triples"), Literal(size)))
    return triples


def rdf_response(triples: list[Triple], prefixes: dict[str, str] | None = None) -> Response:
    """The triples in the format negotiated from Accept (or format=), for any client."""
    chosen = negotiate(request.headers.get("Accept"), GRAPH, request.args.get("format"))
    body = serialize(triples, format=chosen.oxigraph, prefixes=prefixes or PREFIXES)
    response = Response(body, content_type=chosen.content_type)
    response.vary.add("Accept")
    return response


@bp.get("/.well-known/void")
def void():
    return rdf_response(void_description(current_store()))


@bp.get("/id/dataset")
def dataset():
    """The VoID subject dereferences: its description for RDF clients, the landing page for
    browsers (303, as for a thing that is not itself a document)."""
    if not request.args.get("format") and prefers_html(request.headers.get("Accept")):
        return redirect(url_for("home.landing"), code=303)
    return void()


@bp.get("/healthz")
def healthz():
    opened = current_store()
    return jsonify({
        "status": "ok",
        "triples": opened.triples(),
        "built_at": opened.build.get("built_at"),
        "version": opened.build.get("version"),
        "build_id": opened.build.get("build_id"),
        "agreements": opened.build.get("agreements"),
        "writable": opened.writable,
        # Each build: when, by whom, how many documents and agreements, what it added,
        # removed and changed, which changed documents were accepted, what was forced.
        "history": opened.history(HISTORY_SHOWN),
    })


@bp.get("/dump.<any(nq, trig):suffix>")
def dump(suffix: str):
    chosen = next(f for f in formats_of(DATASET) if f.name == suffix)
    slots = current_app.extensions.setdefault(
        "passerelle-dump-slots",
        threading.BoundedSemaphore(current_app.config.get("DUMPS_AT_ONCE", DUMPS_AT_ONCE)))
    if not slots.acquire(blocking=False):
        raise ApiError(503, "Busy", "this server process is sending as many dumps as it "
                       "sends at once; retry in a minute", {"Retry-After": "60"})
    try:
        chunks = _Released(_dump_chunks(current_store().store, chosen), slots.release)
    except BaseException:
        slots.release()
        raise
    response = Response(chunks, content_type=chosen.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="passerelle.{suffix}"'
    return response


class _Released:
    """A dump's chunks, giving its slot back when the server closes them: sent whole, or
    the client gone (a generator's own ``finally`` would not run if closed unstarted)."""

    def __init__(self, chunks: Iterator[bytes], release):
        self.chunks = chunks
        self._release = release
        self._released = False

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        if not self._released:
            self._released = True
            self._release()


def _dump_chunks(store: Store, chosen: Format) -> Iterator[bytes]:
    # Each chunk is a complete document: N-Quads is line by line, and TriG lets a graph's
    # triples come in several blocks, so the concatenation is the whole dataset.
    quads = iter(store)
    while batch := list(islice(quads, DUMP_BATCH)):
        yield serialize(batch, format=chosen.oxigraph)
