"""To RDF: registry entities, documents and their facts become quads in named graphs.

Terms are built with pyoxigraph's NamedNode and Literal, never by formatting strings. The
registry's entities go to the `registry` graph; each document's facts to its own graph, so
that provenance is a query and a reload is "clear that graph, load it again".

Each triple is stored in one graph only: the default graph of the SPARQL service is the union
of the named graphs, and a triple stored in two graphs would come back twice from it (a
school's type would count once per document of the school). So what the registry says of an
institution (its label, its type, that it is a school) is in the registry graph alone, and a
document graph says only what that document states.
"""

from __future__ import annotations

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph.countries import country_label
from graph.manifest import Source
from graph.records import Condition, ParsedDocument, ProgrammeRule, PublishedFigure
from graph.registry import FACULTY, Entity, Network, Registry
from graph.resolve import Agreement
from passerelle import vocabulary
from passerelle.vocabulary import (
    AGREEMENT_TYPES,
    CONDITION_KINDS,
    GRAPH,
    ID,
    MEASURES,
    NETWORKS,
    PAS,
    XSD,
)

RDF_TYPE = NamedNode(vocabulary.RDF_TYPE)
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

LABEL = NamedNode(vocabulary.RDFS + "label")
ALT_LABEL = NamedNode(vocabulary.SKOS + "altLabel")
NOTE = NamedNode(vocabulary.SKOS + "note")
OWL_SAME_AS = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SCHEMA_SAME_AS = NamedNode("https://schema.org/sameAs")
SCHEMA_URL = NamedNode("https://schema.org/url")
DERIVED_FROM = NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
DC_TITLE = NamedNode("http://purl.org/dc/terms/title")
DC_PUBLISHER = NamedNode("http://purl.org/dc/terms/publisher")
DC_LANGUAGE = NamedNode("http://purl.org/dc/terms/language")

STATUS = {"active": "Active", "suspended": "Suspended", "in-negotiation": "InNegotiation"}
NETWORK_KINDS = {
    "funding-programme": "FundingProgramme", "mobility-programme": "MobilityProgramme",
    "exchange-consortium": "ExchangeConsortium", "course-network": "CourseNetwork",
    "university-alliance": "UniversityAlliance", "quality-label": "QualityLabel",
    "professional-body": "ProfessionalBody", "binational-university": "BinationalUniversity",
    "university-association": "UniversityAssociation",
    "unclassified": "UnclassifiedNetwork",
}


def pas(name: str) -> NamedNode:
    return NamedNode(PAS + name)


def entity_iri(kind: str, slug: str) -> NamedNode:
    return NamedNode(f"{ID}{kind}/{slug}")


def network_iri(key: str) -> NamedNode:
    """A network of the vocabulary (KeyError for a key it does not have)."""
    if key not in NETWORKS:
        raise KeyError(key)
    return entity_iri("network", key)


def graph_iri(name: str) -> NamedNode:
    return NamedNode(GRAPH + name)


def text(value: str) -> Literal:
    return Literal(value)


def typed(value, datatype: str) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


def decimal(value: float) -> Literal:
    return typed(int(value) if float(value).is_integer() else value, "decimal")


def from_rdflib(term) -> NamedNode | BlankNode | Literal:
    """The pyoxigraph term for an rdflib term (ontology triples and owlrl output)."""
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def entity_node(entity_id: str, registry: Registry) -> NamedNode:
    entity = registry.entities[entity_id]
    return entity_iri("faculty" if entity.kind == FACULTY else "institution", entity_id)


class Quads:
    """Collects the quads of one named graph."""

    def __init__(self, graph: str):
        self.graph = graph_iri(graph)
        self.quads: list[Quad] = []

    def add(self, subject, predicate, obj) -> None:
        if obj is not None:
            self.quads.append(Quad(subject, predicate, obj, self.graph))

    def add_all(self, subject, predicate, objects) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)


def registry_quads(registry: Registry, entities: list[Entity], more_countries: set[str],
                   graph: str, schools: set[str] = frozenset()) -> list[Quad]:
    """Institutions, faculties, the countries of all institutions, and the networks;
    ``schools`` (registry ids) are the publishers of documents, typed pas:School here once."""
    out = Quads(graph)
    for entity in entities:
        _entity(out, entity, registry)
        if entity.id in schools:
            out.add(entity_node(entity.id, registry), RDF_TYPE, pas("School"))
    for code in sorted({e.country for e in entities if e.country} | more_countries - {None}):
        node = entity_iri("country", code.lower())
        out.add(node, RDF_TYPE, pas("Country"))
        out.add(node, LABEL, text(country_label(code)))
        out.add(node, pas("isoCode"), text(code))
    for network in registry.networks.values():
        _network(out, network)
    return out.quads


def entity_quads(entities: list[Entity], registry: Registry, graph: str) -> list[Quad]:
    """Institutions or faculties in the named graph ``graph``."""
    out = Quads(graph)
    for entity in entities:
        _entity(out, entity, registry)
    return out.quads


