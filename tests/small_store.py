"""The three-triple store the query-rewriting tests run on (`tests/test_inline.py`,
`tests/test_remote_store.py`): a p b, a p c, d p e, under http://example.org/ (so a is the
subject of two triples, and nothing is the subject of one and the object of another)."""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad, Store

EX = "http://example.org/"


def small_store(*extra: Quad) -> Store:
    """A fresh store with the three triples, and ``extra`` quads."""
    store = Store()
    p = NamedNode(EX + "p")
    for s, o in (("a", "b"), ("a", "c"), ("d", "e")):
        store.add(Quad(NamedNode(EX + s), p, NamedNode(EX + o)))
    for quad in extra:
        store.add(quad)
    return store
