"""Summarise: what the catalogue asks again and again, computed once per build.

After reasoning, the build writes into the ``summary`` graph the answers a warehouse would keep
as materialised views, so that each canned query reads a few nodes starting from its bound
parameter instead of joining every agreement of the store on every call:

- ``pas:PartnerSummary``, one per (school, partner institution): the agreement types,
  networks, faculties and statuses of the school's agreements with it, each joined with "; "
  exactly as the live queries join them, how many agreements, and the networks
  (``pas:aboutNetwork``) they run under;
- ``pas:Tally``, per school (and for all schools together) and per country, agreement type,
  network or status: distinct partner institutions, agreements (and, for all schools,
  schools);
- ``pas:SchoolSummary``, per school: partners, agreements, countries;
- ``pas:Overlap``, per pair of schools: shared partners, their union and the Jaccard index,
  from the schools' partner sets as Python integers used as bit sets (no SPARQL self-join);
- ``pas:FigureCheck``, per published figure: the row of the live published-figures check,
  evaluated once here from ``queries/live/published-figures-check.rq``;
- on each agreement, its types, networks and faculties joined with "; " (``pas:typeList``,
  ``pas:networkList``, ``pas:facultyList``); on each institution, its country's ISO code
  (``pas:countryCode``).

The strings and counts come from SPARQL aggregates evaluated here, once, over the working
store: the same expressions as the live queries in ``queries/live/``, so the terms are equal
by construction, and tests/test_summary_oracles.py checks that each canned query gives the
live query's rows. Every node lives under ``id/summary/``; the ontology describes the
vocabulary and the shapes check it.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from graph.errors import BuildError
from graph.rdf import ID, PAS, RDF_TYPE, XSD, graph_iri
from passerelle.paths import QUERIES_DIR
from passerelle.vocabulary import sparql_prefixes

SUMMARY = "summary"
SUMMARY_ID = ID + "summary/"
AGREEMENT_ID = ID + "agreement/"
INFERRED = graph_iri("inferred")
LIVE_FIGURE_CHECK = QUERIES_DIR / "live" / "published-figures-check.rq"
# Every pair of schools is kept while there are at most this many pairs (100x: 44,850). Past
# it (1000x: 4.5 million) each school keeps its closest partners-in-common, so that the
# store stays within its memory bound; the build's metadata says how many pairs were kept.
MAX_PAIRS = 250_000
# Quads made into Python objects and written at a time: 100,000 took 90 MB (the chunk
# itself, then its N-Quads), 10,000 take 10 MB.
SUMMARY_CHUNK = 10_000
# How far the figure check's own part of the graph reaches from a school's agreements and
# figures: partner -> country, type -> broader type -> its broader type.
WALK = 4

PREFIXES = sparql_prefixes("pas", "rdfs", "skos")
# Flat reads, one pass each; everything else is computed in Python from them.
AGREEMENTS = PREFIXES + """
SELECT ?agreement ?school ?partner ?status
WHERE { ?agreement pas:school ?school ; pas:partnerInstitution ?partner .
        OPTIONAL { ?agreement pas:status ?status } }
