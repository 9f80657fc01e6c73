"""A remote SPARQL 1.1 store as a `passerelle.store.GraphStore`: the part of pyoxigraph's
`Store` that Passerelle uses.

`RemoteStore` answers ``query`` (with ``use_default_graph_as_union``, ``default_graph``,
``named_graphs``, ``substitutions`` and ``base_iri``), ``quads_for_pattern``,
``named_graphs``, ``len``, iteration and ``update`` by HTTP requests to the endpoint
(`passerelle.remote`), and returns pyoxigraph's own result types, so the server's serialisers
and the canned queries work unchanged.

The union default graph is, by default, the union of the graphs of the published build
(its metadata, written by `graph.remote.publish`), named in each request with
``default-graph-uri`` and ``named-graph-uri``: the same dataset on every store, whatever
its own default graph is, without the staging graphs of a build in progress. With the
endpoint's ``dataset`` set to ``union`` it is the store's own default graph instead (see
`passerelle.remote`).

Substitutions become VALUES blocks (`with_values`); see there why there are several.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, QueryTriples, RdfFormat, Store, Variable

from passerelle import remote, remote_terms
from passerelle.lexer import VARIABLE, blank_opaque, keyword
from passerelle.vocabulary import RDFS

_FORM = re.compile(keyword("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"), re.IGNORECASE)
_TOKEN = re.compile(r"[{}()*]|" + VARIABLE + "|"
                    + keyword("SELECT", "VALUES", "LATERAL"), re.IGNORECASE)
_SUBQUERY_AHEAD = re.compile(r"\s*" + keyword("SELECT"), re.IGNORECASE)
ALL_TRIPLES = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
LATERAL_PROBE = "SELECT * WHERE { {} LATERAL {} }"


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside literals and IRIs."""
    match = _FORM.search(blank_opaque(text))
    if match is None:
        raise SyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return match.group().upper()


def with_values(text: str, bindings: Mapping[str, NamedNode | Literal]) -> str:
    """The query with each bound variable fixed by VALUES blocks in the group patterns.

    pyoxigraph's substitutions (SEP-0007) make the value visible wherever the variable is in
    scope, even in a FILTER inside a UNION branch before any pattern binds it (the
    institution query relies on it). A single VALUES block first in the outermost group
    would not: under SPARQL's bottom-up evaluation such a FILTER sees the variable unbound.
    So every group pattern gets a block for the bound variables it mentions that are in its
    scope: all of them in the outer query, and inside a subquery only those the subquery
    projects (or all, for SELECT *), as pyoxigraph does. Terms are written by pyoxigraph.
    VALUES data blocks, the braces around a subquery, an EXISTS inside a SELECT
    expression and the right side of LATERAL (which may not rebind its left side's
    variables) get none. SELECT and ASK queries only; blank nodes cannot be VALUES terms
    (ValueError).
    """
    if not bindings:
        return text
    if query_form(text) not in ("SELECT", "ASK"):
        raise ValueError("variables can be bound only in SELECT and ASK queries here")
    for name, term in bindings.items():
        if not isinstance(term, NamedNode | Literal):
            raise ValueError(f"?{name}: only IRIs and literals can be bound, not {term!r}")
    blanked = blank_opaque(text)
    inserts = [(position, _values_block(needed, bindings))
               for position, needed in _group_scopes(blanked, set(bindings)) if needed]
    for position, block in reversed(inserts):
        text = text[:position] + block + text[position:]
    return text


def _values_block(names: set[str], bindings: Mapping[str, NamedNode | Literal]) -> str:
    ordered = sorted(names)
    variables = " ".join(f"?{name}" for name in ordered)
    terms = " ".join(str(bindings[name]) for name in ordered)
    return f" VALUES ({variables}) {{ ({terms}) }} "


@dataclass
class _SelectClause:
    """A SELECT clause being read: the scope around it and the variables it projects."""

    outside: set[str]
    projected: set[str] = field(default_factory=set)
    star: bool = False
    parentheses: int = 0

    def scope(self) -> set[str]:
        return self.outside if self.star else self.outside & self.projected


