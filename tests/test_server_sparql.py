"""/sparql and /update through Flask's test client, on the store built from the seeds.

The facts asked about (TU Darmstadt's two agreements, in seeds 000 and 003) are explained
in server_fixtures.py.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib
from pyoxigraph import QueryResultsFormat, parse_query_results
from server_fixtures import (
    ADMIN_TOKEN,
    DARMSTADT_LINES,
    DARMSTADT_PARTNERS,
    EXPECTED_PAIRS,
    EXPECTED_TRIPLES,
    ID,
    PAS,
    READ_ONLY,
    SCHOOL_003,
    TELECOM,
)

from server.negotiation import GRAPH, RESULTS, negotiate, prefers_html
from server.sparql import MAX_QUERY_LENGTH
from server.sparql_text import blank_opaque, has_dataset_clause, with_using

GRAPHS = "https://w3id.org/passerelle/graph/"
PAS_PREFIX = f"PREFIX pas: <{PAS}>\n"
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/rdf+xml": "xml", "application/ld+json": "json-ld",
               "application/n-quads": "nquads", "application/trig": "trig"}


def pairs(response) -> set[tuple[str, int]]:
    """(school, line) from a JSON, XML or TSV results body, parsed by pyoxigraph."""
    formats = {"application/sparql-results+json": QueryResultsFormat.JSON,
               "application/sparql-results+xml": QueryResultsFormat.XML,
               "text/tab-separated-values": QueryResultsFormat.TSV}
    solutions = parse_query_results(response.data, formats[response.mimetype])
    return {(s["school"].value, int(s["line"].value)) for s in solutions}


def triples(response) -> set:
    data = rdflib.Dataset()
    data.parse(data=response.data, format=RDF_PARSERS[response.mimetype])
    return {(s, p, o) for s, p, o, _ in data.quads()}


def error_of(response, status: int) -> dict:
    """The one error shape, checked: returns its inner object."""
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status
    return body["error"]


# --- the three ways of asking -----------------------------------------------------------

def test_get_query_answers_json_by_default(client):
    response = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert pairs(response) == EXPECTED_PAIRS
    assert "Accept" in response.headers["Vary"]


def test_post_form_and_post_direct_give_the_same_answer(client):
    form = client.post("/sparql", data={"query": DARMSTADT_PARTNERS})
    direct = client.post("/sparql", data=DARMSTADT_PARTNERS.encode(),
                         content_type="application/sparql-query; charset=utf-8")
    assert pairs(form) == pairs(direct) == EXPECTED_PAIRS


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml",
                                    "text/tab-separated-values"])
def test_select_results_by_accept(client, accept):
    response = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS},
                          headers={"Accept": accept})
    assert response.mimetype == accept
    assert pairs(response) == EXPECTED_PAIRS


def test_select_as_csv_by_format_override(client):
    # format= wins over Accept (a browser asking for HTML still gets its CSV).
    response = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS, "format": "csv"},
                          headers={"Accept": "text/html"})
    assert response.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert {(row["school"], int(row["line"])) for row in rows} == EXPECTED_PAIRS


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml"])
def test_ask_answers_a_boolean(client, accept):
    ask = PAS_PREFIX + f"ASK {{ ?a pas:school <{SCHOOL_003}> ; pas:sourceLine 56 }}"
    response = client.get("/sparql", query_string={"query": ask}, headers={"Accept": accept})
    assert bool(parse_query_results(response.data, QueryResultsFormat.from_media_type(accept)))


@pytest.mark.parametrize("media_type", list(RDF_PARSERS))
def test_construct_in_every_graph_format(client, media_type):
    response = client.get("/sparql", query_string={"query": DARMSTADT_LINES},
                          headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert triples(response) == EXPECTED_TRIPLES


def test_describe_answers_turtle(client):
    agreement = f"{ID}agreement/telecom-paris-partnerships/line-19"
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{agreement}>"})
    assert response.mimetype == "text/turtle"
    source_line = rdflib.URIRef("https://w3id.org/passerelle/ontology#sourceLine")
    assert (rdflib.URIRef(agreement), source_line, rdflib.Literal(19)) in triples(response)


# --- the dataset --------------------------------------------------------------------------

def test_default_graph_is_the_union_of_named_graphs(client):
    # The two agreements live in two graphs; a plain query sees both (tested above too).
    response = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS})
    assert len(pairs(response)) == 2


def test_default_graph_uri_restricts_the_default_graph(client):
    response = client.get("/sparql", query_string={
        "query": DARMSTADT_PARTNERS, "default-graph-uri": GRAPHS + "telecom-paris-partnerships"})
    assert pairs(response) == {(TELECOM, 19)}


def test_named_graph_uri_restricts_graph_patterns(client):
    query = PAS_PREFIX + f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{
        ?a pas:partnerInstitution <{ID}institution/tu-darmstadt> }} }}"""
    response = client.get("/sparql", query_string={
        "query": query, "named-graph-uri": GRAPHS + "unidentified-partner-table"})
    graphs = [row["g"]["value"] for row in response.get_json()["results"]["bindings"]]
    assert graphs == [GRAPHS + "unidentified-partner-table"]


