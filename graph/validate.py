"""Validate: the built graph (asserted + inferred + ontology) against the SHACL shapes.

The build checks the store with graph/shacl.py, which runs the shapes as SPARQL inside the
store; pyshacl is the reference the tests compare it with (tests/oracles/shacl.py).
"""

from __future__ import annotations

import rdflib
from pyoxigraph import Store

from graph import shacl
from graph.errors import BuildError

MAX_LISTED = 25


def check(store: Store, shapes: rdflib.Graph) -> None:
    """Raise BuildError naming the offending nodes if the store does not conform."""
    found = sorted(v.line() for v in shacl.validate(store, shacl.read_shapes(shapes)))
    if found:
        listed = "\n  ".join(found[:MAX_LISTED])
        more = f"\n  ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        raise BuildError(f"the graph does not conform to the shapes ({len(found)} "
                         f"violations):\n  {listed}{more}")
