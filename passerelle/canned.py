"""Canned queries: `queries/*.rq` files, their header, typed parameters, and running them.

A canned query is one SELECT query in one `.rq` file; the file name is its URL name. Its
metadata sits in a comment header of grlc-style decorator lines, so the file stays valid
SPARQL that can be pasted into any editor::

    #+ title: Schools sharing partners
    #+ description: Pairs of schools that list the same partner institution.
    #+ params:
    #+   - name: school
    #+     type: school
    #+     required: false
    #+     description: Only pairs where this school comes first.
    #+ tags: [schools, partners]
    #+ timeout: 2

The `#+` lines, with that prefix taken off, are one YAML mapping. A parameter ``x`` binds the
variable ``?x``, which the query must project. Request text never touches the query text:
each value becomes a typed RDF term (`to_term`), which pyoxigraph writes in the query where
its variable stands, as a constant (`passerelle.inline`, read once at load: pyoxigraph plans
around a constant, not around a substitution; a place that cannot take a constant keeps
pyoxigraph ``substitutions`` for that parameter). Either way the value is visible inside
expressions evaluated before any pattern binds it, so a query can tell whether an optional
parameter was given with ``BIND(COALESCE(isIRI(?x), false) AS ?xGiven)`` at the start of its
WHERE clause; a parameter left out stays unbound. A parameter declared with ``column: false``
is still projected (so that it can be bound) but its column is left out of the result, whose
columns are then only the ones the query documents. ``timeout`` (seconds, optional) lowers
the query's time budget below the server's; it can never raise it. ``columns`` (optional)
declares the type of columns whose values another store may spell its own way
(``minDuration: xsd:duration``, ``mandatory: xsd:boolean``, ``types: "@en"`` for a
GROUP_CONCAT of English labels): a remote store's answer is read back by it
(`passerelle.remote_terms`); the embedded store's answers already are in that spelling
(tests check it). A parameter's ``example``
is a value that gives rows: the SPARQL editor's copy of the query has it written in
(`editor_text`), help texts show it. The request arguments `RESERVED_PARAMETERS`
(format, time budget, paging) cannot be parameter names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    Variable,
)

from passerelle import limits
from passerelle.inline import Template
from passerelle.jobs import QueryJob
from passerelle.lexer import blank_opaque, keyword, network_keywords
from passerelle.names import with_names
from passerelle.remote_store import RemoteStore, with_values
from passerelle.remote_terms import declared_type
from passerelle.results import (
    Rows,
    csv_body,
    json_document,
    objects_body,
    plain_value,
    rows,
    with_meta,
    write_results,
)
from passerelle.store import GraphStore
from passerelle.vocabulary import ID, PAS, RDF_TYPE, SKOS_IN_SCHEME, XSD

if TYPE_CHECKING:
    from passerelle.answers import Answers

DEFAULT_ROW_CAP = limits.ROW_CAP
# Request arguments the server reads itself: never the name of a query parameter.
RESERVED_PARAMETERS = frozenset({"format", limits.TIMEOUT_PARAMETER, "limit", "offset",
                                 "shape"})

# Parameter type -> what it accepts, said to people (errors, forms) and in the OpenAPI document.
PARAMETER_TYPES = {
    "iri": "an absolute IRI",
    "school": "a school: its id (e.g. telecom-paris) or its full IRI under id/institution/",
    "institution": "an institution: its id (e.g. tu-darmstadt) or its full IRI under "
                   "id/institution/",
    "country": "an ISO 3166-1 alpha-2 code (e.g. DE), a country's name in English or French "
               "(Germany, Allemagne), or the full IRI under id/country/",
    "agreement-type": "an agreement type of the pas:AgreementTypes scheme: its local name "
                      "(e.g. EngineeringDoubleDegree, in any case), pas:LocalName, or the "
                      "full concept IRI",
    "network": "a network or programme: its id (e.g. erasmus-plus) or its full IRI under "
               "id/network/",
    "string": "a text of at most 200 characters, without control characters or \"<>{}\\",
    "integer": "a whole number (at most 18 digits)",
}
# Entity parameter types -> (the id/ folder of their IRIs, the classes an instance may have).
ENTITY_TYPES = {
    "school": ("institution", (PAS + "School",)),
    "institution": ("institution", (PAS + "Institution", PAS + "School")),
    "network": ("network", (PAS + "Network",)),
    "country": ("country", (PAS + "Country",)),
}
PARAMETER_KEYS = {"name", "type", "required", "default", "allowed", "description", "column",
                  "example"}
HEADER_KEYS = {"title", "description", "params", "tags", "timeout", "columns", "portable"}

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_LATERAL = re.compile(keyword("LATERAL"), re.IGNORECASE)
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_FORBIDDEN_IN_STRING = re.compile(r'[\x00-\x1f\x7f"<>{}\\]')
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class CannedQueryError(Exception):
    """A `.rq` file whose header or query is unusable; the message names the file."""


class ParameterError(ValueError):
    """A request value a parameter cannot take; ``name`` is the parameter at fault."""

    def __init__(self, name: str, message: str):
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: it binds the query variable of the same name."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    allowed: tuple[str, ...] = ()
    description: str = ""
    column: bool = True  # False: projected only to be bound, left out of the result
    example: str | None = None  # a value that gives rows: the editor binds it, help shows it

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "required": self.required,
                "default": self.default, "allowed": list(self.allowed),
                "description": self.description, "accepts": PARAMETER_TYPES[self.type],
                "column": self.column, "example": self.example}


@dataclass(frozen=True)
class CannedQuery:
    """One `.rq` file: its URL name, header metadata and SPARQL text."""

    name: str
    title: str
    sparql: str
    description: str = ""
    params: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = ()
    timeout: float | None = None  # seconds; None: the server's budget
    columns: tuple[tuple[str, str], ...] = ()  # (column, declared type): `remote_terms`
    # The same question in SPARQL 1.1, for a store that does not parse LATERAL (`job`).
    portable: CannedQuery | None = field(default=None, compare=False, repr=False)
    # Where the parameters' constants go (`load_query` reads it once; None: read when run).
    template: Template | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [p.to_dict() for p in self.params], "tags": list(self.tags),
                "timeout": self.timeout, "sparql": self.sparql}

    @cached_property
    def calls_out(self) -> bool:
        """Whether the text uses SERVICE as a keyword (`passerelle.lexer.network_keywords`),
        read once: the server checks the endpoints of only such a query, and only such a
        query's job asks the query process to scan it again."""
        return "SERVICE" in network_keywords(self.sparql)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def body(self) -> str:
        """The SPARQL text without its ``#+`` header: what an editor shows."""
        lines = [line for line in self.sparql.splitlines() if not line.startswith("#+")]
        return "\n".join(lines).lstrip("\n") + "\n"

    def examples(self) -> dict[str, str]:
        """The example value of each parameter that has one."""
        return {p.name: p.example for p in self.params if p.example is not None}