@dataclass
class _Frame:
    """An open brace: the bound variables in scope inside it, those mentioned so far, and
    where a VALUES block would go (None: not a group pattern that takes one)."""

    scope: set[str]
    inside: int | None = None
    mentioned: set[str] = field(default_factory=set)


def _group_scopes(blanked: str, bound: set[str]) -> list[tuple[int, set[str]]]:
    """(position just inside a group pattern's "{", the bound variables it needs there).

    A group needs a bound variable that is in its scope and that it mentions, itself or in
    a group inside it: a group that never mentions a variable evaluates the same without
    it (and Virtuoso 7.2 gives no answer for some VALUES it does not need inside EXISTS).
    """
    groups: list[tuple[int, set[str]]] = []
    frames: list[_Frame] = []  # the open braces, innermost last
    clause: _SelectClause | None = None
    data_block_next = lateral_next = False
    for match in _TOKEN.finditer(blanked):
        token, scope = match.group(), (frames[-1].scope if frames else bound)
        if token[0] in "?$" and frames:
            frames[-1].mentioned.add(token[1:])
        if clause is not None and token in "()":
            clause.parentheses += 1 if token == "(" else -1
        elif clause is not None and clause.parentheses == 0 and token == "*":
            clause.star = True
        elif clause is not None and clause.parentheses == 0 and token[0] in "?$":
            clause.projected.add(token[1:])
        elif token.upper() == "SELECT":
            clause = _SelectClause(scope)
        elif token.upper() == "VALUES":
            data_block_next = True
        elif token.upper() == "LATERAL":
            lateral_next = True
        elif token == "{" and lateral_next:
            # The right side of LATERAL may not rebind a variable in scope on its left
            # (Oxigraph refuses the query); it sees the left side's value per row, and the
            # outer group's VALUES block still fixes any variable met only here.
            frames.append(_Frame(set()))
            lateral_next = False
        elif token == "{" and (data_block_next or clause is not None and clause.parentheses):
            frames.append(_Frame(set()))  # a VALUES data block, or EXISTS in a SELECT clause
            data_block_next = False
        elif token == "{" and not frames:
            # The outer WHERE binds every variable, so the answer shows their values.
            frames.append(_Frame(bound, match.end(), set(bound)))
            clause = None
        elif token == "{" and clause is not None:
            frames.append(_Frame(clause.scope(), match.end()))  # a subquery's WHERE
            clause = None
        elif token == "{" and _SUBQUERY_AHEAD.match(blanked, match.end()):
            frames.append(_Frame(scope))  # the braces around a subquery
        elif token == "{":
            frames.append(_Frame(scope, match.end()))
        elif token == "}" and frames:
            frame = frames.pop()
            if frames:
                frames[-1].mentioned |= frame.mentioned
            if frame.inside is not None:
                groups.append((frame.inside, frame.scope & frame.mentioned))
    return sorted(groups)


