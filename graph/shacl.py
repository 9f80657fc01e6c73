"""Validate at scale: the SHACL shapes run as SPARQL queries inside the store.

pyshacl (tests/oracles/shacl.py) walks an rdflib graph node by node: exact, and too slow past a
few thousand agreements. This module reads the shapes once and turns each constraint into
one SPARQL SELECT over the store (the union of its graphs), returning the focus nodes and
values that break it, so the data never leaves the store.

Supported, because the shapes use them (anything else raises BuildError rather than being
skipped): ``sh:targetClass``; property shapes with a single IRI ``sh:path``; the
constraints minCount, maxCount, class, datatype, pattern (with flags), in, nodeKind; and
``sh:or`` of shapes made of those, at node level; ``sh:message``. A class is matched as
SHACL says, through ``rdf:type/rdfs:subClassOf*``; counts are of distinct values; a typed
literal matches its datatype only when its lexical form is valid, where SPARQL can cast it.

tests/test_materialise.py checks that this gives the same results as pyshacl, on the seeds
and on graphs with deliberate violations of every constraint kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Store
from rdflib.namespace import RDF, RDFS, SH, XSD

from graph.errors import BuildError

# Shape predicates understood here; any other sh: predicate on a shape is refused.
SHAPE_KEYS = {SH.targetClass, SH.property, SH["or"], SH.path, SH.minCount, SH.maxCount,
              SH["class"], SH.datatype, SH.pattern, SH.flags, SH["in"], SH.nodeKind,
              SH.message, SH.name, SH.description}
NODE_KINDS = {
    SH.IRI: "isIRI(?v)", SH.BlankNode: "isBlank(?v)", SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
# Datatypes whose lexical forms SPARQL can check by casting (XPath constructor functions).
CASTABLE = {XSD.integer, XSD.decimal, XSD.boolean, XSD.double, XSD.float, XSD.dateTime,
            XSD.date, XSD.time, XSD.duration}


@dataclass(frozen=True)
class Violation:
    """One validation result: focus node, path, value (N3 terms), constraint, message."""

    focus: str
    path: str | None
    value: str | None
    component: str  # local name: "MinCountConstraintComponent"
    message: str = field(compare=False)

    def key(self) -> tuple[str, str, str, str]:
        """What identifies a result, for sorting and for comparing validators."""
        return (self.focus, self.path or "", self.value or "", self.component)

    def line(self) -> str:
        parts = [self.focus]
        if self.path is not None:
            parts.append(f"path <{self.path}>")
        if self.value is not None:
            parts.append(f"value {self.value}")
        parts.append(self.message)
        return ": ".join(parts)


@dataclass
class Shape:
    """A node shape or a property shape (``path`` set), as far as this module supports them."""

    node: rdflib.term.Node
    path: str | None = None
    targets: list[str] = field(default_factory=list)
    constraints: list[tuple[rdflib.URIRef, object]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    alternatives: list[Shape] = field(default_factory=list)  # sh:or
    message: str | None = None


def read_shapes(shapes: rdflib.Graph) -> list[Shape]:
    """The targeted node shapes, with their property shapes and sh:or alternatives."""
    nodes = sorted(set(shapes.subjects(SH.targetClass)) | set(shapes.subjects(RDF.type,
                                                                               SH.NodeShape)))
    return [_shape(shapes, node) for node in nodes]


def _shape(shapes: rdflib.Graph, node) -> Shape:
    shape = Shape(node)
    for predicate, obj in sorted(shapes.predicate_objects(node)):
        if predicate == RDF.type:
            continue
        if predicate not in SHAPE_KEYS:
            raise BuildError(f"shape {node.n3()} uses {predicate.n3()}, which the in-store "
                             "validator (graph/shacl.py) does not implement")
        if predicate == SH.targetClass:
            shape.targets.append(str(obj))
        elif predicate == SH.path:
            if not isinstance(obj, rdflib.URIRef):
                raise BuildError(f"shape {node.n3()}: only single-property paths are supported")
            shape.path = str(obj)
        elif predicate == SH.property:
            shape.properties.append(_shape(shapes, obj))
        elif predicate == SH["or"]:
            shape.alternatives = [_shape(shapes, member) for member in shapes.items(obj)]
        elif predicate == SH.message:
            shape.message = str(obj)
        elif predicate in (SH["in"],):
            shape.constraints.append((predicate, list(shapes.items(obj))))
        elif predicate not in (SH.name, SH.description, SH.flags):
            shape.constraints.append((predicate, obj))
    flags = shapes.value(node, SH.flags)
    if flags is not None:
        shape.constraints = [(p, (o, str(flags)) if p == SH.pattern else o)
                             for p, o in shape.constraints]
    return shape


def validate(store: Store, shapes: list[Shape]) -> list[Violation]:
    """Every result of the shapes on the store (the union of its graphs), sorted."""
    run = _Run(store)
    results = []
    for shape in shapes:
        classes = sorted({c for target in shape.targets for c in run.subclasses(target)})
        # Joined as it is, not made DISTINCT first: a node typed twice (asserted and
        # inferred, or two target classes) gives its rows twice, which every query below
        # counts or selects DISTINCT; a DISTINCT subquery cost a pass of its own per query.
        focus = f"VALUES ?t {{ {' '.join(f'<{c}>' for c in classes)} }} ?f a ?t ."
        results += run.results(shape, focus)
    return sorted(set(results), key=Violation.key)


COUNTS = (SH.minCount, SH.maxCount)


def subclasses(store: Store, cls: str) -> list[str]:
    """The class and everything below it, through rdfs:subClassOf in the store."""
    return _Run(store).subclasses(cls)


class _Run:
    """One validation over one store; remembers each class's subclasses."""

    def __init__(self, store: Store):
        self.store = store
        self.known: dict[str, list[str]] = {}

    def subclasses(self, cls: str) -> list[str]:
        """The class and everything below it, through rdfs:subClassOf in the data."""
        if cls not in self.known:
            rows = self.select(f"SELECT DISTINCT ?c {{ ?c <{RDFS.subClassOf}>* <{cls}> }}")
            self.known[cls] = sorted({cls} | {row[0].value for row in rows})
        return self.known[cls]

    def select(self, query: str) -> list:
        return list(self.store.query(query, use_default_graph_as_union=True))

    def results(self, shape: Shape, focus: str) -> list[Violation]:
        """The results of one shape (its constraints, property shapes and sh:or) on focus."""
        counts = [(k, a) for k, a in shape.constraints if k in COUNTS]
        tests = [(k, a) for k, a in shape.constraints if k not in COUNTS]
        found = []
        if counts:
            # One pass for the shape: the focus nodes whose number of values is out of
            # bounds, or that have a value failing a test; a pass per constraint cost 2 to 3
            # times more. The values themselves are only asked for when one fails.
            rows = self.select(_counts_query(counts, tests, shape.path, focus, self))
            found += [_violation((row[0],), shape.path, kind, shape.message
                                 or _default_message(kind, argument))
                      for row in rows for kind, argument in counts
                      if _out_of_bounds(kind, argument, int(row[1].value))]
            if not any(row[2].value == "true" for row in rows):
                tests = []
        if tests:
            found += self._failing_values(shape, tests, focus)
        for prop in shape.properties:
            found += self.results(prop, focus)
        if shape.alternatives:
            failing = [{v.focus for v in self.results(m, focus)} for m in shape.alternatives]
            message = shape.message or "conforms to none of the sh:or alternatives"
            found += [Violation(f, None, f, "OrConstraintComponent", message)
                      for f in set.intersection(*failing)]
        return found

    def _failing_values(self, shape: Shape, tests: list, focus: str) -> list[Violation]:
        """One query for every test of the shape: each (focus, value) failing one, with a
        flag per test saying which."""
        flags = [f"?failed{i}" for i in range(len(tests))]
        binds = " ".join(f"BIND({_fails(kind, argument, self)} AS {flag})"
                         for (kind, argument), flag in zip(tests, flags, strict=True))
        rows = self.select(f"SELECT DISTINCT ?f ?v {' '.join(flags)} WHERE {{ {focus} "
                           f"{_values(shape.path)} {binds} FILTER({' || '.join(flags)}) }}")
        return [_violation(row, shape.path, kind, shape.message
                           or _default_message(kind, argument))
                for row in rows for i, (kind, argument) in enumerate(tests)
                if row[2 + i].value == "true"]


