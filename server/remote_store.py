"""The server's remote store: opened at start (`attach`), followed to new builds, asked jobs.

In the server (`attach`), a job runs in the request's thread (`remote_runner`): the work is the
remote store's, and the job's time budget is the HTTP timeout, so no query process is
needed to stop it. `RemoteFollower` notices a new build (its metadata) within
``CHECK_EVERY`` seconds, as `server.store.LinkFollower` notices a moved store link.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from passerelle import funnel, jobs, remote
from passerelle.funnel import QueryStopped
from passerelle.remote_store import RemoteStore
from passerelle.results import QUERY_ERRORS
from passerelle.store import OpenStore

log = logging.getLogger(__name__)

CHECK_EVERY = 10.0  # seconds between two looks at which build the remote store publishes


def attach(app, location: str, writable: bool) -> None:
    """Open the remote store at ``location`` for the app (`server.create_app`): settings
    from ``STORE_OPTIONS`` (the CLI's options) over the PASSERELLE_STORE_* environment.

    Raises FileNotFoundError when no build was published there, ValueError for bad
    settings, OSError when the store cannot be reached.
    """
    endpoint = remote.endpoint_from(location, os.environ, **app.config.get("STORE_OPTIONS", {}))
    store = RemoteStore.open(endpoint)
    app.extensions["passerelle"] = OpenStore(None, store, writable, store.metadata)
    if not writable:
        app.extensions["passerelle-link"] = RemoteFollower(endpoint, store.metadata)


class RemoteFollower:
    """A read-only server's remote store, and the build it serves."""

    def __init__(self, endpoint: remote.Endpoint, metadata: dict):
        self.endpoint = endpoint
        self.build_id = metadata.get("build_id")
        self.next_check = time.monotonic() + CHECK_EVERY
        self._lock = threading.Lock()

    def follow(self, extensions: dict) -> None:
        """At most every CHECK_EVERY seconds, read the published build's metadata; when it
        names another build, serve that one (its graphs, sizes and id). A store that does
        not answer is logged and the server keeps the build it has."""
        if time.monotonic() < self.next_check or not self._lock.acquire(blocking=False):
            return  # checked recently, or another thread is checking now
        try:
            self.next_check = time.monotonic() + CHECK_EVERY
            metadata = remote.read_metadata(self.endpoint)
            if metadata is not None and metadata.get("build_id") != self.build_id:
                extensions["passerelle"] = OpenStore(None, RemoteStore(self.endpoint, metadata),
                                                     False, metadata)
                self.build_id = metadata.get("build_id")
        except OSError as exc:
            log.warning("cannot read the published build at %s (%s); still serving build %s",
                        self.endpoint.query_url, exc, self.build_id)
        finally:
            self._lock.release()


def remote_runner(store: RemoteStore):
    """A `passerelle.funnel` runner for the remote store: the job runs in the request's
    thread, with the time left as the HTTP timeout."""

    def run(job: jobs.QueryJob, seconds: float, client: str) -> jobs.Reply:
        try:
            return jobs.run(store, job, timeout=seconds)
        except TimeoutError as exc:
            raise QueryStopped(funnel.TIMEOUT, "the store did not answer within the "
                                               "query's time budget of {budget} s") from exc
        except QUERY_ERRORS as exc:  # an OSError: the store is down, or refused the request
            return jobs.failure(exc, unavailable=OSError)

    return run
