"""No query reaches the network, whatever its text: the query processes have none.

The spellings the issue found past the old lexical guard (a ``\\u0041`` in an IRI, ``\\#``
and ``\\'`` in prefixed names, ``SERVICE:x``, ``SERVICEex:x``, ``SERVICESILENT<...>``,
``FILTER(1<2)SERVICE?e`` after ``LATERAL``) and generated ones go to a live server, with a
listener on the loopback interface that answers every connection with a 403 and a marker in
its body. It must see 0 connections, and the marker must never come back to the client. The
control: the same server with the sandbox turned off lets one of them through, so a silent
listener means the sandbox held, not that the query was harmless.

And the guard in front, now a courtesy: linear in the text's length (a 1 MB text is scanned
in well under a second; the old regex froze a worker 72 s on 100 KB).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from server_fixtures import running_server

from server.sparql_text import blank_opaque, network_keywords

MARKER = b"LISTENER-BODY-7f3a"


class Listener:
    """A loopback TCP server that counts connections and answers each with a 403."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: "
                                       + str(len(MARKER)).encode() + b"\r\n\r\n" + MARKER)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()


@pytest.fixture
def listener():
    made = Listener()
    yield made
    made.close()


def issue_spellings(port: int) -> list[str]:
    """Every spelling the issue reports past the old guard, aimed at the listener."""
    base = f"http://127.0.0.1:{port}/"
    return [
        f"SELECT * WHERE {{ BIND(<urn:\\u0041#> AS ?z) SERVICE <{base}x> {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <urn:x#> PREFIX r: <{base}> "
        "SELECT * WHERE { ?s ex:a\\#b ?o . SERVICE r:x { ?s ?p ?o } }",
        f"PREFIX ex: <urn:x#> PREFIX r: <{base}> "
        "SELECT * WHERE { ?s ex:a\\'b ?o . SERVICE r:x { ?s ?p ?o } }",
        f"PREFIX : <{base}> SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE:x {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{base}> SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICEex:x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICESILENT<{base}x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{base}x> }} LATERAL {{ FILTER(1<2)SERVICE?e "
        "{ ?s ?p ?o } } }",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICE <{base}x> {{ ?s ?p ?o }} }}",
    ]


def ask(base: str, query: str, method: str) -> tuple[int, bytes]:
    data = urllib.parse.urlencode({"query": query, "timeout": "5"})
    request = (urllib.request.Request(f"{base}/sparql?{data}") if method == "GET"
               else urllib.request.Request(f"{base}/sparql", data=data.encode()))
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.read()


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("sandbox") / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        yield base


def test_no_spelling_of_the_issue_reaches_the_listener(live, listener):
    for query in issue_spellings(listener.port):
        for method in ("GET", "POST"):
            status, body = ask(live, query, method)
            assert status in (400, 500), (query, status, body)
            assert MARKER not in body, query
    time.sleep(0.3)
    assert listener.connections == 0


GLUE = ["", " ", "\n", "#c\n"]
PIECES = ["?s ?p ?o", "?s ?p ?o.", "?s ?p true", "FILTER(1<2)", "BIND(<urn:\\u0041#> AS ?z)",
          "?s ex:a\\#b ?o .", "?s ex:a\\'b ?o .", "VALUES ?v { 1 }", '?s ?p "SERVICE" .', ""]
KEYWORDS = ["SERVICE", "service", "SERVICE SILENT", "SERVICESILENT", "SERV\\u0049CE"]
ENDPOINTS = ["<{base}x>", "r:x", ":x", "?e"]


@settings(max_examples=40, deadline=None)
@given(before=st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(GLUE)), max_size=3),
       keyword=st.sampled_from(KEYWORDS), endpoint=st.sampled_from(ENDPOINTS),
       glue=st.sampled_from(GLUE))
