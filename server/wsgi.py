"""`serve()`: the app under granian (a Rust HTTP server, ASGI interface), started in-process.

Why granian and not gunicorn: connections are held by granian's async Rust runtime, not by
Python threads, so clients that send a request slowly, or never finish it, or never read
the answer, hold no thread that others need (measured in the README, "Security and
limits": 200 slow-header sockets and 40 stalled dump readers, probes answered within 1 s on
granian, none on gunicorn gthread).

Why its ASGI interface, with a WSGI app: under granian's WSGI interface a request goes to a
thread once its head has arrived, and a thread reading a body that never comes waits until
the client hangs up (granian has no body read timeout and declined one:
emmett-framework/granian#728): 300 such connections left 13 of 20 probes answered. Under
its ASGI interface, `server.asgi.BodyFirst` awaits the whole body on the worker's event
loop, within ``server.asgi.BODY_TIMEOUT`` (408) and the body cap (413), and only then runs
the Flask app in a thread (measured in the README: 20 of 20 with 300 such connections).

Two modes, chosen by the environment the server starts in:

- read-only (the public service): ``workers`` processes (one per core by default), each
  opening the store read-only, each running the app in ``BLOCKING_THREADS`` threads and its
  queries in at most ``threads`` query processes (`server.executor`, killed when their time
  budget runs out). A thread waits for a free query process within its query's budget.
- admin (``PASSERELLE_ADMIN_TOKEN`` set): the store is opened read-write, which RocksDB
  allows one process to do, so one process serves, with ``ADMIN_THREADS`` threads.

What granian leaves to the app (`Guard`, in front of Flask):

- a path and query string longer than ``REQUEST_LINE_LIMIT`` get a 414 in the project's
  error shape (a GET query of up to about 8 KB; longer ones are POSTed). granian's own head
  buffer (``HTTP1_BUFFER``) is larger, so that this check is reached; a head beyond it gets
  granian's bare 431 (hyper checks the buffer between reads: a head of up to about 100 KB
  sent at once may still be read, README).
- the ``PASSERELLE_*`` variables (the admin token, a remote store's password) are taken out
  of the WSGI environ. `server.asgi` builds it from the request alone, but granian's WSGI
  interface copied the server's environment into it: the app stays safe under either.

Why HTTP/1.1 only (``http=HTTPModes.http1``): in its default mode (``auto``) granian serves
each connection with hyper-util's auto builder, which reads the first bytes to tell HTTP/1.1
from HTTP/2 with no timer (hyperium/hyper#3756, #3962); hyper's head timer
(``HEADER_TIMEOUT``) only starts after that, so a connection that sent no byte at all stayed
open (still open after 15 s). With HTTP/1.1 only, granian hands the connection to hyper's
HTTP/1 builder at once, whose head timer starts at the connection (hyperium/hyper#3185):
closed at 5 s (`tests/test_serving_stack.py`). Cleartext HTTP/2 (h2c, which browsers do not
speak) is what is given up; a TLS proxy in front may still speak HTTP/2 to its clients.

Query processes die with the worker that started them (`server.query_process` watches its
parent and its socket), and granian stops (then kills, after ``WORKER_KILL_TIMEOUT``) its
workers when it is stopped; a worker that dies is replaced (``respawn_failed_workers``); a
worker dies with granian's main process even when that is killed outright (`_die_with`).
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import tempfile
from pathlib import Path

from flask import Flask, request

from passerelle.builddir import StoreLink
from passerelle.remote import endpoint_from, is_url
from passerelle.remote_store import RemoteStore
from server import check_admin_token, check_base_url, create_app, settings_from_environment
from server.asgi import REFUSED, BodyFirst
from server.errors import ApiError
from server.executor import check_sandbox

THREADS = 8  # query processes per read-only worker
# Requests computed at once per read-only worker: far more than query processes (the others
# wait for one within their budget). A request takes a thread only once its body has
# arrived (server.asgi); a dump its client does not read keeps one (server.meta caps them).
BLOCKING_THREADS = 128
ADMIN_THREADS = 4
REQUEST_LINE_LIMIT = 8190  # bytes of path and query string
HTTP1_BUFFER = 65536  # granian's largest request head, above REQUEST_LINE_LIMIT
HEADER_TIMEOUT = 5  # seconds for a client to send a request's head, else closed
# Requests (connections with a head) a worker holds at once; granian's default is 1024
# shared by the workers. One awaiting its body costs a coroutine (server.asgi), so the bound
# that matters is file descriptors: clients that keep this many bodies waiting lock others
# out until the body deadline (server.asgi.BODY_TIMEOUT) closes them.
BACKPRESSURE = 8192
WORKER_KILL_TIMEOUT = 10  # seconds a stopped worker gets before it is killed
# granian's access log without the query string (which may carry a query's text) and
# without any header (credentials), with the time each request took, in milliseconds.
ACCESS_LOG_FORMAT = ('%(addr)s - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d '
                     '%(dt_ms).0fms')
PR_SET_PDEATHSIG = 1  # prctl(2)


class Guard:
    """The WSGI app granian runs: Flask, behind the checks granian does not make."""

    def __init__(self, app: Flask):
        self.app = app
        self.hidden = [key for key in os.environ if key.startswith("PASSERELLE_")]
        app.before_request(_raise_refused)

    def __call__(self, environ: dict, start_response):
        for key in self.hidden:
            environ.pop(key, None)
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) \
                > REQUEST_LINE_LIMIT:
            environ[REFUSED] = ApiError(
                414, "URI too long", f"the path and query string are longer than "
                f"{REQUEST_LINE_LIMIT} bytes; send a long query with POST")
        return self.app(environ, start_response)


def _raise_refused() -> None:
    if REFUSED in request.environ:
        raise request.environ[REFUSED]


def load_app(app_config: dict, main_pid: int, threads: int) -> BodyFirst:
    """The app of one worker (called in the worker, after granian forked it): Flask behind
    Guard, each request's body received first (`server.asgi`), in ``threads`` threads."""
    _die_with(main_pid)
    app = create_app(app_config)
    app.extensions["passerelle-executor"].prestart()  # while the worker starts serving
    return BodyFirst(Guard(app), threads, app.config["MAX_CONTENT_LENGTH"])


