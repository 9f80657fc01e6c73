"""The funnel in the web app: one `passerelle.funnel.Execution` per request, and its errors
answered as HTTP.

`execution()` makes the request's Execution the first time a view asks: pinned to the build
`server.store.current_store` pinned for the request, run for the client's address, with the
budget from the server's ceiling, the query's declared budget and the request's ``timeout=``.
Its runner is the app's pool of query processes (`server.executor`), or the remote store
itself (whose HTTP timeout is the budget). A query that needs an allowlisted SERVICE runs in
the separate pool whose processes have network (only when an allowlist is configured).
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from passerelle import funnel, jobs
from passerelle.builddir import BuildDir
from passerelle.funnel import Execution, Limits, QueryFailed, QueryStopped
from passerelle.remote_store import RemoteStore
from server.errors import ApiError, error_response
from server.remote_store import remote_runner
from server.store import current_store

TIMEOUT_PARAMETER = "timeout"

# Failure kinds of a query (passerelle.jobs) -> (HTTP status, title).
FAILED = {
    jobs.SYNTAX: (400, "Query syntax error"),
    jobs.FORMAT: (406, "Not Acceptable"),
    jobs.NETWORK: (400, "Remote call refused"),
    jobs.EVALUATION: (500, "Query failed"),
    jobs.STORE: (503, "Store unavailable"),
}
# Why the server stopped a query (passerelle.funnel) -> (HTTP status, title).
STOPPED = {
    funnel.BUSY: (503, "Server busy"),
    funnel.OVER_SHARE: (429, "Too many queries at once"),
    funnel.TIMEOUT: (503, "Query timeout"),
    funnel.MEMORY: (503, "Query stopped: out of memory"),
    funnel.STACK: (400, "Query too deeply nested"),
    funnel.KILLED: (503, "Query stopped: killed"),
    funnel.CRASHED: (503, "Query stopped"),
    funnel.SANDBOX: (503, "Query sandbox unavailable"),
}
RETRY_AFTER = {funnel.BUSY: "1", funnel.OVER_SHARE: "1"}


def limits() -> Limits:
    config = current_app.config
    return Limits(float(config["QUERY_TIMEOUT"]), float(config["MIN_QUERY_TIMEOUT"]),
                  int(config["ROW_CAP"]))


def budget(declared: float | None = None) -> float:
    """This request's budget (ApiError 400 for a bad ``timeout=``)."""
    try:
        return limits().budget(request.values.get(TIMEOUT_PARAMETER), declared)
    except ValueError as exc:
        raise ApiError(400, "Invalid timeout", str(exc)) from exc


def execution(declared: float | None = None, network: bool = False) -> Execution:
    """The current request's Execution (made on the first call; ``declared`` is a canned
    query's own budget, ``network`` asks for the allowlisted pool)."""
    made = g.get("passerelle_execution")
    if made is not None:
        return made
    opened = current_store()
    row_cap = int(current_app.config["ROW_CAP"])
    seconds = budget(declared)
    if isinstance(opened.store, RemoteStore):
        made = Execution(remote_runner(opened.store), seconds, row_cap, request.remote_addr or "")
    else:
        pool = current_app.extensions["passerelle-network-pool" if network
                                      else "passerelle-executor"]
        made = Execution(pool.run, seconds, row_cap, request.remote_addr or "",
                         str(BuildDir(opened.directory).store_dir), fresh=opened.writable)
    g.passerelle_execution = made
    return made


class FunnelStore:
    """The store as the name lookups of an answer read it (`passerelle.names.lookup`, for
    CSV, flat JSON and HTML tables), each of their queries run through the request's
    funnel: in a query process, within the request's budget, at most the row cap."""

    def __init__(self, run: Execution):
        self.execution = run

    def query(self, text: str, use_default_graph_as_union: bool = True) -> list[dict]:
        found = self.execution.rows(jobs.QueryJob(text, row_cap=self.execution.row_cap,
                                                  union=use_default_graph_as_union))
        return [dict(zip(found.variables, row, strict=True)) for row in found.rows]


def funnel_store() -> FunnelStore:
    """The current request's store for name lookups (`FunnelStore`)."""
    return FunnelStore(execution())


def _failed(exc: QueryFailed):
    status, title = FAILED.get(exc.kind, (500, "Query failed"))
    return error_response(ApiError(status, title, exc.detail))


def _stopped(exc: QueryStopped):
    status, title = STOPPED.get(exc.kind, (503, "Query stopped"))
    headers = {"Retry-After": RETRY_AFTER[exc.kind]} if exc.kind in RETRY_AFTER else {}
    return error_response(ApiError(status, title, exc.detail, headers))


def register(app: Flask) -> None:
    """Answer the funnel's exceptions as the server's JSON errors."""
    app.register_error_handler(QueryFailed, _failed)
    app.register_error_handler(QueryStopped, _stopped)
