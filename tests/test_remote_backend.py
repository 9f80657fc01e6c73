"""The graph in a remote SPARQL 1.1 store: `passerelle build --store URL`, every canned
query giving the same answer there as on the embedded store, the server's routes over it;
then loading, switching and serving on fresh stores (staging graphs, failures, blank nodes,
a new build, a query over its budget).

The remote store is a real `oxigraph serve` (from the `oxigraph` wheel) on a free loopback
port, started with ``--union-default-graph`` so that both dataset modes can be compared
(passerelle.remote: ``named`` lists the build's graphs in each request, ``union`` uses the
store's own default graph). With PASSERELLE_TEST_STORE set to a query endpoint URL, the same
tests run against that store instead (its other settings from PASSERELLE_STORE_*; see
scripts/virtuoso-check.sh).

Expected values are the embedded build's own (tests/conftest.py builds it from the seeds):
whatever the seeds say, both backends must say the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Literal,
    NamedNode,
    Quad,
    Store,
)
from rdflib.compare import isomorphic
from server_fixtures import (
    DARMSTADT_LINES,
    DARMSTADT_PARTNERS,
    EXPECTED_PAIRS,
    EXPECTED_TRIPLES,
    READ_ONLY,
    free_port,
    wait_until_up,
)

from graph import remote as loading
from passerelle import remote
from passerelle.canned import job, load_queries, run
from passerelle.cli import main
from passerelle.remote import Endpoint
from passerelle.remote_store import RemoteStore
from passerelle.vocabulary import PAS, XSD
from server import create_app, remote_store

ROOT = Path(__file__).resolve().parent.parent
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
EXTERNAL = os.environ.get("PASSERELLE_TEST_STORE")
CATALOGUE = load_queries(ROOT / "queries")
LOCAL = sorted(name for name, q in CATALOGUE.items() if "federated" not in q.tags)
# Slow canned queries (seconds each on the embedded store) must not hit the default timeout.
TEST_TIMEOUT = 600
EX = "http://example.org/"
G1, G2 = (NamedNode(f"https://w3id.org/passerelle/graph/test-{n}") for n in (1, 2))


@contextmanager
def oxigraph_server(location: Path | None, log: Path) -> Iterator[Endpoint]:
    """`oxigraph serve` on a free loopback port (in memory without a location)."""
    if not OXIGRAPH.exists():
        pytest.skip(f"no oxigraph server at {OXIGRAPH} (pip install oxigraph)")
    port = free_port()
    command = [str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    if location is not None:
        command += ["--location", str(location)]
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base + "/query?query=ASK%7B%7D", process, log)
        yield Endpoint(query_url=base + "/query", update_url=base + "/update",
                       gsp_url=base + "/store", timeout=TEST_TIMEOUT)
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---- The seeds, built into the remote store once --------------------------------------------

@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[Endpoint]:
    """The remote store, after `passerelle build --store URL` loaded the seeds into it."""
    if EXTERNAL:
        built = remote.endpoint_from(EXTERNAL, os.environ, timeout=TEST_TIMEOUT)
        options = []  # the environment names its update, GSP and credentials
        yield _built(built, options)
        return
    folder = tmp_path_factory.mktemp("oxigraph")
    with oxigraph_server(folder / "data", folder / "oxigraph.log") as started:
        yield _built(started, ["--update-url", started.update_url,
                               "--gsp-url", started.gsp_url])


def _built(endpoint: Endpoint, options: list[str]) -> Endpoint:
    result = CliRunner().invoke(main, ["build", "--store", endpoint.query_url, *options])
    assert result.exit_code == 0, result.output
    assert f"store: {endpoint.query_url} -> " in result.output
    return endpoint


@pytest.fixture(scope="module")
def embedded(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


@pytest.fixture(scope="module")
def embedded_answers(embedded) -> dict:
    """Each canned query's answer on the embedded store, by (name, parameters), computed once
    for both dataset modes."""
    return {(name, tuple(sorted(values.items()))): plain(run(embedded, CATALOGUE[name], values))
            for name in LOCAL for values in parameter_sets(name)}


def parameter_sets(name: str) -> list[dict[str, str]]:
    """The catalogue contract's example values: the required ones alone, then all of them."""
    from test_catalogue_contract import EXAMPLES

    examples = EXAMPLES.get(name, {})
    required = {k: v for k, v in examples.items() if CATALOGUE[name].parameter(k).required}
    return [required] if required == examples else [required, examples]


def plain(result) -> tuple[tuple[str, ...], list[tuple]]:
    """Columns and rows, terms written in N-Triples: equal only if every term is."""
    return result.variables, [tuple(None if t is None else str(t) for t in row)
                              for row in result.rows]