def _entity(out: Quads, entity: Entity, registry: Registry) -> None:
    node = entity_node(entity.id, registry)
    out.add(node, RDF_TYPE, pas("Faculty" if entity.kind == FACULTY else "Institution"))
    out.add(node, LABEL, text(entity.label))
    out.add_all(node, ALT_LABEL, (text(a) for a in sorted(set(entity.aliases) - {entity.label})))
    out.add_all(node, pas("acronym"), (text(a) for a in entity.acronyms))
    out.add_all(node, pas("domain"), (text(d) for d in entity.domains))
    if entity.kind == FACULTY:
        out.add(node, pas("facultyOf"), entity_iri("institution", entity.parent))
    elif entity.country:  # a new entity from a line with no country has none: SHACL says so
        out.add(node, pas("country"), entity_iri("country", entity.country.lower()))
    if entity.part_of:
        out.add(node, pas("memberOfSystem"), entity_iri("institution", entity.part_of))
    if entity.category:
        out.add(node, pas("category"), text(entity.category))
    if entity.note:
        out.add(node, NOTE, text(entity.note))
    _identifiers(out, node, entity)


def _identifiers(out: Quads, node: NamedNode, entity: Entity) -> None:
    if entity.wikidata:
        wikidata = NamedNode(WIKIDATA_ENTITY + entity.wikidata)
        out.add(node, OWL_SAME_AS, wikidata)
        out.add(node, SCHEMA_SAME_AS, wikidata)
    if entity.ror:
        out.add(node, pas("rorId"), typed(entity.ror, "anyURI"))
        out.add(node, pas("ror"), NamedNode(entity.ror))
    if entity.website:
        out.add(node, SCHEMA_URL, NamedNode(entity.website))
    if entity.identifiers_from:
        out.add(node, pas("identifiersFrom"), text(entity.identifiers_from))
    if entity.unresolved:
        out.add(node, pas("unresolvedIdentifiers"), text(entity.unresolved))


def _network(out: Quads, network: Network) -> None:
    node = entity_iri("network", network.id)
    out.add(node, RDF_TYPE, pas("Network"))
    out.add(node, LABEL, text(network.label))
    out.add(node, pas("networkKind"), pas(NETWORK_KINDS[network.kind]))
    if network.full_name:
        out.add(node, pas("fullName"), text(network.full_name))
    if network.run_by:
        out.add(node, pas("runBy"), text(network.run_by))
    out.add_all(node, ALT_LABEL, (text(a) for a in sorted(set(network.aliases))))
    if network.note:
        out.add(node, NOTE, text(network.note))


def source_quads(source: Source, parsed: ParsedDocument, agreements: list[Agreement],
                 registry: Registry, describe_stand_in: bool = True) -> list[Quad]:
    """A document and every fact read from it, in the document's own graph.

    A school in the registry is described in the registry graph; the stand-in for a
    document's unnamed publisher is described here, unless ``describe_stand_in`` is False
    (another document's graph already holds it).
    """
    out = Quads(source.id)
    document = entity_iri("source", source.id)
    school = entity_iri("institution", source.school)
    _document(out, source, document, school)
    stand_in = source.unidentified_publisher
    if stand_in and describe_stand_in:
        out.add(school, RDF_TYPE, pas("School"))
        out.add(school, RDF_TYPE, pas("UnidentifiedSchool"))
        out.add(school, LABEL, text(stand_in.label))
        out.add(school, NOTE, text(stand_in.note))
    for agreement, slug in _agreement_slugs(agreements):
        _agreement(out, agreement, slug, source, document, registry)
    for figure in _unique_keys(parsed.figures, lambda f: f.measure):
        _figure(out, *figure, school, document)
    for programme in _unique_keys(parsed.programmes, lambda p: p.key):
        _programme(out, *programme, school, document)
    for membership in parsed.memberships:
        out.add(school, pas("participatesIn"), network_iri(membership.network))
    return _deduplicated(out.quads)


def _document(out: Quads, source: Source, document, school) -> None:
    out.add(document, RDF_TYPE, pas("SourceDocument"))
    out.add(document, LABEL, text(source.title))
    out.add(document, DC_TITLE, text(source.title))
    out.add(document, DC_LANGUAGE, text(source.language))
    out.add(document, DC_PUBLISHER, school)
    out.add(document, pas("parser"), text(source.parser))
    out.add(document, pas("seedFile"), text(source.path.name))
    out.add(document, pas("sha256"), text(source.sha256()))
    if source.url:
        out.add(document, SCHEMA_URL, NamedNode(source.url))
    if source.retrieved:
        out.add(document, pas("retrieved"), text(source.retrieved))


def _agreement_slugs(agreements: list[Agreement]) -> list[tuple[Agreement, str]]:
    """line-N for the one agreement of a line; line-N-<partner> where a line names several."""
    per_line: dict[int, int] = {}
    for agreement in agreements:
        per_line[agreement.origin.line] = per_line.get(agreement.origin.line, 0) + 1
    return [(a, f"line-{a.origin.line}" if per_line[a.origin.line] == 1
             else f"line-{a.origin.line}-{a.institution or a.faculties[0]}") for a in agreements]


