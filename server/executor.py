"""Queries under a time budget that really stops them: a pool of query processes.

pyoxigraph cannot cancel a query, and a thread cannot be killed; a process can. Each server
process keeps a small pool of `server.query_process` children, each with its own read-only
store and no network (`passerelle.sandbox`). A query goes to an idle child; the server
waits at most the query's budget, then kills the child, starts a fresh one in its place
and answers 503 naming the budget. The child's CPU and memory are what the query used:
they are gone with it.

Fair shares: one client (by address) may hold at most ``per_client`` of the pool's slots
at once (by default all but one, so a client that sends runaways always leaves one to the
others), and when slots are contended the next free one goes to the waiting client with
the fewest queries running, not to whoever came first. Across the processes of a server,
a client first takes one of its shares (`server.client_shares`), held for the query.

A query that has used ``demote_after`` seconds of CPU has its child moved to the lowest CPU
priority (nice 19), so that while it runs the quick queries of other clients keep their
normal latency. CPU time, not time waited: under load every query waits, and demoting the
ones that merely waited would starve them. After the query the child is put back to normal
priority where the system allows it (root), else retired and replaced.

A child that dies says why on its stderr, which the pool reads: out of memory (Rust's
"memory allocation ... failed", Python's MemoryError), a stack overflow, a kill from
outside; the 503 says which.

The pool holds at most ``size`` children (one per server thread); they start when first
needed and stop with the pool (`close`, or when the pool is garbage collected).
`execution` and `register` connect it to Flask: one `passerelle.funnel.Execution` per
request, and the funnel's exceptions answered as HTTP errors.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import Counter
from contextlib import nullcontext
from multiprocessing.connection import Connection
from pathlib import Path

from passerelle import funnel, jobs
from passerelle.funnel import QueryStopped
from server.client_shares import ClientShares

QUERY_PROCESS = Path(__file__).with_name("query_process.py")
NO_SANDBOX = 3  # server.query_process.NO_SANDBOX (not imported: it is a script)
LOWEST_PRIORITY = 19
# How often a query that is still running is looked at (its CPU time, its deadline).
CHECK_EVERY = 0.2  # seconds
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STDERR_KEPT = 4096  # bytes of a dead child's stderr read to tell why it died

log = logging.getLogger(__name__)


class QueryProcess:
    """One child process running `server.query_process`, and our end of its socket pair."""

    def __init__(self, memory_limit: int, sandbox: bool):
        ours, theirs = socket.socketpair()
        with theirs:
            # -I: the child sees neither PYTHON* variables nor the server/ folder on its path.
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(QUERY_PROCESS), str(theirs.fileno()),
                 str(os.getpid()), str(memory_limit), "on" if sandbox else "off"],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
        os.set_blocking(self.process.stderr.fileno(), False)
        self.connection = Connection(ours.detach())
        self.hello: jobs.Hello | None = None
        self.demoted = False

    def ask(self, job: jobs.QueryJob, budget: float, demote_after: float) -> jobs.Reply:
        """Send the job and wait for the reply.

        Raises TimeoutError when the budget ran out, EOFError or OSError when the process
        died (killed, out of memory, or could not start its sandbox).
        """
        deadline = time.monotonic() + budget
        cpu_at_start = self.cpu_seconds()
        self.connection.send(job)
        while True:
            if not self.connection.poll(min(CHECK_EVERY,
                                            max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    raise TimeoutError
                if not self.demoted and self.cpu_seconds() - cpu_at_start >= demote_after:
                    self.demote()
                continue
            message = self.connection.recv()
            if isinstance(message, jobs.Hello):  # sent once, when the child started
                self.hello = message
                continue
            return message

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

    def promote(self) -> bool:
        """Back to normal priority after its query: True when the system allowed it."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, 0)
        except OSError:
            return False
        self.demoted = False
        return True

    def why_it_ended(self) -> tuple[str, str]:
        """(QueryStopped kind, what happened) for a child that died while answering."""
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return funnel.CRASHED, "the query process stopped answering"
        try:
            said = (self.process.stderr.read(STDERR_KEPT) or b"").decode("utf-8", "replace")
        except OSError:
            said = ""
        if said.strip():
            log.warning("query process %s ended (status %s): %s", self.process.pid,
                        self.process.returncode, said.strip()[-1000:])
        return classify_end(self.process.returncode, said)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.connection.close()
        self.process.stderr.close()


def classify_end(returncode: int, stderr: str) -> tuple[str, str]:
    """Why a query process ended, from its exit status and what it wrote on stderr."""
    if returncode == NO_SANDBOX:
        return funnel.SANDBOX, stderr.strip() or "the query process could not isolate itself"
    if "memory allocation of" in stderr or "MemoryError" in stderr:
        return funnel.MEMORY, "the query needed more memory than a query process may use"
    if "overflowed its stack" in stderr or "RecursionError" in stderr:
        return funnel.STACK, ("the query is nested too deeply for the query process's "
                              "stack; write it with fewer nested groups or expressions")
    if returncode == -signal.SIGKILL:
        return funnel.KILLED, ("the query process was killed from outside (by an "
                               "administrator, or by the kernel when the machine ran out "
                               "of memory)")
    how = (f"signal {-returncode}" if returncode is not None and returncode < 0
           else f"status {returncode}")
    return funnel.CRASHED, f"the query process ended ({how}) before answering"


