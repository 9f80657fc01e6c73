"""Plain records that the parsers return and the later build stages consume.

Parsers know nothing of RDF: they turn a document into these values, each carrying the
file and line it came from. Vocabulary is carried as short string keys (see
``passerelle.vocabulary``); the RDF stage maps keys to ontology IRIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Agreement status keys.
ACTIVE = "active"
SUSPENDED = "suspended"
IN_NEGOTIATION = "in-negotiation"
STATUSES = (ACTIVE, SUSPENDED, IN_NEGOTIATION)


@dataclass(frozen=True)
class Origin:
    """Where a fact was read: the source id of the manifest, the 1-based line, its text."""

    source_id: str
    line: int
    text: str


@dataclass(frozen=True)
class PartnerRow:
    """One partner as a document names it (a bullet of 000, a row of 003, a name in 004).

    ``name`` is the name as written, with the agreement list and a trailing parenthesised
    acronym taken off (the acronym goes to ``acronym``). ``country`` is an ISO 3166-1 alpha-2
    code read from the document's own heading or cell (None where the document gives none).
    ``parent_line`` is the line of the enclosing bullet for nested rows. ``types`` and
    ``networks`` are vocabulary keys (or, for a network the vocabulary does not know, the key
    of ``ParsedDocument.new_networks``); ``agreement_text`` is the verbatim agreement wording.
    A row with no types and no networks states no agreement of its own (a group heading, or
    a unit of its parent's agreement).
    """

    origin: Origin
    name: str
    country: str | None
    acronym: str | None = None
    url: str | None = None
    parent_line: int | None = None
    types: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    status: str = ACTIVE
    agreement_text: str = ""
    faculty: str | None = None  # a contribution's faculty cell: a unit of ``name``
    note: str = ""  # a contribution's note cell, kept on the agreement


@dataclass(frozen=True)
class PublishedFigure:
    """A number a school publishes about itself.

    ``measure`` is a key of ``passerelle.vocabulary.MEASURES``; ``qualifier`` is "exact",
    "at-least" (100+) or "about" (une quarantaine); ``unit`` is "count", "percent" or "year".
    """

    origin: Origin
    measure: str
    value: float
    qualifier: str = "exact"
    unit: str = "count"
    label: str = ""


@dataclass(frozen=True)
class ProgrammeRule:
    """A study-abroad route of a school and its rules.

    Durations are ISO 8601 / xsd:duration strings ("P18M", "P63D" for 9 weeks); None where
    the document sets no bound.
    """

    origin: Origin
    key: str
    label: str
    audience: str = ""
    min_duration: str | None = None
    max_duration: str | None = None
    ects: int | None = None
    awards_degree: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class NetworkMembership:
    """A network, programme or label a school says it belongs to or holds."""

    origin: Origin
    network: str


@dataclass(frozen=True)
class LineOutcome:
    """What became of one line of a document: the build report's unit.

    ``outcome`` is "mapped" (``detail`` says into what), "skipped" (``detail`` says why),
    "error" (malformed or unknown: the line is kept out and the build goes on) or
    "warning" (mapped, with something suspicious worth a human look).
    """

    source_id: str
    line: int
    text: str
    outcome: str
    detail: str


@dataclass
class ParsedDocument:
    """Everything one parser read from one document, plus the fate of every line."""

    source_id: str
    rows: list[PartnerRow] = field(default_factory=list)
    figures: list[PublishedFigure] = field(default_factory=list)
    programmes: list[ProgrammeRule] = field(default_factory=list)
    memberships: list[NetworkMembership] = field(default_factory=list)
    lines: list[LineOutcome] = field(default_factory=list)
    new_networks: dict[str, str] = field(default_factory=dict)  # key -> name as written

    def account(self, origin: Origin, outcome: str, detail: str) -> None:
        self.lines.append(LineOutcome(origin.source_id, origin.line, origin.text, outcome, detail))
