"""Load tests (about two and a half minutes): `make load-test`, not part of `make test`.

32 concurrent clients send a mix of canned and ad-hoc queries (tests/load/driver.py) to a
real server on the loopback interface for 60 seconds: no error allowed, p50/p90/p99 reported.
Then the same with one runaway query a second from one more client, each stopped at its
10 s budget: that client asks for about 10 queries at once, more than its share of the
server's query slots (`server.client_shares`), so the share refuses some of them at once
(429) and only while its other runaways hold the whole share; every other client is answered,
with no error, and the quick queries keep their latency. Each run's figures are printed and
written to var/load-report.json (PASSERELLE_LOAD_REPORT to write them elsewhere).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from load.driver import Runaway, run_load
from server_fixtures import running_server

from server.wsgi import default_workers

pytestmark = pytest.mark.skipif(
    not os.environ.get("PASSERELLE_LOAD_TESTS"),
    reason="load tests run with `make load-test` (PASSERELLE_LOAD_TESTS=1), ~2.5 minutes")

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32
SECONDS = float(os.environ.get("PASSERELLE_LOAD_SECONDS", "60"))
RUNAWAY_BUDGET = 10.0  # the server's default QUERY_TIMEOUT
# The runaways' client's share: the default on the 2-core machine of the README's figures
# (half of 2 workers x 8 query processes), set so that a runaway a second of 10 s each (about
# 10 at once) is over it whatever this machine's cores.
SHARE = 8


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("load") / "server.log"
    with running_server(seed_store_path, log, workers=default_workers(),
                        settings={"PASSERELLE_QUERIES_PER_CLIENT": str(SHARE)}) as base:
        run_load(base, clients=4, seconds=3)  # start the query processes before measuring
        yield base


@pytest.fixture(scope="module")
def figures():
    collected = {}
    yield collected
    path = Path(os.environ.get("PASSERELLE_LOAD_REPORT", ROOT / "var" / "load-report.json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collected, indent=2) + "\n", encoding="utf-8")


def test_steady_load_answers_every_request(live, figures):
    report = run_load(live, CLIENTS, SECONDS)
    figures["steady"] = summary = report.summary()
    print("\nsteady load:", json.dumps(summary))
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["requests"] > CLIENTS


def running_at_most(ran: list[Runaway], refused: Runaway) -> int:
    """The most runaways of ``ran`` in flight at one moment of ``refused``'s request, as
    their client saw them (each from sending to its answer, a little longer than the server
    held its slot)."""
    moments = [refused.sent] + [each.sent for each in ran
                                if refused.sent < each.sent <= refused.answered]
    return max(sum(each.sent <= moment <= each.answered for each in ran)
               for moment in moments)


def test_a_runaway_every_second_stalls_no_one(live, figures):
    report = run_load(live, CLIENTS, SECONDS, runaway_every=1.0,
                      runaway_budget=RUNAWAY_BUDGET)
    figures["with_runaways"] = summary = report.summary()
    print("\nwith a runaway every second:", json.dumps(summary))
    # Every steady client's request answered 200; every runaway either ran to its budget
    # (503) or was refused 429 with Retry-After: 1 within 2 s (load.driver.REFUSED_WITHIN).
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["runaways"] >= 0.8 * SECONDS  # about one a second, on a busy machine
    # The runaways' client is over its share from the 9th runaway on (the first ends at 10 s):
    # refused, and only while its share was full.
    ran = [each for each in report.runaways if each.status == 503]
    refused = [each for each in report.runaways if each.status == 429]
    assert refused, summary
    assert all(running_at_most(ran, each) >= SHARE for each in refused), \
        [(each, running_at_most(ran, each)) for each in refused]
    steady = figures.get("steady")
    if steady:  # the quick queries keep their latency, within a factor a busy machine allows
        assert summary["p99_ms"] < 3 * steady["p99_ms"] + 250, (steady, summary)
