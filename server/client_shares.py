"""Fair shares between clients across every process of a server: at most K queries of one
client address at once, however many worker processes answer it.

Each worker process has its own pool of query processes (`server.executor`), and its own
fairness; without a share kept between processes, a client sending runaway queries to every
worker could take every query slot of the server (and every thread waiting for one). So a
query first takes one of its client's K slots: a lock (``flock``) on one of K files named
after the client's address in a runtime directory that every worker of the server shares
(`serve` makes it). The kernel drops a lock when its file is closed or its process dies,
so a killed worker leaks no slot. A client holding all its K slots waits at most
``wait`` seconds (within its budget) for one to free, then is answered 429 with
``Retry-After``; other clients are not slowed.

Addresses are hashed into `BUCKETS` names, so that a client with many addresses (IPv6)
cannot fill the directory: two clients whose addresses share a bucket share their K slots.

Default K (`per_client_default`): half the server's query slots (workers x query processes
per worker), at least 1: one client's runaways leave the other half to the others.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from passerelle import funnel
from passerelle.funnel import QueryStopped

BUCKETS = 4096  # slot-file names per share: 4096 x K empty files at most
POLL = 0.02  # seconds between two tries while a client waits for one of its slots


def per_client_default(workers: int, processes: int) -> int:
    """K when none is configured: half the server's query slots, at least 1."""
    return max(1, workers * processes // 2)


class ClientShares:
    """K slots per client address, held with ``flock`` on files in ``directory``."""

    def __init__(self, directory: Path, per_client: int, wait: float):
        if per_client < 1:
            raise ValueError(f"a client needs at least 1 query slot, not {per_client}")
        self.directory = Path(directory)
        self.per_client = per_client
        self.wait = wait

    def bucket(self, client: str) -> str:
        digest = hashlib.sha256(client.encode("utf-8", "replace")).digest()
        return f"{int.from_bytes(digest[:4], 'big') % BUCKETS:04d}"

    @contextmanager
    def held(self, client: str, budget: float) -> Iterator[None]:
        """Hold one of the client's slots for the block; QueryStopped(OVER_SHARE) when none
        came free within ``wait`` seconds (or the budget, if shorter)."""
        descriptor = self._take(self.bucket(client), min(self.wait, budget))
        try:
            yield
        finally:
            os.close(descriptor)  # closing the file releases its lock

    def _take(self, bucket: str, wait: float) -> int:
        deadline = time.monotonic() + wait
        while True:
            for slot in range(self.per_client):
                descriptor = os.open(self.directory / f"{bucket}.{slot}",
                                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(descriptor)
                    continue
                return descriptor
            if time.monotonic() >= deadline:
                raise QueryStopped(funnel.OVER_SHARE,
                                   f"you already have {self.per_client} queries running on "
                                   "this server, the most one client may have at once; retry "
                                   "when one has ended")
            time.sleep(POLL)
