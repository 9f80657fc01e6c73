"""Jobs and replies between the server and a query process, and how a store answers a job.

A `QueryJob` is everything a query process needs to run one query: which store, the text,
the dataset, the bound terms, the page of rows wanted and, for protocol queries, the
format to serialize the answer in. The reply is `Rows` (terms, for canned queries and
pages), `Serialized` (bytes in the negotiated format, for ``/sparql``) or `Failure` (the
query's own fault or the store's; never an exception across the socket). They are plain
frozen dataclasses of standard and pyoxigraph values, so they travel as pickles over
`multiprocessing.connection` and can be compared in tests.

This module imports only the standard library, pyoxigraph, `passerelle.lexer`,
`passerelle.inline` and
`passerelle.results` (`Rows`, the SPARQL-JSON writer): the query process
(`server/query_process.py`) imports it, and must start in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QueryTriples,
    RdfFormat,
    Store,
    Variable,
    serialize,
)

from passerelle.inline import fill
from passerelle.lexer import has_dataset_clause, network_keywords
from passerelle.results import QUERY_ERRORS, Rows, error_reply, json_term, results_body, rows

__all__ = ["QueryJob", "Rows", "Serialized", "Failure", "Reply", "Hello", "answer", "run",
           "failure", "rows", "json_term", "results_body"]

# Failure kinds: the query does not parse; the client accepts no format for its answer;
# it tried to reach the network (SERVICE) from a query process that has none; it failed
# while running; the store could not be opened or answered with an error.
SYNTAX, FORMAT, NETWORK = "syntax", "format", "network"
EVALUATION, STORE = "evaluation", "store"
# How pyoxigraph's HTTP client fails in a process without network (ENETUNREACH, and
# EACCES/EPERM where a filter refuses the socket).
_NO_NETWORK = ("os error 101", "os error 13", "os error 1)")
REFUSED_SERVICE = ("the query uses SERVICE: this endpoint does not contact other servers "
                   "(no SERVICE endpoint is allowlisted for it)")
# Answer kinds of a protocol query (as in server.negotiation).
RESULTS, GRAPH = "results", "graph"


@dataclass(frozen=True)
class QueryJob:
    """One query to run.

    ``union``: the default graph is the union of all named graphs, unless
    ``default_graphs``/``named_graphs`` name the dataset; None: the union unless the query
    names its own dataset with FROM (scanned where the job runs, inside its budget).
    ``substitutions`` binds variables by name (SEP-0007). ``refuse_service``: answer a
    `NETWORK` failure, without running it, for a text whose SERVICE the scan sees (a
    courtesy: the sandbox stops the spellings it misses).
    ``formats``: for ``results`` and ``graph``, the media type to serialize with, or
    ``("refused", message)`` where the client accepts none; None asks for `Rows`.
    ``store`` and ``fresh`` are set by the funnel from the build the request is pinned to.
    """

    query: str
    row_cap: int
    offset: int = 0
    base_iri: str | None = None
    union: bool | None = True
    refuse_service: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, object], ...] = ()
    column_types: tuple[tuple[str, str], ...] = ()  # a canned query's declared columns
    formats: tuple[tuple[str, str, str], ...] | None = None  # (kind, "ok"|"refused", value)
    store: str = ""
    fresh: bool = False

    @classmethod
    def bound(cls, query: str, terms: Mapping[str, NamedNode | Literal], **fields) -> QueryJob:
        """The job of a query whose variables are bound to these terms: written in as
        constants where they can be (`passerelle.inline`: pyoxigraph plans a constant, not a
        substitution), substituted elsewhere."""
        text, substituted = fill(query, terms)
        return cls(text, substitutions=tuple(substituted.items()), **fields)

    def options(self) -> dict:
        """The keyword arguments of pyoxigraph's `Store.query` for this job."""
        options: dict = {}
        if self.base_iri is not None:
            options["base_iri"] = self.base_iri
        if self.default_graphs is not None or self.named_graphs is not None:
            options["default_graph"] = [NamedNode(g) for g in self.default_graphs or ()]
            options["named_graphs"] = [NamedNode(g) for g in self.named_graphs or ()]
        elif self.union or (self.union is None and not has_dataset_clause(self.query)):
            options["use_default_graph_as_union"] = True
        if self.substitutions:
            options["substitutions"] = {Variable(name): term for name, term in self.substitutions}
        return options

    def options_for(self, store) -> dict:
        """`options`, and for a store other than pyoxigraph's (a remote one) the declared
        column types, so that it answers in the embedded store's spelling
        (`passerelle.remote_terms`)."""
        options = self.options()
        if self.column_types and not isinstance(store, Store):
            options["column_types"] = dict(self.column_types)
        return options

    def format_for(self, kind: str) -> tuple[str, str]:
        """("ok", media type) or ("refused", message) for this kind of answer."""
        for each, verdict, value in self.formats or ():
            if each == kind:
                return verdict, value
        return "refused", f"no format was negotiated for a {kind} answer"


