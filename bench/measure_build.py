"""One build, measured: run as its own process so that its peak memory is the build's alone.

``python -m bench.measure_build SEEDS STORE`` builds SEEDS into STORE and prints one JSON
object: wall time, each stage's time and the peak memory after it (graph/build.py records
both), the process's peak resident memory and its largest child's (the answer workers),
and what was built.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from graph.build import INFERRED, build
from graph.gate import Allow
from graph.pins import ALL
from graph.rdf import graph_iri


def measure(seeds: Path, store: Path) -> dict:
    start = time.perf_counter()
    # A generated folder's synthetic documents have no pins yet (`--accept all`), and the
    # bench's store is a throw-away that an earlier, larger generation may have filled.
    result = build(seeds, store, Allow(accept=frozenset({ALL}), allow_shrink=True))
    wall = time.perf_counter() - start
    timings = result.dataset.timings
    graphs = result.dataset.graph_sizes()
    return {
        "wall_s": round(wall, 2),
        "stages_s": timings,
        "peak_mib_after_stage": result.dataset.peak_mib,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        # The largest child's: the answers stage's workers (Linux counts ru_maxrss in KiB).
        "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "quads": result.triples,
        "inferred": graphs.get(graph_iri(INFERRED).value, 0),
        "graphs": len(graphs),
        "entities": result.dataset.report.entities,
        "build_dir": str(result.build_dir),
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), Path(sys.argv[2]))))