def test_from_clause_replaces_the_union_graph(client):
    dataset = f"FROM <{GRAPHS}unidentified-partner-table>"
    query = DARMSTADT_PARTNERS.replace("SELECT ?school ?line", f"SELECT ?school ?line {dataset}")
    assert pairs(client.get("/sparql", query_string={"query": query})) == {(SCHOOL_003, 56)}


def test_bad_graph_iri_is_a_400(client):
    response = client.get("/sparql", query_string={"query": "ASK {}",
                                                   "default-graph-uri": "not an iri"})
    assert "default-graph-uri" in error_of(response, 400)["detail"]


# --- errors -------------------------------------------------------------------------------

def test_syntax_error_is_a_400_with_the_parser_message(client):
    error = error_of(client.get("/sparql", query_string={"query": "SELECT * WHERE {"}), 400)
    assert error["title"] == "Query syntax error"
    assert "error at 1:" in error["detail"]  # pyoxigraph's position of the fault


def test_unacceptable_accept_is_a_406(client):
    response = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS},
                          headers={"Accept": "image/png"})
    assert "image/png" in error_of(response, 406)["detail"]


def test_results_format_for_a_graph_is_a_406(client):
    response = client.get("/sparql", query_string={"query": DARMSTADT_LINES, "format": "csv"})
    assert "ttl" in error_of(response, 406)["detail"]  # it lists the graph formats


@pytest.mark.parametrize("content_type", [None, "text/plain",
                                          "application/sparql-query; charset=UTF-16"])
def test_post_without_a_protocol_media_type_is_a_415(client, content_type):
    response = client.post("/sparql", data=b"ASK {}", content_type=content_type)
    error_of(response, 415)


def test_two_queries_are_a_400(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert "exactly one query" in error_of(response, 400)["detail"]


def test_wrong_method_is_a_405_in_the_error_shape(client):
    response = client.put("/sparql", query_string={"query": "ASK {}"})
    error_of(response, 405)
    assert "POST" in response.headers["Allow"]


def test_unknown_route_is_a_404_in_the_error_shape(client):
    error_of(client.get("/no-such-thing"), 404)


def test_unexpected_exception_is_a_500_in_the_error_shape(seed_store_path, monkeypatch):
    from server import create_app, sparql

    def broken(operation):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sparql, "run_query", broken)
    production = create_app({**READ_ONLY, "TESTING": False, "STORE": seed_store_path})
    response = production.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert "a bug" not in error_of(response, 500)["detail"]  # no internals leak out


def test_query_longer_than_the_cap_is_a_413(client):
    query = "ASK {}" + " " * MAX_QUERY_LENGTH
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert str(MAX_QUERY_LENGTH) in error_of(response, 413)["detail"]


def test_body_larger_than_the_cap_is_a_413(app, client):
    body = b"ASK {}" + b" " * app.config["MAX_CONTENT_LENGTH"]
    error_of(client.post("/sparql", data=body, content_type="application/sparql-query"), 413)


@pytest.mark.parametrize("request_args", [
    {"query_string": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": "CLEAR ALL", "content_type": "application/sparql-update"},
])
def test_updates_on_sparql_are_refused(client, request_args):
    response = client.open("/sparql", **request_args)
    assert "never changes" in error_of(response, 400)["detail"]
    assert client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS}).status_code == 200


def test_query_text_that_is_an_update_is_a_syntax_error(client):
    error_of(client.post("/sparql", data={"query": "CLEAR ALL"}), 400)


def test_no_update_endpoint_without_an_admin_token(client):
    error_of(client.post("/update", data="CLEAR ALL",
                         content_type="application/sparql-update"), 404)


# --- remote calls -------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } }",
    # pyoxigraph reads "trueSERVICE" as true, then SERVICE (checked by hand): no gap needed.
    "SELECT * WHERE { ?s ?p trueSERVICE <http://127.0.0.1:9/sparql> { ?a ?b ?c } }",
])
def test_service_is_refused(client, query):
    error = error_of(client.get("/sparql", query_string={"query": query}), 400)
    assert error["title"] == "Remote call refused"


def test_service_in_a_literal_or_iri_is_not_a_call(client):
    query = 'ASK { FILTER("SERVICE <http://x/> {}" != "") FILTER(<http://x/service> != <x:y>) }'
    response = client.get("/sparql", query_string={"query": query})
    assert response.get_json()["boolean"] is True


