"""In-process latency of every canned query: pyoxigraph on the built store, no HTTP.

``python -m bench.latency STORE`` runs each canned query of queries/ (through
passerelle.canned.run, as the server does) until it has SAMPLES timings or has used BUDGET_S,
and prints one JSON object: for each query, the number of runs, the rows of its answer and
the p50, p95 and p99 latencies in milliseconds, twice: as served (``p50_ms``...: from the
build's stored answers when they hold the page, `passerelle.answers`; ``source`` says which
answered) and on the engine alone (``engine``: the query run every time, what a question
the build did not store costs). Each query runs in its own process, stopped
after TIMEOUT_S (pyoxigraph cannot cancel a query). Queries whose parameters are required get
the sample values below (seed facts: a school, another school, a partner); optional
parameters are left out, which asks the broadest question. A query that calls a remote
service (SERVICE) is not run: the benchmark stays on this machine.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from passerelle import canned
from passerelle.answers import Answers
from passerelle.builddir import StoreLink
from passerelle.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 200
FIRST_PAGE = 200  # rows: the HTML page's (server/queries.py HTML_PAGE_ROWS), a paged client's
BUDGET_S = 5.0
TIMEOUT_S = 60
REQUIRED_VALUES = {"school": "telecom-paris", "other": "estp", "institution": "tu-darmstadt"}
REMOTE = re.compile(r"^\s*[^#\n]*\bSERVICE\b", re.IGNORECASE | re.MULTILINE)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of them at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[rank - 1]


def sample_values(query: canned.CannedQuery) -> dict[str, str]:
    return {p.name: REQUIRED_VALUES[p.name] for p in query.params if p.required}


def time_query(store: GraphStore, query: canned.CannedQuery,
               row_cap: int = canned.DEFAULT_ROW_CAP, answers: Answers | None = None) -> dict:
    """Time one query as served (with the build's ``answers``) and on the engine alone,
    keeping at most ``row_cap`` rows (FIRST_PAGE: what a paged client's first request and
    the HTML page get)."""
    values = sample_values(query)
    # The rows as served: the same as the engine's (tests/test_answers.py), without a run of
    # the engine that at 1000x takes 20 s for the broadest questions.
    result = canned.run(store, query, values, row_cap, answers=answers)
    from_file = canned.stored(answers, query, canned.bind(query, values, store), 0, row_cap)
    served = timings(store, query, values, row_cap, answers)
    return {"params": values, "rows": len(result.rows), "truncated": result.truncated,
            "source": "engine" if from_file is None else "answers", **served,
            "engine": served if from_file is None else timings(store, query, values, row_cap)}


def timings(store: GraphStore, query: canned.CannedQuery, values: dict[str, str],
            row_cap: int, answers: Answers | None = None) -> dict:
    """Runs until SAMPLES or BUDGET_S, after one warm-up run: their percentiles. A query
    whose warm-up alone took longer than BUDGET_S is timed by it (a second run would not fit
    in the child's TIMEOUT_S for the slowest)."""
    start = time.perf_counter()
    canned.run(store, query, values, row_cap, answers=answers)
    warm_up = (time.perf_counter() - start) * 1000
    taken: list[float] = [warm_up] if warm_up > BUDGET_S * 1000 else []
    began = time.perf_counter()
    while len(taken) < SAMPLES and time.perf_counter() - began < BUDGET_S:
        start = time.perf_counter()
        canned.run(store, query, values, row_cap, answers=answers)
        taken.append((time.perf_counter() - start) * 1000)
    return {"runs": len(taken), "p50_ms": round(statistics.median(taken), 3),
            "p95_ms": round(percentile(taken, 0.95), 3),
            "p99_ms": round(percentile(taken, 0.99), 3)}


def measure(store_path: Path, row_cap: int = canned.DEFAULT_ROW_CAP,
            queries_dir: Path = ROOT / "queries") -> dict:
    """Every canned query's latencies, each measured in a child process with a time limit,
    keeping at most ``row_cap`` rows of each answer."""
    results = {}
    for name, query in canned.load_queries(queries_dir).items():
        if REMOTE.search(query.sparql):
            results[name] = {"skipped": "calls a remote SERVICE"}
            continue
        command = [sys.executable, "-m", "bench.latency", str(store_path), name, str(row_cap)]
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                  timeout=TIMEOUT_S, check=True)
            results[name] = json.loads(done.stdout)
        except subprocess.TimeoutExpired:
            results[name] = {"error": f"no answer within {TIMEOUT_S} s"}
        except subprocess.CalledProcessError as exc:
            results[name] = {"error": exc.stderr.strip().splitlines()[-1]}
    return results


def main(store_path: Path, name: str | None, row_cap: int) -> dict:
    if name is None:
        return measure(store_path, row_cap)
    build = StoreLink(store_path).pinned()
    return time_query(build.open(), canned.load_queries(ROOT / "queries")[name], row_cap,
                      Answers.of_build(build.path))


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None,
                          int(sys.argv[3]) if len(sys.argv) > 3 else canned.DEFAULT_ROW_CAP)))