"""
LINKS = PREFIXES + """
SELECT ?agreement ?value WHERE {{ ?agreement pas:school ?school ; {path} ?value }}
"""
LABELS = PREFIXES + "SELECT ?node ?label WHERE {{ ?node {path} ?label {condition} }}"
COUNTRIES = PREFIXES + "SELECT ?institution ?country WHERE { ?institution pas:country ?country }"
COUNTRY_CODES = PREFIXES + """
SELECT ?institution ?code WHERE { ?institution pas:country ?country . ?country pas:isoCode ?code }
"""
PUBLISHERS = PREFIXES + "SELECT DISTINCT ?school WHERE { ?figure pas:publishedBy ?school }"

# The columns of the live published-figures check, and the property each becomes.
# The class of the tallies of each dimension.
DIMENSIONS = {"country": "CountryTally", "type": "TypeTally", "network": "NetworkTally",
              "status": "StatusTally"}
FIGURE_CHECK_COLUMNS = {"school": "aboutSchool", "figure": "figure", "published": "published",
                        "computed": "computed", "countingRule": "countingRule",
                        "consistent": "consistent", "unit": "countingUnit",
                        "otherUnit": "otherCountingUnit", "otherComputed": "otherComputed",
                        "otherConsistent": "otherConsistent"}


@dataclass(frozen=True)
class Stats:
    """What the stage wrote: quads, and pairs of schools kept out of all pairs."""

    quads: int
    pairs: int
    all_pairs: int


def pas(name: str) -> NamedNode:
    return NamedNode(PAS + name)


def summarise(store: Store, max_pairs: int = MAX_PAIRS, nodes: Sink | None = None) -> Stats:
    """Compute every summary from the store and write it to the summary graph: the summary
    nodes to `nodes` when given (graph/summary_file.py), else to the store like the rest."""
    graph = graph_iri(SUMMARY)
    facts = _Facts(store)
    overlaps = _Overlaps(facts.partner_sets(), max_pairs)
    into_store = store.bulk_extend
    into_nodes = into_store if nodes is None else nodes.add
    written = 0
    # The lists on agreements and the codes on institutions stay in the store, where the
    # shapes check them with the rest of each node (graph/validate.py); in this order, as
    # the figure checks read the agreements' lists.
    for part, write in ((_partner_summaries(facts), into_nodes),
                        (_agreement_lists(facts), into_store),
                        (_tallies(facts), into_nodes), (_school_summaries(facts), into_nodes),
                        (overlaps.quads(), into_nodes), (_figure_checks(store), into_nodes),
                        (_country_codes(store), into_store)):
        # A chunk at a time: all of a part's quads at once were 2 million Python objects
        # (the partner summaries at 1000x), on top of the store.
        for chunk in node_chunks((Quad(s, p, o, graph) for s, p, o in part), SUMMARY_CHUNK):
            write(chunk)
            written += len(chunk)
    return Stats(written, overlaps.kept, overlaps.all_pairs)


class Sink(Protocol):
    def add(self, chunk: list[Quad]) -> None: ...


def node_chunks(quads: Iterable[Quad], size: int) -> Iterator[list[Quad]]:
    """The quads as lists of about `size`, cut only where the subject changes: each part
    writes a node's quads together, and so each list holds its nodes whole."""
    chunk: list[Quad] = []
    for quad in quads:
        if len(chunk) >= size and quad.subject != chunk[-1].subject:
            yield chunk
            chunk = []
        chunk.append(quad)
    if chunk:
        yield chunk


def _select(store: Store, query: str, **options) -> Iterator:
    return iter(store.query(query, use_default_graph_as_union=True, **options))


def local(term: NamedNode) -> str:
    """The last segment of an IRI (after / or #), made safe for a path segment."""
    tail = term.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return quote(tail, safe="-_.~")


def node(*segments: str) -> NamedNode:
    return NamedNode(SUMMARY_ID + "/".join(segments))


def _typed(subject: NamedNode, cls: str) -> tuple:
    return (subject, RDF_TYPE, pas(cls))


def joined(labels: Iterable[Literal]) -> Literal:
    """The labels joined with "; ", as SPARQL's GROUP_CONCAT joins them in Oxigraph: the
    result keeps the language tag only when every label has that same tag."""
    labels = list(labels)
    languages = {label.language for label in labels}
    text = SEPARATOR.join(label.value for label in labels)
    language = languages.pop() if len(languages) == 1 else None
    return Literal(text, language=language) if language else Literal(text)


def without_empty_items(text: Literal) -> Literal:
    """The catalogue's REPLACEs: an agreement without a faculty or network adds an empty
    item to the list, which they take out again (with its separator)."""
    value = re.sub("^; |; $", "", text.value.replace("; ; ", "; "))
    return Literal(value, language=text.language) if text.language else Literal(value)


def distinct(items: Iterable) -> list:
    return list(dict.fromkeys(items))


@dataclass
class _Agreement:
    school: NamedNode
    partners: list[NamedNode]
    status: NamedNode | None
    types: list[NamedNode]
    networks: list[NamedNode]
    faculties: list[NamedNode]