def _die_with(main_pid: int) -> None:
    # granian's workers outlive a main process killed outright (SIGKILL, the OOM killer),
    # keeping the port and the store: have the kernel kill this one then (its query
    # processes follow it). The main process forks workers from its main thread, which
    # lives as long as it does.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != main_pid:  # it died before the line above
        os._exit(1)


def default_workers() -> int:
    """One worker per core: connections wait in granian's runtime, not in threads, and the
    queries run in query processes of their own."""
    return os.cpu_count() or 1


def serve(store: Path | str, host: str = "127.0.0.1", port: int = 8000,
          workers: int | None = None, threads: int = THREADS,
          store_options: dict | None = None, base_url: str | None = None) -> None:
    """Serve the store (a directory, or a remote store's URL with ``store_options``, see
    passerelle.remote) over HTTP until interrupted.

    Raises ValueError for a bad admin token, worker count or store setting, OSError
    (FileNotFoundError) when there is no store to serve read-only: checked here, before any
    worker starts.
    """
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    environment = settings_from_environment(os.environ)
    token = environment.get("ADMIN_TOKEN")
    check_admin_token(token)
    # The public address answers name: --base-url, else PASSERELLE_BASE_URL, else where we
    # listen (never the Host header a client sends).
    public = check_base_url(base_url or environment.get("BASE_URL")
                            or f"http://{host}:{port}")
    if environment.get("QUERY_SANDBOX", True):
        check_sandbox()  # refuse to start, saying why, rather than serve without it
    if token is not None:
        if workers not in (None, 1):
            raise ValueError("an admin server (PASSERELLE_ADMIN_TOKEN set) runs one process: "
                             "it holds the store open for writing")
        workers, threads, blocking = 1, ADMIN_THREADS, ADMIN_THREADS
    else:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        # Fails here, with its reason, rather than in every worker.
        if is_url(store):
            RemoteStore.open(endpoint_from(str(store), os.environ, **(store_options or {})))
        else:
            StoreLink(Path(store)).require()
        workers, blocking = workers or default_workers(), max(threads, BLOCKING_THREADS)
    server = Granian(
        "server.wsgi:load_app", address=host, port=port, interface=Interfaces.ASGINL,
        # uvloop: each request crosses from the loop to a thread and back (server.asgi),
        # which costs asyncio's own loop about 15% more of the throughput (README).
        workers=workers, backpressure=BACKPRESSURE, loop=Loops.uvloop, websockets=False,
        # HTTP/1.1 only: the head timer then runs from the connection, not from its first
        # byte (module docstring).
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT * 1000,
                                     max_buffer_size=HTTP1_BUFFER),
        log_access=True, log_access_format=ACCESS_LOG_FORMAT,
        respawn_failed_workers=True, workers_kill_timeout=WORKER_KILL_TIMEOUT)
    # Where every worker keeps the shares of each client (server.client_shares).
    with tempfile.TemporaryDirectory(prefix="passerelle-clients-") as shares:
        app_config = {"STORE": store, "STORE_OPTIONS": store_options or {}, "BASE_URL": public,
                      "QUERY_PROCESSES": threads, "SERVER_WORKERS": workers,
                      "CLIENT_SLOTS_DIR": shares}
        server.serve(target_loader=functools.partial(load_app, app_config, os.getpid(),
                                                     blocking), wrap_loader=False)
