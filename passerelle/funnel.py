"""The execution funnel: every query a request runs passes here, whatever the route.

One request, one `Execution`: the build it is pinned to (the store directory, read once
when the request started), the client it runs for, and one deadline. Every job the
request runs (the one query of ``/sparql`` or of a canned query, the several of an entity
page) gets the time left until that deadline, the request's row cap and page, and goes
to the same runner (a pool of query processes, or a remote store). So no route can run
outside its time budget or return more than its cap, and a page that runs three queries
has one budget for the three, not three.

The limits (`Limits`):

- ``ceiling``: the most seconds a request's queries may take, together;
- ``floor``: the least. A client asking ``timeout=0.001`` gets the floor: a budget shorter
  than a query process's round trip would only turn quick queries into kills and respawns;
- ``row_cap``: the most rows (or triples) one answer carries; a page asks for fewer.

Flask-free: the server (`server.executor`) makes an Execution per request and maps
`QueryStopped` and `QueryFailed` to HTTP statuses; the command line and the bench can use
the same objects.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from passerelle.jobs import Failure, QueryJob, Reply, Rows
from passerelle.limits import parse_seconds

# Why a query was stopped before it answered (QueryStopped.kind).
BUSY = "busy"  # no query process became free within the budget
OVER_SHARE = "over-share"  # the client already runs as many queries as one client may
TIMEOUT = "timeout"  # the budget ran out
MEMORY = "memory"  # the query process hit its memory limit
STACK = "stack"  # the query nested too deep for the query process's stack
KILLED = "killed"  # the query process was killed from outside (or by the kernel)
CRASHED = "crashed"  # the query process ended for another reason
SANDBOX = "sandbox"  # the query process could not cut itself off the network

MAX_OFFSET = 10**9
_COUNT = re.compile(r"[0-9]{1,10}")

# A runner: run the job within this many seconds for this client; a reply, or QueryStopped.
Runner = Callable[[QueryJob, float, str], Reply]


class QueryStopped(Exception):
    """The query was stopped (or never started) for a reason of the server's: ``kind``.

    A runner's ``detail`` for `TIMEOUT` and `BUSY` may hold ``{budget}``, which the
    Execution fills with the request's budget."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class QueryFailed(Exception):
    """The query itself failed (a `passerelle.jobs.Failure`: syntax, format, evaluation,
    store)."""

    def __init__(self, failure: Failure):
        super().__init__(f"{failure.kind}: {failure.message}")
        self.kind = failure.kind
        self.detail = failure.message


@dataclass(frozen=True)
class Limits:
    """What bounds a request's queries (see the module docstring)."""

    ceiling: float
    floor: float
    row_cap: int

    def budget(self, requested: str | None = None, declared: float | None = None) -> float:
        """The seconds a request may spend: the ceiling, lowered by the query's declared
        budget and the request's ``timeout=``, never below the floor.

        Raises ValueError when ``requested`` is not a positive number of seconds.
        """
        seconds = self.ceiling if declared is None else min(self.ceiling, declared)
        if requested:
            seconds = min(seconds, parse_seconds(requested, "timeout="))
        return max(seconds, min(self.floor, self.ceiling))

    def page(self, offset: str | None, limit: str | None) -> Page:
        """The rows a request asks for from its ``offset=`` and ``limit=``; ValueError
        unless whole numbers in range. The page size is at most the row cap."""
        numbers = {}
        for name, raw in (("offset", offset), ("limit", limit)):
            if raw is not None and not _COUNT.fullmatch(raw):
                raise ValueError(f"{name}={raw!r} is not a whole number")
            numbers[name] = None if raw is None else int(raw)
        first, asked = numbers["offset"] or 0, numbers["limit"]
        if first > MAX_OFFSET or asked == 0:
            raise ValueError(f"offset is at most {MAX_OFFSET} and limit at least 1")
        return Page(first, min(asked or self.row_cap, self.row_cap), asked)


@dataclass(frozen=True)
class Page:
    """``size`` rows after the first ``offset``; ``limit`` is the request's own ``limit=``
    (None when it gave none)."""

    offset: int
    size: int
    limit: int | None = None


class Execution:
    """One request's way through the funnel: its runner, build, client and deadline."""

    def __init__(self, runner: Runner, budget: float, row_cap: int, client: str = "",
                 store: str = "", fresh: bool = False):
        self.runner = runner
        self.budget = budget
        self.row_cap = row_cap
        self.client = client
        self.store = store
        self.fresh = fresh
        self.deadline = time.monotonic() + budget

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, job: QueryJob) -> Reply:
        """The job's reply, run on the request's build within the time left; its row cap
        is at most the request's. Raises QueryStopped when the time is spent."""
        left = self.remaining()
        if left <= 0:
            raise QueryStopped(TIMEOUT, f"the request used its time budget of "
                                        f"{self.budget:g} s before this query could start")
        job = replace(job, store=self.store, fresh=self.fresh,
                      row_cap=min(job.row_cap, self.row_cap))
        try:
            return self.runner(job, left, self.client)
        except QueryStopped as stopped:
            if stopped.kind not in (TIMEOUT, BUSY):
                raise
            # The runner saw the time left; the client knows the budget it asked for.
            raise QueryStopped(stopped.kind, stopped.detail.format(budget=f"{self.budget:g}")
                               ) from None

    def answer(self, job: QueryJob) -> Reply:
        """As `run`, but a Failure is raised as QueryFailed."""
        reply = self.run(job)
        if isinstance(reply, Failure):
            raise QueryFailed(reply)
        return reply

    def rows(self, job: QueryJob) -> Rows:
        """The rows of a job that asks for rows (``formats`` None); QueryFailed otherwise."""
        reply = self.answer(job)
        if not isinstance(reply, Rows):
            raise QueryFailed(Failure("evaluation", "the query did not answer rows"))
        return reply
