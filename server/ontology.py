"""``/ontology``: the Passerelle ontology, as documentation for people and RDF for programs.

Both are drawn from the one description there is: the ontology graph the build loaded from
``ontology/passerelle.ttl`` into the store (``graph/ontology``), so the page documents the
very terms the data uses and is never written twice. A browser gets HTML, one section per
kind of term (classes, properties, concept schemes with their concepts), each term under
an anchor of its local name, so that the IRI ``…/ontology#Agreement`` has its place at
``/ontology#Agreement``; any other client gets the graph in the format negotiated from
``Accept`` or ``format=`` (Turtle by default).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from passerelle import vocabulary
from passerelle.vocabulary import OWL, PAS, RDF, RDFS, SKOS
from server.errors import ApiError
from server.meta import rdf_response
from server.negotiation import GRAPH, prefers_html
from server.pages import PREFIXES
from server.store import current_store

bp = Blueprint("ontology", __name__, template_folder="templates")

ONTOLOGY = PAS.removesuffix("#")
ONTOLOGY_GRAPH = NamedNode(vocabulary.GRAPH + "ontology")
LABELS = (RDFS + "label", SKOS + "prefLabel")
DEFINITIONS = (SKOS + "definition", RDFS + "comment")
# The sections of the page: a term goes in the first whose type it has.
SECTIONS = (
    ("classes", "Classes", OWL + "Class"),
    ("object-properties", "Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"),
    ("schemes", "Concept schemes", SKOS + "ConceptScheme"),
)


@dataclass
class Term:
    """One term of the ontology: what the page says about it."""

    iri: str
    label: str
    definition: str = ""
    types: list[str] = field(default_factory=list)
    # (predicate IRI, value: an IRI, a literal's text, or a list of IRIs for an RDF list)
    facts: list[tuple[str, str | list[str]]] = field(default_factory=list)
    used_by: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate)
    members: list[Term] = field(default_factory=list)  # a scheme's concepts

    @property
    def anchor(self) -> str:
        return self.iri.removeprefix(PAS)


@bp.get("/ontology")
def page():
    """The ontology: HTML for browsers, the ontology graph as RDF otherwise."""
    store = current_store().store
    triples = ontology_triples(store)
    if not triples:
        raise ApiError(404, "Not Found", "the store holds no ontology graph "
                                         f"<{ONTOLOGY_GRAPH.value}>: was it built?")
    override = request.args.get("format")
    if override == "html" or (not override and prefers_html(request.headers.get("Accept"),
                                                            GRAPH)):
        response = Response(render_template("ontology.html", **documentation(triples)),
                            mimetype="text/html")
        response.vary.add("Accept")
        return response
    return rdf_response(triples, PREFIXES)


def ontology_triples(store: Store) -> list[Triple]:
    """The triples of the ontology graph, sorted (the order of a stable serialisation)."""
    quads = store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH)
    return sorted((quad.triple for quad in quads), key=str)


def documentation(triples: list[Triple]) -> dict:
    """What the page shows: the ontology's own description, then each section's terms."""
    about: dict[str, list] = defaultdict(list)
    for triple in triples:
        about[_key(triple.subject)].append(triple)
    lists = _rdf_lists(about)
    terms = {iri: _term(iri, about[iri], lists) for iri in about if iri.startswith(PAS)}
    for triple in triples:
        target = terms.get(_key(triple.object))
        if target is not None and _key(triple.subject) in terms:
            target.used_by.append((_key(triple.subject), triple.predicate.value))
    placed: set[str] = set()
    sections = []
    for anchor, title, kind in SECTIONS:
        members = [t for t in terms.values() if kind in t.types and t.iri not in placed]
        placed |= {t.iri for t in members}
        sections.append((anchor, title, sorted(members, key=lambda t: t.label.lower())))
    schemes = next(members for anchor, _, members in sections if anchor == "schemes")
    for scheme in schemes:
        scheme.members = sorted((t for t in terms.values() if t.iri not in placed
                                 and (SKOS + "inScheme", scheme.iri) in t.facts),
                                key=lambda t: t.label.lower())
        placed |= {t.iri for t in scheme.members}
    others = sorted((t for t in terms.values() if t.iri not in placed),
                    key=lambda t: t.label.lower())
    if others:
        sections.append(("other-terms", "Other terms", others))
    header = _term(ONTOLOGY, about.get(ONTOLOGY, []), lists)
    labels = {iri: term.label for iri, term in terms.items()}
    return {"ontology": header, "sections": sections, "namespace": PAS, "labels": labels}


def _term(iri: str, triples: list[Triple], lists: dict[str, list[str]]) -> Term:
    term = Term(iri, iri.removeprefix(PAS))
    for triple in triples:
        predicate, value = triple.predicate.value, triple.object
        if predicate == RDF + "type":
            term.types.append(value.value)
        elif predicate in LABELS and _english(value):
            term.label = value.value
        elif predicate in DEFINITIONS and _english(value):
            term.definition = value.value
        else:
            term.facts.append((predicate, lists.get(_key(value), value.value)))
    term.facts.sort()
    return term


def _rdf_lists(about: dict[str, list[Triple]]) -> dict[str, list[str]]:
    """Each RDF list (a property chain) by its head blank node: its items' IRIs."""
    lists = {}
    for node in about:
        if node.startswith("_:"):
            items, current, seen = [], node, set()
            while current.startswith("_:") and current not in seen:
                seen.add(current)
                rest = {t.predicate.value: t.object for t in about.get(current, [])}
                if RDF + "first" not in rest:
                    break
                items.append(rest[RDF + "first"].value)
                current = _key(rest.get(RDF + "rest", NamedNode(RDF + "nil")))
            if current == RDF + "nil":
                lists[node] = items
    return lists


def _key(term) -> str:
    return f"_:{term.value}" if isinstance(term, BlankNode) else term.value


def _english(value) -> bool:
    return isinstance(value, Literal) and value.language in (None, "en")
