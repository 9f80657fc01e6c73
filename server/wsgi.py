"""`serve()`: the app under gunicorn, started in-process (no gunicorn command line).

Two modes, chosen by the environment the server starts in:

- read-only (the public service): several processes, each opening the store read-only.
  Workers are synchronous, so ``REQUEST_TIMEOUT`` bounds every request: a worker still
  busy with a query after it is killed and replaced (pyoxigraph cannot cancel a query).
- admin (``PASSERELLE_ADMIN_TOKEN`` set): the store is opened read-write, which RocksDB
  allows one process to do, so one process serves with threads.
"""

from __future__ import annotations

import os
from pathlib import Path

from gunicorn.app.base import BaseApplication

from server import check_admin_token, create_app, settings_from_environment
from server.store import require_store

REQUEST_TIMEOUT = 60  # seconds
ADMIN_THREADS = 4
# gunicorn's largest request line: a GET query of up to about 8 KB; longer ones are POSTed.
REQUEST_LINE_LIMIT = 8190


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
        return create_app(self.app_config)


def default_workers() -> int:
    """gunicorn's rule of thumb: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def serve(store: Path, host: str = "127.0.0.1", port: int = 8000,
          workers: int | None = None) -> None:
    """Serve the store over HTTP until interrupted.

    Raises ValueError for a bad admin token or worker count, OSError (FileNotFoundError)
    when there is no store to serve read-only: checked here, before any worker starts.
    """
    token = settings_from_environment(os.environ).get("ADMIN_TOKEN")
    check_admin_token(token)
    options = {"bind": f"{host}:{port}", "limit_request_line": REQUEST_LINE_LIMIT,
               "accesslog": "-", "preload_app": False}
    if token is not None:
        if workers not in (None, 1):
            raise ValueError("an admin server (PASSERELLE_ADMIN_TOKEN set) runs one process: "
                             "it holds the store open for writing")
        options |= {"workers": 1, "worker_class": "gthread", "threads": ADMIN_THREADS}
    else:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        require_store(store)  # fails here, with its reason, rather than in every worker
        options |= {"workers": workers or default_workers(), "worker_class": "sync",
                    "timeout": REQUEST_TIMEOUT}
    _Gunicorn({"STORE": store}, options).run()