class _Facts:
    """The agreements and labels the summaries are made of, read in a few flat passes."""

    def __init__(self, store: Store):
        self.agreements: dict[NamedNode, _Agreement] = {}
        for agreement, school, partner, status in _select(store, AGREEMENTS):
            known = self.agreements.get(agreement)
            if known is None:
                self.agreements[agreement] = _Agreement(school, [partner], status, [], [], [])
            elif partner not in known.partners:
                known.partners.append(partner)
        for path, kind in (("pas:agreementType", "types"), ("pas:network", "networks"),
                           ("pas:partnerFaculty", "faculties")):
            for agreement, value in _select(store, LINKS.format(path=path)):
                if agreement in self.agreements:
                    getattr(self.agreements[agreement], kind).append(value)
        english = 'FILTER(LANG(?label) = "en")'
        self.concept_labels = self._labels(store, "skos:prefLabel", english)
        self.labels = self._labels(store, "rdfs:label", "")
        self.country = {i: c for i, c in _select(store, COUNTRIES)}

    @staticmethod
    def _labels(store: Store, path: str, condition: str) -> dict[NamedNode, list[Literal]]:
        found: dict[NamedNode, list[Literal]] = {}
        for subject, label in _select(store, LABELS.format(path=path, condition=condition)):
            found.setdefault(subject, []).append(label)
        return found

    def rows(self, agreement: _Agreement) -> list[tuple[Literal, Literal, Literal, Literal]]:
        """(type, faculty, network, status) label rows of an agreement, as the live queries
        join them: one per combination, "" for a missing faculty or network; none without an
        English type or status label."""
        statuses = [Literal(label.value) for label in
                    self.concept_labels.get(agreement.status, [])]
        types = [label for t in agreement.types for label in self.concept_labels.get(t, [])]
        faculties = [label for f in agreement.faculties for label in self.labels.get(f, [])]
        networks = [label for n in agreement.networks for label in self.labels.get(n, [])]
        return [(t, f, n, s) for t in types for f in faculties or [EMPTY]
                for n in networks or [EMPTY] for s in statuses]

    def partner_sets(self) -> dict[NamedNode, set[NamedNode]]:
        found: dict[NamedNode, set[NamedNode]] = {}
        for agreement in self.agreements.values():
            found.setdefault(agreement.school, set()).update(agreement.partners)
        return found


EMPTY = Literal("")
SEPARATOR = "; "


def _sorted_rows(rows: list[tuple]) -> list[tuple]:
    """Rows ordered by type, faculty then network label, as the live queries order them."""
    return sorted(rows, key=lambda row: (row[0].value, row[1].value, row[2].value))


def _partner_summaries(facts: _Facts) -> Iterator[tuple]:
    # A school at a time: the label rows of every agreement at once were the summary
    # stage's largest Python objects (100 MB at 100x), on top of the working store.
    schools: dict[NamedNode, list[_Agreement]] = defaultdict(list)
    for agreement in facts.agreements.values():
        schools[agreement.school].append(agreement)
    for own in schools.values():
        yield from _school_partner_summaries(facts, own)


def _school_partner_summaries(facts: _Facts, own: list[_Agreement]) -> Iterator[tuple]:
    rows: dict[tuple[NamedNode, NamedNode], list[tuple]] = {}
    networks: dict[tuple[NamedNode, NamedNode], list[NamedNode]] = {}
    agreements: dict[tuple[NamedNode, NamedNode], int] = defaultdict(int)
    for agreement in own:
        found = facts.rows(agreement)
        for partner in agreement.partners:
            key = (agreement.school, partner)
            networks.setdefault(key, []).extend(agreement.networks)
            if found:
                rows.setdefault(key, []).extend(found)
                agreements[key] += 1
    for (school, partner), found in rows.items():
        found = _sorted_rows(found)
        subject = node("partner", local(school), local(partner))
        yield _typed(subject, "PartnerSummary")
        yield subject, pas("aboutSchool"), school
        yield subject, pas("aboutPartner"), partner
        types, faculties, networks_, statuses = (joined(distinct(r[i] for r in found))
                                                 for i in range(4))
        yield subject, pas("typeList"), types
        yield subject, pas("facultyList"), without_empty_items(faculties)
        yield subject, pas("networkList"), without_empty_items(networks_)
        yield subject, pas("statusList"), statuses
        yield subject, pas("agreementCount"), integer(agreements[school, partner])
        for network in distinct(networks[school, partner]):
            yield subject, pas("aboutNetwork"), network


def _agreement_lists(facts: _Facts) -> Iterator[tuple]:
    for agreement_node, agreement in facts.agreements.items():
        found = facts.rows(agreement)
        if not found:
            continue
        # Ordered by type, network, then faculty label, as queries/live/institution.rq.
        found.sort(key=lambda row: (row[0].value, row[2].value, row[1].value))
        yield agreement_node, pas("typeList"), joined(distinct(r[0] for r in found))
        yield agreement_node, pas("networkList"), without_empty_items(
            joined(distinct(r[2] for r in found)))
        yield agreement_node, pas("facultyList"), without_empty_items(
            joined(distinct(r[1] for r in found)))


@dataclass
class _Count:
    schools: set = field(default_factory=set)
    partners: set = field(default_factory=set)
    agreements: int = 0


