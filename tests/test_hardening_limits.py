"""Bounded resources: rows (with a truncated flag, and Link pages on canned queries), the
request body, the query text and the request line.

The seed store's union graph has thousands of quads (build.json counts them), so a query
for every quad always meets a small row cap.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results
from server_fixtures import READ_ONLY, running_server

from passerelle.limits import MAX_BODY_BYTES, MAX_QUERY_LENGTH
from server import create_app

EVERY_QUAD = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
SHARING = "/queries/schools-sharing-partners.json"
LINK = re.compile(r'<([^>]*)>; rel="(\w+)"')


@pytest.fixture(scope="module")
def capped(seed_store_path):
    app = create_app({**READ_ONLY, "STORE": seed_store_path, "ROW_CAP": 10})
    yield app.test_client()
    app.extensions["passerelle-executor"].close()


@pytest.mark.parametrize("fmt, rows_of", [
    ("json", lambda body: len(list(parse_query_results(body, QueryResultsFormat.JSON)))),
    ("csv", lambda body: len(body.decode().strip().splitlines()) - 1),  # minus the header
    ("xml", lambda body: len(list(parse_query_results(body, QueryResultsFormat.XML)))),
])
def test_a_select_answer_stops_at_the_row_cap_and_says_so(capped, fmt, rows_of):
    cut = capped.get("/sparql", query_string={"query": EVERY_QUAD, "format": fmt})
    assert rows_of(cut.data) == 10 and cut.headers["X-Passerelle-Truncated"] == "true"
    whole = capped.get("/sparql", query_string={"query": EVERY_QUAD + " LIMIT 10",
                                                "format": fmt})
    assert rows_of(whole.data) == 10 and whole.headers["X-Passerelle-Truncated"] == "false"


def test_a_construct_answer_stops_at_the_row_cap_too(capped):
    response = capped.get("/sparql", query_string={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "format": "nt"})
    assert len(list(parse(response.data, RdfFormat.N_TRIPLES))) == 10
    assert response.headers["X-Passerelle-Truncated"] == "true"


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


def test_canned_pages_link_to_each_other_and_add_up_to_the_whole(client):
    whole = client.get(SHARING).get_json()["results"]["bindings"]
    assert len(whole) > 10  # enough for three pages of five
    url, pages, seen = f"{SHARING}?limit=5", [], []
    while url:
        response = client.get(url.removeprefix("http://localhost"))
        body = response.get_json()
        pages.append((len(body["results"]["bindings"]), body["meta"]["truncated"],
                      response.headers["X-Passerelle-Truncated"], set(links(response))))
        seen += body["results"]["bindings"]
        url = links(response).get("next")
    assert seen == whole  # in order, none twice, none missing
    count = len(pages)
    assert count == -(-len(whole) // 5)
    for number, (rows, truncated, header, rels) in enumerate(pages):
        last = number == count - 1
        assert rows == (len(whole) - 5 * number if last else 5)
        assert truncated is (not last) and header == str(not last).lower()
        assert rels == ({"prev"} if last else {"next", "prev"} if number else {"next"})


def test_a_page_is_never_larger_than_the_row_cap(capped):
    response = capped.get(SHARING, query_string={"limit": "5000"})
    body = response.get_json()
    assert len(body["results"]["bindings"]) == body["meta"]["row_cap"] == 10
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(links(response)["next"]).query)
    assert query == {"limit": ["10"], "offset": ["10"]}


# --- request size, on the real server ---------------------------------------------------

@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("limits") / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        yield base


def status_of(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def announced_body_status(base: str, length: int) -> int:
    """The status answered to a POST that announces ``length`` bytes and waits for a go-ahead
    before sending them (``Expect: 100-continue``), as a careful client sends a large body.

    Sending the body outright races with the server, which answers 413 from the
    Content-Length and closes: the client's write then fails with a broken pipe before it
    reads the answer (seen under load)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", "/sparql")
        connection.putheader("Content-Type", "application/sparql-query")
        connection.putheader("Content-Length", str(length))
        connection.putheader("Expect", "100-continue")
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_request_sizes_are_capped(live):
    long_get = f"{live}/sparql?" + urllib.parse.urlencode({"query": "ASK {}" + " " * 9000})
    assert status_of(urllib.request.Request(long_get)) == 414  # the app's request line cap
    query = "ASK {}" + " " * MAX_QUERY_LENGTH
    assert status_of(urllib.request.Request(f"{live}/sparql", data=query.encode(), headers={
        "Content-Type": "application/sparql-query"})) == 413
    assert announced_body_status(live, MAX_BODY_BYTES + 6) == 413
    assert status_of(urllib.request.Request(f"{live}/sparql", data=query[:50_000].encode(),
                                            headers={"Content-Type":
                                                     "application/sparql-query"})) == 200
