"""Time budgets that really stop work: a query over its budget is killed, answered 503 with
the budget named, and the other clients keep their answers meanwhile.

The runaway query below joins every quad of the union graph with every other, three times:
the seed store has about 9,000 quads (build.json), so it has some 7e11 solutions to count,
hours of work; nothing but a kill stops it. The memory hog sorts the 9,000^2 (81 million)
solutions of a double join, which pyoxigraph must hold in memory to sort: gigabytes.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from load.driver import run_load
from server_fixtures import DARMSTADT_PARTNERS, EXPECTED_PAIRS, running_server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c"
# Time a 503 may take beyond its budget: killing the child and writing the answer take
# milliseconds; the rest is room for a busy test machine.
SLACK = 2.0


def query_processes() -> dict[int, int]:
    """This process's query-process children: pid -> niceness (from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # it ended while we looked
        # After the command name: state, ppid, ... the niceness is the 17th field.
        if int(fields[1]) == os.getpid() and b"query_process.py" in command:
            found[int(stat.parent.name)] = int(fields[16])
    return found


def timed_get(client, url: str, **query_string):
    start = time.monotonic()
    response = client.get(url, query_string=query_string)
    return response, time.monotonic() - start


def test_a_runaway_query_is_stopped_at_its_budget_and_its_process_killed(make_app):
    others = set(query_processes())  # those of the other apps of this test session
    client = make_app(QUERY_PROCESSES=1).test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    (before,) = set(query_processes()) - others  # the one process of the pool, now warm
    response, took = timed_get(client, "/sparql", query=RUNAWAY, timeout="1")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["title"] == "Query timeout"
    assert "time budget of 1 s" in error["detail"]
    assert 1.0 <= took < 1.0 + SLACK
    # The process that ran it is gone (killed and reaped), a fresh one took its place...
    assert not Path(f"/proc/{before}").exists()
    assert len(set(query_processes()) - others) == 1
    # ...and answers the next query.
    answer = client.get("/sparql", query_string={"query": DARMSTADT_PARTNERS}).get_json()
    assert len(answer["results"]["bindings"]) == len(EXPECTED_PAIRS)


def test_a_request_may_ask_for_less_time_never_more(make_app):
    client = make_app(QUERY_TIMEOUT=1.5).test_client()
    response, took = timed_get(client, "/sparql", query=RUNAWAY, timeout="30")
    assert response.status_code == 503
    assert "time budget of 1.5 s" in response.get_json()["error"]["detail"]
    assert took < 1.5 + SLACK
    response, took = timed_get(client, "/sparql", query=RUNAWAY, timeout="1.2")
    assert "time budget of 1.2 s" in response.get_json()["error"]["detail"]
    assert took < 1.2 + SLACK


