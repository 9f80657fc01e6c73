"""A query process: runs queries one at a time on its own read-only store, until killed.

pyoxigraph cannot cancel a running query, so the server never evaluates a client's query
in its own process: `server.executor` sends it to one of these, waits no longer than the
query's time budget, and kills the process (and starts a fresh one) when the budget is spent.

It runs as a script, ``python -I server/query_process.py FD PARENT_PID MEMORY_LIMIT``, and
imports only the standard library, pyoxigraph and `passerelle.results`, so that a
replacement is ready in a fraction of a second. FD is its end of a socket pair to the server
process, spoken with `multiprocessing.connection` (length-prefixed pickles of plain values).
A job is a dict:

- ``store``: the pyoxigraph directory to query (a build's ``oxigraph/``); ``fresh``: open
  it again even if it is the one already open (a store that updates change);
- ``query``, ``options``: the text and the keyword arguments of `Store.query`
  (``base_iri``, the dataset, ``substitutions``);
- ``offset``, ``row_cap``: how many rows to skip, and at most how many to keep after them;
- ``formats`` (protocol queries): for each kind of answer (``results``, ``graph``) the
  media type to serialize it with, or, where the client accepts no format of that kind,
  the message that says so. Without it (canned queries) the rows come back as terms.

The reply is ``("ok", answer)`` or ``("error", kind, message)``, where kind is ``syntax``
(the query does not parse), ``format`` (no acceptable format: the message says so),
``store`` (the store could not be opened) or ``evaluation`` (the query failed
while running).
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from itertools import islice
from multiprocessing.connection import Connection

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QueryTriples,
    RdfFormat,
    Store,
    serialize,
)

from passerelle.results import QUERY_ERRORS, error_reply, results_body, rows


def main(argv: list[str]) -> None:
    fd, parent_pid, memory_limit = (int(value) for value in argv[1:4])
    # Ctrl-C in a terminal reaches the whole process group: the server decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit:
        # Anonymous memory only (heap, not the store's memory-mapped files): a query that
        # would need more fails here instead of taking the machine's memory.
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    serve(Connection(fd))


def _exit_with_parent(parent_pid: int) -> None:
    # A server process killed outright cannot kill us: notice it and go (pyoxigraph
    # releases the GIL while it evaluates, so this runs even during a long query).
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def serve(connection: Connection) -> None:
    """Answer jobs until the server closes its end."""
    stores: dict[str, Store] = {}
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        connection.send(answer(job, stores))


def answer(job: dict, stores: dict[str, Store]) -> tuple:
    """Run one job (see the module docstring) and return its reply."""
    try:
        store = _open(job["store"], stores, job.get("fresh", False))
    except OSError as exc:
        return error_reply(exc, unavailable=OSError)
    try:
        return run(store, job)
    except QUERY_ERRORS as exc:
        return error_reply(exc)


def run(store, job: dict) -> tuple:
    """The reply to a job on an open store (a remote one too: server.remote_store);
    errors are raised as the store raised them."""
    result = store.query(job["query"], **job["options"])
    if "formats" in job:
        return serialized(result, job["formats"], job["row_cap"])
    return ("ok", rows(result, job.get("offset", 0), job["row_cap"]))


def _open(directory: str, stores: dict[str, Store], fresh: bool) -> Store:
    # One store at a time: a job naming another directory means a new build was published.
    if fresh or directory not in stores:
        stores.clear()
        stores[directory] = Store.read_only(directory)
    return stores[directory]


def serialized(result, formats: dict, row_cap: int) -> tuple:
    """The answer serialized as the client asked, with at most row_cap rows or triples."""
    kind = "graph" if isinstance(result, QueryTriples) else "results"
    media_type = formats[kind].get("media_type")
    if media_type is None:
        return ("error", "format", formats[kind]["refused"])
    truncated = False
    if isinstance(result, QueryBoolean):
        body = result.serialize(format=QueryResultsFormat.from_media_type(media_type))
    elif kind == "graph":
        triples = list(islice(result, row_cap + 1))
        truncated = len(triples) > row_cap
        body = serialize(triples[:row_cap], format=RdfFormat.from_media_type(media_type))
    else:
        page = rows(result, 0, row_cap)
        truncated = page["truncated"]
        body = results_body(page["variables"], page["rows"], media_type)
    return ("ok", {"kind": kind, "media_type": media_type, "body": body,
                   "truncated": truncated})


if __name__ == "__main__":
    main(sys.argv)