class QueryPool:
    """The pool: runs jobs in children, within their budget, fairly between clients."""

    def __init__(self, size: int, memory_limit: int, demote_after: float,
                 sandbox: bool = True, per_client: int | None = None,
                 shares: ClientShares | None = None):
        if size < 1:
            raise ValueError(f"the query process pool needs at least 1 process, not {size}")
        self.size = size
        self.memory_limit = memory_limit
        self.demote_after = demote_after
        self.sandbox = sandbox
        self.per_client = per_client or max(1, size - 1)
        self.shares = shares
        self.started = 0  # children started, for tests and the load report
        self.ran = 0  # jobs sent to a child, for tests
        self._running: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._turn = threading.Condition()
        self._idle: list[QueryProcess] = []
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _stop_all, self._idle)

    def run(self, job: jobs.QueryJob, budget: float, client: str = "") -> jobs.Reply:
        """The child's reply to the job; QueryStopped when no slot came free in time, or
        the budget ran out, or the child died."""
        deadline = time.monotonic() + budget
        with self.shares.held(client, budget) if self.shares else nullcontext():
            self._take_slot(client, max(0.0, deadline - time.monotonic()))
            try:
                return self._run(job, max(0.0, deadline - time.monotonic()))
            finally:
                with self._turn:
                    self._running[client] -= 1
                    if not self._running[client]:
                        del self._running[client]
                    self._turn.notify_all()

    def _take_slot(self, client: str, budget: float) -> None:
        with self._turn:
            self._waiting[client] += 1
            try:
                if not self._turn.wait_for(lambda: self._may_start(client), timeout=budget):
                    raise self._busy(client)
            finally:
                self._waiting[client] -= 1
                if not self._waiting[client]:
                    del self._waiting[client]
            self._running[client] += 1

    def _may_start(self, client: str) -> bool:
        if sum(self._running.values()) >= self.size:
            return False
        mine = self._running[client]
        if mine >= self.per_client:
            return False
        # The free slot goes to a waiting client with the fewest queries running.
        return all(self._running[other] >= mine for other in self._waiting if other != client)

    def _busy(self, client: str) -> QueryStopped:
        if self._running[client] >= self.per_client:
            return QueryStopped(funnel.BUSY, f"you already have {self._running[client]} "
                                "queries running, the most one client may have at once "
                                "here; none ended within the time budget of {budget} s")
        return QueryStopped(funnel.BUSY, "no query process became free within the "
                                         "query's time budget of {budget} s")

    def _run(self, job: jobs.QueryJob, budget: float) -> jobs.Reply:
        process = self._take()
        self.ran += 1
        try:
            reply = process.ask(job, budget, self.demote_after)
        except TimeoutError:
            self._replace(process)
            raise QueryStopped(funnel.TIMEOUT,
                               "the query ran over its time budget of {budget} s and was "
                               "stopped; narrow it (a LIMIT, fewer patterns) or ask a canned "
                               "query") from None
        except (EOFError, OSError) as exc:
            kind, detail = process.why_it_ended()
            self._replace(process)
            if kind == funnel.MEMORY and self.memory_limit:
                detail += f" ({self.memory_limit // 2**20} MiB)"
            raise QueryStopped(kind, detail) from exc
        if process.demoted and not process.promote():
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
        return self._start()

    def prestart(self) -> None:
        """Start a child now, idle, so that the first query does not wait for one to start
        (a quarter of a second or more: it was most of the first minutes' uncached medians)."""
        with self._lock:
            self._idle.append(self._start())

    def _start(self) -> QueryProcess:
        self.started += 1
        return QueryProcess(self.memory_limit, self.sandbox)

    def _give_back(self, process: QueryProcess) -> None:
        with self._lock:
            self._idle.append(process)

    def _replace(self, process: QueryProcess) -> None:
        # The fresh child starts now, while the answer goes out, not on the next query; it
        # goes under the warm ones, so that the next query is not the one that waits for it
        # to start (a fraction of a second, a second or more on a loaded machine).
        process.stop()
        fresh = self._start()
        with self._lock:
            self._idle.insert(0, fresh)

    def close(self) -> None:
        """Stop every idle child (busy ones stop when their query is answered or killed)."""
        self._finalizer()


def _stop_all(processes: list[QueryProcess]) -> None:
    while processes:
        processes.pop().stop()


def check_sandbox() -> str:
    """Start one sandboxed query process and return how it isolated itself; raise
    OSError with the child's reason when it cannot (the server then refuses to start)."""
    child = QueryProcess(0, sandbox=True)
    try:
        if not child.connection.poll(30):
            raise OSError("the query process did not start within 30 s")
        hello = child.connection.recv()
    except (EOFError, OSError) as exc:
        _, detail = child.why_it_ended()
        raise OSError(f"queries cannot be run without network access: {detail}; set "
                      "PASSERELLE_QUERY_SANDBOX=off to serve anyway (SERVICE in a query "
                      "would then reach the network)") from exc
    finally:
        child.stop()
    return hello.sandbox
