"""The execution funnel: every route's queries under one budget, capped, on one build; the
pool's fair shares and its reasons; the limits that keep a refused query cheap.

Facts from the seeds: the Erasmus+ network page lists the agreements under Erasmus+, which a
COUNT query gives (asked here, not hard-coded, since it is the same store); Télécom Paris
is a school.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.parse

import pytest
from server_fixtures import READ_ONLY, running_server

from passerelle import funnel, limits
from passerelle.funnel import Execution, Limits, QueryStopped
from passerelle.jobs import QueryJob, Rows
from server import create_app
from server.executor import QueryPool, classify_end

ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
ERASMUS = ID + "network/erasmus-plus"
BROWSER = {"Accept": "text/html"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ERASMUS_AGREEMENTS = (f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{PAS}network> "
                      f"<{ERASMUS}> }}")


def count(client, query: str) -> int:
    answer = client.get("/sparql", query_string={"query": query}).get_json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


# --- limits ------------------------------------------------------------------------------

def test_the_budget_is_the_ceiling_lowered_never_below_the_floor():
    bounds = Limits(ceiling=10, floor=1, row_cap=100)
    assert bounds.budget() == 10
    assert bounds.budget("30") == 10  # asking for more is asking for the ceiling
    assert bounds.budget("2.5") == 2.5
    assert bounds.budget("0.001") == 1  # the floor: no kill-and-respawn per quick query
    assert bounds.budget(None, declared=2) == 2
    assert bounds.budget("5", declared=2) == 2
    assert Limits(ceiling=0.5, floor=1, row_cap=1).budget("0.1") == 0.5  # floor <= ceiling
    with pytest.raises(ValueError, match="number of seconds"):
        bounds.budget("1e3")


def test_a_page_is_at_most_the_row_cap():
    bounds = Limits(ceiling=10, floor=1, row_cap=100)
    assert bounds.page(None, None) == funnel.Page(0, 100, None)
    assert bounds.page("40", "1000") == funnel.Page(40, 100, 1000)
    assert bounds.page("0", "7") == funnel.Page(0, 7, 7)
    for offset, limit in (("-1", None), (None, "0"), ("1" * 11, None), ("0x1", None)):
        with pytest.raises(ValueError):
            bounds.page(offset, limit)


def test_the_memory_total_is_shared_by_every_query_process():
    assert limits.memory_per_process(2 * 2**30, 4 * 2**30, 10) == 4 * 2**30 // 10
    assert limits.memory_per_process(2**28, 4 * 2**30, 2) == 2**28  # own limit lower
    assert limits.memory_per_process(2 * 2**30, 0, 40) == 2 * 2**30  # no total
    with pytest.raises(ValueError, match="40 query processes leaves 102 MiB each"):
        limits.memory_per_process(2 * 2**30, 4 * 2**30, 40)


def test_a_small_total_means_fewer_query_processes_not_smaller_ones(make_app):
    # 4 GiB for 5 workers x 8 threads: 102 MiB each would be too little; 3 processes per
    # worker get 273 MiB each, and the threads share them.
    app = make_app(QUERY_PROCESSES=8, SERVER_WORKERS=5, QUERY_MEMORY_TOTAL=4 * 2**30)
    pool = app.extensions["passerelle-executor"]
    assert (pool.size, pool.memory_limit) == (3, 4 * 2**30 // 15)
    assert limits.processes_within(8, 0, 5) == 8


def test_a_server_whose_total_cannot_hold_one_process_does_not_start(seed_store_path):
    with pytest.raises(ValueError, match="QUERY_MEMORY_TOTAL of 512 MiB cannot give 5"):
        create_app({**READ_ONLY, "STORE": seed_store_path, "QUERY_PROCESSES": 8,
                    "SERVER_WORKERS": 5, "QUERY_MEMORY_TOTAL": 512 * 2**20})


def test_each_query_process_gets_its_share_of_the_total(make_app):
    app = make_app(QUERY_PROCESSES=4, SERVER_WORKERS=2, QUERY_MEMORY_TOTAL=4 * 2**30)
    assert app.extensions["passerelle-executor"].memory_limit == 512 * 2**20


# --- why a query process ended ------------------------------------------------------------

@pytest.mark.parametrize("status, stderr, kind", [
    (-signal.SIGABRT, "memory allocation of 1073741824 bytes failed\n", funnel.MEMORY),
    (1, "Traceback ...\nMemoryError\n", funnel.MEMORY),
    (-signal.SIGABRT, "\nthread 'main' has overflowed its stack\nfatal runtime error: "
                      "stack overflow\n", funnel.STACK),
    (-signal.SIGKILL, "", funnel.KILLED),
    (-signal.SIGSEGV, "", funnel.CRASHED),
    (3, "passerelle query process: cannot give the query process a network namespace",
     funnel.SANDBOX),
])
def test_a_dead_query_process_is_reported_for_what_killed_it(status, stderr, kind):
    assert classify_end(status, stderr)[0] == kind


def test_a_query_process_killed_from_outside_is_not_called_out_of_memory(make_app):
    app = make_app()
    pool = app.extensions["passerelle-executor"]
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    (warm,) = [process.process.pid for process in pool._idle]  # the runaway will use it
    answers = []
    asking = threading.Thread(target=lambda: answers.append(
        client.get("/sparql", query_string={"query": RUNAWAY})))
    asking.start()
    deadline = time.monotonic() + 10
    while pool._idle and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(warm, signal.SIGKILL)
    asking.join(15)
    error = answers[0].get_json()["error"]
    assert (answers[0].status_code, error["title"]) == (503, "Query stopped: killed")
    assert "memory" not in error["detail"].replace("ran out of memory", "")


# --- one Execution per request -------------------------------------------------------------

def test_a_request_has_one_deadline_for_all_its_queries(seed_store_path):
    pool = QueryPool(2, 0, 10.0)
    try:
        run = Execution(pool.run, budget=1.5, row_cap=10,
                        store=str(seed_store_path.resolve() / "oxigraph"))
        started = time.monotonic()
        with pytest.raises(QueryStopped) as first:
            run.run(QueryJob(RUNAWAY, row_cap=10))
        assert first.value.kind == funnel.TIMEOUT and "of 1.5 s" in first.value.detail
        with pytest.raises(QueryStopped) as second:  # no time left: not even started
            run.run(QueryJob("ASK {}", row_cap=10))
        assert "before this query could start" in second.value.detail
        assert time.monotonic() - started < 1.5 + 2
    finally:
        pool.close()


def test_a_job_never_gets_more_rows_than_the_request(seed_store_path):
    pool = QueryPool(1, 0, 10.0)
    try:
        run = Execution(pool.run, budget=10, row_cap=3,
                        store=str(seed_store_path.resolve() / "oxigraph"))
        rows = run.rows(QueryJob("SELECT ?s WHERE { ?s ?p ?o }", row_cap=1000))
        assert isinstance(rows, Rows) and len(rows.rows) == 3 and rows.truncated
    finally:
        pool.close()


def test_an_entity_page_lists_at_most_its_items_and_links_to_all(make_app):
    client = make_app(PAGE_ITEMS=2).test_client()
    page = client.get("/id/network/erasmus-plus", headers=BROWSER)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html.split('<table class="agreements">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 2  # the header row and two agreements
    assert "Only the first 2 agreements" in html
    more = html.split("Only the first 2 agreements", 1)[1].split('href="', 1)[1].split('"')[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(more.replace("&amp;", "&")).query)
    answer = client.get("/sparql", query_string={"query": query["query"][0]}).get_json()
    agreements = {b["agreement"]["value"] for b in answer["results"]["bindings"]}
    assert len(agreements) == count(client, ERASMUS_AGREEMENTS) > 2


def test_an_entity_page_is_stopped_at_its_budget(make_app):
    # A budget shorter than a query process's start: the page answers 503 at the budget
    # (its queries ran in the server process, outside any budget, before the funnel).
    client = make_app(QUERY_TIMEOUT=0.02, MIN_QUERY_TIMEOUT=0.01).test_client()
    started = time.monotonic()
    page = client.get("/id/network/erasmus-plus", headers=BROWSER)
    assert page.status_code == 503
    assert time.monotonic() - started < 2
    rdf = client.get("/id/network/erasmus-plus", headers={"Accept": "text/turtle"})
    assert rdf.status_code in (200, 503)  # the process may have started meanwhile


def test_the_rdf_of_an_entity_is_capped_with_a_link_to_the_rest(make_app):
    client = make_app(ROW_CAP=5).test_client()
    answer = client.get("/id/network/erasmus-plus", headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200
    assert len(answer.get_data(as_text=True).strip().splitlines()) == 5
    assert answer.headers["X-Passerelle-Truncated"] == "true"
    assert answer.headers["Link"].startswith("<http://localhost/sparql?query=CONSTRUCT")


@pytest.mark.parametrize("path", ["/queries/schools.csv", "/queries/schools.json?shape=objects",
                                  "/queries/schools?format=html"])
def test_the_names_beside_an_answers_iris_are_looked_up_through_the_funnel(make_app, path):
    # The canned query is answered from the build's stored answers (passerelle/answers.py,
    # no query process); the one lookup of the labels of its IRIs runs in a query process
    # (it ran in the server's own process, outside any budget).
    app = make_app()
    pool = app.extensions["passerelle-executor"]
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert "Télécom Paris" in response.get_data(as_text=True)  # a name from the lookup
    assert pool.ran == 1


# --- fair shares ---------------------------------------------------------------------------

def test_one_client_cannot_take_every_query_slot(seed_store_path):
    pool = QueryPool(2, 0, 10.0)  # a client may hold 1 of the 2 slots
    store = str(seed_store_path.resolve() / "oxigraph")
    runaway = QueryJob(RUNAWAY, row_cap=1, store=store)
    outcomes = {}

    def attack(name: str) -> None:
        try:
            pool.run(runaway, 3, client="10.0.0.1")
        except QueryStopped as stopped:
            outcomes[name] = stopped.kind

    try:
        attackers = [threading.Thread(target=attack, args=(n,)) for n in ("first", "second")]
        for thread in attackers:
            thread.start()
            time.sleep(0.2)
        started = time.monotonic()
        reply = pool.run(QueryJob("ASK {}", row_cap=1, store=store, formats=(
            ("results", "ok", "application/sparql-results+json"),)), 5, client="10.0.0.2")
        waited = time.monotonic() - started
        for thread in attackers:
            thread.join(15)
    finally:
        pool.close()
    assert b"true" in reply.body
    assert waited < 2.5  # answered while the attacker's first runaway still ran (3 s)
    assert outcomes == {"first": funnel.TIMEOUT, "second": funnel.TIMEOUT}


# --- cache, HEAD, Host ----------------------------------------------------------------------

def test_an_unknown_parameter_does_not_defeat_the_answer_cache(client, app):
    cache = app.extensions["passerelle-caching"]
    client.get("/id/network/erasmus-plus?format=ttl")
    hits = cache.hits
    for nonce in range(3):
        answer = client.get(f"/id/network/erasmus-plus?format=ttl&nonce={nonce}")
        assert answer.status_code == 200
    assert cache.hits == hits + 3


def test_head_on_a_query_answers_as_get_without_a_body(client):
    query = {"query": "ASK {}"}
    got = client.get("/sparql", query_string=query)
    head = client.head("/sparql", query_string=query)
    assert (head.status_code, head.content_type) == (200, got.content_type)
    assert head.data == b""


def test_the_host_header_never_reaches_the_urls_of_an_answer(client):
    forged = {"Host": "attacker.example", "Accept": "text/turtle"}
    for path in ("/.well-known/void", "/sparql", "/queries", "/openapi.json",
                 "/queries/partners.json?school=telecom-paris&limit=1"):
        answer = client.get(path, headers=forged)
        assert b"attacker.example" not in answer.data, path
        assert "attacker.example" not in answer.headers.get("Link", ""), path


# --- a body the server cannot read ---------------------------------------------------------

def test_a_malformed_chunked_body_is_a_400_without_a_traceback(seed_store_path, tmp_path):
    log = tmp_path / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/sparql-query\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["title"] == \
        "Bad request body"  # not a missing query: the body is what was wrong
    assert b"Traceback" not in log.read_bytes()
