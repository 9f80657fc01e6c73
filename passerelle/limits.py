"""The caps that keep one client from taking the service from the others, in one place.

Each figure is the default of a config key (``create_app``), so a deployment can change it;
the "Security and limits" section of the README lists them with what enforces each.

- Request body: ``MAX_BODY_BYTES`` (Flask answers 413 above it).
- Query text: ``MAX_QUERY_LENGTH`` characters (413).
- Time: a query runs at most ``QUERY_TIMEOUT`` seconds, less where a canned query declares a
  lower budget (``#+ timeout: 2``) or the request asks for less (``timeout=`` parameter, in
  seconds); asking for more is asking for the ceiling. Past its budget a query is stopped
  (its process is killed, see `server.executor`) and answered 503.
- CPU: a query that has used ``DEMOTE_AFTER`` seconds of CPU is demoted to the lowest CPU
  priority, so that a runaway query slows the quick ones of other clients as little as can be.
- Memory: a query process may not allocate more than ``QUERY_MEMORY_LIMIT`` bytes (503).
- Rows: an answer carries at most ``ROW_CAP`` rows (or triples); the rest are cut and the
  response says so (``X-Passerelle-Truncated: true``; canned queries also page with ``Link``).
"""

from __future__ import annotations

import math
import re

MAX_BODY_BYTES = 1_000_000
MAX_QUERY_LENGTH = 100_000
QUERY_TIMEOUT = 10.0  # seconds
DEMOTE_AFTER = 0.25  # seconds of CPU time
QUERY_MEMORY_LIMIT = 2 * 1024**3  # bytes
ROW_CAP = 10_000

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