@dataclass(frozen=True)
class Serialized:
    """An answer written in the negotiated format."""

    kind: str
    media_type: str
    body: bytes
    truncated: bool


@dataclass(frozen=True)
class Failure:
    """The query's or the store's fault (`SYNTAX`, `FORMAT`, `NETWORK`, `EVALUATION`,
    `STORE`)."""

    kind: str
    message: str


Reply = Rows | Serialized | Failure


@dataclass(frozen=True)
class Hello:
    """A query process's first message: its pid and how it is cut off the network
    (``netns``, ``userns``: `passerelle.sandbox`; ``off``: not at all)."""

    pid: int
    sandbox: str


@dataclass
class OpenStores:
    """The query process's open store: one at a time (a new directory is a new build)."""

    stores: dict[str, Store] = field(default_factory=dict)

    def open(self, directory: str, fresh: bool) -> Store:
        if fresh or directory not in self.stores:
            self.stores.clear()
            self.stores[directory] = Store.read_only(directory)
        return self.stores[directory]


def answer(job: QueryJob, stores: OpenStores) -> Reply:
    """Run one job on the store it names; errors become a `Failure`."""
    try:
        store = stores.open(job.store, job.fresh)
    except OSError as exc:
        return failure(exc, unavailable=OSError)
    try:
        return run(store, job)
    except QUERY_ERRORS as exc:
        if isinstance(exc, OSError) and any(sign in str(exc) for sign in _NO_NETWORK):
            return Failure(NETWORK, REFUSED_SERVICE)
        return failure(exc)


def failure(exc: Exception, unavailable: type[Exception] | tuple = ()) -> Failure:
    """The Failure for a query that raised (the one mapping: `passerelle.results`)."""
    _, kind, message = error_reply(exc, unavailable)
    return Failure(kind, message)


def run(store, job: QueryJob, **query_options) -> Reply:
    """The reply to a job on an open store (a remote one too: server.remote_store); errors
    are raised as the store raised them. ``query_options`` go to `store.query` as well."""
    if job.refuse_service and "SERVICE" in network_keywords(job.query):
        return Failure(NETWORK, REFUSED_SERVICE)
    result = store.query(job.query, **job.options_for(store), **query_options)
    if job.formats is not None:
        return serialized(result, job)
    return rows(result, job.offset, job.row_cap)


def serialized(result, job: QueryJob) -> Reply:
    """The answer serialized as the client asked, with at most row_cap rows or triples."""
    kind = GRAPH if isinstance(result, QueryTriples) else RESULTS
    verdict, value = job.format_for(kind)
    if verdict != "ok":
        return Failure(FORMAT, value)
    truncated = False
    if isinstance(result, QueryBoolean):
        body = result.serialize(format=QueryResultsFormat.from_media_type(value))
    elif kind == GRAPH:
        triples = list(islice(result, job.row_cap + 1))
        truncated = len(triples) > job.row_cap
        body = serialize(triples[:job.row_cap], format=RdfFormat.from_media_type(value))
    else:
        page = rows(result, 0, job.row_cap)
        truncated = page.truncated
        body = results_body(page.variables, page.rows, value)
    return Serialized(kind, value, body, truncated)
