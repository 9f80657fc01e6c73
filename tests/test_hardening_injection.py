"""No injection, no server-side requests: hostile parameter values and query texts.

Property-based (Hypothesis): whatever text a client sends as a canned-query parameter (quotes,
braces, ``\\u`` escapes, newlines, IRIs with spaces or ``>``, huge strings), the answer is a
400 or an answer of the query as written, with the value bound as one term. The echo query
below returns exactly one row whatever is bound, so a value that changed the query (added a
pattern, a UNION, a second row) would show.

SERVICE and LOAD: every spelling that reaches a remote endpoint (prefixed names, BASE, \\u
escapes, SILENT, nested) is refused, and a listener on the named port never sees a
connection; an allowlisted endpoint is called (the control). Updates are refused on /sparql
in every form, and the store is unchanged afterwards.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Store
from server_fixtures import READ_ONLY, running_server

from passerelle.canned import Parameter, ParameterError, to_term
from server import create_app
from server.sparql_text import network_keywords

ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHOOLS = {"telecom-paris", "estp", "unidentified-school-003"}  # sources.toml publishers
ECHO = """\
#+ title: Echo
#+ description: The bound values, once, beside the size of the store.
#+ params:
#+   - {name: text, type: string}
#+   - {name: link, type: iri}
#+   - {name: number, type: integer}
#+   - {name: school, type: school}
SELECT ?text ?link ?number ?school ?quads
WHERE { { SELECT (COUNT(*) AS ?quads) WHERE { GRAPH ?g { ?s ?p ?o } } } }
"""

# Any text a URL can carry (no lone surrogates), with the hostile pieces mixed in often.
HOSTILE_PIECES = ['"', "'", "}", "{", "<", ">", " ", "\n", "\\u0022", "\\u003E", "\\",
                  "#", "?x", "} UNION { ?s ?p ?o", "> . ?s ?p ?o . <", "\x00", "%", "estp",
                  "https://w3id.org/passerelle/id/institution/", "http://example.org/"]
hostile_text = st.lists(st.one_of(st.text(st.characters(exclude_categories=["Cs"]),
                                          max_size=20),
                                  st.sampled_from(HOSTILE_PIECES)),
                        max_size=12).map("".join)
huge_text = st.integers(201, 20_000).map(lambda n: "x" * n)


@pytest.fixture(scope="module")
def echo_client(seed_store_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("echo-queries")
    (folder / "echo.rq").write_text(ECHO, encoding="utf-8")
    app = create_app({**READ_ONLY, "STORE": seed_store_path, "QUERIES_DIR": folder})
    yield app.test_client()
    app.extensions["passerelle-executor"].close()


@pytest.fixture(scope="module")
def seed_quads(seed_build) -> int:
    return seed_build.triples


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


def expected_term(kind: str, raw: str) -> dict:
    """The JSON binding the echo query must return for a value the parameter accepted."""
    if kind == "text":
        return {"type": "literal", "value": raw}
    if kind == "link":
        return {"type": "uri", "value": raw}
    if kind == "number":
        return {"type": "literal", "value": str(int(raw)), "datatype": XSD + "integer"}
    return {"type": "uri", "value": ID + "institution/" + raw.removeprefix(ID + "institution/")}


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["text", "link", "number", "school"]),
       raw=st.one_of(hostile_text, huge_text, st.sampled_from(sorted(SCHOOLS))))
def test_a_hostile_value_is_refused_or_bound_as_one_term(echo_client, seed_quads, kind, raw):
    response = echo_client.get("/queries/echo.json", query_string={kind: raw})
    assert response.status_code in (200, 400), response.data
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert error["title"] == "Invalid parameter" and f"'{kind}'" in error["detail"]
        return
    (row,) = response.get_json()["results"]["bindings"]  # the query's one row, unchanged
    assert row["quads"]["value"] == str(seed_quads)
    if raw:  # an empty value counts as left out
        assert row[kind] == expected_term(kind, raw)
        assert set(row) == {"quads", kind}


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["iri", "string", "integer", "school", "institution", "country",
                             "network", "agreement-type"]),
       raw=st.one_of(hostile_text, huge_text))
def test_to_term_gives_a_term_of_the_declared_type_or_refuses(store, kind, raw):
    try:
        term = to_term(Parameter("p", kind), raw, store)
    except ParameterError as refused:
        assert refused.name == "p"
        return
    if kind == "iri":
        assert term == NamedNode(raw)
    elif kind == "string":
        assert term == Literal(raw) and len(raw) <= 200
        assert not set(raw) & set('"<>{}\\\n\r\t')
    elif kind == "integer":
        assert term == Literal(str(int(raw)), datatype=NamedNode(XSD + "integer"))
    elif kind == "agreement-type":
        assert term.value.startswith(PAS)
    else:
        folder = "institution" if kind in ("school", "institution") else kind
        assert term.value.startswith(f"{ID}{folder}/")
        assert next(iter(store.quads_for_pattern(term, None, None, None)), None) is not None


@pytest.mark.parametrize("name, value", [
    ("timeout", "1; DROP ALL"), ("timeout", "1e999"), ("limit", "-1"), ("limit", "1 2"),
    ("offset", "9" * 40), ("offset", "0x10"), ("limit", "0"), ("format", "json' OR 1"),
])
def test_hostile_paging_time_and_format_values_are_4xx_never_5xx(echo_client, name, value):
    status = echo_client.get("/queries/echo", query_string={name: value}).status_code
    assert status in (400, 406)


# --- SERVICE and LOAD never leave the server ---------------------------------------------

@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("injection") / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        yield base


@pytest.fixture
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        yield server


def service_variants(port: int) -> list[str]:
    endpoint = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"select * where {{ values ?x {{ 1 }} service silent <{endpoint}> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <http://127.0.0.1:{port}/> "
        "SELECT * WHERE { VALUES ?x { 1 } SERVICE remote:sparql { ?s ?p ?o } }",
        f"BASE <http://127.0.0.1:{port}/> "
        "SELECT * WHERE { VALUES ?x { 1 } SERVICE <sparql> { ?s ?p ?o } }",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <http://127.0.0.1:{port}/\\u0073parql> "
        "{ ?s ?p ?o } }",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERV\\u0049CE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ VALUES ?x {{ 1 }} OPTIONAL {{ "
        f"SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }} }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{endpoint}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ FILTER NOT EXISTS {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }}",
    ]


@pytest.mark.parametrize("variant", range(9))
def test_no_spelling_of_service_reaches_the_listener(live, listener, variant):
    query = service_variants(listener.getsockname()[1])[variant]
    for method in ("GET", "POST"):
        data = urllib.parse.urlencode({"query": query})
        request = (urllib.request.Request(f"{live}/sparql?{data}") if method == "GET"
                   else urllib.request.Request(f"{live}/sparql", data=data.encode()))
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        with refused.value:  # hang up: the server lingers until the client has closed
            assert refused.value.code == 400, refused.value.read()
    with pytest.raises(TimeoutError):
        listener.accept()


def test_an_allowlisted_service_is_called(seed_store_path, listener):
    # The control: the same guard lets an allowlisted endpoint through, and the query
    # process does call it, so a silent listener above means a refusal.
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    app = create_app({**READ_ONLY, "STORE": seed_store_path,
                      "SERVICE_ALLOWLIST": frozenset({endpoint})})
    query = f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    asking = threading.Thread(target=lambda: app.test_client().get(
        "/sparql", query_string={"query": query, "timeout": "5"}))
    listener.settimeout(10)
    asking.start()
    try:
        connection, _ = listener.accept()
        connection.close()
    finally:
        asking.join(15)
        app.extensions["passerelle-executor"].close()


GLUE = ["", " ", "\n", "\t", "# SERVICE in a comment\n"]
AROUND = ["?s ?p ?o", "?s ?p ?o.", "?s ?p ?o .", "?s ?p true", "?s ?p 1", "?service ?p ?o",
          "?s ex:service ?o", "?s service:x ?o", '?s ?p "SERVICE"', "?s ?p <http://x/SERVICE>",
          "FILTER(true)", "OPTIONAL { ?s ?p ?o }", "{ ?s ?p ?o }", "VALUES ?v { 1 }", ""]


@settings(max_examples=300, deadline=None)
@given(before=st.lists(st.tuples(st.sampled_from(AROUND), st.sampled_from(GLUE)), max_size=3),
       after=st.lists(st.tuples(st.sampled_from(AROUND), st.sampled_from(GLUE)), max_size=3),
       keyword=st.sampled_from(["SERVICE", "service", "Service", "SERVICE SILENT"]),
       glue=st.tuples(st.sampled_from(GLUE), st.sampled_from(GLUE)))
def test_every_service_pyoxigraph_parses_is_found(before, after, keyword, glue):
    # Whatever surrounds it, glued or spaced: if pyoxigraph reads the text as a query, the
    # guard sees its SERVICE (it may refuse more than that, never less).
    text = ("PREFIX ex: <http://ex/> PREFIX service: <http://s/> SELECT * WHERE { "
            + "".join(f"{piece}{space}" for piece, space in before) + glue[0]
            + f"{keyword} <http://127.0.0.1:9/sparql> {{ ?a ?b ?c }}" + glue[1]
            + "".join(f"{piece}{space}" for piece, space in after) + " }")
    try:
        list(Store().query(text))
    except SyntaxError:
        return  # not a query: pyoxigraph would refuse it before any call
    except OSError:
        pass  # it tried to call port 9 (nobody there): a SERVICE it read
    assert "SERVICE" in network_keywords(text), text


UPDATES = [
    "INSERT DATA { <http://s> <http://p> <http://o> }",
    "DELETE DATA { GRAPH <https://w3id.org/passerelle/graph/registry> { "
    "<https://w3id.org/passerelle/id/institution/estp> a ?x } }",
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL", "DROP ALL", "CREATE GRAPH <http://g>",
    "COPY DEFAULT TO <http://g>", "MOVE DEFAULT TO <http://g>", "ADD DEFAULT TO <http://g>",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused_on_sparql_and_changes_nothing(
        echo_client, seed_quads, update):
    attempts = [
        echo_client.get("/sparql", query_string={"update": update}),
        echo_client.post("/sparql", data={"update": update}),
        echo_client.post("/sparql", data=update, content_type="application/sparql-update"),
        echo_client.post("/sparql", data={"query": update}),  # an update is no query
        echo_client.post("/update", data=update, content_type="application/sparql-update"),
    ]
    assert [a.status_code for a in attempts] == [400, 400, 400, 400, 404]
    count = echo_client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}).get_json()
    assert count["results"]["bindings"][0]["n"]["value"] == str(seed_quads)