def _values(path: str | None) -> str:
    return f"?f <{path}> ?v" if path else "BIND(?f AS ?v)"


def _fails(kind, argument, run: _Run) -> str:
    """True when a bound value ?v fails the test; false when it passes or the test errs (as
    FILTER(!(test)) drops a row whose test errs)."""
    return f"COALESCE(BOUND(?v) && !({_test(kind, argument, run)}), false)"


def _counts_query(counts: list, tests: list, path: str | None, focus: str, run: _Run) -> str:
    """The focus nodes whose distinct values are out of bounds (?n, their number) or of
    which a value fails a test (?failing true)."""
    minimum = any(kind == SH.minCount for kind, _ in counts)
    values = f"OPTIONAL {{ {_values(path)} }}" if minimum else _values(path)
    bounds = [f"COUNT(DISTINCT ?v) {'<' if kind == SH.minCount else '>'} {int(argument)}"
              for kind, argument in counts]
    failing = " || ".join(_fails(kind, argument, run) for kind, argument in tests) or "false"
    return (f"SELECT ?f (COUNT(DISTINCT ?v) AS ?n) (MAX(?fails) AS ?failing) WHERE {{ "
            f"{focus} {values} BIND({failing} AS ?fails) }} GROUP BY ?f "
            f"HAVING ({' || '.join(bounds)} || MAX(?fails))")


