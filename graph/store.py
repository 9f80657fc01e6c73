"""Load: write the quads into a fresh on-disk store, then swap it in atomically.

A store path (default var/store) is a symbolic link to one build directory under
``<store>.builds/``. A build writes a new directory beside the current one and, only once
everything passed, points the link at it with one rename: readers see the old store or the
new one, never a half-built one. The previous build is kept for rollback; older ones go.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Store

from graph.errors import BuildError

KEEP_BUILDS = 2
# In a build directory: one file per document, its lines and what became of each (the
# server's source viewer reads one document's file, whatever the size of the build).
DOCUMENT_LINES = "lines"
LOAD_CHUNK = 200_000  # quads per bulk load


def builds_dir(store_link: Path) -> Path:
    return store_link.parent / f"{store_link.name}.builds"


@contextmanager
def build_lock(store_link: Path) -> Iterator[None]:
    """Hold the store's build lock; a second build at the same time is refused clearly."""
    folder = builds_dir(store_link)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildError("another build of this store is running; try again when it "
                             "has finished", store_link) from exc
        yield


def published_dir(store_link: Path) -> Path | None:
    """The build directory the store link points at, None when nothing is published."""
    if not store_link.is_symlink() or not store_link.resolve().is_dir():
        return None
    return store_link.resolve()


def new_build_dir(store_link: Path) -> Path:
    """A fresh, empty directory for the next build."""
    if store_link.exists() and not store_link.is_symlink():
        raise BuildError("exists and is not a Passerelle store link: refusing to replace it",
                         store_link)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = builds_dir(store_link) / stamp
    path.mkdir(parents=True)
    return path


def write_store(build_dir: Path, quads: Iterable[Quad]) -> int:
    """Write the quads into build_dir/oxigraph; returns the number of quads stored.

    In chunks: pyoxigraph's bulk loader sorts everything it is given in memory at once
    (1.6 GB more for the 4.6 million quads of the 1000x benchmark), a chunk at a time it
    needs a chunk's worth, for the same speed. Then compacted: each chunk is a set of files
    of its own, and a store read many times is read faster from fewer (1.5x to 1.8x on the
    1000x benchmark's queries, for 20 s of build).
    """
    store = Store(str(build_dir / "oxigraph"))
    remaining = iter(quads)
    while chunk := list(itertools.islice(remaining, LOAD_CHUNK)):
        store.bulk_extend(chunk)
    store.optimize()
    store.flush()
    count = len(store)
    del store  # closes the store, releasing its lock before readers open it
    return count


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                    encoding="utf-8")


def write_document_lines(build_dir: Path, documents: dict[str, list[dict]]) -> None:
    """``lines/<source id>.json`` for each document: its lines, as the report has them."""
    folder = build_dir / DOCUMENT_LINES
    folder.mkdir()
    for source_id, lines in documents.items():
        write_json(folder / f"{source_id}.json", {"source_id": source_id, "lines": lines})


def publish(store_link: Path, build_dir: Path) -> None:
    """Point the store link at build_dir in one atomic rename, then prune old builds."""
    temporary = store_link.parent / f".{store_link.name}.swap"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(build_dir, store_link.parent))
    os.replace(temporary, store_link)
    _prune(store_link, keep={build_dir.name})


def discard(build_dir: Path) -> None:
    """Remove a build that failed, leaving the published store untouched."""
    shutil.rmtree(build_dir, ignore_errors=True)


def _prune(store_link: Path, keep: set[str]) -> None:
    builds = sorted(p for p in builds_dir(store_link).iterdir() if p.is_dir())
    for old in builds[:-KEEP_BUILDS]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def canonical_nquads(store_link: Path) -> str:
    """The store as sorted N-Quads lines: equal for two builds of the same inputs."""
    store = Store.read_only(str(store_link / "oxigraph"))
    lines = store.dump(format=RdfFormat.N_QUADS).decode("utf-8").splitlines()
    return "\n".join(sorted(lines)) + "\n"
