"""Fair shares between clients across the processes of a server (`server.client_shares`).

Each judgement alone (K slots per address, held with flock, freed when a process dies,
another address untouched), then a live server of two worker processes (16 query processes)
with a client flooding it with 16 runaway queries: the flood runs at most K = 8 of them
(half the slots; the others are refused 429 at once) and another client is still answered
promptly. Without shares kept between processes, each worker lets the flood take all its
slots but one (14 of 16), and under gunicorn (8 threads a worker) the flood's requests held
every thread: the other client waited 7.8 s.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from server_fixtures import running_server

from passerelle import funnel
from passerelle.funnel import QueryStopped
from server.client_shares import ClientShares, per_client_default

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_the_default_share_is_half_the_servers_query_slots():
    assert per_client_default(workers=5, processes=8) == 20
    assert per_client_default(workers=2, processes=8) == 8
    assert per_client_default(workers=1, processes=1) == 1


def test_a_client_holds_at_most_its_share_and_another_client_is_untouched(tmp_path):
    shares = ClientShares(tmp_path, per_client=2, wait=0.3)
    with shares.held("10.0.0.1", 5), shares.held("10.0.0.1", 5):
        started = time.monotonic()
        with pytest.raises(QueryStopped) as over:
            with shares.held("10.0.0.1", 5):
                pass
        waited = time.monotonic() - started
        with shares.held("10.0.0.2", 5):  # another client: at once
            pass
    assert over.value.kind == funnel.OVER_SHARE
    assert "you already have 2 queries running on this server" in over.value.detail
    assert 0.3 <= waited < 2
    with shares.held("10.0.0.1", 5):  # released: the client may run again
        pass


def test_a_client_waits_no_longer_than_its_budget(tmp_path):
    shares = ClientShares(tmp_path, per_client=1, wait=5)
    with shares.held("10.0.0.1", 5):
        started = time.monotonic()
        with pytest.raises(QueryStopped):
            with shares.held("10.0.0.1", 0.2):
                pass
        assert time.monotonic() - started < 2


HOLDER = """
import sys, time
from server.client_shares import ClientShares
shares = ClientShares(sys.argv[1], per_client=1, wait=0)
with shares.held("10.0.0.1", 5):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_share_is_held_across_processes_and_freed_when_its_process_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        shares = ClientShares(tmp_path, per_client=1, wait=0.1)
        with pytest.raises(QueryStopped):
            with shares.held("10.0.0.1", 5):
                pass
        holder.kill()  # killed mid-query: the kernel drops its lock
        holder.wait(timeout=10)
        with shares.held("10.0.0.1", 5):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
        holder.stdout.close()


def ask(port: int, source: str, query: str, timeout: str, wait: float) -> tuple[int, dict, float]:
    """GET /sparql from a source address of ours (127.0.0.0/8: each one a client)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=wait,
                                            source_address=(source, 0))
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode(
            {"query": query, "timeout": timeout}), headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = json.loads(response.read())
        return response.status, {"retry": response.getheader("Retry-After"), **body}, \
            time.monotonic() - started
    finally:
        connection.close()


def test_a_flood_of_runaways_from_one_client_leaves_the_others_answered(seed_store_path,
                                                                         tmp_path):
    budget = 6
    with running_server(seed_store_path, tmp_path / "server.log", workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        assert ask(port, "127.0.0.3", "ASK {}", "5", 30)[0] == 200  # warm
        flood = []

        def attack() -> None:
            flood.append(ask(port, "127.0.0.2", RUNAWAY, str(budget), budget + 30))

        attackers = [threading.Thread(target=attack) for _ in range(16)]  # every thread
        for thread in attackers:
            thread.start()
        time.sleep(0.5)
        status, body, took = ask(port, "127.0.0.3", "ASK {}", "5", budget + 30)
        for thread in attackers:
            thread.join(budget + 40)
    print(f"\nthe other client answered in {took:.2f} s while 16 runaways flooded")
    assert status == 200 and body["boolean"] is True
    assert took < budget / 2, took  # not after the runaways' budget
    statuses = sorted(status for status, _, _ in flood)
    assert statuses == [429] * 8 + [503] * 8  # a share of 8: half the 16 slots
    refused = next(body for status, body, _ in flood if status == 429)
    assert refused["retry"] == "1"
    assert refused["error"]["title"] == "Too many queries at once"
