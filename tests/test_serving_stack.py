"""The serving stack (granian, started by `server.wsgi.serve`) against slow and hostile
clients: slow or idle connections hold nothing others need and are closed, a body that does
not come is cut off (408), a long request line is a 414, and no query process outlives its
worker.

Every wait has a timeout of a few seconds, so a protection that breaks fails quickly.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from server_fixtures import READ_ONLY, probe, running_server

from server import MAX_BODY_BYTES, create_app
from server.asgi import BATCH, BODY_TIMEOUT, WsgiAnswer, wsgi_environ
from server.wsgi import BLOCKING_THREADS, HEADER_TIMEOUT, REQUEST_LINE_LIMIT, Guard

SLOW_HEADERS = 200
STALLED_DUMPS = 10
# More than the threads of both workers: each held one until its client hung up when the
# body was read in a thread (9 of 20 probes answered within 1 s, README).
STALLED_BODIES = 2 * BLOCKING_THREADS + 44
STALLED_HEAD = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                b"\r\nContent-Length: 1000\r\n\r\nASK")


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory):
    """The read-only server as `passerelle serve` starts it on this machine's cores (2)."""
    log = tmp_path_factory.mktemp("stack") / "server.log"
    with running_server(seed_store_path, log, workers=2) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port), log


def raw(host: str, port: int, data: bytes, limit: float = 10) -> bytes:
    """Send data on a fresh connection; everything the server answered until it closed."""
    with socket.create_connection((host, port), timeout=limit) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading all of it: read that answer
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_slow_headers_and_stalled_readers_leave_others_answered(live):
    host, port, _ = live
    held = []
    try:
        for _ in range(STALLED_DUMPS):  # the whole store asked for, never read
            sock = socket.create_connection((host, port), timeout=5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /dump.nq HTTP/1.1\r\nHost: x\r\n\r\n")
            held.append(sock)
        # Each dump is 0.4 s of CPU until its buffers are full: that burst is load, not what
        # is tested here (the stalled readers holding nothing others need afterwards).
        time.sleep(2)
        for number in range(SLOW_HEADERS):  # one byte of a request line, or none
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(b"G" if number % 2 else b"")
            held.append(sock)
        times = [probe(host, port) for _ in range(10)]  # well within the header timeout
    finally:
        for sock in held:
            sock.close()
    assert None not in times, times


def test_clients_slow_to_send_their_body_leave_others_answered(live):
    # Their bodies are awaited on the event loop (server.asgi), not in threads.
    host, port, _ = live
    held = []
    try:
        for _ in range(STALLED_BODIES):  # a Content-Length never sent in full
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(STALLED_HEAD)
            held.append(sock)
        time.sleep(0.5)
        started = time.monotonic()
        times = [probe(host, port) for _ in range(10)]
        assert time.monotonic() - started < BODY_TIMEOUT - 1  # all, while the bodies are held
    finally:
        for sock in held:
            sock.close()
    assert None not in times, times


def test_a_body_that_never_comes_is_a_408_and_its_connection_closed(live):
    host, port, _ = live
    started = time.monotonic()
    answer = raw(host, port, STALLED_HEAD, limit=BODY_TIMEOUT + 5)
    took = time.monotonic() - started
    assert BODY_TIMEOUT - 0.5 <= took <= BODY_TIMEOUT + 2, took  # raw returned: closed
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), head
    assert json.loads(body)["error"] == {
        "status": 408, "title": "Request Timeout",
        "detail": f"the request's body did not arrive within {BODY_TIMEOUT} s"}


@pytest.mark.parametrize("sent", [
    b"",  # no byte at all (was held open under granian's HTTP/1-or-2 mode: server.wsgi)
    b"G", b"GET / HTTP/1.1\r\nHost: x\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",  # answered, then idle on keep-alive
])
def test_an_idle_or_slow_connection_is_closed_after_the_header_timeout(live, sent):
    host, port, _ = live
    started = time.monotonic()
    answer = raw(host, port, sent, limit=HEADER_TIMEOUT + 5)  # socket.timeout if left open
    took = time.monotonic() - started
    assert HEADER_TIMEOUT - 0.5 <= took <= HEADER_TIMEOUT + 2, took
    assert answer.count(b"HTTP/1.1") == (1 if sent.endswith(b"\r\n\r\n") else 0), answer


