"""Open the store the server answers from: read-only for the public, read-write for an admin.

A store path (default ``var/store``) is a link to one build directory holding ``oxigraph/``
(the pyoxigraph store) and ``build.json`` (what was built, when, how many triples). A build
writes a new directory and swaps the link only once it is complete, so a read-only server
follows the link (`StoreLink`): on each request it reads the link (one system call), and
when it points somewhere new, opens that build and answers from it. A request already
running keeps the build it started with; a failed build never moves the link, so the
server keeps serving the last good one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from pyoxigraph import NamedNode, Store

log = logging.getLogger(__name__)


@dataclass
class OpenStore:
    """The opened store, the build directory it came from and its build metadata.

    A remote store (server.remote_store) has no directory; its metadata is the build's.
    """

    directory: Path | None
    store: Store
    writable: bool
    build: dict = field(default_factory=dict)

    def triples(self) -> int:
        # build.json counted them once; a writable store changes under updates, and a
        # store made without the build (tests, a throw-away admin store) has no build.json.
        if self.writable or "triples" not in self.build:
            return len(self.store)
        return int(self.build["triples"])

    def graph_sizes(self) -> dict[str, int | None]:
        """Each named graph's IRI and triple count (None where build.json does not say)."""
        sizes = {} if self.writable else self.build.get("graphs", {})
        return {graph.value: sizes.get(graph.value)
                for graph in sorted(self.store.named_graphs(), key=str)
                if isinstance(graph, NamedNode)}


def open_store(store_path: Path, writable: bool = False) -> OpenStore:
    """Open ``<store_path>/oxigraph``; read-write creates an empty store where there is none.

    Raises FileNotFoundError (read-only) when no store was built there, OSError when
    pyoxigraph cannot open it (RocksDB allows one writer: another admin server holds it).
    """
    directory = store_path.resolve()
    if writable:
        (directory / "oxigraph").mkdir(parents=True, exist_ok=True)
        return OpenStore(directory, Store(str(directory / "oxigraph")), True,
                         read_build_info(directory))
    require_store(store_path)
    return open_build(directory)


def open_build(directory: Path) -> OpenStore:
    """Open one build directory read-only (OSError when pyoxigraph cannot)."""
    store = Store.read_only(str(directory / "oxigraph"))
    return OpenStore(directory, store, False, read_build_info(directory))


def require_store(store_path: Path) -> None:
    """Raise FileNotFoundError unless a store was built at store_path.

    Checks the files only: a process that will fork (gunicorn's master) must not open
    RocksDB itself, since its background threads do not survive a fork.
    """
    data = store_path.resolve() / "oxigraph"
    if not (data / "CURRENT").is_file():
        raise FileNotFoundError(f"no store at {store_path} (expected {data}); "
                                "build one with `passerelle build`")


def read_build_info(directory: Path) -> dict:
    """build.json of a build directory, or {} when the store was not made by the build."""
    path = directory / "build.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


class StoreLink:
    """A read-only server's store link, and the target it last opened."""

    def __init__(self, path: Path):
        self.path = path
        self.target = link_target(path)
        self._lock = threading.Lock()

    def follow(self, extensions: dict) -> None:
        """When the link has moved, open its new target as ``extensions["passerelle"]``.

        A target that cannot be opened is logged and skipped: the server keeps answering
        from the build it has until the link moves again.
        """
        target = link_target(self.path)
        if target == self.target or target is None:
            return
        with self._lock:
            if target == self.target:
                return  # another thread has just opened it
            directory = (self.path.parent / target).resolve()
            try:
                extensions["passerelle"] = open_build(directory)
            except OSError as exc:
                log.warning("store link %s moved to %s, which cannot be opened (%s); "
                            "still serving %s", self.path, directory, exc,
                            extensions["passerelle"].directory)
            self.target = target


def link_target(path: Path) -> str | None:
    """What the store link points to (None when the store path is not a link)."""
    try:
        return os.readlink(path)
    except OSError:
        return None


def current_store() -> OpenStore:
    """The store of the app handling the current request: the newest published build."""
    extensions = current_app.extensions
    link = extensions.get("passerelle-link")
    if link is not None:
        link.follow(extensions)
    return extensions["passerelle"]