class RemoteStore:
    """A remote store with the part of pyoxigraph's `Store` interface the server uses.

    `open` reads the published build's metadata; FileNotFoundError when there is none.
    Requests fail with SyntaxError (the store refused the query as malformed),
    TimeoutError, or `passerelle.remote.RemoteStoreError` (an OSError), as pyoxigraph's do.
    """

    def __init__(self, endpoint: remote.Endpoint, metadata: dict):
        self.endpoint = endpoint
        self.metadata = metadata
        self.graphs = sorted(metadata.get("graphs", {}))
        self._ranges: dict[str, str] | None = None
        self._lateral: bool | None = None

    @classmethod
    def open(cls, endpoint: remote.Endpoint) -> RemoteStore:
        metadata = remote.read_metadata(endpoint)
        if metadata is None:
            raise FileNotFoundError(f"no Passerelle build was published at "
                                    f"{endpoint.query_url}; build one with `passerelle "
                                    f"build --store {endpoint.query_url}`")
        return cls(endpoint, metadata)

    def query(self, query: str, *, base_iri: str | None = None,
              use_default_graph_as_union: bool = False, default_graph=None,
              named_graphs=None, substitutions: Mapping[Variable, object] | None = None,
              timeout: float | None = None, column_types: Mapping[str, str] | None = None):
        """The query's answer as pyoxigraph gives it: QuerySolutions, QueryBoolean or
        QueryTriples. Without a dataset, the query runs on the store's own default dataset
        (as with pyoxigraph, for a query that names its own with FROM). ``column_types``
        (variable name -> declared type, a canned query's ``columns``): the values of those
        columns as the embedded store spells them (`passerelle.remote_terms`)."""
        form = query_form(query)
        if substitutions:
            query = with_values(query, {v.value: t for v, t in substitutions.items()})
        if base_iri is not None:
            query = f"BASE {NamedNode(base_iri)}\n{query}"
        if default_graph is not None or named_graphs is not None:
            dataset = {"default_graphs": _graph_iris(default_graph),
                       "named_graphs": _graph_iris(named_graphs, self.graphs)}
        elif use_default_graph_as_union and self.endpoint.dataset == "named":
            dataset = {"default_graphs": self.graphs, "named_graphs": self.graphs}
        else:
            dataset = {}
        response = remote.query(self.endpoint, query, form, timeout=timeout, **dataset)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return _as_query_triples(response)
        return remote.read_results(response, column_types)

    def quads_for_pattern(self, subject, predicate, obj, graph_name=None) -> Iterator[Quad]:
        """The quads of the build's graphs that match (None matches anything), each object
        as the embedded store spells it, by the ``rdfs:range`` of its predicate
        (`ranges`)."""
        given = {name: term for name, term in zip("spog", (subject, predicate, obj, graph_name),
                                                   strict=True) if term is not None}
        graphs = self.graphs if graph_name is None else _graph_iris([graph_name])
        solutions = self.query(ALL_TRIPLES, named_graphs=graphs, default_graph=[],
                               substitutions={Variable(k): t for k, t in given.items()})
        ranges = self.ranges()
        return (Quad(s, p, remote_terms.normalise(o, ranges.get(p.value)), g)
                for s, p, o, g in solutions)

    def ranges(self) -> dict[str, str]:
        """The declared ``rdfs:range`` of each property of the build's ontology whose values
        a store may spell its own way (`remote_terms.DECLARED_TYPES`), read once."""
        if self._ranges is None:
            declared = " ".join(f"<{iri}>" for iri in (remote_terms.BOOLEAN,
                                                       remote_terms.DURATION))
            text = (f"SELECT ?property ?range WHERE {{ ?property <{RDFS}range> ?range "
                    f"VALUES ?range {{ {declared} }} }}")
            rows = remote.select_rows(self.endpoint, text, default_graphs=self.graphs)
            self._ranges = {prop.value: kind.value for prop, kind in rows}
        return self._ranges

    def parses_lateral(self) -> bool:
        """Whether the store parses LATERAL (SPARQL 1.2), asked once."""
        if self._lateral is None:
            try:
                remote.query(self.endpoint, LATERAL_PROBE).close()
                self._lateral = True
            except SyntaxError:
                self._lateral = False
        return self._lateral

    def named_graphs(self) -> list[NamedNode]:
        return [NamedNode(graph) for graph in self.graphs]

    def __iter__(self) -> Iterator[Quad]:
        return self.quads_for_pattern(None, None, None)

    def __len__(self) -> int:
        answer = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                            named_graphs=self.graphs, default_graph=[])
        return int(next(iter(answer))[0].value)

    def update(self, update: str, base_iri: str | None = None) -> None:
        if base_iri is not None:
            update = f"BASE {NamedNode(base_iri)}\n{update}"
        remote.update(self.endpoint, update)


def _graph_iris(graphs, default: list[str] | None = None) -> list[str]:
    """IRIs of a pyoxigraph dataset argument, or of IRI strings (None: ``default``)."""
    if graphs is None:
        return list(default or [])
    if isinstance(graphs, NamedNode):
        graphs = [graphs]
    iris = []
    for graph in graphs:
        if not isinstance(graph, NamedNode | str):
            raise ValueError(f"a remote store's dataset names graphs by IRI, not {graph!r}")
        iris.append(graph if isinstance(graph, str) else graph.value)
    return iris


def _as_query_triples(response) -> QueryTriples:
    # pyoxigraph makes QueryTriples only as a query's answer: ask it of a store that holds
    # exactly the triples the remote store sent.
    with response:
        triples = Store()
        triples.load(response.read(), format=RdfFormat.TURTLE)
    return triples.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
