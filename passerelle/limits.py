"""The caps that keep one client from taking the service from the others, in one place.

Each figure is the default of a config key (``create_app``), so a deployment can change it;
the "Security and limits" section of the README lists them with what enforces each.

- Request body: ``MAX_BODY_BYTES`` (Flask answers 413 above it).
- Query text: ``MAX_QUERY_LENGTH`` characters (413).
- Time: a request's queries run at most ``QUERY_TIMEOUT`` seconds together, less where a
  canned query declares a lower budget (``#+ timeout: 2``) or the request asks for less
  (``timeout=`` parameter, in seconds), but never less than ``MIN_QUERY_TIMEOUT`` (a shorter
  budget would only turn quick queries into kills and respawns); asking for more is asking
  for the ceiling. Past its budget a query is stopped (its process is killed, see
  `server.executor`) and answered 503. The funnel (`passerelle.funnel`) applies it to every
  route, entity pages included.
- CPU: a query that has used ``DEMOTE_AFTER`` seconds of CPU is demoted to the lowest CPU
  priority, so that a runaway query slows the quick ones of other clients as little as can be.
- Memory: a query process may not allocate more than ``QUERY_MEMORY_LIMIT`` bytes, and all
  the query processes of a server together not more than ``QUERY_MEMORY_TOTAL``: each gets
  its share, the total divided by their number (workers x processes per worker). Where the
  total cannot give each thread's process ``MIN_PROCESS_MEMORY``, a worker runs fewer query
  processes (`processes_within`) and its threads wait for a free one; a query that needs
  more than its share is stopped (503, "out of memory"). Default: half the machine's memory.
- Clients: one client (address) may hold at most all but one of a server process's query
  slots (`server.executor`); the next free slot goes to the client with the fewest running.
  Across the server's processes, a client runs at most ``QUERIES_PER_CLIENT`` queries at
  once (default: half the server's query slots); over it, it waits at most ``CLIENT_WAIT``
  seconds for one of its own to end, then is answered 429 (`server.client_shares`).
- Rows: an answer carries at most ``ROW_CAP`` rows (or triples); the rest are cut and the
  response says so (``X-Passerelle-Truncated: true``; canned queries also page with ``Link``).
"""

from __future__ import annotations

import math
import os
import re

MAX_BODY_BYTES = 1_000_000
MAX_QUERY_LENGTH = 100_000
QUERY_TIMEOUT = 10.0  # seconds
MIN_QUERY_TIMEOUT = 1.0  # seconds: a shorter timeout= is taken as this
DEMOTE_AFTER = 0.25  # seconds of CPU time
QUERY_MEMORY_LIMIT = 2 * 1024**3  # bytes, one query process
# Bytes all the query processes of a server may hold together: half the machine's memory.
QUERY_MEMORY_TOTAL = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
MIN_PROCESS_MEMORY = 256 * 1024**2  # a query process needs this much to be of any use
ROW_CAP = 10_000
CLIENT_WAIT = 0.5  # seconds a client over its share waits for one of its queries to end

TIMEOUT_PARAMETER = "timeout"
_SECONDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,3})?")


def parse_seconds(text: str, what: str) -> float:
    """A positive number of seconds written as digits (``2``, ``0.5``); ValueError otherwise."""
    if not _SECONDS.fullmatch(text):
        raise ValueError(f"{what} is a number of seconds such as 2 or 0.5, not {text!r}")
    seconds = float(text)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{what} must be more than 0 seconds, not {text!r}")
    return seconds


def memory_per_process(limit: int, total: int, processes: int) -> int:
    """The memory one query process may allocate: its own limit, lowered so that all the
    server's query processes together stay within ``total`` (0 means no limit).

    ValueError when the share would be under `MIN_PROCESS_MEMORY`: fewer workers or query
    processes, or a larger total, are needed (a silent overcommit would void the bound).
    """
    if not total:
        return limit
    share = total // max(1, processes)
    if share < MIN_PROCESS_MEMORY:
        raise ValueError(f"QUERY_MEMORY_TOTAL of {total // 2**20} MiB shared by {processes} "
                         f"query processes leaves {share // 2**20} MiB each, under the "
                         f"{MIN_PROCESS_MEMORY // 2**20} MiB a query process needs: raise "
                         "the total or run fewer workers or query processes")
    return min(limit, share) if limit else share


def processes_within(wanted: int, total: int, workers: int) -> int:
    """How many query processes per worker the total lets each have `MIN_PROCESS_MEMORY`
    (at most ``wanted``; 0 when not even one; ``wanted`` when there is no total)."""
    if not total:
        return wanted
    return min(wanted, total // (max(1, workers) * MIN_PROCESS_MEMORY))
