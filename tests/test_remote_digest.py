"""A Graph Store write to a digest-authenticated store is authenticated before its body goes.

Virtuoso answers an unauthenticated PUT with 401 and closes the connection without reading
the body: urllib, which sends the body first and answers the challenge after, failed with a
broken pipe on the seeds' 584 KB summary graph. The server here does the same, on loopback.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from graph import remote as loading
from passerelle.remote import Endpoint, digest_authorization

CHALLENGE = 'Digest realm="SPARQL", nonce="abc123", qop="auth", algorithm="MD5"'
BODY_BYTES = 4_000_000  # far more than the loopback socket buffers take unread


class _Store(BaseHTTPRequestHandler):
    """401 with a digest challenge, without reading the body, to any request that is not
    authenticated; 201 after reading the body of one that is."""

    received: list[tuple[str, int]]

    def _answer(self) -> None:
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith('Digest username="dba", realm="SPARQL"'):
            self.send_response(401)
            self.send_header("WWW-Authenticate", CHALLENGE)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.received.append((self.command, length))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@contextmanager
def digest_store() -> Iterator[tuple[Endpoint, list]]:
    received: list = []
    handler = type("Handler", (_Store,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Endpoint(query_url=base + "/sparql", update_url=base + "/sparql-auth",
                       gsp_url=base + "/sparql-graph-crud-auth", user="dba",
                       password="secret", auth="digest", timeout=10), received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_large_graph_store_write_is_authenticated_before_its_body_is_sent():
    with digest_store() as (endpoint, received):
        body = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n" * (BODY_BYTES // 32)
        loading._gsp_write(endpoint, "urn:x:g", body, replace=True)
    assert received == [("PUT", len(body))]


def test_the_digest_answer_names_the_user_and_the_challenge():
    with digest_store() as (endpoint, _):
        request = urllib.request.Request(endpoint.gsp_url + "?graph=urn%3Ax%3Ag", data=b"x",
                                         method="PUT")
        answer = digest_authorization(endpoint, request, timeout=10)
    assert answer.startswith('Digest username="dba", realm="SPARQL", nonce="abc123", '
                             'uri="/sparql-graph-crud-auth?graph=urn%3Ax%3Ag", response="')