def test_build_publishes_the_graphs_and_metadata_of_the_embedded_build(endpoint,
                                                                      seed_store_path):
    published = remote.read_metadata(endpoint)
    built = json.loads((seed_store_path / "build.json").read_text(encoding="utf-8"))
    assert published["graphs"] == built["graphs"]
    assert published["triples"] == built["triples"] == sum(built["graphs"].values())
    assert published["sources"] == built["sources"]
    store = RemoteStore.open(endpoint)
    assert len(store) == built["triples"]
    assert [g.value for g in store.named_graphs()] == sorted(built["graphs"])


def test_a_cut_document_is_refused_and_the_remote_build_stays(endpoint, tmp_path):
    # The same gate as for a local store: 003 cut at 56 of its 113 lines loses 56 of the
    # 224 agreements of the build published in the remote store, counted from its graphs.
    before = remote.read_metadata(endpoint)["build_id"]
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds, ignore=shutil.ignore_patterns("identifiers"))
    table = seeds / "003_6d956781d4f13613.txt"
    table.write_bytes(b"\n".join(table.read_bytes().split(b"\n")[:56]) + b"\n")
    options = ["--update-url", endpoint.update_url]
    result = CliRunner().invoke(main, ["build", "--seeds", str(seeds), "--store",
                                       endpoint.query_url, *options,
                                       "--accept", "unidentified-partner-table"])
    assert result.exit_code == 1
    assert "it would lose 56 of the 224 published agreements" in result.output
    assert remote.read_metadata(endpoint)["build_id"] == before
    compared = CliRunner().invoke(main, ["diff", "--seeds", str(seeds), "--store",
                                         endpoint.query_url, *options])
    assert compared.exit_code == 0, compared.output
    assert compared.output.splitlines()[0].startswith(f"against build {before} (built ")
    assert ("agreements: 224 published, 168 in this build: 0 added, 56 removed, 0 changed"
            in compared.output.splitlines())


def test_the_remote_dataset_is_the_embedded_dataset(endpoint, embedded):
    # Blank nodes (the ontology's OWL axioms) get new labels in another store: compare the
    # datasets canonicalised.
    datasets = [Dataset(iter(RemoteStore.open(endpoint))), Dataset(iter(embedded))]
    for dataset in datasets:
        dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    remote_quads, embedded_quads = ({str(q) for q in d} for d in datasets)
    assert remote_quads == embedded_quads


def test_objects_are_read_by_the_ranges_of_the_build_ontology(endpoint):
    # The ontology's six properties whose values a store may spell its own way: Virtuoso
    # keeps booleans as 1/0 and durations as numbers (passerelle.remote_terms); the dataset
    # comparison above holds only with them read back.
    assert RemoteStore.open(endpoint).ranges() == {
        PAS + "mandatory": XSD + "boolean", PAS + "awardsDegree": XSD + "boolean",
        PAS + "consistent": XSD + "boolean", PAS + "otherConsistent": XSD + "boolean",
        PAS + "minDuration": XSD + "duration", PAS + "maxDuration": XSD + "duration"}


def test_a_store_without_lateral_runs_the_portable_formulation(endpoint):
    # oxigraph serve parses SPARQL 1.2's LATERAL; Virtuoso 7.2 does not
    # (scripts/virtuoso-check.sh says so with PASSERELLE_TEST_STORE_LATERAL=no).
    store = RemoteStore.open(endpoint)
    parses = os.environ.get("PASSERELLE_TEST_STORE_LATERAL", "yes") == "yes"
    assert store.parses_lateral() is parses
    query = CATALOGUE["institution"]
    bound = {"institution": Literal("tu-darmstadt")}
    ran = job(query, bound, 10, store=store).query
    assert ran == job(query if parses else query.portable, bound, 10).query
    assert ("LATERAL" in ran) is parses


@pytest.mark.parametrize("mode", ["named", "union"])
@pytest.mark.parametrize("name", LOCAL)
def test_every_canned_query_answers_as_on_the_embedded_store(name, mode, endpoint,
                                                            embedded_answers):
    store = RemoteStore.open(replace(endpoint, dataset=mode))
    for values in parameter_sets(name):
        expected = embedded_answers[(name, tuple(sorted(values.items())))]
        assert plain(run(store, CATALOGUE[name], values)) == expected, values


# ---- The server over the remote store -------------------------------------------------------

def store_options(endpoint: Endpoint) -> dict:
    """The endpoint's settings as the server's STORE_OPTIONS (the password stays in the
    environment, where an external store's comes from)."""
    options = {"update_url": endpoint.update_url, "gsp_url": endpoint.gsp_url,
               "timeout": endpoint.timeout, "dataset": endpoint.dataset,
               "user": endpoint.user, "auth": endpoint.auth}
    return {key: value for key, value in options.items() if value is not None}


