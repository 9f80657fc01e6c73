"""The on-disk layout of a store, in one place: the store link and its build directories.

A store path (default ``var/store``) is a symbolic link to one build directory under
``<store>.builds/<build id>/``, which holds ``oxigraph/`` (the pyoxigraph store),
``build.json`` (what was built, when, how many triples) and ``report.json``. A build writes a
new directory beside the current one and, only once everything passed, points the link at it
with one rename: readers see the old store or the new one, never a half-built one. The
previous build is kept for rollback; older ones go.

`StoreLink.pinned()` reads the link once and gives the `BuildDir` it pointed to: whoever
holds that object keeps answering from that build, whatever the link does next.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from pyoxigraph import Store

STORE_FOLDER = "oxigraph"
METADATA_FILE = "build.json"
REPORT_FILE = "report.json"
# One file per document, its lines and what became of each (the server's source viewer reads
# one document's file, whatever the size of the build).
DOCUMENT_LINES = "lines"
# The build's agreements, one row each (graph/diff.py's Agreement), so that the next build
# compares itself with this one without querying every agreement out of its store.
AGREEMENTS_FILE = "agreements.jsonl"  # JSON Lines: one row a line, compact at 1000x
KEEP_BUILDS = 2


class StoreLinkError(Exception):
    """A store path that cannot be built into: in use, or not a Passerelle store link."""

    def __init__(self, message: str, path: Path):
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path


@dataclass(frozen=True)
class BuildDir:
    """One build directory (or any directory holding ``oxigraph/``, as an admin store does)."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def store_dir(self) -> Path:
        return self.path / STORE_FOLDER

    def has_store(self) -> bool:
        """True when a pyoxigraph store was written here (its files only: nothing is opened)."""
        return (self.store_dir / "CURRENT").is_file()

    @cached_property
    def metadata(self) -> dict:
        """build.json, or {} when the store was not made by the build (read once)."""
        path = self.path / METADATA_FILE
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def open(self, writable: bool = False) -> Store:
        """The pyoxigraph store; read-write creates an empty one where there is none.

        OSError when pyoxigraph cannot open it (RocksDB allows one writer).
        """
        if writable:
            self.store_dir.mkdir(parents=True, exist_ok=True)
            return Store(str(self.store_dir))
        return Store.read_only(str(self.store_dir))

    def write_metadata(self, data: dict) -> None:
        write_json(self.path / METADATA_FILE, data)

    def write_report(self, data: dict) -> None:
        write_json(self.path / REPORT_FILE, data)

    def write_document_lines(self, documents: dict[str, list[dict]]) -> None:
        """``lines/<source id>.json`` for each document: its lines, as the report has them."""
        folder = self.path / DOCUMENT_LINES
        folder.mkdir()
        for source_id, lines in documents.items():
            write_json(folder / f"{source_id}.json", {"source_id": source_id, "lines": lines})

    def document_lines(self, source_id: str) -> list[dict] | None:
        """The lines `write_document_lines` wrote for one document; None when there are none."""
        try:
            text = (self.path / DOCUMENT_LINES / f"{source_id}.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return json.loads(text)["lines"]

    def write_agreements(self, rows: list[list]) -> None:
        with open(self.path / AGREEMENTS_FILE, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)

    def agreement_rows(self) -> list[list] | None:
        """The rows `write_agreements` wrote; None for a build made before it existed."""
        try:
            with open(self.path / AGREEMENTS_FILE, encoding="utf-8") as lines:
                return [json.loads(line) for line in lines]
        except FileNotFoundError:
            return None

    def discard(self) -> None:
        """Remove a build that failed, leaving the published store untouched."""
        shutil.rmtree(self.path, ignore_errors=True)


class StoreLink:
    """A store path: the link to the published build, and the folder of builds beside it."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @property
    def builds_dir(self) -> Path:
        return self.path.parent / f"{self.path.name}.builds"

    def target(self) -> str | None:
        """What the link points to (None when the store path is not a link)."""
        try:
            return os.readlink(self.path)
        except OSError:
            return None

    def pinned(self) -> BuildDir:
        """The build the link points to now (the path itself when it is a plain directory).

        The link is read once: the object stays on that build when a new one is published.
        """
        target = self.target()
        if target is None:
            return BuildDir(self.path.resolve())
        return BuildDir((self.path.parent / target).resolve())

    def published(self) -> BuildDir | None:
        """The build the link points at, None when nothing is published (no link, or a
        link to nothing)."""
        if not self.path.is_symlink() or not self.path.resolve().is_dir():
            return None
        return BuildDir(self.path.resolve())

    def require(self) -> BuildDir:
        """The pinned build; FileNotFoundError unless a store was built there.

        Checks the files only: a process that will fork (gunicorn's master) must not open
        RocksDB itself, since its background threads do not survive a fork.
        """
        build = self.pinned()
        if not build.has_store():
            raise FileNotFoundError(f"no store at {self.path} (expected {build.store_dir}); "
                                    "build one with `passerelle build`")
        return build

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """Hold the store's build lock; a second build at the same time is refused clearly."""
        self.builds_dir.mkdir(parents=True, exist_ok=True)
        with open(self.builds_dir / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreLinkError("another build of this store is running; try again when "
                                     "it has finished", self.path) from exc
            yield

    def new_build(self) -> BuildDir:
        """A fresh, empty directory for the next build."""
        if self.path.exists() and not self.path.is_symlink():
            raise StoreLinkError("exists and is not a Passerelle store link: refusing to "
                                 "replace it", self.path)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        build = BuildDir(self.builds_dir / stamp)
        build.path.mkdir(parents=True)
        return build

    def publish(self, build: BuildDir) -> None:
        """Point the link at the build in one atomic rename, then prune old builds."""
        temporary = self.path.parent / f".{self.path.name}.swap"
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(os.path.relpath(build.path, self.path.parent))
        os.replace(temporary, self.path)
        self._prune(keep={build.path.name})

    def _prune(self, keep: set[str]) -> None:
        builds = sorted(p for p in self.builds_dir.iterdir() if p.is_dir())
        for old in builds[:-KEEP_BUILDS]:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                    encoding="utf-8")
