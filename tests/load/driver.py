"""A bounded load generator for a live Passerelle server on the loopback interface.

`run_load` starts ``clients`` threads, each with one keep-alive HTTP connection, sending a
mix of canned and ad-hoc queries (`MIX`) back to back for ``seconds``, then stops by itself.
With ``runaway_every`` set, another thread also sends a runaway query that often, each from
its own connection; a runaway must be answered 503 within its budget (plus slack), or, when
its client already runs its share of queries, refused at once (429 "Too many queries at
once", Retry-After: 1, within `REFUSED_WITHIN`); every other request 200. Anything else is
an error, kept with its reason. Each runaway's interval and answer is kept (`Runaway`), so
that a test can check when the refusals came.

Each steady client, and the runaways, come from an address of their own in 127.0.0.0/8,
as separate clients do: the server keeps each address to its share of the query slots
(`server.client_shares`), and one address for everything would measure that share.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

PAS = "https://w3id.org/passerelle/ontology#"
ID = "https://w3id.org/passerelle/id/"
# Each entry: (label, method, path, body). The answers are small: the load is the requests.
MIX = [
    ("canned: schools sharing partners", "GET", "/queries/schools-sharing-partners.json", None),
    ("canned: ESTP's pairs", "GET", "/queries/schools-sharing-partners.json?school=estp", None),
    ("ad-hoc: TU Darmstadt's agreements", "GET", "/sparql?" + urllib.parse.urlencode({
        "query": f"PREFIX pas: <{PAS}> SELECT ?school ?line WHERE {{ ?a pas:partnerInstitution "
                 f"<{ID}institution/tu-darmstadt> ; pas:school ?school ; pas:sourceLine ?line }}"
    }), None),
    ("ad-hoc: agreements per school (POST)", "POST", "/sparql",
     f"PREFIX pas: <{PAS}> SELECT ?school (COUNT(?a) AS ?n) "
     "WHERE { ?a pas:school ?school } GROUP BY ?school"),
    ("ad-hoc: quads per graph", "GET", "/sparql?" + urllib.parse.urlencode({
        "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}),
     None),
    ("ad-hoc: a CONSTRUCT", "GET", "/sparql?" + urllib.parse.urlencode({
        "query": f"PREFIX pas: <{PAS}> CONSTRUCT {{ ?a pas:school ?s }} "
                 "WHERE { ?a pas:school ?s } LIMIT 50", "format": "nt"}), None),
]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_SOURCE = "127.0.2.1"  # the runaways' client; steady client i is 127.0.1.(i+1)
# A refusal costs the client's wait for one of its slots (limits.CLIENT_WAIT, 0.5 s) and the
# answer; this much more on a machine shared with other jobs.
REFUSED_WITHIN = 2.0


@dataclass
class Runaway:
    """One runaway query as its client saw it: sent and answered, in seconds from the start
    of the load, and its HTTP status (503: it ran to its budget; 429: refused)."""
    sent: float
    answered: float
    status: int


@dataclass
class LoadReport:
    clients: int
    seconds: float
    runaway_every: float | None
    started: float = field(default_factory=time.monotonic)
    latencies: list[float] = field(default_factory=list)
    timeline: list[tuple[float, float, str]] = field(default_factory=list)  # start, took, label
    runaways: list[Runaway] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def percentile(self, values: list[float], fraction: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def summary(self) -> dict:
        ms = [latency * 1000 for latency in self.latencies]
        ran = [each.answered - each.sent for each in self.runaways if each.status == 503]
        refused = [each.answered - each.sent for each in self.runaways if each.status == 429]
        return {
            "clients": self.clients, "seconds": self.seconds,
            "runaway_every_s": self.runaway_every,
            "requests": len(ms), "errors": len(self.errors),
            "throughput_per_s": round(len(ms) / self.seconds, 1),
            "p50_ms": round(self.percentile(ms, 0.50), 1),
            "p90_ms": round(self.percentile(ms, 0.90), 1),
            "p99_ms": round(self.percentile(ms, 0.99), 1),
            "max_ms": round(max(ms, default=0.0), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
            "runaways": len(self.runaways), "runaways_ran": len(ran),
            "runaways_refused": len(refused),
            "runaway_answered_after_s": [round(min(ran, default=0), 2),
                                         round(max(ran, default=0), 2)],
            "refused_after_s": [round(min(refused, default=0), 2),
                                round(max(refused, default=0), 2)],
            "first_errors": self.errors[:5],
            "slowest": [f"{label} at {start:.2f} s: {took * 1000:.0f} ms" for start, took, label
                        in sorted(self.timeline, key=lambda each: -each[1])[:3]],
        }


class _Client:
    """One keep-alive connection from ``source`` (an address of the loopback interface);
    reconnects once when the server closed it while idle."""

    def __init__(self, host: str, port: int, timeout: float, source: str):
        self.address = (host, port, timeout, (source, 0))
        self.connection = http.client.HTTPConnection(*self.address)

    def send(self, method: str, path: str, body: str | None
             ) -> tuple[int, bytes, http.client.HTTPResponse]:
        for attempt in (1, 2):
            try:
                return self._send(method, path, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(*self.address)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, body: str | None
              ) -> tuple[int, bytes, http.client.HTTPResponse]:
        headers = {"Accept": "*/*"}
        if body is not None:
            headers["Content-Type"] = "application/sparql-query"
        self.connection.request(method, path, body=body.encode() if body else None,
                                headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read(), response


def _steady_client(base: tuple[str, int], deadline: float, offset: int,
                   report: LoadReport, lock: threading.Lock) -> None:
    client = _Client(*base, timeout=60, source=f"127.0.1.{offset + 1}")
    turn = offset
    while time.monotonic() < deadline:
        label, method, path, body = MIX[turn % len(MIX)]
        turn += 1
        start = time.monotonic()
        try:
            status, data, _ = client.send(method, path, body)
        except OSError as exc:
            with lock:
                report.errors.append(f"{label}: {exc!r}")
            continue
        took = time.monotonic() - start
        with lock:
            if status == 200:
                report.latencies.append(took)
                report.timeline.append((start - report.started, took, label))
            else:
                report.errors.append(f"{label}: HTTP {status} {data[:200]!r}")


def _runaway(base: tuple[str, int], budget: float, report: LoadReport,
             lock: threading.Lock) -> None:
    client = _Client(*base, timeout=budget + 30, source=RUNAWAY_SOURCE)
    path = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY, "timeout": f"{budget:g}"})
    start = time.monotonic()
    try:
        status, data, response = client.send("GET", path, None)
    except OSError as exc:
        with lock:
            report.errors.append(f"runaway: {exc!r}")
        return
    took = time.monotonic() - start
    error = json.loads(data)["error"] if status in (429, 503) else {}
    with lock:
        report.runaways.append(Runaway(start - report.started, start + took - report.started,
                                       status))
        if status == 503 and f"budget of {budget:g} s" in error["detail"]:
            if took > budget + 5:
                report.errors.append(f"runaway: answered after {took:.1f} s, budget {budget:g} s")
        elif status == 429 and error["title"] == "Too many queries at once" \
                and response.getheader("Retry-After") == "1":
            if took > REFUSED_WITHIN:
                report.errors.append(f"runaway: refused after {took:.1f} s")
        else:
            report.errors.append(f"runaway: HTTP {status} {data[:200]!r}")


def run_load(base_url: str, clients: int, seconds: float, runaway_every: float | None = None,
             runaway_budget: float = 10.0) -> LoadReport:
    """Run the load against base_url (http://127.0.0.1:PORT) and return what it saw."""
    host, port = urllib.parse.urlsplit(base_url).hostname, urllib.parse.urlsplit(base_url).port
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load only ever goes to the loopback interface, not {host}")
    report, lock = LoadReport(clients, seconds, runaway_every), threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_steady_client, args=((host, port), deadline, i,
                                                             report, lock))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    runaways = []
    while runaway_every and time.monotonic() + runaway_every < deadline:
        runaway = threading.Thread(target=_runaway, args=((host, port), runaway_budget,
                                                          report, lock))
        runaway.start()
        runaways.append(runaway)
        time.sleep(runaway_every)
    for thread in threads + runaways:
        thread.join()
    return report
