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
    ``issued`` is the day the page published it and ``as_of`` the day it is about (ISO
    8601 dates), where the page says (a news item does; a key-figures page does not).
    """

    origin: Origin
    measure: str
    value: float
    qualifier: str = "exact"
    unit: str = "count"
    label: str = ""
    issued: str | None = None
    as_of: str | None = None


@dataclass(frozen=True)
class Condition:
    """A condition a document attaches to a programme, read from one sentence.

    ``kind`` is a key of ``passerelle.vocabulary.CONDITION_KINDS`` ("approval-required",
    "costs-borne-by-student", "also-requires", "language-requirement"); ``statement`` says the
    condition in English; ``language`` is the ISO 639-1 code of a language it names, if any.
    """

    origin: Origin
    kind: str
    statement: str
    language: str | None = None


@dataclass(frozen=True)
class ProgrammeRule:
    """A study-abroad route of a school and its rules.

    Durations are ISO 8601 / xsd:duration strings ("P18M", "P63D" for 9 weeks); None where
    the document sets no bound. ``mandatory`` is True when the document requires it of its
    audience, False when it says it is a choice, None where it does not say. ``counts_towards``
    holds the keys of the document's other rules this one may count towards (a summer stay
    towards the mobility requirement). ``teaching_language`` is an ISO 639-1 code.
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
    mandatory: bool | None = None
    counts_towards: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    teaching_language: str | None = None


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
