"""The summary nodes on their way to the store: an N-Quads file, in chunks of whole nodes.

The summary graph is half the quads of a large build (4.6 million of 9.2 at 1000x, about
1.5 GB in the in-memory working store, which made it the build's peak). Its own nodes
(partner summaries, tallies, school summaries, overlaps, figure checks) are read by nothing
the build computes after them, so graph/summary.py writes them here rather than into the
working store; graph/validate.py checks them a chunk at a time and graph/store.py loads the
file beside the working store's dump.

A chunk holds every quad of each of its nodes (graph/summary.py cuts only where the subject
changes), so that the shapes count a node's values whole. A node whose quads came back
in a later chunk is refused: checked in two parts, it would escape its counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, serialize

from graph.errors import BuildError

# Quads checked at a time. Measured at 100x (CPU seconds to check them all, memory on top):
# 10,000 a time 4.7 s; 25,000 3.7 s, 6 MB; 100,000 4.3 s, 95 MB (a chunk's own queries).
CHECKED = 25_000


class NodeFile:
    """A temporary N-Quads file written a chunk at a time, read back a few chunks at a time
    (each list given to `add` holds its nodes whole, and so does any run of them)."""

    def __init__(self, checked: int = CHECKED):
        self.checked = checked
        self._folder = tempfile.TemporaryDirectory(prefix="passerelle-summary-")
        self.path = Path(self._folder.name) / "summary.nq"
        self.path.touch()
        self._ends: list[int] = []  # where each run of chunks to check together ends
        self._unchecked = 0  # quads written since the last end
        self.quads = 0  # written in all
        # The nodes written so far, as hashes of their IRIs: the IRIs themselves would be
        # hundreds of thousands of strings at 1000x.
        self._written: set[int] = set()

    def add(self, chunk: list[Quad]) -> None:
        subjects = {hash(quad.subject.value) for quad in chunk}
        if not subjects.isdisjoint(self._written):
            again = next(q.subject for q in chunk if hash(q.subject.value) in self._written)
            raise BuildError(f"summary node {again} is written in two places: "
                             "graph/summary.py must write each node's quads together")
        self._written |= subjects
        with self.path.open("ab") as out:
            out.write(serialize(chunk, format=RdfFormat.N_QUADS))
            self._unchecked += len(chunk)
            self.quads += len(chunk)
            if self._unchecked >= self.checked:
                self._ends.append(out.tell())
                self._unchecked = 0

    def chunks(self) -> Iterator[bytes]:
        """The N-Quads of about `checked` quads at a time, whole nodes, in the order written."""
        ends = self._ends if not self._unchecked else [*self._ends, self.path.stat().st_size]
        with self.path.open("rb") as source:
            start = 0
            for end in ends:
                yield source.read(end - start)
                start = end

    def discard(self) -> None:
        self._folder.cleanup()
