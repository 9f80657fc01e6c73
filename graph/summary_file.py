"""The summary nodes on their way to the store: an N-Quads file, in chunks of whole nodes.

The summary graph is half the quads of a large build (4.6 million of 9.2 at 1000x, about
1.5 GB in the in-memory working store, which made it the build's peak). Its own nodes
(partner summaries, tallies, school summaries, overlaps, figure checks) are read by nothing
the build computes after them, so graph/summary.py writes them here rather than into the
working store; graph/validate.py checks them a chunk at a time and graph/store.py loads the
file beside the working store's dump.

A chunk holds every quad of each of its nodes (graph/summary.py cuts only where the subject
changes), so that the shapes count a node's values whole. A node whose quads came back
after its chunk was written is refused: checked in two chunks, it would escape its counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, serialize

from graph.errors import BuildError


class NodeFile:
    """A temporary N-Quads file written a chunk at a time, read back the same way."""

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="passerelle-summary-")
        self.path = Path(self._folder.name) / "summary.nq"
        self.path.touch()
        self._ends: list[int] = []  # where each chunk ends in the file
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
            self._ends.append(out.tell())

    def chunks(self) -> Iterator[bytes]:
        """Each chunk's N-Quads, in the order written."""
        with self.path.open("rb") as source:
            start = 0
            for end in self._ends:
                yield source.read(end - start)
                start = end

    def discard(self) -> None:
        self._folder.cleanup()
