"""Shared fixtures of the server tests: the app over the seed store, its client, an admin app
over a throw-away store, a real server on a free loopback port, a bearer-token proxy, a probe;
and the facts about the seeds that several server tests ask for.

tests/conftest.py loads them for every test module (``pytest_plugins``). The seed store comes
from tests/conftest.py (built once per session, read-only).

The facts, read by hand in the documents: TU Darmstadt is named once in seed 000 (line 19,
"TU Darmstadt ... (Double diplôme ingénieur et Erasmus+)", a partner of Télécom Paris) and
once in seed 003 (line 56, "Technical University of Darmstadt (TU Darmstadt)
Bilateral/Erasmus+", a partner of the unidentified school); seed 004 names Dresden, not
Darmstadt; 001 and 002 name no partner. So exactly two agreements have TU Darmstadt as
partner, one in the graph of each of those two documents.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import rdflib

from server import create_app

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "throw-away-admin-token-for-tests"  # only ever given to throw-away stores
# The test client's requests go to http://localhost/: the base URL answers name.
READ_ONLY = {"ADMIN_TOKEN": None, "SERVICE_ALLOWLIST": frozenset(), "TESTING": True,
             "BASE_URL": "http://localhost"}

ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
TELECOM = ID + "institution/telecom-paris"
SCHOOL_003 = ID + "institution/unidentified-school-003"
DARMSTADT_PARTNERS = f"""PREFIX pas: <{PAS}>
SELECT ?school ?line WHERE {{
  ?agreement pas:partnerInstitution <{ID}institution/tu-darmstadt> ;
             pas:school ?school ; pas:sourceLine ?line .
}}"""
DARMSTADT_LINES = f"""PREFIX pas: <{PAS}>
CONSTRUCT {{ ?agreement pas:sourceLine ?line }} WHERE {{
  ?agreement pas:partnerInstitution <{ID}institution/tu-darmstadt> ; pas:sourceLine ?line .
}}"""
EXPECTED_PAIRS = {(TELECOM, 19), (SCHOOL_003, 56)}  # (school, source line)
EXPECTED_TRIPLES = {
    (rdflib.URIRef(f"{ID}agreement/{source}/line-{line}"), rdflib.URIRef(PAS + "sourceLine"),
     rdflib.Literal(line))
    for source, line in (("telecom-paris-partnerships", 19), ("unidentified-partner-table", 56))
}


@pytest.fixture(scope="session")
def app(seed_store_path):
    """The app over the seed store, read-only, whatever PASSERELLE_* the shell has set."""
    return create_app({**READ_ONLY, "STORE": seed_store_path})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(seed_store_path):
    """Apps over the seed store with their own settings; their query processes stop after."""
    made = []

    def make(**settings):
        app = create_app({**READ_ONLY, "STORE": seed_store_path, **settings})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["passerelle-executor"].close()


@pytest.fixture
def admin_app(tmp_path):
    """An admin app (read-write, /update enabled) over an empty throw-away store."""
    return create_app({**READ_ONLY, "STORE": tmp_path / "store", "ADMIN_TOKEN": ADMIN_TOKEN})


@pytest.fixture
def admin_client(admin_app):
    return admin_app.test_client()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(store: Path, log: Path, admin_token: str | None = None,
                   workers: int = 1, keep_env: tuple[str, ...] = (),
                   settings: dict[str, str] | None = None) -> Iterator[str]:
    """`server.wsgi.serve` in a child process on a free loopback port; yields its base URL.

    The PASSERELLE_* variables of the shell are not passed on, except those in keep_env;
    settings are more variables for the server (PASSERELLE_QUERIES_PER_CLIENT=...)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PASSERELLE_") or k in keep_env}
    env.update(settings or {})
    if admin_token:
        env["PASSERELLE_ADMIN_TOKEN"] = admin_token
    code = ("import sys; from pathlib import Path; from server.wsgi import serve; "
            "serve(Path(sys.argv[1]), port=int(sys.argv[2]), workers=int(sys.argv[3]))")
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-c", code, str(store), str(port),
                                    str(workers)], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz", process, log)
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop a server started in a session of its own (``start_new_session=True``) with its
    whole process group: SIGTERM, SIGKILL if it has not exited within 10 s, then SIGKILL to
    whatever is left of the group, so that no worker outlives the test, even one whose
    parent died before."""
    def signal_group(sig: signal.Signals) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:  # the group is gone already
            pass

    signal_group(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        process.wait()
    signal_group(signal.SIGKILL)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, limit: float = 20) -> None:
    """Poll url until it answers; fail with the server's log if the process dies or times out."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server not up after {limit} s: {log.read_text()}")


def post_update(base: str, text: str, token: str | None = None) -> int:
    """POST a SPARQL update to a live server's /update; the HTTP status it answered."""
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + "/update", data=text.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def bearer_proxy(target: str, token: str) -> Iterator[str]:
    """A loopback proxy that forwards every request to ``target`` with the admin token added.

    The W3C runner has no authentication option; this proxy plays the part of an admin's
    client, so the server itself keeps refusing every anonymous update. Requests are
    forwarded byte for byte (no header added or dropped but Authorization).
    """
    host, port = target.removeprefix("http://").split(":")

    class Forward(BaseHTTPRequestHandler):
        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            upstream = http.client.HTTPConnection(host, int(port), timeout=30)
            upstream.putrequest(self.command, self.path, skip_host=True,
                                skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() != "authorization":
                    upstream.putheader(name, value)
            upstream.putheader("Authorization", f"Bearer {token}")
            upstream.endheaders(body)
            reply = upstream.getresponse()
            data = reply.read()
            upstream.close()
            self.send_response(reply.status, reply.reason)
            for name, value in reply.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "server", "date"):
                    self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = forward

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def probe(host: str, port: int, path: str = "/healthz") -> float | None:
    """Seconds path took to answer 200 on a fresh connection, or None if not within 1 s
    (the slow-client tests' measure of being served)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=1)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
    except OSError:
        return None
    finally:
        connection.close()
    took = time.monotonic() - started
    return took if answer.status == 200 and took <= 1 else None
