"""`serve()`: the app under gunicorn, started in-process (no gunicorn command line).

Two modes, chosen by the environment the server starts in:

- read-only (the public service): several processes, each opening the store read-only,
  each with ``threads`` threads. Queries run in query processes (`server.executor`, one per
  thread) that are killed when their time budget runs out, so a thread waiting on a
  runaway query holds nothing but itself, and the other threads keep answering.
- admin (``PASSERELLE_ADMIN_TOKEN`` set): the store is opened read-write, which RocksDB
  allows one process to do, so one process serves with threads.

A worker takes a connection only when one of its threads is free to serve it (gunicorn's
``worker_connections`` = ``threads``, so no keep-alive): otherwise a request could wait
behind runaway queries in a busy worker while another worker idles. Waiting requests stay
in the listening socket's queue, which every worker takes from.

``REQUEST_TIMEOUT`` is gunicorn's heartbeat: a worker process whose main loop is stuck
that long is killed and replaced (a last resort; queries are stopped long before).
"""

from __future__ import annotations

import os
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import ParseException

from passerelle.builddir import StoreLink
from passerelle.remote import endpoint_from, is_url
from passerelle.remote_store import RemoteStore
from server import check_admin_token, check_base_url, create_app, settings_from_environment
from server.errors import ApiError, error_response
from server.executor import check_sandbox

REQUEST_TIMEOUT = 60  # seconds
ADMIN_THREADS = 4
THREADS = 8  # per read-only worker process: each may wait on one query process
# gunicorn's largest request line: a GET query of up to about 8 KB; longer ones are POSTed.
REQUEST_LINE_LIMIT = 8190
# gunicorn's default access log line without its user field (%(u)s), which gunicorn decodes
# from an "Authorization: Basic" header: a client sending the admin token that way must not
# get it written to the log. With the time each request took, in milliseconds.
ACCESS_LOG_FORMAT = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


class _Gunicorn(BaseApplication):
    """gunicorn running create_app(app_config) in each worker, with these options."""

    def __init__(self, app_config: dict, options: dict):
        self.app_config = app_config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.app_config)
        # A body gunicorn cannot read (a malformed chunk, a missing terminator) surfaces when
        # the view reads it: the client's fault, answered 400, not a 500 with a traceback.
        app.register_error_handler(ParseException, _bad_body)
        return app


def _bad_body(exc: ParseException):
    return error_response(ApiError(400, "Bad request body",
                                   f"the request body could not be read: {exc}"))


def default_workers() -> int:
    """gunicorn's rule of thumb: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def serve(store: Path | str, host: str = "127.0.0.1", port: int = 8000,
          workers: int | None = None, threads: int = THREADS,
          store_options: dict | None = None, base_url: str | None = None) -> None:
    """Serve the store (a directory, or a remote store's URL with ``store_options``, see
    passerelle.remote) over HTTP until interrupted.

    Raises ValueError for a bad admin token, worker count or store setting, OSError
    (FileNotFoundError) when there is no store to serve read-only: checked here, before any
    worker starts.
    """
    environment = settings_from_environment(os.environ)
    token = environment.get("ADMIN_TOKEN")
    check_admin_token(token)
    # The public address answers name: --base-url, else PASSERELLE_BASE_URL, else where we
    # listen (never the Host header a client sends).
    public = check_base_url(base_url or environment.get("BASE_URL")
                            or f"http://{host}:{port}")
    if environment.get("QUERY_SANDBOX", True):
        check_sandbox()  # refuse to start, saying why, rather than serve without it
    options = {"bind": f"{host}:{port}", "limit_request_line": REQUEST_LINE_LIMIT,
               "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
               "preload_app": False, "worker_class": "gthread",
               "timeout": REQUEST_TIMEOUT}
    if token is not None:
        if workers not in (None, 1):
            raise ValueError("an admin server (PASSERELLE_ADMIN_TOKEN set) runs one process: "
                             "it holds the store open for writing")
        threads = ADMIN_THREADS
        options |= {"workers": 1, "threads": threads}
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
        options |= {"workers": workers or default_workers(), "threads": threads,
                    "worker_connections": threads, "keepalive": 0}
    _Gunicorn({"STORE": store, "STORE_OPTIONS": store_options or {}, "BASE_URL": public,
               "QUERY_PROCESSES": threads, "SERVER_WORKERS": options["workers"]},
              options).run()
