"""The parser of a prose page (document 004, ESTP's "International openness").

The page has no partner list: it names a few partners as examples ("including MIT, UC
Berkeley, ..., etc."), states figures in sentences ("a network of 87 partner
universities", "In 1980, the school began to sign cooperation agreements"), the study-abroad
rules in one bullet, its language requirement and courses in English in running text, and
its networks and labels in two lists ("It boasts the ERAMUS+
Charter, ...", "networks (EUR-ACE, ERASMUS+, RICS, UFA, AUF, etc.)"). Each paragraph is one
line; it is read sentence by sentence, and a line with a malformed value is kept out whole.

Written for the estp.fr page as the seeds keep it; the wordings below are that page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graph.parse.agreement_text import TYPE_NOT_STATED, network_key
from graph.parse.figures import FigurePhrase, describe_figures, figures_in
from graph.parse.lines import open_document
from graph.parse.programme_rules import (
    Fact,
    Route,
    Sentence,
    describe_rule,
    read_route,
    sentences,
)
from graph.records import (
    NetworkMembership,
    Origin,
    ParsedDocument,
    PartnerRow,
    ProgrammeRule,
    PublishedFigure,
)

NAVIGATION = re.compile(r"^Skip to (?:main )?content$", re.IGNORECASE)
LOGO_ALT_TEXT = re.compile(r"\w\.(?:jpe?g|png|gif|svg|webp)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?:;]$")
HEADING_LENGTH = 80  # a short line with no final punctuation is a heading
BULLET_MARK = re.compile(r"^[•*]\s*")

PROSE_FIGURES = (
    FigurePhrase("partners", "a network of {n} partner universities"),
    FigurePhrase(
        "first-agreements-year", "In {n}, the school began to sign cooperation agreements", "year"
    ),
)

# "(internships, academic exchanges, and research projects in international partner
# laboratories)": what the mandatory period abroad may be.
PERIOD_FORMS = Fact(r"\((?P<forms_text>internships, [^)]*)\)", note="may be: {forms_text}",
                    optional=True)

PROSE_ROUTES = (
    Route(
        "study-abroad-requirement",
        None,
        (
            Fact(
                r"period of study abroad of one-semester for (?P<audience>all engineering "
                r"students)",
                note="one semester abroad; the page gives no length in weeks or months",
            ),
            Fact(r"\bmandatory period of study abroad of one-semester for", mandatory=True,
                 optional=True),
            PERIOD_FORMS,
        ),
        label="Mandatory period of study abroad",
    ),
    Route(
        "apprentice-minimum",
        None,
        (
            Fact(
                r"period of study abroad .* and (?P<min_weeks>\S+) weeks for "
                r"(?P<audience>engineering apprentices)"
            ),
            Fact(r"\bmandatory period of study abroad .* weeks for engineering apprentices",
                 mandatory=True, optional=True),
            PERIOD_FORMS,
        ),
        label="Mandatory period abroad for engineering apprentices",
    ),
    Route(
        "language-requirement",
        None,
        (
            Fact(
                r"(?P<language>English) language proficiency and the acquisition of a second "
                r"modern language",
                condition="language-requirement",
                note="proficiency in English and a second modern language",
            ),
        ),
        label="English proficiency and a second modern language",
    ),
    Route(
        "incoming-courses-in-english",
        None,
        (
            Fact(
                r"promote incoming international mobility by developing courses delivered in "
                r"(?P<teaching_language>English)"
            ),
            Fact(
                r"short programmes \(e\.g\. (?P<example_text>[^)]+)\) designed to attract "
                r"(?P<audience>students from different countries)",
                note="with an international pathway of short programmes (e.g. {example_text})",
                optional=True,
            ),
            Fact(
                r"(?P<options_text>Third Year options) delivered in English",
                note="{options_text} are delivered in English too",
                optional=True,
            ),
        ),
        label="Courses delivered in English for incoming international students",
    ),
)

# Partners named as examples: "partners ... including A, B, C, etc."
PARTNER_EXAMPLES = re.compile(r"\bpartners\b.*?\bincluding (?P<names>.+)$")
LIST_END = re.compile(r",?\s*(?:\betc\.|\.)$")
NAME_SEPARATOR = re.compile(r",\s*(?:and\s+)?")
# Networks listed after "boasts", or in parentheses after "networks".
NETWORK_LISTS = (
    re.compile(r"\bboasts (?P<items>.+?)\.?$"),
    re.compile(r"\bnetworks \((?P<items>[^)]*)\)"),
)
LIST_SEPARATOR = re.compile(r",\s*|\s+and\s+")


@dataclass
class LineReading:
    """What one line gave: records, and what the report says of each of its sentences."""

    rows: list[PartnerRow] = field(default_factory=list)
    figures: list[PublishedFigure] = field(default_factory=list)
    programmes: list[ProgrammeRule] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.details or self.networks or self.errors)


def parse_prose(path: Path, source_id: str) -> ParsedDocument:
    """Read a prose page into partner rows, figures, programme rules and memberships."""
    document, good = open_document(path, source_id)
    stated: dict[str, int] = {}  # network -> line where the page first states it
    network_line = None  # the last line that listed networks
    for origin in good:
        text = " ".join(origin.text.split())
        if not text:
            document.account(origin, "skipped", "blank")
        elif NAVIGATION.match(text):
            document.account(origin, "skipped", "navigation: skip link")
        elif LOGO_ALT_TEXT.search(text) and not SENTENCE_END.search(text):
            repeats = f": repeats the networks of line {network_line}" if network_line else ""
            document.account(origin, "skipped", f"logo alt text{repeats}")
        else:
            reading = read_line(origin)
            if reading.is_empty() and _is_heading(text):
                document.account(origin, "skipped", "navigation: heading")
            else:
                _keep(document, origin, reading, stated)
                network_line = origin.line if reading.networks else network_line
    return document


def _is_heading(text: str) -> bool:
    short = len(text) <= HEADING_LENGTH
    return short and not SENTENCE_END.search(text) and not BULLET_MARK.match(text)


def read_line(origin: Origin) -> LineReading:
    """Read each sentence of a paragraph line, then the rules the line states (a rule's
    facts may sit in several of its sentences); a malformed value is noted as an error."""
    reading = LineReading()
    found = [Sentence(BULLET_MARK.sub("", s.text), s.lines) for s in sentences([origin])]
    for sentence in found:
        try:
            _read_sentence(reading, sentence, origin)
        except ValueError as exc:
            reading.errors.append(str(exc))
    for route in PROSE_ROUTES:
        route_reading = read_route(route, found, None, route.label)
        if route_reading.error:
            reading.errors.append(route_reading.error)
        elif route_reading.rule is not None:
            reading.programmes.append(route_reading.rule)
            reading.details.append(describe_rule(route_reading.rule))
    return reading


def _read_sentence(reading: LineReading, sentence: Sentence, origin: Origin) -> None:
    """Add the figures, partners and networks one sentence states to the line's reading;
    ValueError names a bad value."""
    figures = figures_in(sentence.text, origin, PROSE_FIGURES)
    if figures:
        reading.figures += figures
        reading.details.append(describe_figures(figures))
    names = partner_examples(sentence.text)
    for name in names:
        reading.rows.append(
            PartnerRow(origin, name, None, types=(TYPE_NOT_STATED,), agreement_text=sentence.text)
        )
    if names:
        reading.details.append(f"partners named as examples: {', '.join(names)}")
    reading.networks += networks_listed(sentence.text)


def partner_examples(sentence: str) -> list[str]:
    """The partners a sentence names as examples; ValueError if the list is cut short."""
    match = PARTNER_EXAMPLES.search(sentence)
    if match is None:
        return []
    names = match.group("names")
    end = LIST_END.search(names)
    if end is None:
        raise ValueError(f"list of partners after 'including' is cut short: {names!r}")
    return [name.strip() for name in NAME_SEPARATOR.split(names[: end.start()])]


def networks_listed(sentence: str) -> list[str]:
    """The network keys a sentence lists ("the ERAMUS+ Charter" -> erasmus-plus), in order.

    An item is tried whole, then without its last word ("Charter", "accreditation",
    "label"); "etc." is dropped. ValueError names an item that is no known network.
    """
    keys = []
    for pattern in NETWORK_LISTS:
        match = pattern.search(sentence)
        if match is None:
            continue
        for item in LIST_SEPARATOR.split(match.group("items")):
            item = re.sub(r"^the\s+", "", item.strip(), flags=re.IGNORECASE)
            if not item or item.lower() == "etc.":
                continue
            key = network_key(item) or network_key(item.rsplit(" ", 1)[0])
            if key is None:
                raise ValueError(f"unknown network {item!r}")
            keys.append(key)
    return keys


def _keep(
    document: ParsedDocument, origin: Origin, reading: LineReading, stated: dict[str, int]
) -> None:
    """Keep a line's records, or none of them if it has an error; account for the line."""
    if reading.errors:
        document.account(origin, "error", "; ".join(reading.errors))
        return
    document.rows += reading.rows
    document.figures += reading.figures
    document.programmes += reading.programmes
    details = list(reading.details)
    new = [key for key in dict.fromkeys(reading.networks) if key not in stated]
    for key in new:
        stated[key] = origin.line
        document.memberships.append(NetworkMembership(origin, key))
    if new:
        details.append(f"networks {', '.join(new)}")
    repeated = [key for key in dict.fromkeys(reading.networks) if key not in new]
    if repeated:
        lines = ", ".join(f"{key} (line {stated[key]})" for key in repeated)
        details.append(f"networks already stated: {lines}")
    if details:
        document.account(origin, "mapped", "; ".join(details))
    else:
        document.account(origin, "skipped", "narrative: no figure, rule, partner or network")