def test_a_long_request_line_is_a_414_in_the_error_shape(live):
    host, port, _ = live
    query = "ASK%7B%7D" + "%20" * (REQUEST_LINE_LIMIT // 3)
    answer = raw(host, port, f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n"
                             "Connection: close\r\n\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414"), head
    assert json.loads(body)["error"]["title"] == "URI too long"
    # Beyond the head buffer (HTTP1_BUFFER, 64 KiB), granian refuses it before the app, bare,
    # and never reads it all. hyper checks the buffer's size between reads, and one read may
    # take it to about twice that (a 100 KB line sent at once got hyper's own bare 414): a
    # 300 KB line is past it however its bytes arrive.
    answer = raw(host, port, b"GET /" + b"a" * 300_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431") and b"content-length: 0" in head, head
    assert body == b""


def test_a_body_over_the_cap_is_a_413_whether_announced_or_chunked(live):
    host, port, _ = live
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Connection: close\r\n")
    announced = raw(host, port, head + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
                                       "ASK {}".encode())
    assert announced.startswith(b"HTTP/1.1 413"), announced[:100]
    assert json.loads(announced.partition(b"\r\n\r\n")[2])["error"]["detail"] == \
        "the request's body is larger than 1,000,000 bytes"
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    chunked = raw(host, port, head + b"Transfer-Encoding: chunked\r\n\r\n" + b"6\r\nASK {}\r\n"
                  + chunk * (MAX_BODY_BYTES // 65536 + 1) + b"0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:100]


def test_a_request_line_within_the_limit_is_served(live):
    host, port, _ = live
    padding = "%20" * ((REQUEST_LINE_LIMIT - 100) // 3)
    answer = raw(host, port, f"GET /sparql?query=ASK%7B%7D{padding} HTTP/1.1\r\nHost: x\r\n"
                             "Accept: application/sparql-results+json\r\n"
                             "Connection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_the_access_log_has_neither_query_strings_nor_headers(live):
    host, port, log = live
    raw(host, port, b"GET /sparql?query=ASK%7B%7D&secret=s3cr3t-in-the-query HTTP/1.1\r\n"
                    b"Host: x\r\nAuthorization: Bearer s3cr3t-in-a-header\r\n"
                    b"Connection: close\r\n\r\n")
    deadline = time.monotonic() + 5
    while "GET /sparql " not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "GET /sparql HTTP/1.1" in text  # the access log is on...
    assert "s3cr3t" not in text  # ...without the query string or the headers


# --- the ASGI request as the WSGI app sees it ------------------------------------------

def test_the_wsgi_environ_of_a_chunked_request_with_repeated_headers():
    scope = {"type": "http", "method": "POST", "path": "/id/é", "root_path": "",
             "query_string": b"a=1&b=%C3%A9", "http_version": "1.1", "scheme": "http",
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.9", 5555),
             "headers": [(b"host", b"x"), (b"content-type", b"text/plain"),
                         (b"transfer-encoding", b"chunked"), (b"accept", b"text/html"),
                         (b"accept", b"*/*")]}
    environ = wsgi_environ(scope, b"ASK {}")
    assert environ["PATH_INFO"] == "/id/\xc3\xa9"  # the path's UTF-8 bytes, as latin-1
    assert environ["QUERY_STRING"] == "a=1&b=%C3%A9"
    assert environ["CONTENT_LENGTH"] == "6" and "HTTP_TRANSFER_ENCODING" not in environ
    assert environ["CONTENT_TYPE"] == "text/plain" and "HTTP_CONTENT_TYPE" not in environ
    assert environ["HTTP_ACCEPT"] == "text/html,*/*"
    assert environ["REMOTE_ADDR"] == "127.0.0.9"
    assert environ["wsgi.input"].read() == b"ASK {}"
    assert not any(key.startswith("PASSERELLE_") for key in environ)


# --- Guard, in process: granian's copy of the server's environment ------------------

@pytest.fixture
def guard(seed_store_path, monkeypatch):
    monkeypatch.setenv("PASSERELLE_ADMIN_TOKEN_FILE_OR_ANY", "x" * 20)
    return Guard(create_app({**READ_ONLY, "STORE": seed_store_path}))


def call(app, environ: dict) -> tuple[str, dict, bytes]:
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return answered["status"], answered["headers"], body


def environ_for(path: str, body_stream, length: str, **extra) -> dict:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": body_stream, "wsgi.errors": io.StringIO(),
            "CONTENT_TYPE": "application/sparql-query", "CONTENT_LENGTH": length,
            "REMOTE_ADDR": "127.0.0.1", **extra}


def test_the_servers_environment_is_taken_out_of_each_request(guard):
    seen = {}
    app = guard.app

    @app.get("/environ-test")
    def environ_test():
        from flask import request

        seen.update(request.environ)
        return "ok"

    environ = environ_for("/environ-test", io.BytesIO(b""), "0", REQUEST_METHOD="GET",
                          PASSERELLE_ADMIN_TOKEN_FILE_OR_ANY="copied by granian")
    assert call(guard, environ)[0].startswith("200")
    assert "PASSERELLE_ADMIN_TOKEN_FILE_OR_ANY" not in seen


# --- no query process outlives its worker ----------------------------------------------

def children(pid: int) -> set[int]:
    """The processes whose parent is pid (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def query_processes_of(workers: set[int]) -> set[int]:
    return {child for worker in workers for child in children(worker)
            if "query_process.py" in Path(f"/proc/{child}/cmdline").read_text(errors="replace")}


def ask(base: str) -> int:
    connection = http.client.HTTPConnection(*base.removeprefix("http://").split(":"),
                                            timeout=10)
    try:
        connection.request("GET", "/sparql?query=ASK%7B%7D",
                           headers={"Accept": "application/sparql-results+json"})
        return connection.getresponse().status
    except OSError:  # no worker yet
        return 0
    finally:
        connection.close()


def server_of(base: str) -> int:
    """The pid of the server process running_server started for base (granian's main)."""
    return next(pid for pid in children(os.getpid())
                if str(base.rsplit(":", 1)[1]) in
                Path(f"/proc/{pid}/cmdline").read_text(errors="replace"))


def test_no_query_process_outlives_its_worker_or_the_server(seed_store_path, tmp_path):
    log = tmp_path / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        server = server_of(base)
        assert ask(base) == 200  # a query process starts
        worker, = children(server)
        first = query_processes_of({worker})
        assert first
        os.kill(worker, signal.SIGKILL)  # the worker dies outright, as the OOM killer does
        assert wait_for(lambda: not any(alive(pid) for pid in first), 5), first
        # granian replaces the worker, and it answers queries with query processes of its own
        assert wait_for(lambda: children(server) - {worker}, 10)
        assert wait_for(lambda: ask(base) == 200, 10)
        second = query_processes_of(children(server))
        assert second
    # The server stopped (SIGTERM, as a service manager stops it): everything it started too.
    assert wait_for(lambda: not any(alive(pid) for pid in second | {server}), 5), second


def test_workers_and_query_processes_die_with_a_main_process_killed_outright(
        seed_store_path, tmp_path):
    log = tmp_path / "server.log"
    with running_server(seed_store_path, log, workers=2) as base:
        server = server_of(base)
        assert ask(base) == 200
        workers = children(server)
        started = workers | query_processes_of(workers)
        assert len(workers) == 2
        os.kill(server, signal.SIGKILL)  # as the OOM killer, or a service manager's last word
        assert wait_for(lambda: not any(alive(pid) for pid in started), 5), started


# --- dumps: a client that does not read its dump holds a thread and a buffer -------------

def test_dumps_sent_at_once_are_capped_and_their_slots_come_back(make_app):
    client = make_app(DUMPS_AT_ONCE=1).test_client()
    first = client.get("/dump.nq", buffered=False)  # started, not read: holds the slot
    assert first.status_code == 200
    busy = client.get("/dump.trig")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "60"
    assert busy.json["error"]["title"] == "Busy"
    first.close()  # the client went away: the slot comes back
    whole = client.get("/dump.nq", buffered=True)  # sent whole: the slot comes back too
    assert whole.status_code == 200 and whole.data.count(b"\n") > 10_000
    assert client.get("/dump.trig", buffered=True).status_code == 200


def _answer_of(chunks: list[bytes]) -> tuple[bytes | None, list[dict]]:
    """What WsgiAnswer.run returns for a WSGI app answering ``chunks``, and what it sent."""
    sent = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter(chunks)

    def watch():
        return Future()  # never done: the client stays

    answer = WsgiAnswer(app, {}, sent.append, watch, close=False)
    return answer.run(), sent


def test_an_answer_in_one_chunk_larger_than_a_batch_goes_to_the_loop_whole():
    body = b"x" * (3 * BATCH + 5)
    assert _answer_of([body]) == (body, [])


def test_an_answer_in_many_chunks_is_sent_batch_by_batch_from_its_thread():
    chunks = [b"y" * 1000] * 200  # 200,000 bytes: four batches
    returned, sent = _answer_of(chunks)
    assert returned is None
    assert sent[0]["type"] == "http.response.start"
    bodies = [message["body"] for message in sent[1:]]
    assert b"".join(bodies) == b"".join(chunks)
    assert [message.get("more_body", False) for message in sent[1:]] == [True] * 3 + [False]
