"""`BodyFirst`: the ASGI app granian runs. It receives a request's whole body within a
deadline and a cap, and only then hands the complete request to the WSGI app (Flask behind
`server.wsgi.Guard`) in a thread pool, streaming its answer back.

Why: granian's WSGI interface gives a request to a thread as soon as its head has arrived,
and that thread, reading a body that never comes, waits until the client hangs up (granian
has no body read timeout and declined one: emmett-framework/granian#728). Here the body is
awaited on the worker's event loop, where a waiting request costs a coroutine, not a thread,
and the wait has a deadline (``BODY_TIMEOUT``): 408. A body over the cap is refused as soon
as its announced length or its bytes so far exceed it: 413. A body cut short (a malformed
chunk, or a client gone mid-body: granian reports both as a disconnect) is a 400 naming the
body. Each refusal goes through the WSGI app like any request (`server.wsgi.REFUSED`), so it
has the project's error shape, and closes the connection, whose unread bytes cannot be
trusted as a next request.

The thread pool only ever computes: the body is already in memory, and an answer is sent
from the event loop, one batch (``BATCH`` bytes) taken from the WSGI iterator in a thread at
a time, so a client that does not read its answer holds an iterator, not a thread. When the
client is gone the iterator is closed (a dump gives its slot back, `server.meta`).
"""

from __future__ import annotations

import asyncio
import io
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain

from server.errors import ApiError

BODY_TIMEOUT = 10  # seconds for a request's whole body to arrive, else 408
BATCH = 65536  # bytes of an answer taken from the WSGI app per trip to a thread
REFUSED = "passerelle.refused"  # environ key: the ApiError the WSGI app raises instead


class BodyFirst:
    """The ASGI app of one worker: the WSGI ``app``, each request's body received first."""

    def __init__(self, app, threads: int, body_cap: int):
        self.app = app
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="passerelle-request")
        self.body_cap = body_cap

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":  # no lifespan (granian's asginl), no websockets
            return
        try:
            body, refused = await receive_body(scope, receive, self.body_cap), None
        except ApiError as error:
            body, refused = b"", error
        environ = wsgi_environ(scope, body)
        if refused is not None:
            environ[REFUSED] = refused
        await self.answer(environ, receive, send, close=refused is not None)

    async def answer(self, environ: dict, receive, send, close: bool) -> None:
        loop = asyncio.get_running_loop()

        async def sending(message: dict) -> None:  # granian's send is no coroutine
            await send(message)

        def send_from_thread(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(sending(message), loop).result()

        def watch_from_thread() -> Future:
            return asyncio.run_coroutine_threadsafe(client_gone(receive), loop)

        wsgi = WsgiAnswer(self.app, environ, send_from_thread, watch_from_thread, close)
        whole = await loop.run_in_executor(self.pool, wsgi.run)
        if whole is not None:  # the common case: one batch, sent without another thread hop
            await send({"type": "http.response.start", "status": wsgi.status,
                        "headers": wsgi.headers})
            await send({"type": "http.response.body", "body": whole})


async def receive_body(scope: dict, receive, cap: int) -> bytes:
    """The request's whole body within ``BODY_TIMEOUT``: ApiError 408 past it, 413 past
    ``cap`` bytes, 400 when the body is cut short."""
    announced = header(scope, b"content-length")
    if scope["http_version"] in ("1.0", "1.1") and not announced \
            and not header(scope, b"transfer-encoding"):
        return b""  # no body (RFC 9112, 6.3): not even a message to wait for
    if announced.isdigit() and int(announced) > cap:  # refused before reading any of it
        raise too_large(cap)
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            return await receive_parts(receive, cap)
    except TimeoutError:
        raise ApiError(408, "Request Timeout",
                       f"the request's body did not arrive within {BODY_TIMEOUT} s") from None


async def receive_parts(receive, cap: int) -> bytes:
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "Bad request body",
                           "the request's body ended before it was complete (its chunked "
                           "encoding is malformed, or it is shorter than its Content-Length)")
        part = message.get("body", b"")
        size += len(part)
        if size > cap:
            raise too_large(cap)
        parts.append(part)
        if not message.get("more_body", False):
            return b"".join(parts)


async def client_gone(receive) -> None:
    """Returns once the client went away (what receive says once the body is whole)."""
    while (await receive())["type"] != "http.disconnect":
        pass  # a body not asked for (receive_body skipped an empty one)


def too_large(cap: int) -> ApiError:
    return ApiError(413, "Request Entity Too Large",
                    f"the request's body is larger than {cap:,} bytes")


def header(scope: dict, name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in scope["headers"]
                 if key.lower() == name), "")


def wsgi_environ(scope: dict, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose whole body is ``body``."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        # ASGI gives the path decoded as UTF-8; WSGI wants its bytes as latin-1.
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0], "REMOTE_PORT": str(client[1]),
        # The body's real length, whether it was announced or chunked.
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0), "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    for key, value in scope["headers"]:
        name = key.decode("latin-1").upper().replace("-", "_")
        if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue  # the body is whole: its length is above
        if name != "CONTENT_TYPE":
            name = "HTTP_" + name
        text = value.decode("latin-1")
        environ[name] = f"{environ[name]},{text}" if name in environ else text
    return environ


class WsgiAnswer:
    """The WSGI side of one request, run whole in one thread of the pool: the app's
    iterator may hold objects bound to the thread that made them (pyoxigraph's QuadIter of a
    dump panics when iterated from another)."""

    def __init__(self, app, environ: dict, send, watch, close: bool):
        self.app = app
        self.environ = environ
        self.send = send  # an ASGI send, from this thread: blocks until the loop sent it
        self.watch = watch  # starts watching the client: a Future done once it went away
        self.close = close  # the connection is closed after this answer
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []

    def start_response(self, status: str, headers: list, exc_info=None):
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers]
        if self.close:
            self.headers.append((b"connection", b"close"))

    def run(self) -> bytes | None:
        """The whole answer's body when it fits in one batch, for the loop to send; else
        None, once this thread sent it batch by batch (or stopped when the client left)."""
        iterable = self.app(self.environ, self.start_response)
        try:
            chunks = iter(iterable)
            batch, done = take_batch(chunks)  # Flask calls start_response before its first
            if not done:
                # An answer Flask holds whole is one chunk, however large (a 3.4 MB page at
                # 100x): it goes to the loop in one go, not batch by batch with a watcher.
                following = next(chunks, None)
                done = following is None
                chunks = chunks if done else chain([following], chunks)
            if done:
                return batch
            gone = self.watch()  # only for answers sent in batches: it costs a task
            try:
                self.send({"type": "http.response.start", "status": self.status,
                           "headers": self.headers})
                while not done and not gone.done():
                    self.send({"type": "http.response.body", "body": batch,
                               "more_body": True})
                    batch, done = take_batch(chunks)
                self.send({"type": "http.response.body", "body": batch if done else b""})
            finally:
                gone.cancel()
            return None
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


def take_batch(chunks) -> tuple[bytes, bool]:
    """About ``BATCH`` bytes from the iterator, and whether it is exhausted."""
    batch, size = [], 0
    while size < BATCH:
        chunk = next(chunks, None)
        if chunk is None:
            return b"".join(batch), True
        batch.append(chunk)
        size += len(chunk)
    return b"".join(batch), False