@pytest.fixture(scope="module")
def remote_client(endpoint):
    """The app over the remote store, read-only."""
    app = create_app({**READ_ONLY, "STORE": endpoint.query_url,
                      "STORE_OPTIONS": store_options(endpoint)})
    yield app.test_client()
    app.extensions["passerelle-executor"].close()


def test_the_sparql_endpoint_answers_from_the_remote_store(remote_client):
    # The hand-checked facts of tests/server_fixtures.py: TU Darmstadt is a partner on line
    # 19 of 000 (Télécom Paris) and line 56 of 003 (the unidentified school).
    reply = remote_client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS},
                              headers={"Accept": "application/sparql-results+json"})
    assert reply.status_code == 200, reply.text
    pairs = {(b["school"]["value"], int(b["line"]["value"]))
             for b in reply.get_json()["results"]["bindings"]}
    assert pairs == EXPECTED_PAIRS
    graph = remote_client.post("/sparql", data=DARMSTADT_LINES,
                               content_type="application/sparql-query",
                               headers={"Accept": "text/turtle"})
    assert graph.status_code == 200, graph.text
    assert set(rdflib.Graph().parse(data=graph.text, format="turtle")) == EXPECTED_TRIPLES
    malformed = remote_client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x }"})
    assert malformed.status_code == 400


@pytest.mark.parametrize("path", [
    "/queries/shared-partners.json?school=telecom-paris&other=unidentified-school-003",
    "/queries/institution.json?institution=tu-darmstadt",
    "/queries/countries.json",
])
def test_canned_query_routes_answer_as_the_embedded_app(path, remote_client, client):
    remote_reply, embedded_reply = remote_client.get(path), client.get(path)
    assert remote_reply.status_code == embedded_reply.status_code == 200, remote_reply.text
    assert remote_reply.get_json() == embedded_reply.get_json()


def test_entity_pages_and_metadata_come_from_the_remote_store(remote_client, client,
                                                              endpoint):
    path = "/id/institution/tu-darmstadt"
    turtle = [c.get(path, headers={"Accept": "text/turtle"}) for c in (remote_client, client)]
    graphs = [rdflib.Graph().parse(data=t.text, format="turtle") for t in turtle]
    assert len(graphs[0]) > 0 and isomorphic(*graphs)
    page = remote_client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Darmstadt" in page.text
    health = remote_client.get("/healthz").get_json()
    published = remote.read_metadata(endpoint)
    assert (health["build_id"], health["triples"]) == (published["build_id"],
                                                       published["triples"])
    dump = remote_client.get("/dump.nq")
    assert len(dump.get_data().splitlines()) == published["triples"]


# ---- Loading, switching and serving, each on a fresh store of its own -----------------------

@pytest.fixture
def scratch(tmp_path) -> Iterator[Endpoint]:
    """A fresh, empty oxigraph server of its own (in memory), for tests that write."""
    if EXTERNAL:
        pytest.skip("writes to a fresh oxigraph server of its own, not to PASSERELLE_TEST_STORE")
    with oxigraph_server(None, tmp_path / "oxigraph.log") as started:
        yield started


def small_store(*quads: Quad) -> Store:
    store = Store()
    store.extend(quads)
    return store


def triple(subject: str, graph: NamedNode, obj: str = "o") -> Quad:
    return Quad(NamedNode(EX + subject), NamedNode(EX + "p"), NamedNode(EX + obj), graph)


def count(store: RemoteStore) -> int:
    answer = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                         use_default_graph_as_union=True)
    return int(next(iter(answer))[0].value)


def test_staged_graphs_stay_out_of_named_queries_until_published(scratch):
    first = loading.stage(scratch, small_store(triple("a", G1), triple("b", G2)))
    loading.publish(scratch, first, {"build_id": first.build_id,
                                    "graphs": {G1.value: 1, G2.value: 1}})
    named, union = (RemoteStore.open(replace(scratch, dataset=m)) for m in ("named", "union"))
    assert count(named) == 2  # a and b; the metadata triple is not in a published graph
    second = loading.stage(scratch, small_store(triple("c", G1), triple("d", G1, "x")))
    # Loaded but not published: named mode still sees the first build; the store's own union
    # (every graph) sees both builds and the metadata triple.
    assert count(named) == 2
    assert count(union) == 2 + 2 + 1
    loading.publish(scratch, second, {"build_id": second.build_id, "graphs": {G1.value: 2}})
    named = RemoteStore.open(scratch)
    subjects = {q.subject.value for q in named}
    assert subjects == {EX + "c", EX + "d"}  # G1 replaced, G2 (not in this build) dropped
    assert count(RemoteStore.open(replace(scratch, dataset="union"))) == 2 + 1


