"""Load: write the quads into a fresh on-disk store, then swap it in atomically.

The layout (the store link, ``<store>.builds/<id>/``, ``oxigraph/``, ``build.json``) and the
swap belong to `passerelle.builddir`; this module writes the store's contents.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, RdfFormat

from passerelle.builddir import BuildDir, StoreLink

if TYPE_CHECKING:
    from graph.build import Dataset

LOAD_FILE = "load.nq"  # the working store, on its way into the build's store


def write_store(build: BuildDir, dataset: Dataset, labelled: Iterable[NamedNode] = ()) -> int:
    """Write the working store of `dataset`, and its summary nodes, into the build's store;
    returns the number of quads stored. The dataset's store is then the build's, opened read-only.

    Through one N-Quads file, written and read back by pyoxigraph itself: no quad becomes a
    Python object on the way (iterating the working store in Python and bulk-loading it a
    chunk at a time cost 1.5x the CPU, and more than 2x the time on a busy machine, where
    the bulk loader's threads help). The working store is let go before the load, so that
    the loader's batches take the room it held rather than adding to it. Then compacted:
    a store read many times is read faster from fewer files (1.5x to 1.8x on the 1000x
    benchmark's queries).
    """
    dump = build.path / LOAD_FILE
    try:
        dataset.store.dump(str(dump), format=RdfFormat.N_QUADS)
        kept = [quad for graph in labelled
                for quad in dataset.store.quads_for_pattern(None, None, None, graph)]
        dataset.store = None  # the last reference: the working store's memory is freed
        _give_back_freed_memory()
        store = build.open(writable=True)
        store.bulk_load(path=str(dump), format=RdfFormat.N_QUADS)
        dataset.load_summary_nodes(store)  # written apart from the working store
    finally:
        dump.unlink(missing_ok=True)
    # The loader gives each blank node a new label; the build gives them canonical ones in
    # the `labelled` graphs (the ontology's, the only Turtle it reads), so that two builds of
    # the same inputs are the same quads: those graphs are put back as they were.
    for graph in labelled:
        store.remove_graph(graph)
    store.extend(kept)
    store.optimize()
    store.flush()
    count = len(store)
    del store  # closes the store, releasing its lock before readers open it
    dataset.store = build.open()
    return count


def _give_back_freed_memory() -> None:
    """Return the freed heap to the system (glibc keeps it in the main thread's arena,
    where the bulk loader's threads cannot use it: 300 MB at 100x, ten times that at 1000x,
    would stay on top of the loader's own). Nothing to do on another C library."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def canonical_nquads(store_link: Path) -> str:
    """The store as sorted N-Quads lines: equal for two builds of the same inputs."""
    store = StoreLink(store_link).pinned().open()
    lines = store.dump(format=RdfFormat.N_QUADS).decode("utf-8").splitlines()
    return "\n".join(sorted(lines)) + "\n"
