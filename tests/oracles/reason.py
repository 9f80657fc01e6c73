"""Reason with owlrl: the reference closure that graph/materialise.py must equal.

The build reasons inside the store (graph/materialise.py), which scales; this module closes
an rdflib graph with owlrl, which is exact by construction and slow (seconds for the seeds,
hours past a few thousand agreements). tests/test_materialise.py compares the two; it is a
test oracle, not part of the build.

owlrl works on rdflib graphs; the quads cross over as N-Triples text, which is exact for
every term the build makes (no blank nodes in instance data). The inferred triples kept are
those about our instances (subjects under the id/ base), minus the trivial ones every OWL-RL
closure adds (x owl:sameAs x, x a owl:Thing).

Identity links (owl:sameAs to Wikidata) stay in the data but are not reasoned over: OWL-RL
would copy every fact about an institution onto its Wikidata IRI and back (an agreement would
get two partner institutions), which is true in logic and useless in a dataset whose users
join on the link themselves.
"""

from __future__ import annotations

import owlrl
import rdflib
from pyoxigraph import Quad, RdfFormat, serialize
from rdflib.namespace import OWL, RDF, RDFS

from graph.rdf import from_rdflib, graph_iri
from passerelle.vocabulary import ID

TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}


def to_rdflib(quads: list[Quad], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add the triples of some quads (graph names dropped) to an rdflib graph."""
    graph = graph if graph is not None else rdflib.Graph()
    data = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES)
    graph.parse(data=data, format="nt")
    return graph


def infer(instance_quads: list[Quad], ontology: rdflib.Graph, graph: str) -> list[Quad]:
    """The OWL-RL entailments about instances, as quads of the named graph ``graph``."""
    closure = to_rdflib(instance_quads, rdflib.Graph())
    closure.remove((None, OWL.sameAs, None))
    asserted = set(closure)
    for triple in ontology:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    target = graph_iri(graph)
    inferred = (t for t in closure if t not in asserted and _worth_keeping(t))
    return sorted((Quad(*map(from_rdflib, triple), target) for triple in inferred), key=str)


def _worth_keeping(triple) -> bool:
    subject, predicate, obj = triple
    if not (isinstance(subject, rdflib.URIRef) and str(subject).startswith(ID)):
        return False
    if isinstance(obj, rdflib.BNode):
        return False
    if predicate == OWL.sameAs and obj == subject:
        return False
    return not (predicate == RDF.type and obj in TRIVIAL_TYPES)
