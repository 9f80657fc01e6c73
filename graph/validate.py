"""Validate: the built graph (asserted + inferred + ontology) against the SHACL shapes."""

from __future__ import annotations

import pyshacl
import rdflib
from rdflib.namespace import SH

from graph.errors import BuildError

MAX_LISTED = 25


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    """One line per SHACL violation: focus node, path, value and message."""
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                            allow_warnings=True)
    if conforms:
        return []
    lines = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        parts = [f"<{results.value(result, SH.focusNode)}>"]
        path = results.value(result, SH.resultPath)
        if path is not None:
            parts.append(f"path <{path}>")
        value = results.value(result, SH.value)
        if value is not None:
            parts.append(f"value {value.n3()}")
        parts.append(str(results.value(result, SH.resultMessage)))
        lines.append(": ".join(parts))
    return sorted(lines)


def check(data: rdflib.Graph, shapes: rdflib.Graph) -> None:
    """Raise BuildError naming the offending nodes if the graph does not conform."""
    found = violations(data, shapes)
    if found:
        listed = "\n  ".join(found[:MAX_LISTED])
        more = f"\n  ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        raise BuildError(f"the graph does not conform to the shapes ({len(found)} "
                         f"violations):\n  {listed}{more}")