def test_allowlisted_service_passes_the_guard(seed_store_path):
    # Allowlisted, the query reaches pyoxigraph, whose HTTP client refuses port 9 (reserved):
    # a 500 "Query failed" from the evaluation, not the guard's 400.
    from server import create_app

    allowed = create_app({**READ_ONLY, "STORE": seed_store_path,
                          "SERVICE_ALLOWLIST": frozenset({"http://127.0.0.1:9/sparql"})})
    response = allowed.test_client().get("/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert error_of(response, 500)["title"] == "Query failed"


# --- CORS ---------------------------------------------------------------------------------

def test_read_endpoints_allow_any_origin(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"},
                          headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_posting_a_query(client):
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


# --- /sparql without a query --------------------------------------------------------------

def test_browser_gets_the_query_page(client):
    response = client.get("/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]


def test_rdf_client_gets_the_service_description(client):
    response = client.get("/sparql", headers={"Accept": "*/*"})
    assert response.mimetype == "text/turtle"
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert set(graph.objects(None, sd.endpoint)) == {rdflib.URIRef("http://localhost/sparql")}


# --- /update (admin) ----------------------------------------------------------------------

def test_update_without_the_token_is_a_401(admin_client):
    response = admin_client.post("/update", data="CLEAR ALL",
                                 content_type="application/sparql-update")
    error_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_update_with_a_wrong_token_is_a_401_that_does_not_echo_it(admin_client):
    response = admin_client.post("/update", data="CLEAR ALL",
                                 content_type="application/sparql-update",
                                 headers={"Authorization": "Bearer wrong-token-guess"})
    assert "wrong-token-guess" not in json.dumps(error_of(response, 401))


def admin(client, body, **kwargs):
    return client.post("/update", data=body, content_type="application/sparql-update",
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, **kwargs)


def test_update_with_the_token_changes_the_store(admin_client):
    insert = 'INSERT DATA { GRAPH <http://g/> { <http://s> <http://p> "o" } }'
    response = admin(admin_client, insert)
    assert response.status_code == 204
    ask = admin_client.get("/sparql", query_string={"query": 'ASK { <http://s> <http://p> "o" }'})
    assert ask.get_json()["boolean"] is True  # seen through the union default graph


def test_using_graph_uri_sets_the_update_dataset(admin_client):
    admin(admin_client, "INSERT DATA { GRAPH <http://g/1> { <http://a> a <http://T> } "
                        "GRAPH <http://g/2> { <http://b> a <http://T> } }")
    response = admin(admin_client, "INSERT { GRAPH <http://out/> { ?s a <http://Seen> } } "
                                   "WHERE { ?s a <http://T> }",
                     query_string={"using-graph-uri": "http://g/2"})
    assert response.status_code == 204
    seen = admin_client.get("/sparql", query_string={
        "query": "SELECT ?s WHERE { GRAPH <http://out/> { ?s a <http://Seen> } }"})
    assert [b["s"]["value"] for b in seen.get_json()["results"]["bindings"]] == ["http://b"]


def test_using_graph_uri_with_a_with_clause_is_a_400(admin_client):
    response = admin(admin_client, "WITH <http://g/1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                     query_string={"using-named-graph-uri": "http://g/2"})
    assert error_of(response, 400)["title"] == "Conflicting dataset"


@pytest.mark.parametrize("update", [
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
])
def test_remote_calls_in_updates_are_refused(admin_client, update):
    assert error_of(admin(admin_client, update), 400)["title"] == "Remote call refused"


def test_update_endpoint_takes_no_get(admin_client):
    error_of(admin_client.get("/update", query_string={"update": "CLEAR ALL"}), 405)


def test_update_endpoint_takes_no_query(admin_client):
    response = admin_client.post("/update", data="ASK {}", content_type="application/sparql-query",
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert "/sparql" in error_of(response, 400)["detail"]


def test_update_responses_carry_no_cors_header(admin_client):
    response = admin(admin_client, "CLEAR ALL")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_short_admin_token_is_refused(tmp_path):
    from server import create_app

    with pytest.raises(ValueError, match="at least 16"):
        create_app({"STORE": tmp_path / "store", "ADMIN_TOKEN": "short"})


# --- negotiation and SPARQL text (units) --------------------------------------------------

@pytest.mark.parametrize(("accept", "kind", "expected"), [
    (None, RESULTS, "json"),
    ("*/*", GRAPH, "ttl"),
    ("application/sparql-results+json;charset=utf-8", RESULTS, "json"),
    ("application/json", GRAPH, "jsonld"),
    ("application/xml", RESULTS, "xml"),
    ("text/turtle;q=0.5, application/rdf+xml", GRAPH, "rdf"),
])
def test_negotiate(accept, kind, expected):
    assert negotiate(accept, kind).name == expected


def test_prefers_html_only_when_html_ranks_first():
    assert prefers_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not prefers_html("*/*")
    assert not prefers_html("text/turtle, text/html;q=0.5")


def test_blanking_hides_literals_iris_and_comments():
    text = 'SELECT * # FROM\nWHERE { ?s <http://x/from> "FROM" }'
    assert "FROM" not in blank_opaque(text).upper().replace("SELECT", "")
    assert len(blank_opaque(text)) == len(text)
    assert not has_dataset_clause(text)
    assert has_dataset_clause("SELECT*FROM<http://g>{}")


def test_with_using_inserts_before_each_modify_where():
    update = ("INSERT DATA { <a:b> <a:c> 'WHERE' } ;\n"
              "INSERT { ?s a <a:X> } WHERE { { SELECT ?s WHERE { ?s a <a:Y> } } }")
    rewritten = with_using(update, ["http://g/1"], ["http://g/2"])
    assert rewritten.count("USING") == 2
    assert "} USING <http://g/1> USING NAMED <http://g/2> WHERE { { SELECT" in rewritten
