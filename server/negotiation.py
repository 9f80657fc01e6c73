"""The one table from media type to serialization, and content negotiation over it.

Every route that answers RDF or SPARQL results picks its format here: from the ``Accept``
header, or from an explicit ``format=`` (or URL suffix) that overrides it for people with a
browser or curl. A kind names what is being answered:

- ``results``: SELECT and ASK results (SPARQL JSON, XML, CSV, TSV);
- ``graph``: a set of triples (CONSTRUCT, DESCRIBE, a page, the service description);
- ``dataset``: quads in named graphs (the dumps).

The first format of a kind in ``FORMATS`` is its default (``*/*`` or no ``Accept``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import ApiError

RESULTS = "results"
GRAPH = "graph"
DATASET = "dataset"
HTML = "text/html"


@dataclass(frozen=True)
class Format:
    """One serialization: its short name (``format=`` value, file suffix), its media type,
    the kinds it can answer, the pyoxigraph format that writes it, and other names or
    media types clients use for it."""

    name: str
    media_type: str
    kinds: frozenset[str]
    oxigraph: RdfFormat | QueryResultsFormat
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        # text/* defaults to US-ASCII without a charset (RFC 6657); ours is always UTF-8.
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def iri(self) -> str:
        """The format's IRI in the W3C formats namespace (for service descriptions)."""
        # pyoxigraph 0.5 names JSON-LD .../ns/formats/data/JSON-LD; W3C registers this one.
        if self.oxigraph == RdfFormat.JSON_LD:
            return "http://www.w3.org/ns/formats/JSON-LD"
        return self.oxigraph.iri

    def names(self) -> tuple[str, ...]:
        return (self.name, self.media_type, *self.aliases)


_R, _G, _GD = frozenset({RESULTS}), frozenset({GRAPH}), frozenset({GRAPH, DATASET})
FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", _R, QueryResultsFormat.JSON,
           ("application/json",)),
    Format("xml", "application/sparql-results+xml", _R, QueryResultsFormat.XML,
           ("application/xml", "text/xml")),
    Format("csv", "text/csv", _R, QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", _R, QueryResultsFormat.TSV),
    Format("ttl", "text/turtle", _G, RdfFormat.TURTLE,
           ("turtle", "application/x-turtle", "application/turtle")),
    Format("nt", "application/n-triples", _G, RdfFormat.N_TRIPLES, ("ntriples", "n-triples")),
    Format("rdf", "application/rdf+xml", _G, RdfFormat.RDF_XML,
           ("rdfxml", "rdf-xml", "rdf+xml", "xml", "application/xml", "text/xml")),
    Format("jsonld", "application/ld+json", _G, RdfFormat.JSON_LD,
           ("json-ld", "json", "application/json", "application/x-json+ld")),
    # Turtle is N3; SPARQLWrapper's N3 asks for it by this name (format=n3).
    Format("n3", "text/n3", _G, RdfFormat.N3, ("text/rdf+n3", "application/n3")),
    Format("nq", "application/n-quads", _GD, RdfFormat.N_QUADS, ("nquads", "n-quads")),
    Format("trig", "application/trig", _GD, RdfFormat.TRIG),
)


def formats_of(kind: str) -> tuple[Format, ...]:
    """The formats that can answer this kind, the default first."""
    found = tuple(f for f in FORMATS if kind in f.kinds)
    if not found:
        raise ValueError(f"unknown kind of answer {kind!r}")
    return found


def negotiate(accept: str | None, kind: str, format_override: str | None = None) -> Format:
    """The format to answer with; ApiError 406 when the client accepts none we have."""
    candidates = formats_of(kind)
    if format_override:
        return _by_name(format_override, kind, candidates)
    client = _client_accept(accept)
    if not client:
        return candidates[0]
    best = client.best_match(_media_types(candidates))
    if best is None:
        offered = ", ".join(f.media_type for f in candidates)
        raise ApiError(406, "Not Acceptable",
                       f"no acceptable format in Accept: {accept!r}; this answer is "
                       f"available as {offered} (or add format=, e.g. format={candidates[0].name})")
    return next(f for f in candidates if best in (f.media_type, *f.aliases))


def prefers_html(accept: str | None, kind: str = GRAPH) -> bool:
    """True when the client (a browser) ranks text/html above every format of this kind.

    On a tie the data format wins, so ``*/*`` (curl, most libraries) gets RDF.
    """
    client = _client_accept(accept)
    if not client:
        return False
    return client.best_match([*_media_types(formats_of(kind)), HTML]) == HTML


def _by_name(requested: str, kind: str, candidates: tuple[Format, ...]) -> Format:
    wanted = requested.split(";")[0].strip().lower()
    for candidate in candidates:
        if wanted in candidate.names():
            return candidate
    names = ", ".join(f.name for f in candidates)
    raise ApiError(406, "Not Acceptable",
                   f"format {requested!r} is not available for this answer; use one of: {names}")


def _media_types(candidates: tuple[Format, ...]) -> list[str]:
    # Main media types first, so that on equal preference the main one (and the kind's
    # default before the rest) is chosen; aliases such as application/json come after.
    main = [f.media_type for f in candidates]
    aliases = [a for f in candidates for a in f.aliases if "/" in a]
    return main + aliases


def _client_accept(accept: str | None) -> MIMEAccept:
    # Werkzeug compares media type parameters; "application/sparql-results+json;
    # charset=utf-8" must still match ours, so only the type and the q value are kept.
    parsed = parse_accept_header(accept or "", MIMEAccept)
    return MIMEAccept([(value.split(";")[0].strip().lower(), q) for value, q in parsed])