def _out_of_bounds(kind, argument, count: int) -> bool:
    return count < int(argument) if kind == SH.minCount else count > int(argument)


def _test(kind, argument, run: _Run) -> str:
    """The SPARQL expression a value node ?v must satisfy."""
    if kind == SH["class"]:
        classes = " ".join(f"<{c}>" for c in run.subclasses(str(argument)))
        return f"EXISTS {{ VALUES ?c {{ {classes} }} ?v a ?c }}"
    if kind == SH.datatype:
        return _datatype_test(argument)
    if kind == SH.pattern:
        pattern, flags = argument if isinstance(argument, tuple) else (argument, "")
        return f"!isBlank(?v) && REGEX(STR(?v), {_string(pattern)}, {_string(flags)})"
    if kind == SH["in"]:
        return " || ".join(f"sameTerm(?v, {member.n3()})" for member in argument) or "false"
    if kind == SH.nodeKind and argument in NODE_KINDS:
        return NODE_KINDS[argument]
    raise BuildError(f"the in-store validator does not implement {kind.n3()} {argument.n3()}")


def _datatype_test(datatype) -> str:
    if datatype == RDFS.Literal:
        return "isLiteral(?v)"
    if datatype == RDF.langString:
        return 'isLiteral(?v) && LANG(?v) != ""'
    test = f"isLiteral(?v) && sameTerm(DATATYPE(?v), <{datatype}>)"
    if datatype in CASTABLE:  # an ill-typed literal ("x"^^xsd:integer) does not match
        test += f" && COALESCE(sameTerm(DATATYPE(<{datatype}>(STR(?v))), <{datatype}>), false)"
    return test


def _string(text: str) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _default_message(kind, argument) -> str:
    return f"breaks {kind.n3().split('#')[-1].rstrip('>')} {getattr(argument, 'n3', str)()}"


def _violation(row, path: str | None, kind, message: str) -> Violation:
    focus = n3(row[0])
    value = n3(row[1]) if len(row) > 1 and row[1] is not None else None
    name = str(kind).split("#")[-1]
    component = name[0].upper() + name[1:] + "ConstraintComponent"
    return Violation(focus, path, value, component, message)


def n3(term) -> str:
    """A pyoxigraph term written as rdflib writes it (so results compare with pyshacl's)."""
    if isinstance(term, NamedNode):
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        datatype = None if term.language or term.datatype.value == str(XSD.string) \
            else term.datatype.value
        return rdflib.Literal(term.value, lang=term.language, datatype=datatype).n3()
    raise TypeError(f"not an RDF term: {term!r}")
