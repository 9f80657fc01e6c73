"""Queries under a time budget that really stops them: a pool of query processes.

pyoxigraph cannot cancel a query, and a thread cannot be killed; a process can. Each server
process keeps a small pool of `server.query_process` children, each with its own read-only
store. A query goes to an idle child; the server waits at most the query's budget, then
kills the child, starts a fresh one in its place and answers 503 naming the budget. The
child's CPU and memory are what the query used: they are gone with it.

A query that has used ``demote_after`` seconds of CPU has its child moved to the lowest CPU
priority (nice 19), so that while it runs the quick queries of other clients keep their
normal latency. CPU time, not time waited: under load every query waits, and demoting the
ones that merely waited would starve them. A process cannot raise its priority back, so a
demoted child is retired after its query and a fresh one takes its place.

The pool holds at most ``size`` children (one per server thread); they start when first
needed and stop with the pool (`close`, or when the pool is garbage collected).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

from flask import current_app

from passerelle.builddir import BuildDir
from passerelle.remote_store import RemoteStore
from server.errors import ApiError
from server.remote_store import answer_job
from server.store import current_store

QUERY_PROCESS = Path(__file__).with_name("query_process.py")
LOWEST_PRIORITY = 19
# How often a query that is still running is looked at (its CPU time, its deadline).
CHECK_EVERY = 0.2  # seconds
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class QueryProcess:
    """One child process running `server.query_process`, and our end of its socket pair."""

    def __init__(self, memory_limit: int):
        ours, theirs = socket.socketpair()
        with theirs:
            # -I: the child sees neither PYTHON* variables nor the server/ folder on its path.
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(QUERY_PROCESS), str(theirs.fileno()),
                 str(os.getpid()), str(memory_limit)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        self.connection = Connection(ours.detach())
        self.demoted = False

    def ask(self, job: dict, budget: float, demote_after: float) -> tuple:
        """Send the job and wait for the reply.

        Raises TimeoutError when the budget ran out, EOFError or OSError when the process
        died (killed, or out of memory).
        """
        deadline = time.monotonic() + budget
        cpu_at_start = self.cpu_seconds()
        self.connection.send(job)
        while not self.connection.poll(min(CHECK_EVERY, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise TimeoutError
            if not self.demoted and self.cpu_seconds() - cpu_at_start >= demote_after:
                self.demote()
        return self.connection.recv()

    def cpu_seconds(self) -> float:
        """CPU time the process has used (Linux /proc; 0 where it cannot be read)."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def demote(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, LOWEST_PRIORITY)
        except OSError:
            return  # it has just exited: the reply (or EOF) is already on its way
        self.demoted = True

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.connection.close()


class QueryExecutor:
    """The pool: runs jobs (see `server.query_process`) in children, within their budget."""

    def __init__(self, size: int, memory_limit: int, demote_after: float):
        if size < 1:
            raise ValueError(f"the query process pool needs at least 1 process, not {size}")
        self.memory_limit = memory_limit
        self.demote_after = demote_after
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[QueryProcess] = []
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _stop_all, self._idle)

    def run(self, job: dict, budget: float) -> tuple:
        """The child's reply to the job; ApiError 503 when it ran out of time or died."""
        if not self._slots.acquire(timeout=budget):
            raise ApiError(503, "Server busy", f"no query process became free within the "
                                               f"query's time budget of {budget:g} s")
        try:
            return self._run(job, budget)
        finally:
            self._slots.release()

    def _run(self, job: dict, budget: float) -> tuple:
        process = self._take()
        try:
            reply = process.ask(job, budget, self.demote_after)
        except TimeoutError:
            self._replace(process)
            raise ApiError(503, "Query timeout",
                           f"the query ran over its time budget of {budget:g} s and was "
                           "stopped; narrow it (a LIMIT, fewer patterns) or ask a canned "
                           "query") from None
        except (EOFError, OSError) as exc:
            self._replace(process)
            limit = (f" (a query may use at most {self.memory_limit // 2**20} MiB of memory)"
                     if self.memory_limit else "")
            raise ApiError(503, "Query stopped",
                           f"the query process ended before answering{limit}") from exc
        if process.demoted:
            self._replace(process)
        else:
            self._give_back(process)
        return reply

    def _take(self) -> QueryProcess:
        with self._lock:
            while self._idle:
                process = self._idle.pop()  # the most recently used: its caches are warm
                if process.process.poll() is None:
                    return process
                process.stop()  # it died while idle (killed from outside): not for a query
        return QueryProcess(self.memory_limit)

    def _give_back(self, process: QueryProcess) -> None:
        with self._lock:
            self._idle.append(process)

    def _replace(self, process: QueryProcess) -> None:
        # The fresh child starts now, while the answer goes out, not on the next query.
        process.stop()
        self._give_back(QueryProcess(self.memory_limit))

    def close(self) -> None:
        """Stop every idle child (busy ones stop when their query is answered or killed)."""
        self._finalizer()


def _stop_all(processes: list[QueryProcess]) -> None:
    while processes:
        processes.pop().stop()


# Reply error kinds of `server.query_process` -> (HTTP status, title).
ERRORS = {
    "syntax": (400, "Query syntax error"),
    "format": (406, "Not Acceptable"),
    "evaluation": (500, "Query failed"),
    "store": (503, "Store unavailable"),
}


def execute(job: dict, budget: float):
    """Run a job for the current request on the store it should see; the child's answer.

    Raises ApiError: 503 when the budget ran out, otherwise the status of the child's error
    (`ERRORS`). An admin server's store changes under updates: its children reopen it for
    every job, since a read-only view of a store shows it as it was when opened.
    """
    opened = current_store()
    if isinstance(opened.store, RemoteStore):  # the work is the remote store's
        reply = answer_job(opened.store, job, budget)
    else:
        job = {**job, "store": str(BuildDir(opened.directory).store_dir),
               "fresh": opened.writable}
        reply = current_app.extensions["passerelle-executor"].run(job, budget)
    if reply[0] == "ok":
        return reply[1]
    _, kind, message = reply
    status, title = ERRORS[kind]
    raise ApiError(status, title, message)
