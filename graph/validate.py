"""Validate: the built graph (asserted + inferred + ontology) against the SHACL shapes.

The build checks the store with graph/shacl.py, which runs the shapes as SPARQL inside the
store. pyshacl stays here as the reference that tests compare it with (``reference``), and
for checking a small rdflib graph (``violations``).
"""

from __future__ import annotations

import pyshacl
import rdflib
from pyoxigraph import Store
from rdflib.namespace import SH

from graph import shacl
from graph.errors import BuildError
from graph.shacl import Violation

MAX_LISTED = 25


def reference(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    """pyshacl's results on an rdflib graph, in the form graph/shacl.py gives them."""
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                            allow_warnings=True)
    if conforms:
        return []
    found = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        component = str(results.value(result, SH.sourceConstraintComponent)).split("#")[-1]
        found.append(Violation(
            focus=results.value(result, SH.focusNode).n3(),
            path=None if path is None else str(path),
            value=None if value is None else value.n3(),
            component=component,
            message=str(results.value(result, SH.resultMessage))))
    return sorted(found, key=Violation.key)


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    """One line per SHACL violation of a small rdflib graph (pyshacl): focus, path, value,
    message."""
    return sorted(v.line() for v in reference(data, shapes))


def check(store: Store, shapes: rdflib.Graph) -> None:
    """Raise BuildError naming the offending nodes if the store does not conform."""
    found = sorted(v.line() for v in shacl.validate(store, shacl.read_shapes(shapes)))
    if found:
        listed = "\n  ".join(found[:MAX_LISTED])
        more = f"\n  ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        raise BuildError(f"the graph does not conform to the shapes ({len(found)} "
                         f"violations):\n  {listed}{more}")
