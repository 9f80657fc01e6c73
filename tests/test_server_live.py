"""The production server (gunicorn started by `server.wsgi.serve`) on a free loopback port,
used by real clients: SPARQLWrapper and rdflib's SPARQLStore. Also: the SERVICE guard
against a real listener, the admin token over real HTTP, and serve()'s own checks.

The facts asked about (TU Darmstadt's two agreements) are explained in server_fixtures.py.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from server_fixtures import (
    ADMIN_TOKEN,
    DARMSTADT_LINES,
    DARMSTADT_PARTNERS,
    EXPECTED_PAIRS,
    EXPECTED_TRIPLES,
    post_update,
    running_server,
)
from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from server.wsgi import serve


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory) -> str:
    """The read-only server over the seed store, two worker processes."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    with running_server(seed_store_path, log, workers=2) as base:
        yield base


def wrapper(live: str, query: str, method: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(live + "/sparql")
    client.setQuery(query)
    client.setMethod(method)
    client.setReturnFormat(fmt)
    return client


def json_pairs(results: dict) -> set[tuple[str, int]]:
    return {(row["school"]["value"], int(row["line"]["value"]))
            for row in results["results"]["bindings"]}


# --- SPARQLWrapper ------------------------------------------------------------------------

def test_sparqlwrapper_get_json(live):
    assert json_pairs(wrapper(live, DARMSTADT_PARTNERS, GET, JSON).queryAndConvert()) \
        == EXPECTED_PAIRS


def test_sparqlwrapper_post_form_and_post_direct_json(live):
    form = wrapper(live, DARMSTADT_PARTNERS, POST, JSON)
    direct = wrapper(live, DARMSTADT_PARTNERS, POST, JSON)
    direct.setRequestMethod(POSTDIRECTLY)
    assert json_pairs(form.queryAndConvert()) == json_pairs(direct.queryAndConvert()) \
        == EXPECTED_PAIRS


def test_sparqlwrapper_xml_results(live):
    document = wrapper(live, DARMSTADT_PARTNERS, GET, XML).queryAndConvert()
    rows = set()
    for result in document.getElementsByTagName("result"):
        values = {b.getAttribute("name"): b.firstChild.firstChild.data
                  for b in result.getElementsByTagName("binding")}
        rows.add((values["school"], int(values["line"])))
    assert rows == EXPECTED_PAIRS


def test_sparqlwrapper_construct_as_turtle(live):
    body = wrapper(live, DARMSTADT_LINES, GET, TURTLE).queryAndConvert()
    assert set(rdflib.Graph().parse(data=body, format="turtle")) == EXPECTED_TRIPLES


# --- rdflib SPARQLStore -------------------------------------------------------------------

def test_rdflib_sparqlstore_select_and_construct(live):
    graph = rdflib.Graph(SPARQLStore(live + "/sparql"))
    rows = {(str(row.school), row.line.toPython()) for row in graph.query(DARMSTADT_PARTNERS)}
    assert rows == EXPECTED_PAIRS
    assert set(graph.query(DARMSTADT_LINES).graph) == EXPECTED_TRIPLES


# --- remote calls -------------------------------------------------------------------------

def service_query(port: int) -> str:
    # VALUES first: pyoxigraph only calls a SERVICE joined with at least one solution.
    return f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <http://127.0.0.1:{port}/sparql> " \
           "{ ?s ?p ?o } }"


def test_service_query_never_reaches_the_named_listener(live):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        url = f"{live}/sparql?" + urllib.parse.urlencode({"query": service_query(port)})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 400
        assert json.load(refused.value)["error"]["title"] == "Remote call refused"
        listener.settimeout(1.0)
        with pytest.raises(TimeoutError):
            listener.accept()


def test_pyoxigraph_alone_would_reach_it(tmp_path):
    # The control for the test above: the same query run by pyoxigraph directly does
    # connect, so a listener that saw nothing means the server refused, not that the
    # query could not have called out.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        query = service_query(listener.getsockname()[1])
        caller = threading.Thread(target=_query_ignoring_errors, args=(query,))
        caller.start()
        connection, _ = listener.accept()
        connection.close()
        caller.join(timeout=10)


def _query_ignoring_errors(query: str) -> None:
    try:
        list(pyoxigraph.Store().query(query))
    except OSError:
        pass  # the listener hung up: the call was made, which is all this shows


# --- admin mode ---------------------------------------------------------------------------

def test_admin_server_takes_updates_with_the_token_only(tmp_path):
    log = tmp_path / "server.log"
    insert = "INSERT DATA { GRAPH <http://g/> { <http://s> <http://p> <http://o> } }"
    with running_server(tmp_path / "store", log, admin_token=ADMIN_TOKEN) as base:
        assert post_update(base, insert, None) == 401
        assert post_update(base, insert, "not-the-admin-token") == 401
        assert post_update(base, insert, ADMIN_TOKEN) == 204
        ask = urllib.parse.urlencode({"query": "ASK { <http://s> <http://p> <http://o> }"})
        with urllib.request.urlopen(f"{base}/sparql?{ask}", timeout=10) as response:
            assert json.load(response)["boolean"] is True
    assert "POST /update" in log.read_text()  # the access log is on...
    assert ADMIN_TOKEN not in log.read_text()  # ...and never shows the token


# --- serve()'s own checks (before gunicorn starts) ----------------------------------------

def test_serve_without_a_store_raises(tmp_path, monkeypatch):
    monkeypatch.delenv("PASSERELLE_ADMIN_TOKEN", raising=False)
    with pytest.raises(FileNotFoundError, match="passerelle build"):
        serve(tmp_path / "nothing-here")


def test_admin_serve_refuses_several_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_ADMIN_TOKEN", ADMIN_TOKEN)
    with pytest.raises(ValueError, match="one process"):
        serve(tmp_path / "store", workers=2)
