"""One build, measured: run as its own process so that its peak memory is the build's alone.

``python -m bench.measure_build SEEDS STORE`` builds SEEDS into STORE and prints one JSON
object: wall time, each stage's time and the peak memory after it (graph/build.py records
both), the process's peak resident memory, the peak of the build and its answer workers
together (sampled), and what was built.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from graph.build import INFERRED, build
from graph.gate import Allow
from graph.pins import ALL
from graph.rdf import graph_iri

SAMPLE_EVERY = 0.2  # seconds between two readings of the processes' resident memory


class TotalPeak:
    """The largest sum of resident memory of this process and its descendants (the answers
    stage's worker processes, in a build past `passerelle.answers.IN_MEMORY_QUADS`), read
    from /proc every SAMPLE_EVERY seconds while the build runs. getrusage cannot say it: a
    child's ru_maxrss includes the parent's pages it held between fork and exec, so it reads
    as large as the build itself."""

    def __init__(self):
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TotalPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.peak_kib = max(self.peak_kib, sum(map(rss_kib, family(os.getpid()))))


def processes() -> Iterator[tuple[int, str, list[str]]]:
    """Each running process: its pid, its command name and the fields of /proc/PID/stat
    after the name (state, ppid, pgrp, session, ...; proc(5) numbers them from 3)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # gone meanwhile
                continue
            head, _, tail = stat.rpartition(")")  # the name may hold spaces and parentheses
            yield int(entry), head.split("(", 1)[1], tail.split()


def family(pid: int) -> list[int]:
    """``pid`` and every process descending from it."""
    parents = {child: int(fields[1]) for child, _, fields in processes()}
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmRSS:")), 0)


def measure(seeds: Path, store: Path) -> dict:
    start = time.perf_counter()
    # A generated folder's synthetic documents have no pins yet (`--accept all`), and the
    # bench's store is a throw-away that an earlier, larger generation may have filled.
    with TotalPeak() as total:
        result = build(seeds, store, Allow(accept=frozenset({ALL}), allow_shrink=True))
    wall = time.perf_counter() - start
    timings = result.dataset.timings
    graphs = result.dataset.graph_sizes()
    return {
        "wall_s": round(wall, 2),
        "stages_s": timings,
        "peak_mib_after_stage": result.dataset.peak_mib,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "total_peak_mib": total.peak_kib // 1024,  # with the answer workers, sampled
        "quads": result.triples,
        "inferred": graphs.get(graph_iri(INFERRED).value, 0),
        "graphs": len(graphs),
        "entities": result.dataset.report.entities,
        "build_dir": str(result.build_dir),
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), Path(sys.argv[2]))))