@dataclass(frozen=True)
class CannedResult:
    """The rows of one run (at most the row cap), and the terms the parameters were bound to."""

    query: CannedQuery
    variables: tuple[str, ...]
    rows: tuple[tuple, ...]
    bound: Mapping[str, NamedNode | Literal] = field(default_factory=dict)
    truncated: bool = False
    row_cap: int = DEFAULT_ROW_CAP
    # The rows as SPARQL JSON results without meta, when the build's answers hold them so.
    written: bytes | None = field(default=None, compare=False, repr=False)

    def meta(self) -> dict:
        return {"query": self.query.name, "title": self.query.title,
                "params": {name: term.value for name, term in self.bound.items()},
                "rows": len(self.rows), "row_cap": self.row_cap, "truncated": self.truncated}

    def to_json(self) -> dict:
        """SPARQL 1.1 JSON results, led by a ``meta`` member (first, so that streaming
        parsers, which stop reading at the end of the bindings, still accept it)."""
        return json_document(list(self.variables), list(self.rows), self.meta())

    def to_table(self) -> str:
        """A plain-text table for terminals."""
        cells = [list(self.variables), *([plain_value(t) for t in row] for row in self.rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.variables))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                 for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.truncated:
            lines.append(f"(truncated: only the first {self.row_cap} rows are shown)")
        return "\n".join(lines) + "\n"