def test_a_budget_below_the_floor_is_taken_as_the_floor(make_app):
    # timeout=0.001 would turn every quick query into a kill and a respawn (1,648 in 20 s
    # with 8 such clients, before the floor): it is taken as MIN_QUERY_TIMEOUT.
    app = make_app(MIN_QUERY_TIMEOUT=1.0)
    client = app.test_client()
    pool = app.extensions["passerelle-executor"]
    for _ in range(5):
        response = client.get("/sparql", query_string={"query": "ASK {}", "timeout": "0.001"})
        assert response.status_code == 200
    assert pool.started == 1  # one process started, never killed nor replaced
    response, took = timed_get(client, "/sparql", query=RUNAWAY, timeout="0.001")
    assert "time budget of 1 s" in response.get_json()["error"]["detail"]
    assert 1.0 <= took < 1.0 + SLACK


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e3", "nan", "inf", "10 ", "1,5",
                                   "9999999"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_a_400(client, value):
    response = client.get("/sparql", query_string={"query": "ASK {}", "timeout": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["title"] == "Invalid timeout"


def test_a_canned_query_declares_a_lower_budget_in_its_header(make_app, tmp_path):
    (tmp_path / "everything-thrice.rq").write_text(
        "#+ title: Every quad, thrice joined\n#+ description: A runaway, on purpose.\n"
        f"#+ timeout: 1\n\n{RUNAWAY}\n", encoding="utf-8")
    client = make_app(QUERIES_DIR=tmp_path).test_client()
    response, took = timed_get(client, "/queries/everything-thrice.json", timeout="5")
    assert response.status_code == 503
    assert "time budget of 1 s" in response.get_json()["error"]["detail"]
    assert took < 1.0 + SLACK


def test_a_query_using_cpu_is_demoted_to_the_lowest_priority(make_app):
    app = make_app(QUERY_PROCESSES=2, DEMOTE_AFTER=0.1)  # seconds of CPU, not of waiting
    answers = []
    runner = threading.Thread(target=lambda: answers.append(
        app.test_client().get("/sparql", query_string={"query": RUNAWAY, "timeout": "3"})))
    runner.start()
    niceness_seen = set()
    while runner.is_alive() and 19 not in niceness_seen:
        niceness_seen |= set(query_processes().values())
        time.sleep(0.05)
    runner.join(10)
    assert 19 in niceness_seen  # the runaway's process, reniced while it ran
    assert answers[0].status_code == 503
    assert 19 not in query_processes().values()  # retired with its query


def test_a_query_over_the_memory_limit_is_stopped(make_app):
    client = make_app(QUERY_MEMORY_LIMIT=256 * 2**20).test_client()
    response, took = timed_get(client, "/sparql", query=MEMORY_HOG)
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["title"] == "Query stopped: out of memory" and "256 MiB" in error["detail"]
    assert took < 10  # the memory ran out long before the 10 s budget
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


# --- a live server: the runaway does not stall the other clients ------------------------

def get_json(url: str, timeout: float = 30) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_other_clients_get_answers_while_a_runaway_runs(seed_store_path, tmp_path):
    runaway_budget = 4.0
    with running_server(seed_store_path, tmp_path / "server.log", workers=1) as base:
        quick = f"{base}/sparql?" + urllib.parse.urlencode({"query": DARMSTADT_PARTNERS})
        runaway = f"{base}/sparql?" + urllib.parse.urlencode(
            {"query": RUNAWAY, "timeout": str(runaway_budget)})
        get_json(quick)  # warm the pool
        outcome = {}

        def run_away():
            start = time.monotonic()
            outcome["status"], outcome["body"] = get_json(runaway)
            outcome["took"] = time.monotonic() - start

        runner = threading.Thread(target=run_away)
        runner.start()
        time.sleep(0.5)  # the runaway is running (and soon demoted)
        latencies = []
        for _ in range(20):
            start = time.monotonic()
            status, body = get_json(quick)
            latencies.append(time.monotonic() - start)
            assert status == 200 and len(body["results"]["bindings"]) == len(EXPECTED_PAIRS)
        assert "status" not in outcome  # all 20 answered while the runaway still ran
        runner.join(runaway_budget + 10)
    # One worker process serves both: a quick query is normally answered in milliseconds;
    # none waited for the runaway (half its budget is a ceiling even on a loaded machine).
    assert max(latencies) < runaway_budget / 2, latencies
    assert outcome["status"] == 503
    assert f"time budget of {runaway_budget:g} s" in outcome["body"]["error"]["detail"]
    assert runaway_budget <= outcome["took"] < runaway_budget + SLACK


def test_mixed_load_with_runaways_has_no_errors(seed_store_path, tmp_path):
    # The short version of tests/load: 4 clients for 3 s, a runaway every second (each
    # stopped at 3 s), canned and ad-hoc queries mixed. Nothing fails, and no quick query
    # waited for a runaway: each took less than a runaway's budget, even on a busy machine.
    # The query processes are started first, as tests/load does: the bound is about
    # waiting for runaways, not about starting processes (on a loaded machine the first
    # queries took up to 1 s, each starting its process beside the first runaway).
    budget = 3.0
    with running_server(seed_store_path, tmp_path / "server.log", workers=1) as base:
        run_load(base, clients=4, seconds=1)
        report = run_load(base, clients=4, seconds=3, runaway_every=1.0, runaway_budget=budget)
    summary = report.summary()
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["runaways"] >= 2
    assert summary["max_ms"] < budget * 1000, (summary["max_ms"], summary["slowest"])


def process_table() -> dict[int, tuple[int, str, bytes]]:
    """pid -> (parent pid, state, command line), from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            table[int(stat.parent.name)] = (int(parent), state,
                                            (stat.parent / "cmdline").read_bytes())
        except (OSError, ValueError):
            continue  # it ended while we looked
    return table


def test_query_processes_end_when_their_server_process_is_killed(seed_store_path, tmp_path):
    # A worker killed outright (OOM killer, kill -9) cannot stop its query processes; they
    # notice their parent is gone and exit, rather than run a runaway on for hours.
    with running_server(seed_store_path, tmp_path / "server.log", workers=1) as base:
        runaway = f"{base}/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})
        threading.Thread(target=ask_until_hung_up, args=(runaway,), daemon=True).start()
        port = base.rsplit(":", 1)[1].encode()
        deadline = time.monotonic() + 10
        children = []
        while not children and time.monotonic() < deadline:
            table = process_table()
            children = [pid for pid, (parent, _, command) in table.items()
                        if b"query_process.py" in command and parent in table
                        and port in table[parent][2].split(b"\0")]
            time.sleep(0.1)
        assert children, "no query process started"
        worker = process_table()[children[0]][0]
        os.kill(worker, 9)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            table = process_table()
            if all(pid not in table or table[pid][1] == "Z" for pid in children):
                break
            time.sleep(0.1)
        table = process_table()
        assert all(pid not in table or table[pid][1] == "Z" for pid in children)


def ask_until_hung_up(url: str) -> None:
    try:
        get_json(url)
    except OSError:
        pass  # the worker was killed under it: that is the test


def test_a_query_process_started_ahead_answers_the_first_query(make_app):
    # What each server worker does as it starts (server/wsgi.py load_app): the first query
    # is answered by that process, none is started for it.
    app = make_app()
    pool = app.extensions["passerelle-executor"]
    pool.prestart()
    assert pool.started == 1
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200 and response.get_json()["boolean"] is True
    assert pool.started == 1 and pool.ran == 1
