"""Open the store the server answers from: read-only for the public, read-write for an admin.

A store path (default ``var/store``) is a link to one build directory holding ``oxigraph/``
(the pyoxigraph store) and ``build.json`` (what was built, when, how many triples). The
link is resolved once, when the server starts: a later build swaps the link for the next
start (or a gunicorn HUP) and never changes the store under running workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from pyoxigraph import NamedNode, Store


@dataclass
class OpenStore:
    """The opened store, the build directory it came from and its build metadata."""

    directory: Path
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
    data = directory / "oxigraph"
    if writable:
        data.mkdir(parents=True, exist_ok=True)
        store = Store(str(data))
    else:
        require_store(store_path)
        store = Store.read_only(str(data))
    return OpenStore(directory, store, writable, read_build_info(directory))


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


def current_store() -> OpenStore:
    """The store of the app handling the current request (opened once by create_app)."""
    return current_app.extensions["passerelle"]
