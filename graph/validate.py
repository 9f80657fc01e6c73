"""Validate: the built graph (asserted + inferred + ontology) against the SHACL shapes.

The build checks the store with graph/shacl.py, which runs the shapes as SPARQL inside the
store; pyshacl is the reference the tests compare it with (tests/oracles/shacl.py).

The summary nodes are not in the working store (graph/summary_file.py): the shapes of the
summary classes check them a chunk at a time, each chunk in a small store of its own with
what those shapes read besides the nodes themselves: the class hierarchy, and the types of
the nodes they point to. A node's quads are all in one chunk and nothing else in the graph
is about a summary node, so the results are those of the whole graph at once.
"""

from __future__ import annotations

import rdflib
from pyoxigraph import NamedNode, RdfFormat, Store
from rdflib.namespace import RDFS

from graph import shacl
from graph.errors import BuildError
from graph.rdf import PAS, RDF_TYPE
from graph.summary_file import NodeFile

MAX_LISTED = 25
SUMMARY_CLASS = PAS + "Summary"  # every summary node's class is under it (the ontology)
POINTED_TO = "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) }"


def check(store: Store, shapes: rdflib.Graph, summary_nodes: NodeFile | None = None) -> None:
    """Raise BuildError naming the offending nodes if the store (and the summary nodes
    written apart from it) does not conform."""
    read = shacl.read_shapes(shapes)
    found = shacl.validate(store, read)
    if summary_nodes is not None:
        found += _summary_violations(store, read, summary_nodes)
    found = sorted(v.line() for v in found)
    if found:
        listed = "\n  ".join(found[:MAX_LISTED])
        more = f"\n  ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        raise BuildError(f"the graph does not conform to the shapes ({len(found)} "
                         f"violations):\n  {listed}{more}")


def _summary_violations(store: Store, shapes: list[shacl.Shape],
                        nodes: NodeFile) -> list[shacl.Violation]:
    summary_classes = set(shacl.subclasses(store, SUMMARY_CLASS))
    own = [s for s in shapes if s.targets and set(s.targets) <= summary_classes]
    hierarchy = list(store.quads_for_pattern(None, NamedNode(str(RDFS.subClassOf)), None, None))
    found = []
    for chunk in nodes.chunks():
        part = Store()
        part.bulk_load(chunk, format=RdfFormat.N_QUADS)
        pointed_to = [row[0] for row in part.query(POINTED_TO, use_default_graph_as_union=True)]
        part.bulk_extend(hierarchy)
        part.bulk_extend([quad for node in pointed_to
                          for quad in store.quads_for_pattern(node, RDF_TYPE, None, None)])
        found += shacl.validate(part, own)
    return found