def test_no_generated_spelling_reaches_the_listener(live, before, keyword, endpoint, glue):
    with_listener = Listener()
    try:
        base = f"http://127.0.0.1:{with_listener.port}/"
        query = (f"PREFIX ex: <urn:x#> PREFIX r: <{base}> PREFIX : <{base}> SELECT * WHERE {{ "
                 f"VALUES ?e {{ <{base}x> }} "
                 + "".join(piece + space for piece, space in before) + glue
                 + keyword + (" " if endpoint[0] in "r:" else "")
                 + endpoint.format(base=base) + " { ?s ?p ?o } }")
        status, body = ask(live, query, "POST")
        assert MARKER not in body
        assert status != 200 or b"results" in body
        time.sleep(0.05)
        assert with_listener.connections == 0, query
    finally:
        with_listener.close()


def test_the_control_without_the_sandbox_the_listener_is_reached(seed_store_path, tmp_path,
                                                                 listener, monkeypatch):
    # Proof that the listener would see a connection: the same server with the sandbox
    # off lets a glued spelling through (the lexical guard is only a courtesy).
    monkeypatch.setenv("PASSERELLE_QUERY_SANDBOX", "off")
    with running_server(seed_store_path, tmp_path / "server.log", workers=1,
                        keep_env=("PASSERELLE_QUERY_SANDBOX",)) as base:
        query = issue_spellings(listener.port)[3]  # SERVICE:x
        ask(base, query, "POST")
        time.sleep(0.3)
    assert listener.connections >= 1


def test_a_sandboxed_process_cannot_connect_anywhere(listener):
    code = ("import socket, sys; from passerelle.sandbox import isolate; print(isolate()); "
            f"s = socket.socket(); s.settimeout(2); s.connect(('127.0.0.1', {listener.port}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 1
    assert done.stdout.strip() in ("netns", "userns")
    assert "Network is unreachable" in done.stderr
    assert listener.connections == 0


# --- the guard in front: linear, a courtesy ---------------------------------------------

# Texts that made the old regex (and a naive scanner) quadratic: literals and IRIs that
# never close, escapes, keywords glued into one long word.
PATHOLOGICAL = {
    "open quotes": "'" * 1_000_000,
    "escaped quotes": "'" + "\\'" * 500_000,
    "open long literals": "'''" + "\\'" * 499_000,
    "angle brackets": "<" * 1_000_000,
    "IRIs that never close": "<a" * 500_000,
    "glued keywords": "SERVICE" * 140_000,
    "escapes": "\\u0041" * 160_000,
    "comment marks": "#" * 1_000_000,
}


def scan_seconds(text: str) -> float:
    started = time.perf_counter()
    network_keywords(text)
    assert len(blank_opaque(text)) == len(text)
    return time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_the_guard_is_linear_on_a_megabyte(name):
    # Ten times the text, about ten times the time: quadratic would be a hundred times
    # (the old regex: 72 s on 100 KB, so days on 1 MB). The ratio allows a busy machine.
    text = PATHOLOGICAL[name]
    tenth = scan_seconds(text[:len(text) // 10])
    whole = scan_seconds(text)
    assert whole < 30 * max(tenth, 0.1), f"{name}: {tenth:.2f} s, then {whole:.2f} s"
    assert whole < 60


@pytest.mark.parametrize("text, found", [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", {"SERVICE"}),
    ("SELECT * WHERE { BIND(<urn:\\u0041#> AS ?z) SERVICE <http://x/> { ?s ?p ?o } }",
     {"SERVICE"}),
    ("SELECT * WHERE { ?s ex:a\\#b ?o . SERVICE <http://x/> { ?s ?p ?o } }", {"SERVICE"}),
    ("SELECT * WHERE { ?s ?p trueSERVICE <http://x/> { ?a ?b ?c } }", {"SERVICE"}),
    ("SELECT * WHERE { SERV\\u0049CE <http://x/> { ?a ?b ?c } }", {"SERVICE"}),
    ("SELECT ?service WHERE { ?s ex:service ?service }", set()),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', set()),
    ("SELECT * WHERE { ?s ?p <http://x/SERVICE> } # SERVICE", set()),
    ("LOAD <http://x/data.ttl>", {"LOAD"}),
])
def test_the_guard_sees_a_keyword_only_where_it_is_one(text, found):
    assert network_keywords(text) == found


def test_an_unterminated_literal_blanks_the_rest_of_its_line():
    assert blank_opaque("?s ?p 'open\nSERVICE") == "?s ?p      \nSERVICE"
