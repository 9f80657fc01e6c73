"""The Wikidata client's manners: User-Agent, timeout, retries with backoff, checked values.

A small HTTP server on loopback plays an overloaded endpoint: it answers each request with
the next status of its script (503, 429 with Retry-After, then a SPARQL JSON result), so the
real client, SPARQLWrapper and urllib included, is exercised over a real socket.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graph.errors import BuildError
from graph.link.wikidata import WikidataClient, hits_from

ANSWER = {"head": {"vars": ["item"]}, "results": {"bindings": [
    {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q310695"}}]}}


class ScriptedEndpoint(ThreadingHTTPServer):
    """Answers request n with script[n] (the last entry repeats); records what it received."""

    def __init__(self, script: list[tuple[int, dict[str, str]]], delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.script, self.delay = script, delay
        self.requests: list[tuple[str, dict[str, str], str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedEndpoint

    def do_POST(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.requests.append((self.command, dict(self.headers), body))
        status, headers = self.server.script[min(len(self.server.requests),
                                                 len(self.server.script)) - 1]
        time.sleep(self.server.delay)
        payload = json.dumps(ANSWER).encode() if status == 200 else b"busy"
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(script, delay: float = 0.0) -> Iterator[ScriptedEndpoint]:
    server = ScriptedEndpoint(script, delay)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def flaky():
    with serving([(503, {}), (429, {"Retry-After": "0"}), (200, {})]) as server:
        yield server


def test_retries_through_503_and_429_then_answers(flaky):
    client = WikidataClient(flaky.url, timeout=5, retries=3, backoff=0.01)
    assert client.select("SELECT ?item WHERE { ?item ?p ?o }") == [
        {"item": "http://www.wikidata.org/entity/Q310695"}]
    assert len(flaky.requests) == 3
    for method, headers, body in flaky.requests:
        assert method == "POST"
        assert headers["User-Agent"].startswith("Passerelle/")
        assert body.startswith("query=SELECT")


def test_gives_up_after_the_last_retry():
    with serving([(503, {})]) as server:
        client = WikidataClient(server.url, timeout=5, retries=2, backoff=0.01)
        with pytest.raises(BuildError, match="failed"):
            client.select("SELECT * WHERE { ?s ?p ?o }")
        assert len(server.requests) == 3


def test_a_bad_query_is_not_retried():
    with serving([(400, {})]) as server:
        client = WikidataClient(server.url, timeout=5, retries=3, backoff=0.01)
        with pytest.raises(BuildError, match="refused the query"):
            client.select("SELECT nonsense")
        assert len(server.requests) == 1


def test_a_slow_answer_times_out():
    with serving([(200, {})], delay=1.5) as server:
        client = WikidataClient(server.url, timeout=1, retries=0)
        started = time.monotonic()
        with pytest.raises(BuildError, match="failed"):
            client.select("SELECT * WHERE { ?s ?p ?o }")
        assert time.monotonic() - started < 1.5


def test_values_are_checked_before_any_request(flaky):
    client = WikidataClient(flaky.url)
    with pytest.raises(BuildError, match="is not a ROR ID"):
        client.by_ror("https://ror.org/05n911h2")  # one character short
    with pytest.raises(BuildError, match="is not an ISO 3166-1 alpha-2 code"):
        client.by_label(["TU Darmstadt"], "DEU")
    assert flaky.requests == []


def test_hits_gather_an_entitys_rows_and_skip_what_is_no_qid():
    entity = "http://www.wikidata.org/entity/"
    solutions = [
        {"item": entity + "Q310695", "label": "Technical University of Darmstadt", "iso": "DE",
         "ror": "05n911h24", "website": "https://www.tu-darmstadt.de"},
        {"item": entity + "Q310695", "label": "Technical University of Darmstadt", "iso": "DE",
         "ror": "05n911h24", "website": "https://www.tu-darmstadt.de/en"},
        {"item": entity + "L7", "label": "a lexeme"},
        {"item": entity + "Q0123", "label": "not a QID: leading zero"},
        {"item": entity + "Q184478", "name": "University of California"},
    ]
    hits = hits_from(solutions)
    assert [(h.qid, h.label, h.countries, h.ror_ids) for h in hits] == [
        ("Q310695", "Technical University of Darmstadt", ("DE",), ("05n911h24",)),
        ("Q184478", "University of California", (), ())]
    assert hits[0].websites == ("https://www.tu-darmstadt.de", "https://www.tu-darmstadt.de/en")