def load_queries(folder: Path) -> dict[str, CannedQuery]:
    """Every `*.rq` file of the folder, by name, in name order."""
    return {q.name: q for q in map(load_query, sorted(Path(folder).glob("*.rq")))}


def load_query(path: Path) -> CannedQuery:
    """Read one `.rq` file; CannedQueryError names the file and what is wrong with it."""
    path = Path(path)
    if not _QUERY_NAME.fullmatch(path.stem):
        raise CannedQueryError(f"{path}: the file name must be lower-case words and hyphens")
    sparql = path.read_text(encoding="utf-8")
    header = _header(path, sparql)
    try:
        params = tuple(_parameter(spec) for spec in header.get("params") or ())
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise ValueError(f"a parameter is declared twice: {names}")
        timeout = header.get("timeout")
        query = CannedQuery(name=path.stem, title=_text(header, "title", required=True),
                            description=_text(header, "description"), sparql=sparql,
                            params=params, tags=tuple(str(t) for t in header.get("tags") or ()),
                            timeout=None if timeout is None
                            else limits.parse_seconds(str(timeout), "timeout"),
                            columns=_columns(header.get("columns"), sparql))
    except (TypeError, ValueError) as exc:
        raise CannedQueryError(f"{path}: {exc}") from exc
    query = replace(query, template=Template.of(sparql, frozenset(names)),
                    portable=_portable(path, header.get("portable"), params))
    _check_query(path, query)
    return query


def _portable(path: Path, name, params: tuple[Parameter, ...]) -> CannedQuery | None:
    """The query file the header's ``portable`` names (beside this one): the same question
    without LATERAL, taking the same parameters."""
    if name is None:
        return None
    portable = load_query(path.parent / str(name))
    if _LATERAL.search(blank_opaque(portable.sparql)):
        raise CannedQueryError(f"{path}: portable: {name} uses LATERAL too")
    if portable.params != params:
        raise CannedQueryError(f"{path}: portable: {name} does not take the same parameters")
    return portable


def _header(path: Path, sparql: str) -> dict:
    lines = [line[2:].removeprefix(" ") for line in sparql.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(lines)) if lines else None
    except yaml.YAMLError as exc:
        raise CannedQueryError(f"{path}: the #+ header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise CannedQueryError(f"{path}: no #+ header mapping (title, description, params, tags)")
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise CannedQueryError(f"{path}: unknown header keys {sorted(unknown)}")
    return header


def _text(header: dict, key: str, required: bool = False) -> str:
    value = header.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"the header needs a non-empty text {key!r}")
    return value.strip()


def _columns(spec, sparql: str) -> tuple[tuple[str, str], ...]:
    """The declared type of each column the header's ``columns`` names
    (`passerelle.remote_terms.declared_type`); each must be a variable of the query."""
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise ValueError(f"columns is a mapping of column name to declared type, not {spec!r}")
    variables = set(_VARIABLE.findall(sparql))
    declared = []
    for name, kind in spec.items():
        if name not in variables:
            raise ValueError(f"columns: {name!r} is not a variable of the query")
        try:
            declared.append((name, declared_type(kind)))
        except ValueError as exc:
            raise ValueError(f"columns: {name!r}: {exc}") from exc
    return tuple(declared)