def test_insert_data_loads_in_batches_and_keeps_blank_nodes(scratch, monkeypatch):
    # Without a GSP endpoint, INSERT DATA requests of BATCH_QUADS triples; blank node labels
    # are scoped to one request, so a graph with blank nodes goes whole (one INSERT).
    monkeypatch.setattr(loading, "BATCH_QUADS", 2)
    through_update = replace(scratch, gsp_url=None)
    node = BlankNode()
    quads = [triple(s, G1) for s in "abcde"]
    quads += [Quad(NamedNode(EX + "x"), NamedNode(EX + "p"), node, G2),
              Quad(node, NamedNode(EX + "p"), NamedNode(EX + "y"), G2),
              Quad(node, NamedNode(EX + "q"), NamedNode(EX + "z"), G2)]
    staging = loading.stage(through_update, small_store(*quads))
    assert staging.triples == 8
    loading.publish(through_update, staging, {"build_id": staging.build_id,
                                             "graphs": {G1.value: 5, G2.value: 3}})
    loaded = list(RemoteStore.open(through_update).quads_for_pattern(None, None, None, G2))
    objects = {q.object for q in loaded if q.subject == NamedNode(EX + "x")}
    assert len(objects) == 1  # one blank node, the subject of the other two triples
    assert {q.subject for q in loaded if q.subject != NamedNode(EX + "x")} == objects


def test_a_failed_load_leaves_the_published_build_and_no_staging_graph(scratch):
    first = loading.stage(scratch, small_store(triple("a", G1)))
    loading.publish(scratch, first, {"build_id": first.build_id, "graphs": {G1.value: 1}})
    broken = replace(scratch, gsp_url=scratch.gsp_url.replace("/store", "/no-such-path"))
    with pytest.raises(remote.RemoteStoreError, match="no-such-path"):
        loading.stage(broken, small_store(triple("b", G1)))
    assert remote.read_metadata(scratch)["build_id"] == first.build_id
    graphs = remote.select_rows(scratch, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(g.value for (g,) in graphs) == sorted([G1.value, remote.BUILD_GRAPH.value])


def test_no_published_build_and_a_malformed_query_are_errors(scratch):
    with pytest.raises(FileNotFoundError, match="passerelle build --store"):
        RemoteStore.open(scratch)
    store = RemoteStore(scratch, {"graphs": {}})
    with pytest.raises(SyntaxError, match="400"):
        store.query("SELECT ?x WHERE { ?x }")
    down = replace(scratch, query_url="http://127.0.0.1:1/query")
    with pytest.raises(remote.RemoteStoreError):
        remote.read_metadata(down)


def test_the_server_follows_a_new_build(scratch, monkeypatch):
    first = loading.stage(scratch, small_store(triple("a", G1)))
    loading.publish(scratch, first, {"build_id": first.build_id, "graphs": {G1.value: 1},
                                    "triples": 1})
    app = create_app({**READ_ONLY, "STORE": scratch.query_url,
                      "STORE_OPTIONS": store_options(scratch)})
    client = app.test_client()
    assert client.get("/healthz").get_json()["build_id"] == first.build_id
    second = loading.stage(scratch, small_store(triple("b", G1), triple("c", G2)))
    loading.publish(scratch, second, {"build_id": second.build_id, "triples": 2,
                                     "graphs": {G1.value: 1, G2.value: 1}})
    monkeypatch.setattr(remote_store, "CHECK_EVERY", 0)
    app.extensions["passerelle-link"].next_check = 0  # as if CHECK_EVERY seconds had passed
    assert client.get("/healthz").get_json()["build_id"] == second.build_id
    reply = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"})
    assert {b["s"]["value"] for b in reply.get_json()["results"]["bindings"]} == {
        EX + "b", EX + "c"}


def test_a_query_over_its_budget_is_a_503(scratch):
    # 40 triples, five times over: 40**5 = 102 million rows for the store to count, far
    # more than a tenth of a second of work.
    first = loading.stage(scratch, small_store(*(triple(f"s{n}", G1) for n in range(40))))
    loading.publish(scratch, first, {"build_id": first.build_id, "graphs": {G1.value: 40}})
    app = create_app({**READ_ONLY, "STORE": scratch.query_url,
                      "STORE_OPTIONS": store_options(scratch)})
    text = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
            "?m ?n ?o }")
    reply = app.test_client().get("/sparql", query_string={"query": text, "timeout": "0.1"})
    assert reply.status_code == 503
    assert reply.get_json()["error"]["title"] == "Query timeout"
