"""A query process: runs queries one at a time on its own read-only store, until killed.

pyoxigraph cannot cancel a running query, so the server never evaluates a client's query
in its own process: `server.executor` sends it to one of these, waits no longer than the
query's time budget, and kills the process (and starts a fresh one) when the budget is spent.

It runs as a script, ``python -I server/query_process.py FD PARENT_PID MEMORY_LIMIT
SANDBOX``, and imports only the standard library, pyoxigraph and `passerelle.jobs`, so that
a replacement is ready in a fraction of a second. FD is its end of a socket pair to the
server process, spoken with `multiprocessing.connection` (length-prefixed pickles). Its
first message is a `Hello` (how it is cut off from the network); then it answers each
`passerelle.jobs.QueryJob` with a reply of that module, until the server closes its end.

Before anything else, unless SANDBOX is ``off``, it moves itself into a network namespace
of its own (`passerelle.sandbox`): no query it runs can reach the network, whatever its
text. When that is impossible it exits with status `NO_SANDBOX`, having said why on stderr.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

NO_SANDBOX = 3  # exit status: the process could not cut itself off the network


def main(argv: list[str]) -> None:
    fd, parent_pid, memory_limit = (int(value) for value in argv[1:4])
    sandbox = argv[4] if len(argv) > 4 else "on"
    # First, while the process has one thread (a user namespace requires it).
    how = "off"
    if sandbox != "off":
        from passerelle.sandbox import SandboxUnavailable, isolate

        try:
            how = isolate()
        except SandboxUnavailable as exc:
            print(f"passerelle query process: {exc}", file=sys.stderr, flush=True)
            os._exit(NO_SANDBOX)
    # Ctrl-C in a terminal reaches the whole process group: the server decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit:
        # Anonymous memory only (heap, not the store's memory-mapped files): a query that
        # would need more fails here instead of taking the machine's memory.
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    serve(Connection(fd), how)


def _exit_with_parent(parent_pid: int) -> None:
    # A server process killed outright cannot kill us: notice it and go (pyoxigraph
    # releases the GIL while it evaluates, so this runs even during a long query).
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def serve(connection: Connection, sandbox: str) -> None:
    """Say hello, then answer jobs until the server closes its end."""
    from passerelle.jobs import Hello, OpenStores, answer

    stores = OpenStores()
    connection.send(Hello(os.getpid(), sandbox))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        connection.send(answer(job, stores))


if __name__ == "__main__":
    main(sys.argv)
