"""Reason at scale: the OWL-RL rules the ontology needs, run as SPARQL updates inside the store.

owlrl (tests/oracles/reason.py) computes the closure in Python over an rdflib graph: exact, and
far too slow and memory-hungry past a few thousand agreements. This module reads the
ontology once, turns each axiom into the OWL 2 RL rule it triggers, and runs those rules
as SPARQL ``INSERT ... WHERE`` inside the pyoxigraph store until nothing new comes, so the
data never leaves the store. The rules implemented (names from the OWL 2 RL profile):

- cax-sco, cax-eqc: ``x a C``, C below D -> ``x a D`` (the class hierarchy, closed here);
- prp-spo1, prp-eqp: ``x p y``, p below q -> ``x q y`` (the property hierarchy, closed here);
- prp-dom, prp-rng, prp-inv, prp-symp, prp-trp, prp-spo2 (property chains of any length);
- prp-fp, prp-ifp and the equality rules eq-sym, eq-trans, eq-rep-s/p/o.

The schema rules (scm-*) are folded into the hierarchies computed here. Axioms that only
detect inconsistencies (disjointness, irreflexive or asymmetric properties, differentFrom)
derive no triple and are ignored, as owlrl only reports them. Any other OWL construct
(restrictions, intersections, unions, keys...) raises BuildError: this reasoner refuses an
ontology it would close differently from owlrl, rather than diverge silently.

What is kept matches the owlrl oracle (tests/oracles/reason.py): triples about instances
(subjects under id/), minus the trivial ones, written to the ``inferred`` graph; the rest of
the closure (about ontology terms) lives in a scratch graph during the run, since rules may
need it, and is dropped at the end. Asserted ``owl:sameAs`` links (to Wikidata) are not
reasoned over, as in the owlrl oracle; only identities that the rules derive (from
functional properties) are. One difference, documented and tested: two literal values of a
functional datatype property derive nothing here (owlrl would equate the two literals);
SHACL's maxCount reports them either way.

The fixpoint is semi-naive: each round evaluates the rules with at least one premise taken
from the triples the previous round derived (a "delta" graph), so that every round costs
what it derives, not the size of the store. tests/test_materialise.py checks that the
result equals owlrl's on the seeds and on cases that exercise every rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import rdflib
from pyoxigraph import NamedNode, Store
from rdflib.namespace import OWL, RDF, RDFS

from graph.errors import BuildError
from passerelle.vocabulary import GRAPH, ID

TRIVIAL_TYPES = (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)
SCRATCH = NamedNode(GRAPH + "reasoning-scratch")
DELTA = GRAPH + "reasoning-delta-"
MAX_ROUNDS = 100  # a bound, far above the depth of any derivation the ontology allows

# OWL constructs whose rules are not implemented here.
UNSUPPORTED = {OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.onProperty,
               OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.hasSelf,
               OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality,
               OWL.hasKey, OWL.sameAs, OWL.Restriction}


@dataclass
class Rules:
    """The rules an ontology triggers, as IRIs (strings)."""

    superclasses: dict[str, set[str]] = field(default_factory=dict)  # class -> all above it
    superproperties: dict[str, set[str]] = field(default_factory=dict)
    domains: dict[str, set[str]] = field(default_factory=dict)  # property -> classes
    ranges: dict[str, set[str]] = field(default_factory=dict)
    inverses: set[tuple[str, str]] = field(default_factory=set)  # x p y -> y q x
    chains: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    transitive: set[str] = field(default_factory=set)
    functional: set[str] = field(default_factory=set)
    inverse_functional: set[str] = field(default_factory=set)


def rules_from(ontology: rdflib.Graph) -> Rules:
    """Read the rules out of an ontology; BuildError names an axiom this reasoner cannot run."""
    _refuse_unsupported(ontology)
    rules = Rules()
    rules.superclasses = _closure(ontology, RDFS.subClassOf, OWL.equivalentClass)
    rules.superproperties = _closure(ontology, RDFS.subPropertyOf, OWL.equivalentProperty)
    for predicate, table in ((RDFS.domain, rules.domains), (RDFS.range, rules.ranges)):
        for prop, cls in ontology.subject_objects(predicate):
            table.setdefault(_iri(prop), set()).add(_iri(cls))
    for p, q in ontology.subject_objects(OWL.inverseOf):
        rules.inverses |= {(_iri(p), _iri(q)), (_iri(q), _iri(p))}
    for p in ontology.subjects(RDF.type, OWL.SymmetricProperty):
        rules.inverses.add((_iri(p), _iri(p)))
    for prop, head in ontology.subject_objects(OWL.propertyChainAxiom):
        rules.chains.append((tuple(_iri(step) for step in ontology.items(head)), _iri(prop)))
    for kind, table in ((OWL.TransitiveProperty, rules.transitive),
                        (OWL.FunctionalProperty, rules.functional),
                        (OWL.InverseFunctionalProperty, rules.inverse_functional)):
        table.update(_iri(p) for p in ontology.subjects(RDF.type, kind))
    rules.chains.sort()
    return rules


def _refuse_unsupported(ontology: rdflib.Graph) -> None:
    for triple in ontology:
        used = UNSUPPORTED.intersection(triple)
        if used:
            raise BuildError("the ontology uses " + ", ".join(sorted(used)) + ", which the "
                             "in-store reasoner (graph/materialise.py) does not implement")
    for predicate in (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf,
                      OWL.equivalentProperty, OWL.inverseOf, RDFS.domain, RDFS.range):
        for subject, obj in ontology.subject_objects(predicate):
            if not isinstance(subject, rdflib.URIRef) or not isinstance(obj, rdflib.URIRef):
                raise BuildError(f"the ontology states {predicate.n3()} of an anonymous class "
                                 "or property, which the in-store reasoner does not implement")


def _iri(term) -> str:
    if not isinstance(term, rdflib.URIRef):
        raise BuildError(f"the in-store reasoner needs a named class or property, not {term!r}")
    return str(term)


def _closure(ontology: rdflib.Graph, below, equivalent) -> dict[str, set[str]]:
    """Everything above each term through ``below`` and ``equivalent`` links, itself excluded."""
    above: dict[str, set[str]] = defaultdict(set)
    for lower, upper in ontology.subject_objects(below):
        above[_iri(lower)].add(_iri(upper))
    for one, other in ontology.subject_objects(equivalent):
        above[_iri(one)].add(_iri(other))
        above[_iri(other)].add(_iri(one))
    closed = {}
    for start in list(above):
        reached, pending = set(), list(above[start])
        while pending:
            term = pending.pop()
            if term not in reached:
                reached.add(term)
                pending.extend(above.get(term, ()))
        closed[start] = reached - {start}
    return {term: ups for term, ups in sorted(closed.items()) if ups}


@dataclass(frozen=True)
class Stats:
    """What a run derived: triples kept in the inferred graph, and rounds to the fixpoint."""

    inferred: int
    rounds: int


def materialise(store: Store, rules: Rules, inferred: NamedNode) -> Stats:
    """Close the store under the rules, writing what is about instances to ``inferred``."""
    families = _families(rules)
    delta = None
    for round_number in range(1, MAX_ROUNDS + 1):
        derived = NamedNode(f"{DELTA}{round_number}")
        for family in families:
            for update in family.updates(delta, derived, inferred):
                store.update(update)
        if delta is not None:
            store.remove_graph(delta)
        if not store.query(f"ASK {{ GRAPH <{derived.value}> {{ ?s ?p ?o }} }}"):
            break
        delta = derived
    else:
        raise BuildError(f"reasoning found no fixpoint in {MAX_ROUNDS} rounds")
    for graph in (SCRATCH, derived):
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    (count,) = next(iter(store.query(
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{inferred.value}> {{ ?s ?p ?o }} }}")))
    return Stats(int(count.value), round_number)


RDF_TYPE = f"<{RDF.type}>"
SAME_AS = f"<{OWL.sameAs}>"


@dataclass(frozen=True)
class _Family:
    """One rule, or one rule for many terms at once (their pairs in a VALUES clause).

    ``identities`` are the premises that read owl:sameAs, which come from derived triples
    only (the inferred and scratch graphs): asserted identity links are not reasoned over.
    """

    premises: tuple[tuple[str, str, str], ...]
    conclusion: tuple[str, str, str]
    values: str = ""
    condition: str = ""
    identities: tuple[int, ...] = ()

    def updates(self, delta: NamedNode | None, derived: NamedNode,
                inferred: NamedNode) -> list[str]:
        """One update per premise that can come from the delta (all at once in round one)."""
        if delta is None:
            return [self._update(None, None, derived, inferred)]
        return [self._update(delta, i, derived, inferred) for i in range(len(self.premises))]

    def _update(self, delta, from_delta, derived, inferred) -> str:
        reasoning = f"<{inferred.value}> <{SCRATCH.value}>"
        patterns = []
        for index, (s, p, o) in enumerate(self.premises):
            if index == from_delta:
                patterns.append(f"GRAPH <{delta.value}> {{ {s} {p} {o} }}")
            elif index in self.identities:
                patterns.append(f"VALUES ?r{index} {{ {reasoning} }} "
                                f"GRAPH ?r{index} {{ {s} {p} {o} }}")
            else:
                patterns.append(f"GRAPH ?g{index} {{ {s} {p} {o} }}")
        s, p, o = self.conclusion
        existing = f"VALUES ?known {{ {reasoning} }} " if p == SAME_AS else ""
        condition = f"FILTER({self.condition})" if self.condition else ""
        triple = f"{s} {p} {o}"
        return f"""INSERT {{ GRAPH ?target {{ {triple} }} GRAPH <{derived.value}> {{ {triple} }} }}