def _agreement(out: Quads, agreement: Agreement, slug: str, source: Source, document,
               registry) -> None:
    line = agreement.origin.line
    node = entity_iri("agreement", f"{source.id}/{slug}")
    out.add(node, RDF_TYPE, pas("Agreement"))
    partner = registry.entities[agreement.institution or agreement.faculties[0]]
    out.add(node, LABEL, text(f"Agreement with {partner.label} ({source.id}, line {line})"))
    out.add(node, pas("school"), entity_iri("institution", agreement.school))
    if agreement.institution:
        out.add(node, pas("partnerInstitution"), entity_iri("institution", agreement.institution))
    out.add_all(node, pas("partnerFaculty"),
                (entity_iri("faculty", f) for f in agreement.faculties))
    out.add_all(node, pas("agreementType"), (pas(AGREEMENT_TYPES[t]) for t in agreement.types))
    out.add_all(node, pas("network"),
                (entity_iri("network", n) for n in agreement.networks))
    out.add(node, pas("status"), pas(STATUS[agreement.status]))
    if agreement.agreement_text:
        out.add(node, pas("agreementText"), text(agreement.agreement_text))
    if agreement.url:
        out.add(node, pas("sourceUrl"), typed(agreement.url, "anyURI"))
    if agreement.note:
        out.add(node, NOTE, text(agreement.note))
    _provenance(out, node, agreement.origin, document)


def _figure(out: Quads, figure: PublishedFigure, slug: str, school, document) -> None:
    node = entity_iri("figure", f"{figure.origin.source_id}/{slug}")
    out.add(node, RDF_TYPE, pas("PublishedFigure"))
    out.add(node, LABEL, text(figure.label or figure.measure))
    out.add(node, pas("publishedBy"), school)
    out.add(node, pas("measure"), pas(MEASURES[figure.measure]))
    out.add(node, pas("value"), decimal(figure.value))
    out.add(node, pas("qualifier"), text(figure.qualifier))
    out.add(node, pas("unit"), text(figure.unit))
    if figure.issued:
        out.add(node, pas("issued"), typed(figure.issued, "date"))
    if figure.as_of:
        out.add(node, pas("asOf"), typed(figure.as_of, "date"))
    _provenance(out, node, figure.origin, document)


def _programme(out: Quads, rule: ProgrammeRule, slug: str, school, document) -> None:
    node = entity_iri("programme", f"{rule.origin.source_id}/{slug}")
    out.add(node, RDF_TYPE, pas("Programme"))
    out.add(node, LABEL, text(rule.label))
    out.add(node, pas("offeredBy"), school)
    if rule.audience:
        out.add(node, pas("audience"), text(rule.audience))
    if rule.min_duration:
        out.add(node, pas("minDuration"), typed(rule.min_duration, "duration"))
    if rule.max_duration:
        out.add(node, pas("maxDuration"), typed(rule.max_duration, "duration"))
    if rule.ects is not None:
        out.add(node, pas("ects"), typed(rule.ects, "integer"))
    if rule.awards_degree is not None:
        out.add(node, pas("awardsDegree"), typed(str(rule.awards_degree).lower(), "boolean"))
    if rule.note:
        out.add(node, NOTE, text(rule.note))
    if rule.mandatory is not None:
        out.add(node, pas("mandatory"), typed(str(rule.mandatory).lower(), "boolean"))
    # A rule counts towards another rule of the same document (the parser checked it is there).
    out.add_all(node, pas("countsTowards"),
                (entity_iri("programme", f"{rule.origin.source_id}/{key}")
                 for key in rule.counts_towards))
    if rule.teaching_language:
        out.add(node, pas("teachingLanguage"), text(rule.teaching_language))
    for number, condition in enumerate(rule.conditions, start=1):
        _condition(out, node, f"{rule.origin.source_id}/{slug}/condition-{number}", condition,
                   document)
    _provenance(out, node, rule.origin, document)


def _condition(out: Quads, programme, slug: str, condition: Condition, document) -> None:
    node = entity_iri("programme", slug)
    out.add(programme, pas("condition"), node)
    out.add(node, RDF_TYPE, pas("Condition"))
    out.add(node, LABEL, text(condition.statement))
    out.add(node, pas("conditionKind"), pas(CONDITION_KINDS[condition.kind]))
    if condition.language:
        out.add(node, pas("language"), text(condition.language))
    _provenance(out, node, condition.origin, document)


def _provenance(out: Quads, node, origin, document) -> None:
    out.add(node, pas("sourceText"), text(origin.text))
    out.add(node, pas("sourceLine"), typed(origin.line, "integer"))
    out.add(node, DERIVED_FROM, document)


def _unique_keys(records, key) -> list[tuple]:
    """Pair each record with an IRI slug unique within its document (key, key-2, ...)."""
    seen: dict[str, int] = {}
    paired = []
    for record in records:
        base = key(record)
        seen[base] = seen.get(base, 0) + 1
        paired.append((record, base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return paired


def _deduplicated(quads: list[Quad]) -> list[Quad]:
    return list(dict.fromkeys(quads))
