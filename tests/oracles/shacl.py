"""pyshacl: the reference that graph/shacl.py (the shapes run as SPARQL in the store) must equal,
and a checker of small rdflib graphs for tests."""

from __future__ import annotations

import pyshacl
import rdflib
from rdflib.namespace import SH

from graph.shacl import Violation


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