WHERE {{
  {self.values}
  {" ".join(patterns)}
  {condition}
  FILTER NOT EXISTS {{ {existing}GRAPH ?known {{ {s} {p} {o} }} }}
  BIND(IF({_kept(s, p, o)}, <{inferred.value}>, <{SCRATCH.value}>) AS ?target)
}}"""


def _kept(s: str, p: str, o: str) -> str:
    """The SPARQL test of the owlrl oracle's filter (tests/oracles/reason.py): about an
    instance, and not trivial."""
    trivial = " || ".join(f"sameTerm({o}, <{t}>)" for t in TRIVIAL_TYPES)
    return (f"isIRI({s}) && STRSTARTS(STR({s}), \"{ID}\") && !isBlank({o}) "
            f"&& !(sameTerm({p}, {RDF_TYPE}) && ({trivial})) "
            f"&& !(sameTerm({p}, {SAME_AS}) && sameTerm({s}, {o}))")


def _pairs(variables: str, pairs) -> str:
    rows = " ".join(f"({' '.join(f'<{term}>' for term in pair)})" for pair in sorted(pairs))
    return f"VALUES ({variables}) {{ {rows} }}" if rows else ""


def _families(rules: Rules) -> list[_Family]:
    """The rules as SPARQL families; those with no terms to apply to are left out."""
    def flat(table):
        return [(key, value) for key, values in table.items() for value in values]

    families = [
        _Family((("?x", RDF_TYPE, "?c"),), ("?x", RDF_TYPE, "?d"),  # cax-sco, cax-eqc
                _pairs("?c ?d", flat(rules.superclasses))),
        _Family((("?x", "?p", "?y"),), ("?x", "?q", "?y"),  # prp-spo1, prp-eqp
                _pairs("?p ?q", flat(rules.superproperties))),
        _Family((("?x", "?p", "?y"),), ("?x", RDF_TYPE, "?c"),  # prp-dom
                _pairs("?p ?c", flat(rules.domains))),
        _Family((("?x", "?p", "?y"),), ("?y", RDF_TYPE, "?c"),  # prp-rng
                _pairs("?p ?c", flat(rules.ranges)), "!isLiteral(?y)"),
        _Family((("?x", "?p", "?y"),), ("?y", "?q", "?x"),  # prp-inv, prp-symp
                _pairs("?p ?q", rules.inverses), "!isLiteral(?y)"),
        _Family((("?x", "?p", "?y"), ("?y", "?p", "?z")), ("?x", "?p", "?z"),  # prp-trp
                _pairs("?p", [(p,) for p in rules.transitive])),
        _Family((("?x", "?p", "?y1"), ("?x", "?p", "?y2")), ("?y1", SAME_AS, "?y2"),  # prp-fp
                _pairs("?p", [(p,) for p in rules.functional]),
                "!sameTerm(?y1, ?y2) && !isLiteral(?y1) && !isLiteral(?y2)"),
        _Family((("?x1", "?p", "?y"), ("?x2", "?p", "?y")), ("?x1", SAME_AS, "?x2"),  # prp-ifp
                _pairs("?p", [(p,) for p in rules.inverse_functional]), "!sameTerm(?x1, ?x2)"),
    ]
    families = [f for f in families if f.values]
    for steps, prop in rules.chains:  # prp-spo2
        premises = tuple((f"?x{i}", f"<{step}>", f"?x{i + 1}") for i, step in enumerate(steps))
        families.append(_Family(premises, ("?x0", f"<{prop}>", f"?x{len(steps)}")))
    return families + _equality_families()


def _equality_families() -> list[_Family]:
    """eq-sym, eq-trans, eq-rep-s, eq-rep-p, eq-rep-o over derived identities."""
    same = ("?x", SAME_AS, "?y")
    not_identity = f"!sameTerm(?p, {SAME_AS})"
    return [
        _Family((same,), ("?y", SAME_AS, "?x"), identities=(0,)),
        _Family((same, ("?y", SAME_AS, "?z")), ("?x", SAME_AS, "?z"), identities=(0, 1)),
        _Family((same, ("?x", "?p", "?o")), ("?y", "?p", "?o"), "", not_identity, (0,)),
        _Family((same, ("?s", "?x", "?o")), ("?s", "?y", "?o"), "", "", (0,)),
        _Family((same, ("?s", "?p", "?x")), ("?s", "?p", "?y"), "", not_identity, (0,)),
    ]
