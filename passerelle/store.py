"""The store a query runs on: one protocol for the embedded and the remote store, and the
opened store with the build it came from.

Two kinds of store answer Passerelle's queries: pyoxigraph's embedded `Store` (a build
directory's ``oxigraph/``, `passerelle.builddir`) and `passerelle.remote_store.RemoteStore`
(a SPARQL 1.1 endpoint that `passerelle build --store URL` loaded). Both satisfy
`GraphStore`, the part of pyoxigraph's interface that Passerelle uses; code that queries
takes a `GraphStore` and never asks which one it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pyoxigraph import NamedNode, Quad

from passerelle.builddir import BuildDir, StoreLink

if TYPE_CHECKING:
    from passerelle.answers import Answers


class GraphStore(Protocol):
    """What Passerelle asks of a store (pyoxigraph's `Store` signatures).

    Failures are pyoxigraph's: SyntaxError for a malformed query, OSError when the store
    cannot be read (a remote one: down, or refusing), TimeoutError past ``timeout``.
    """

    def query(self, query: str, *, base_iri: str | None = None,
              use_default_graph_as_union: bool = False, default_graph=None,
              named_graphs=None, substitutions: Mapping | None = None, **options): ...

    def quads_for_pattern(self, subject, predicate, object, graph_name=None
                          ) -> Iterator[Quad]: ...

    def named_graphs(self) -> Iterable: ...

    def update(self, update: str, base_iri: str | None = None) -> None: ...

    def __iter__(self) -> Iterator[Quad]: ...

    def __len__(self) -> int: ...


@dataclass
class OpenStore:
    """The opened store, the build directory it came from and its build metadata.

    A remote store has no directory; its metadata is the build's. ``answers``: the canned
    answers the build stored (`passerelle.answers`), only for a published read-only build
    (a writable store changes under updates; a remote one has no file).
    """

    directory: Path | None
    store: GraphStore
    writable: bool
    build: dict = field(default_factory=dict)
    answers: Answers | None = None

    def triples(self) -> int:
        # build.json counted them once; a writable store changes under updates, and a
        # store made without the build (tests, a throw-away admin store) has no build.json.
        if self.writable or "triples" not in self.build:
            return len(self.store)
        return int(self.build["triples"])

    def history(self, latest: int | None = None) -> list[dict]:
        """The build history, oldest first (the last `latest` builds when given).

        Each entry (graph/history.py writes them into the build's metadata): build_id,
        built_at, by, documents, agreements, agreements_added / _removed / _changed (None for
        a first build), accepted (each changed document: id, file, its pin `was` and `now`,
        sha256 and lines), forced (keep_going_errors, allow_shrink_lost, when used).
        """
        entries = list(self.build.get("history", []))
        return entries if latest is None else entries[-latest:]

    def graph_sizes(self) -> dict[str, int | None]:
        """Each named graph's IRI and triple count (None where build.json does not say)."""
        sizes = {} if self.writable else self.build.get("graphs", {})
        return {graph.value: sizes.get(graph.value)
                for graph in sorted(self.store.named_graphs(), key=str)
                if isinstance(graph, NamedNode)}


def open_store(store_path: Path, writable: bool = False) -> OpenStore:
    """Open the store at ``store_path`` (a link to a build, or a directory holding
    ``oxigraph/``); read-write creates an empty store where there is none.

    Raises FileNotFoundError (read-only) when no store was built there, OSError when
    pyoxigraph cannot open it (RocksDB allows one writer: another admin server holds it).
    """
    if writable:
        build = BuildDir(Path(store_path).resolve())
        return OpenStore(build.path, build.open(writable=True), True, build.metadata)
    return open_build(StoreLink(store_path).require())


def open_build(build: BuildDir) -> OpenStore:
    """Open one build directory read-only, with its answers (OSError when pyoxigraph
    cannot)."""
    from passerelle.answers import Answers  # it reads canned queries, which import this

    return OpenStore(build.path, build.open(), False, build.metadata,
                     Answers.of_build(build.path))