def _parameter(spec) -> Parameter:
    if not isinstance(spec, dict) or set(spec) - PARAMETER_KEYS:
        raise ValueError(f"a parameter is a mapping of {sorted(PARAMETER_KEYS)}: {spec!r}")
    name, kind = str(spec.get("name", "")), spec.get("type")
    if not _VARIABLE_NAME.fullmatch(name):
        raise ValueError(f"parameter name {name!r} is not a SPARQL variable name")
    if name in RESERVED_PARAMETERS:
        raise ValueError(f"parameter name {name!r} is reserved for the server "
                         f"({', '.join(sorted(RESERVED_PARAMETERS))})")
    if kind not in PARAMETER_TYPES:
        raise ValueError(f"parameter {name!r}: type {kind!r} is not one of {list(PARAMETER_TYPES)}")
    required, default, example = spec.get("required", False), spec.get("default"), \
        spec.get("example")
    column = spec.get("column", True)
    for key, flag in (("required", required), ("column", column)):
        if not isinstance(flag, bool):
            raise ValueError(f"parameter {name!r}: {key} is true or false, not {flag!r}")
    return Parameter(name=name, type=kind, required=required,
                     default=None if default is None else str(default),
                     allowed=tuple(str(a) for a in spec.get("allowed") or ()),
                     description=str(spec.get("description", "")).strip(), column=column,
                     example=None if example is None else str(example))


def _check_query(path: Path, query: CannedQuery) -> None:
    """The text must be a SELECT query projecting every parameter's variable, and parse with
    every parameter's constant written in.

    Running it once on an empty store with every parameter substituted checks the first two:
    pyoxigraph refuses a substitution of a variable the query does not project. A federated
    query (SERVICE) is never run to check it, since that could call out: rdflib parses it.
    """
    if query.calls_out:
        _check_federated(path, query)
        return
    dummy = {p.name: NamedNode("urn:passerelle:check") for p in query.params}
    try:
        answer = Store().query(query.sparql,
                               substitutions={Variable(k): v for k, v in dummy.items()})
        written = job(query, dummy, 1)
        Store().query(written.query, **written.options())
    except (SyntaxError, RuntimeError, ValueError) as exc:
        raise CannedQueryError(f"{path}: {exc}") from exc
    if not isinstance(answer, QuerySolutions):
        raise CannedQueryError(f"{path}: a canned query must be a SELECT query")


def _check_federated(path: Path, query: CannedQuery) -> None:
    from rdflib.plugins.sparql import prepareQuery  # only federated examples need it

    try:
        algebra = prepareQuery(query.sparql).algebra
    except Exception as exc:  # rdflib's parser raises many kinds of exception
        raise CannedQueryError(f"{path}: {exc}") from exc
    if algebra.name != "SelectQuery":
        raise CannedQueryError(f"{path}: a canned query must be a SELECT query")
    projected = {str(variable) for variable in algebra["PV"]}
    missing = sorted(p.name for p in query.params if p.name not in projected)
    if missing:
        raise CannedQueryError(f"{path}: the query does not project its parameters {missing}")


def run(store: GraphStore, query: CannedQuery, values: Mapping[str, str],
        row_cap: int = DEFAULT_ROW_CAP, offset: int = 0,
        answers: Answers | None = None) -> CannedResult:
    """Bind the request's values and answer from the build's ``answers`` (`stored`), or
    run the query over the union of all graphs, here.

    At most ``row_cap`` rows are kept after the first ``offset``; ``truncated`` says whether
    more were there. (The server runs the same `job` in a query process instead.)
    """
    bound = bind(query, values, store)
    page = stored(answers, query, bound, offset, row_cap)
    if page is None:
        work = job(query, bound, row_cap, offset, store)
        page = rows(store.query(work.query, **work.options_for(store)), offset, row_cap)
    return result_of(query, bound, page, row_cap)


def stored(answers: Answers | None, query: CannedQuery, bound: Mapping[str, NamedNode | Literal],
           offset: int, row_cap: int) -> Rows | None:
    """The page the build computed for these bound terms (`passerelle.answers`), the same
    rows the engine would give; None when there are no answers (a writable or remote store)
    or they do not hold that page: then the query runs. The command line and the server
    both ask here first."""
    return None if answers is None else answers.page(query, bound, offset, row_cap)