def _tallies(facts: _Facts) -> Iterator[tuple]:
    """Per school and for all schools: partners, agreements (and schools) per value of each
    dimension."""
    per_school: dict[tuple, _Count] = defaultdict(_Count)
    per_value: dict[tuple, _Count] = defaultdict(_Count)
    for agreement in facts.agreements.values():
        values = {"type": set(agreement.types), "network": set(agreement.networks),
                  "status": {agreement.status} - {None}}
        for partner in agreement.partners:
            country = facts.country.get(partner)
            values_here = {**values, "country": {country} - {None}}
            for dimension, found in values_here.items():
                for value in found:
                    for count in (per_school[agreement.school, dimension, value],
                                  per_value[dimension, value]):
                        count.partners.add(partner)
                        count.schools.add(agreement.school)
        for dimension, found in {**values, "country": {facts.country.get(p) for p in
                                                       agreement.partners} - {None}}.items():
            for value in found:
                per_school[agreement.school, dimension, value].agreements += 1
                per_value[dimension, value].agreements += 1
    for (school, dimension, value), count in per_school.items():
        subject = node("tally", local(school), dimension, local(value))
        yield from _tally(subject, dimension, value, count)
        yield subject, pas("aboutSchool"), school
    for (dimension, value), count in per_value.items():
        subject = node("tally", "all-schools", dimension, local(value))
        yield from _tally(subject, dimension, value, count)
        yield subject, pas("schoolCount"), integer(len(count.schools))


def _tally(subject, dimension: str, value, count: _Count) -> Iterator[tuple]:
    yield _typed(subject, DIMENSIONS[dimension])
    yield subject, pas("tallyOf"), value
    yield subject, pas("partnerCount"), integer(len(count.partners))
    yield subject, pas("agreementCount"), integer(count.agreements)


