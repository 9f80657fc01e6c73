"""Slow clients at scale (`make load-test`): while 200 connections send one byte of a head,
40 read no byte of the dump they asked for, and 1,000 never finish a POST body, others are
still answered within 1 s, and a steady load on a canned query keeps its p99.

Everything is measured within the header timeout of the slow heads and the body deadline
of the stalled bodies (server.wsgi.HEADER_TIMEOUT, server.asgi.BODY_TIMEOUT), after which
the server closes them: what is measured is the server while all of them are held.
Smaller variants run in `make test` (tests/test_serving_stack.py).
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from load.driver import run_load
from server_fixtures import probe, running_server

from server.asgi import BODY_TIMEOUT
from server.wsgi import HEADER_TIMEOUT, default_workers

pytestmark = pytest.mark.skipif(
    not os.environ.get("PASSERELLE_LOAD_TESTS"),
    reason="load tests run with `make load-test` (PASSERELLE_LOAD_TESTS=1)")

SLOW_HEADERS = 200
STALLED_DUMPS = 40
STALLED_BODIES = 1000
CANNED = "/queries/partners.json?school=telecom-paris"


def hold(host: str, port: int, count: int, data: bytes, small_buffer: bool = False) -> list:
    held = []
    for _ in range(count):
        sock = socket.create_connection((host, port), timeout=5)
        if small_buffer:  # reads nothing: the server's writes stop once this is full
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(data)
        held.append(sock)
    return held


def test_slow_clients_at_scale_leave_others_answered(seed_store_path, tmp_path):
    log = tmp_path / "server.log"
    with running_server(seed_store_path, log, workers=default_workers()) as base:
        host, port = base.removeprefix("http://").split(":")
        port = int(port)
        run_load(base, clients=4, seconds=2)  # start the query processes first
        held = []
        try:
            held += hold(host, port, STALLED_DUMPS, b"GET /dump.nq HTTP/1.1\r\nHost: x\r\n\r\n",
                         small_buffer=True)
            time.sleep(1)  # the dumps' first burst of CPU is load, not what is measured
            bodies_from = time.monotonic()
            held += hold(host, port, STALLED_BODIES,
                         b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                         b"sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
            time.sleep(1)  # so is accepting a thousand connections at once
            heads_from = time.monotonic()
            held += hold(host, port, SLOW_HEADERS, b"G")
            times = [probe(host, port, path) for path in ["/healthz", CANNED] * 5]
            others = run_load(base, clients=8, seconds=2).summary()
            held_for = {"heads": time.monotonic() - heads_from,
                        "bodies": time.monotonic() - bodies_from}
        finally:
            for sock in held:
                sock.close()
    print("\nunder slow clients:", json.dumps({"probes_ms": [
        None if t is None else round(1000 * t, 1) for t in times], "others": others,
        "held_for_s": held_for}))
    # Everything measured while all were held, before the server may close them.
    assert held_for["heads"] < HEADER_TIMEOUT and held_for["bodies"] < BODY_TIMEOUT, held_for
    assert None not in times, times
    assert others["errors"] == 0, others["first_errors"]
    assert others["p99_ms"] < 1000, others
