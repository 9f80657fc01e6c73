"""The admin's updates (``/update``), run where they cannot reach the network.

An update runs on the store the server process holds open for writing (RocksDB allows one
writer), so it cannot go to a query process as a query does. It runs instead on one thread
of its own, which `passerelle.sandbox.deny_network_to_this_thread` put under a seccomp filter
before its first update: there ``socket()`` fails for every family but Unix, so a ``LOAD``
or ``SERVICE`` that the lexical guard in front did not see (``\\u`` escapes, glued keywords)
fails with EACCES instead of connecting. Updates run one at a time, in the order they came.

A remote store's updates are HTTP requests of the server's own: they run unfiltered (whether
LOAD or SERVICE leaves is then the remote store's setting), as do updates with
``PASSERELLE_QUERY_SANDBOX=off``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool

from passerelle.sandbox import SandboxUnavailable, deny_network_to_this_thread

# How pyoxigraph reports a connection the filter refused (os error 13: EACCES).
REFUSED_SIGN = "os error 13"


class Updater:
    """One thread running updates, cut off the network when ``sandbox``."""

    def __init__(self, sandbox: bool):
        self.sandbox = sandbox
        self._why: list[SandboxUnavailable] = []
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="passerelle-update",
                                          initializer=self._isolate if sandbox else None)

    def _isolate(self) -> None:
        try:
            deny_network_to_this_thread()
        except SandboxUnavailable as exc:
            self._why.append(exc)
            raise

    def check(self) -> None:
        """Start the thread now; OSError, saying why, when it cannot be cut off the network
        (the server then refuses to start)."""
        try:
            self._thread.submit(lambda: None).result()
        except BrokenThreadPool as exc:
            raise OSError(f"updates cannot be run without network access: {self._why[0]}; "
                          "set PASSERELLE_QUERY_SANDBOX=off to serve anyway (LOAD and "
                          "SERVICE in an update would then reach the network)") from exc

    def run(self, store, text: str, base_iri: str) -> None:
        """``store.update(text)`` on the update thread; raises what it raised."""
        self._thread.submit(store.update, text, base_iri=base_iri).result()

    def close(self) -> None:
        self._thread.shutdown(wait=False)