def _school_summaries(facts: _Facts) -> Iterator[tuple]:
    agreements: dict[NamedNode, int] = defaultdict(int)
    for agreement in facts.agreements.values():
        agreements[agreement.school] += 1
    for school, partners in facts.partner_sets().items():
        countries = {facts.country[p] for p in partners if p in facts.country}
        subject = node("school", local(school))
        yield _typed(subject, "SchoolSummary")
        yield subject, pas("aboutSchool"), school
        yield subject, pas("partnerCount"), integer(len(partners))
        yield subject, pas("agreementCount"), integer(agreements[school])
        yield subject, pas("countryCount"), integer(len(countries))


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def jaccard(shared: int, union: int) -> Literal:
    """shared / union rounded to 4 decimals, half up, as SPARQL's ROUND gives it."""
    ratio = (Decimal(shared) / Decimal(union)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    text = format(ratio.normalize(), "f") if ratio else "0"
    return Literal(text, datatype=NamedNode(XSD + "decimal"))


class _Overlaps:
    """Pairs of schools, their shared partners and union, from bit sets of partners."""

    def __init__(self, partners: dict[NamedNode, set[NamedNode]], max_pairs: int):
        index = {p: i for i, p in enumerate(sorted({p.value for ps in partners.values()
                                                    for p in ps}))}
        self.bits = {s: sum(1 << index[p.value] for p in ps) for s, ps in partners.items()}
        self.schools = sorted(self.bits, key=lambda s: s.value)  # each pair: smaller IRI first
        self.all_pairs = len(self.schools) * (len(self.schools) - 1) // 2
        self.max_pairs = max_pairs
        self.kept = 0

    def _counts(self) -> Iterator[tuple[NamedNode, NamedNode, int]]:
        for i, school in enumerate(self.schools):
            bits = self.bits[school]
            for other in self.schools[i + 1:]:
                yield school, other, (bits & self.bits[other]).bit_count()

    def _pairs(self) -> Iterable[tuple[NamedNode, NamedNode, int]]:
        if self.all_pairs <= self.max_pairs:
            return self._counts()
        # Too many pairs to keep: each school's closest schools, up to its share of max_pairs
        # (closest: highest Jaccard, then the smaller IRI). Each school holds only its best
        # so far, in a heap whose root is the worst of them: all the candidates of all the
        # schools (9 million at 1000x) took 2 GB.
        share = max(1, self.max_pairs // len(self.schools))
        position = {school: i for i, school in enumerate(self.schools)}
        best: dict[NamedNode, list] = {s: [] for s in self.schools}
        for school, other, shared in self._counts():
            if shared:
                score = shared / self._union(school, other, shared)
                _keep(best[school], share, (score, -position[other], shared))
                _keep(best[other], share, (score, -position[school], shared))
        kept = {}
        for school, heap in best.items():
            for _, minus_position, shared in heap:
                other = self.schools[-minus_position]
                pair = (school, other) if school.value < other.value else (other, school)
                kept[pair] = shared
        return sorted(((a, b, n) for (a, b), n in kept.items()),
                      key=lambda t: (t[0].value, t[1].value))

    def _union(self, school, other, shared) -> int:
        return self.bits[school].bit_count() + self.bits[other].bit_count() - shared

    def quads(self) -> Iterator[tuple]:
        for school, other, shared in self._pairs():
            union = self._union(school, other, shared)
            subject = node("overlap", local(school), local(other))
            self.kept += 1
            yield _typed(subject, "Overlap")
            yield subject, pas("aboutSchool"), school
            yield subject, pas("aboutOtherSchool"), other
            yield subject, pas("sharedPartnerCount"), integer(shared)
            yield subject, pas("unionPartnerCount"), integer(union)
            yield subject, pas("jaccard"), jaccard(shared, union)


def _keep(heap: list, size: int, candidate: tuple) -> None:
    """Keep the `size` greatest candidates in the min-heap `heap`."""
    if len(heap) < size:
        heapq.heappush(heap, candidate)
    elif candidate > heap[0]:
        heapq.heapreplace(heap, candidate)


def _country_codes(store: Store) -> Iterator[tuple]:
    """Each institution's country code on the institution itself: queries read it with one
    pattern, where an OPTIONAL of two (country, then its code) is joined over every
    institution by pyoxigraph before the bound parameter narrows anything."""
    # Read before any is written: the store is written to between chunks.
    for institution, code in list(_select(store, COUNTRY_CODES)):
        yield institution, pas("countryCode"), code


def _figure_checks(store: Store) -> Iterator[tuple]:
    """The live published-figures check, evaluated once per publishing school, on that
    school's own part of the graph: its figures, its agreements, their partners and what
    those name, with the ontology (run on the whole store, the check's UNIONs would walk
    every agreement of every school, for each school)."""
    try:
        text = LIVE_FIGURE_CHECK.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"cannot read the live figure check: {exc}", LIVE_FIGURE_CHECK) from exc
    positions: dict[str, int] = {}
    for (school,) in list(_select(store, PUBLISHERS)):
        answer = _own_part(store, school).query(text, use_default_graph_as_union=True,
                                                substitutions={Variable("school"): school})
        yield from _figure_check_rows(answer, positions)


def _own_part(store: Store, school: NamedNode) -> Store:
    """Every quad about the school, its figures and agreements, and what those name (partners,
    countries, types, measures, and what these name in turn, up to WALK steps), plus the
    ontology graph, in a store of its own."""
    part = Store()
    part.bulk_extend(store.quads_for_pattern(None, None, None, graph_iri("ontology")))
    subjects = {school}
    for pattern in ((None, pas("publishedBy"), school), (None, pas("school"), school)):
        subjects.update(q.subject for q in store.quads_for_pattern(*pattern, None))
    frontier = set(subjects)
    for step in range(WALK):
        # Past the school's own nodes, only what was asserted: what reasoning adds to a
        # partner or a country (inverse links) leads to every other school's agreements.
        quads = [q for s in frontier for q in store.quads_for_pattern(s, None, None)
                 if step == 0 or q.graph_name != INFERRED]
        part.bulk_extend(quads)
        frontier = {q.object for q in quads if isinstance(q.object, NamedNode)
                    and q.object.value.startswith((ID, PAS))
                    and not q.object.value.startswith(AGREEMENT_ID)} - subjects
        subjects |= frontier
    return part


def _figure_check_rows(answer, positions: dict[str, int]) -> Iterator[tuple]:
    columns = [v.value for v in answer.variables]
    unknown = [c for c in columns if c not in FIGURE_CHECK_COLUMNS]
    if unknown:
        raise BuildError(f"columns {unknown} have no property in graph/summary.py "
                         "(FIGURE_CHECK_COLUMNS) and the ontology", LIVE_FIGURE_CHECK)
    for row in answer:
        values = dict(zip(columns, row, strict=True))
        school = values["school"]
        position = positions[school.value] = positions.get(school.value, 0) + 1
        subject = node("figure-check", local(school), str(position))
        yield _typed(subject, "FigureCheck")
        yield subject, pas("position"), integer(position)
        for column, term in values.items():
            if term is not None:
                yield subject, pas(FIGURE_CHECK_COLUMNS[column]), term
