"""The service description, VoID, /healthz and the dumps, on the store built from the seeds.

How the expected graphs were counted: seeds/sources.toml has five [[source]] entries, each
with its own named graph (ids listed in SOURCES below); the contract adds four more
(registry, ontology, inferred, summary): nine named graphs in all.
"""

from __future__ import annotations

import json

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import RdfFormat
from rdflib import RDF, Namespace, URIRef

from server import meta
from server.negotiation import DATASET, GRAPH, formats_of

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PAS = Namespace("https://w3id.org/passerelle/ontology#")
ID = "https://w3id.org/passerelle/id/"
SOURCES = ["telecom-paris-partnerships", "telecom-paris-key-figures",
           "telecom-paris-study-abroad", "unidentified-partner-table",
           "estp-international-openness"]
GRAPH_NAMES = {URIRef(f"https://w3id.org/passerelle/graph/{name}")
               for name in [*SOURCES, "registry", "ontology", "inferred", "summary"]}
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld",
                  "nq": "nquads", "trig": "trig", "n3": "n3"}


@pytest.fixture(scope="module")
def build_info(seed_store_path) -> dict:
    return json.loads((seed_store_path / "build.json").read_text())


def parse(response, name: str) -> rdflib.Dataset:
    data = rdflib.Dataset()
    data.parse(data=response.data, format=RDFLIB_FORMATS[name])
    return data


def as_graph(data: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o, _ in data.quads():
        graph.add((s, p, o))
    return graph


# --- service description --------------------------------------------------------------

@pytest.mark.parametrize("name", [f.name for f in formats_of(GRAPH)])
def test_service_description_in_every_graph_format(client, name):
    response = client.get("/sparql", query_string={"format": name})
    assert response.status_code == 200
    graph = as_graph(parse(response, name))
    assert set(graph.objects(None, SD.endpoint)) == {URIRef("http://localhost/sparql")}
    assert (None, SD.supportedLanguage, SD.SPARQL11Query) in graph


def test_service_description_lists_the_named_graphs_with_their_sizes(client, build_info):
    graph = rdflib.Graph().parse(data=client.get("/sparql").data, format="turtle")
    named = list(graph.subjects(RDF.type, SD.NamedGraph))
    assert {graph.value(n, SD.name) for n in named} == GRAPH_NAMES
    for node in named:
        size = graph.value(graph.value(node, SD.graph), VOID.triples)
        assert size.toPython() == build_info["graphs"][str(graph.value(node, SD.name))]


def test_service_description_names_every_result_format(client):
    graph = rdflib.Graph().parse(data=client.get("/sparql").data, format="turtle")
    formats = set(graph.objects(None, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    assert len(formats) == 11  # 4 result formats + 7 graph formats, the negotiation table


# --- VoID -------------------------------------------------------------------------------

def test_void_says_where_to_query_and_download(client, build_info):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    graph = as_graph(parse(response, "jsonld"))
    dataset = URIRef(ID + "dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    assert set(graph.objects(dataset, VOID.dataDump)) == {
        URIRef("http://localhost/dump.nq"), URIRef("http://localhost/dump.trig")}
    assert graph.value(dataset, VOID.triples).toPython() == build_info["triples"]
    assert set(graph.objects(dataset, DCTERMS.source)) == {
        URIRef(f"{ID}source/{source}") for source in SOURCES}
    subsets = list(graph.objects(dataset, VOID.subset))
    assert {graph.value(s, SD.name) for s in subsets} == GRAPH_NAMES


# --- health -----------------------------------------------------------------------------

def test_healthz_reports_the_build(client, build_info):
    health = client.get("/healthz").get_json()
    history = health.pop("history")
    assert health == {"status": "ok", "triples": build_info["triples"],
                      "built_at": build_info["built_at"], "version": build_info["version"],
                      "build_id": build_info["build_id"], "agreements": 224,
                      "writable": False}
    # The seed store is a first build: one entry, nothing accepted, forced or compared.
    (first,) = history
    first.pop("by")
    assert first == {"build_id": build_info["build_id"], "built_at": build_info["built_at"],
                     "documents": 5, "agreements": 224, "agreements_added": None,
                     "agreements_removed": None, "agreements_changed": None, "accepted": [],
                     "forced": {}}


def test_healthz_of_an_admin_store_counts_live(admin_client):
    from server_fixtures import ADMIN_TOKEN

    assert admin_client.get("/healthz").get_json()["triples"] == 0
    admin_client.post("/update", data="INSERT DATA { <http://a> <http://b> <http://c> }",
                      content_type="application/sparql-update",
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    health = admin_client.get("/healthz").get_json()
    assert (health["triples"], health["writable"], health["built_at"]) == (1, True, None)


# --- dumps ------------------------------------------------------------------------------

def test_nquads_dump_holds_every_quad(client, build_info):
    response = client.get("/dump.nq")
    assert response.mimetype == "application/n-quads"
    assert response.headers["Content-Disposition"] == 'attachment; filename="passerelle.nq"'
    dump = parse(response, "nq")  # rdflib: a parser independent of the server's writer
    assert len(list(dump.quads())) == build_info["triples"]
    # Seed 000, line 19 (TU Darmstadt), in the graph of its document.
    line_19 = (URIRef(ID + "agreement/telecom-paris-partnerships/line-19"), PAS.sourceLine,
               rdflib.Literal(19))
    assert line_19 in dump.graph(URIRef("https://w3id.org/passerelle/graph/"
                                        "telecom-paris-partnerships"))


def test_trig_dump_in_small_chunks_is_the_whole_store(app, monkeypatch):
    # With 1,000 quads a chunk the seeds take several chunks, and each chunk opens its
    # graph blocks again; parsed back, the blocks must give exactly the store's quads.
    monkeypatch.setattr(meta, "DUMP_BATCH", 1000)
    store = app.extensions["passerelle"].store
    trig = next(f for f in formats_of(DATASET) if f.name == "trig")
    assert len(list(meta._dump_chunks(store, trig))) > 1
    response = app.test_client().get("/dump.trig")
    assert response.mimetype == "application/trig"
    assert set(pyoxigraph.parse(response.data, format=RdfFormat.TRIG)) == set(store)


def test_unknown_dump_format_is_a_404(client):
    assert client.get("/dump.ttl").status_code == 404