def job(query: CannedQuery, bound: Mapping[str, NamedNode | Literal], row_cap: int,
        offset: int = 0, store: GraphStore | None = None) -> QueryJob:
    """The query with its bound terms written in, as a `passerelle.jobs.QueryJob`.

    On a remote store that does not parse LATERAL (SPARQL 1.2; Virtuoso 7.2 does not), the
    query's ``portable`` formulation runs instead, when it names one: Oxigraph needs LATERAL
    to start a join from a computed term or to page in order without sorting every row, and
    no SPARQL 1.1 text was found that it evaluates as fast (the notes of issue 13).
    """
    if (query.portable is not None and isinstance(store, RemoteStore)
            and not store.parses_lateral()):
        query = query.portable
    template = query.template or Template.of(query.sparql, frozenset(bound))
    text, substituted = template.fill(bound)
    return QueryJob(text, row_cap=row_cap, offset=offset,
                    substitutions=tuple(substituted.items()), column_types=query.columns)


def result_of(query: CannedQuery, bound: Mapping[str, NamedNode | Literal], page: Rows,
              row_cap: int) -> CannedResult:
    """The result of a run from its page of rows (`passerelle.results.Rows`), without the
    columns of the parameters declared ``column: false`` (a stored page has none: its rows
    and their written JSON are kept as they are)."""
    hidden = {p.name for p in query.params if not p.column}
    if not hidden.intersection(page.variables):
        return CannedResult(query=query, variables=page.variables, rows=page.rows,
                            bound=bound, truncated=page.truncated, row_cap=row_cap,
                            written=page.written)
    shown = [i for i, name in enumerate(page.variables) if name not in hidden]
    return CannedResult(query=query, variables=tuple(page.variables[i] for i in shown),
                        rows=tuple(tuple(row[i] for i in shown) for row in page.rows),
                        bound=bound, truncated=page.truncated, row_cap=row_cap)


def bind(query: CannedQuery, values: Mapping[str, str],
         store: GraphStore) -> dict[str, NamedNode | Literal]:
    """The typed term of each parameter that has a value (given, or its default).

    An empty value counts as left out (an empty form field). ParameterError names the
    parameter: unknown to the query, required and missing, not allowed, or not of its type.
    """
    for name in values:
        if query.parameter(name) is None:
            takes = ", ".join(p.name for p in query.params) or "none"
            raise ParameterError(name, f"the query {query.name!r} has no such parameter "
                                       f"(it takes: {takes})")
    bound = {}
    for parameter in query.params:
        raw = values.get(parameter.name) or parameter.default
        if raw is None:
            if parameter.required:
                raise ParameterError(parameter.name, "a value is required")
            continue
        bound[parameter.name] = checked_term(parameter, raw, store)
    return bound


def checked_term(parameter: Parameter, raw: str, store: GraphStore) -> NamedNode | Literal:
    """The term of one value, which must be one of the allowed ones (if the parameter
    lists them) and of the parameter's type (`to_term`)."""
    if parameter.allowed and raw not in parameter.allowed:
        raise ParameterError(parameter.name, f"{raw!r} is not one of "
                                             f"{', '.join(parameter.allowed)}")
    return to_term(parameter, raw, store)


def editor_text(query: CannedQuery, values: Mapping[str, str], store: GraphStore) -> str:
    """The query as the SPARQL editor shows it: without its header, the given values (and
    each required parameter's example) bound by VALUES blocks wherever the query uses them
    (`passerelle.remote_store.with_values`), so that it runs as it is and answers what the
    canned run answers.

    Values the query cannot take are left out, as are examples the graph lacks: then the
    text keeps the parameter's variable.
    """
    required = {p.name: p.example for p in query.params if p.required and p.example}
    given = {key: value for key, value in values.items() if value and query.parameter(key)}
    terms = {}
    for name, raw in {**required, **given}.items():
        try:
            terms[name] = checked_term(query.parameter(name), raw, store)
        except ParameterError:
            continue
    return with_values(query.body, terms)


