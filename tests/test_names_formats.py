"""Every format a common client asks for, by Accept or format= (issue 16).

SPARQLWrapper sends its return format both ways: ``format=`` and ``output=`` (``n3``,
``rdf+xml``, ``json-ld``...) and an Accept list (`SPARQLWrapper.Wrapper._RDF_N3`...). Each of
its eight formats is asked of a real server here, for the query form that has it, and the
answer must carry the two TU Darmstadt agreements (000 line 19, 003 line 56; see
tests/server_fixtures.py).
"""

from __future__ import annotations

import csv
import io

import pytest
import rdflib
from server_fixtures import (
    DARMSTADT_LINES,
    DARMSTADT_PARTNERS,
    EXPECTED_PAIRS,
    EXPECTED_TRIPLES,
    running_server,
)
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("formats") / "server.log"
    with running_server(seed_store_path, log) as base:
        yield base


def ask(live: str, query: str, fmt: str):
    client = SPARQLWrapper(live + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setTimeout(30)
    return client.query()


def table_pairs(text: str, delimiter: str) -> set[tuple[str, int]]:
    # TSV heads its columns ?school and writes terms in Turtle syntax; CSV writes plain values.
    rows = [{key.lstrip("?"): value for key, value in row.items()}
            for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)]
    return {(row["school"].strip("<>"), int(row["line"].split("^^")[0].strip('"')))
            for row in rows}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_sparqlwrapper_gets_a_construct_in_each_graph_format(live, fmt):
    result = ask(live, DARMSTADT_LINES, fmt)
    converted = result.convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format="turtle")
    assert set(graph) == EXPECTED_TRIPLES


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_gets_a_select_in_each_results_format(live, fmt):
    result = ask(live, DARMSTADT_PARTNERS, fmt)
    converted = result.convert()
    if fmt == JSON:
        pairs = {(b["school"]["value"], int(b["line"]["value"]))
                 for b in converted["results"]["bindings"]}
    elif fmt == XML:
        pairs = set()
        for node in converted.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.firstChild.firstChild.data
                      for b in node.getElementsByTagName("binding")}
            pairs.add((values["school"], int(values["line"])))
    else:
        pairs = table_pairs(converted.decode("utf-8"), "," if fmt == CSV else "\t")
    assert pairs == EXPECTED_PAIRS


@pytest.mark.parametrize(("name", "media_type"), [
    ("n3", "text/n3"), ("rdf+xml", "application/rdf+xml"), ("turtle", "text/turtle"),
    ("json-ld", "application/ld+json"), ("xml", "application/rdf+xml")])
def test_format_names_for_a_construct(client, name, media_type):
    response = client.get("/sparql", query_string={"query": DARMSTADT_LINES, "format": name})
    assert response.status_code == 200 and response.mimetype == media_type


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/turtle", "text/turtle"), ("text/rdf+n3", "text/n3"),
    ("application/x-json+ld", "application/ld+json"), ("application/n3", "text/n3")])
def test_accept_names_for_a_construct(client, accept, media_type):
    response = client.get("/sparql", query_string={"query": DARMSTADT_LINES},
                          headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type


def test_a_406_lists_what_the_query_form_can_give(client):
    construct = client.get("/sparql", query_string={"query": DARMSTADT_LINES,
                                                    "format": "bogus"})
    detail = construct.get_json()["error"]["detail"]
    assert construct.status_code == 406
    assert detail.endswith("use one of: ttl, nt, rdf, jsonld, n3, nq, trig")
    select = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS,
                                                 "format": "turtle"})
    assert select.status_code == 406
    assert select.get_json()["error"]["detail"].endswith("use one of: json, xml, csv, tsv")
    graph = client.get("/sparql", query_string={"query": DARMSTADT_LINES},
                       headers={"Accept": "text/csv"})
    assert graph.status_code == 406 and "text/turtle" in graph.get_json()["error"]["detail"]