def to_term(parameter: Parameter, raw: str, store: GraphStore) -> NamedNode | Literal:
    """The RDF term a request value stands for, checked against the parameter's type."""
    name = parameter.name
    if parameter.type == "iri":
        try:
            return NamedNode(raw)
        except ValueError as exc:
            raise ParameterError(name, f"{raw!r} is not an absolute IRI ({exc})") from exc
    if parameter.type == "string":
        if len(raw) > 200 or _FORBIDDEN_IN_STRING.search(raw):
            raise ParameterError(name, f"expected {PARAMETER_TYPES['string']}")
        return Literal(raw)
    if parameter.type == "integer":
        if not _INTEGER.fullmatch(raw):
            raise ParameterError(name, f"{raw!r} is not {PARAMETER_TYPES['integer']}")
        return Literal(str(int(raw)), datatype=NamedNode(XSD + "integer"))
    if parameter.type == "agreement-type":
        return _agreement_type(name, raw, store)
    return _entity(parameter, raw, store)


def _entity(parameter: Parameter, raw: str, store: GraphStore) -> NamedNode:
    """A school, institution, network or country by id (code) or IRI; it must be in the graph."""
    folder, classes = ENTITY_TYPES[parameter.type]
    base = f"{ID}{folder}/"
    key = raw.removeprefix(base)
    if parameter.type == "country" and not _COUNTRY_CODE.fullmatch(key):
        key = _country_named(raw) or key
    pattern = _COUNTRY_CODE if parameter.type == "country" else _SLUG
    if not pattern.fullmatch(key):
        raise ParameterError(parameter.name, f"{raw!r} is not {PARAMETER_TYPES[parameter.type]}")
    node = NamedNode(base + (key.lower() if parameter.type == "country" else key))
    if not any(_has_type(store, node, cls) for cls in classes):
        raise ParameterError(parameter.name, f"no {parameter.type} {raw!r} in the graph")
    return node


def _country_named(name: str) -> str | None:
    """The code of a country named in English or French (or another language pycountry
    knows, where the name means one country only)."""
    from passerelle.countries import country_in_any_language

    return country_in_any_language(name) if len(name) <= 100 else None


def _has_type(store: GraphStore, node: NamedNode, cls: str) -> bool:
    quads = store.quads_for_pattern(node, NamedNode(RDF_TYPE), NamedNode(cls), None)
    return next(iter(quads), None) is not None


def agreement_types(store: GraphStore) -> dict[str, NamedNode]:
    """The concepts of the pas:AgreementTypes scheme in the store, by local name."""
    quads = store.quads_for_pattern(None, NamedNode(SKOS_IN_SCHEME),
                                    NamedNode(PAS + "AgreementTypes"), None)
    return {q.subject.value.removeprefix(PAS): q.subject for q in quads
            if isinstance(q.subject, NamedNode) and q.subject.value.startswith(PAS)}


def _agreement_type(name: str, raw: str, store: GraphStore) -> NamedNode:
    concepts = agreement_types(store)
    by_lower_case = {local.lower(): node for local, node in concepts.items()}
    local = raw.removeprefix(PAS).removeprefix("pas:").lower()
    if local not in by_lower_case:
        raise ParameterError(name, f"{raw!r} is not an agreement type; one of: "
                                   f"{', '.join(sorted(concepts))}")
    return by_lower_case[local]


def serialize(result: CannedResult, answer: QueryResultsFormat,
              store: GraphStore | None = None) -> bytes:
    """The result in a SPARQL results format (JSON led by ``meta``), written as the /sparql
    endpoint writes them (`passerelle.results.write_results`).

    With the store, a CSV keeps its IRIs and gains, beside each IRI column of ours, a label
    column (and an ISO code column for countries): `passerelle.names.with_names`.
    """
    if answer == QueryResultsFormat.CSV and store is not None:
        return csv_body(*with_names(result.variables, result.rows, store))
    if answer == QueryResultsFormat.JSON and result.written is not None:
        return with_meta(result.written, result.meta())  # as stored: no term read again
    return write_results(list(result.variables), list(result.rows), answer, result.meta())


def objects(result: CannedResult, store: GraphStore) -> bytes:
    """The result as a JSON array of flat objects, one per row (pandas.read_json reads it),
    with the same columns as the CSV: the IRIs, their labels and country codes."""
    return objects_body(*with_names(result.variables, result.rows, store))
