"""The parser of a study-abroad page (document 002, Télécom Paris's "offre de formations").

The page describes routes abroad under headings ("Double Diplôme ingénieur (DD)", "Master à
l'étranger", "#### Stages de fin d'études") inside sections that say whether the routes
award a degree ("## Formation Académique diplômante" / "non-diplômante"). Each route is
recognised by its heading and read from the sentences of its section; the two routes stated
in the introduction (the mobility requirement, the apprentices' minimum) have no heading.
A route's origin is the line where the sentence stating its rule starts.

Written for the telecom-paris.fr page of October 2024: the route wordings below are that
page's. The page names no partner: it yields rules and one figure, never partner rows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from graph.parse.agreement_text import normalise
from graph.parse.figures import FigurePhrase, describe_figures, figures_in, read_number
from graph.parse.key_figures import (
    HEADING,
    account_block,
    account_section_block,
    blocks,
    heading_reason,
    section_reason,
    template_reason,
)
from graph.parse.lines import open_document
from graph.records import Origin, ParsedDocument, ProgrammeRule

SENTENCE = re.compile(r"\S.*?(?:[.!?](?=\s|$)|$)")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"\.(?:jpe?g|png|gif|svg|webp)$", re.IGNORECASE)

# The partner list's own address (breadcrumb of document 000), to flag links that miss it.
PARTNER_PAGE_PATH = "/fr/international/strategie/partenariats"

PROGRAMME_FIGURES = (FigurePhrase("double-degree-institutions", "en DD dans {n} d'établissements"),)

# Rule group name -> (rule fields it sets, duration unit). Weeks become days: xsd:duration
# has no weeks.
DURATION_GROUPS = {
    "min_months": (("min_duration",), "M"),
    "max_months": (("max_duration",), "M"),
    "months": (("min_duration", "max_duration"), "M"),
    "min_weeks": (("min_duration",), "W"),
}
# Number words of the pages ("six mois", "un semestre").
NUMBER_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
                "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "douze": 12}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    """A sentence of a block, single-spaced, with the lines it spans (the first is its start)."""

    text: str
    lines: tuple[Origin, ...]


@dataclass(frozen=True)
class Fact:
    """A pattern for the sentence stating part of a route's rule.

    Named groups: ``min_months``, ``max_months``, ``months`` (both bounds), ``min_weeks`` and
    ``ects`` are numbers that fill the rule; ``audience`` is who the rule is for, as written;
    any other group is a number for ``note``, an English template ("at most {weeks} weeks").
    Patterns are matched case-insensitively, with straight apostrophes.
    """

    pattern: str
    note: str = ""


@dataclass(frozen=True)
class Route:
    """A study-abroad route: its key, the heading that opens its section (None: it is stated
    in running text, with ``label`` as its name), and the facts its rule is read from."""

    key: str
    heading: str | None
    facts: tuple[Fact, ...]
    label: str = ""


ROUTES = (
    Route(
        "mobility-requirement",
        None,
        (
            # A semester is not a duration in the text: kept as a note, not as months.
            Fact(
                r"au moins un semestre académique",
                note="at least one academic semester abroad; the page gives no length in months",
            ),
            Fact(r"cursus des (?P<audience>élèves ingénieurs)"),
        ),
        label="Expérience internationale",
    ),
    Route(
        "apprentice-minimum",
        None,
        (
            Fact(
                r"(?P<audience>étudiants en apprentissage \(FISEA\)), une expérience minimale "
                r"de (?P<min_weeks>\S+) semaines"
            ),
        ),
        label="Expérience internationale minimale des apprentis (FISEA)",
    ),
    Route(
        "double-degree",
        r"Double Diplôme ingénieur",
        (Fact(r"ne pourra pas être inférieure à (?P<min_months>\S+) mois"),),
    ),
    Route(
        "master-abroad",
        r"Master à l'étranger",
        (Fact(r"varie de (?P<min_months>\S+) à (?P<max_months>\S+) mois"),),
    ),
    Route(
        "one-semester",
        r"Un semestre à l'étranger",
        (
            Fact(r"valider (?P<ects>\S+) crédits ECTS"),
            Fact(
                r"ce stage se déroule à leur retour .* ne peut excéder une durée de "
                r"(?P<weeks>\S+) semaines",
                note="the engineering internship, when taken on return as the last "
                "requirement, may not exceed {weeks} weeks",
            ),
        ),
    ),
    Route(
        "two-semesters",
        r"2 semestres à l'étranger",
        (
            Fact(
                r"valider (?P<ects>\S+) crédits ECTS qui comprennent environ "
                r"(?P<courses>\S+) crédits de cours et (?P<project>\S+) crédits de projet",
                note="about {courses} ECTS of courses and {project} of final project, thesis "
                "or internship",
            ),
            Fact(
                r"stage libre d'une durée n'excédant pas (?P<weeks>\S+) semaines",
                note="a free internship after return may not exceed {weeks} weeks",
            ),
        ),
    ),
    Route(
        "summer-internship",
        r"Stages d'Été",
        (Fact(r"\((?P<min_months>\S+) à (?P<max_months>\S+) mois\)"),),
    ),
    Route(
        "final-internship",
        r"Stages de fin d'études",
        (Fact(r"d'une durée de (?P<months>\S+) mois"),),
    ),
)


@dataclass
class Section:
    """The content blocks between two headings, and what the headings above them say."""

    heading: Origin | None = None  # the route heading that opens it
    route: Route | None = None
    awards_degree: bool | None = None
    blocks: list[list[Origin]] = field(default_factory=list)


@dataclass
class RouteReading:
    """What reading one route gave: its rule, or the error that kept it out."""

    rule: ProgrammeRule | None
    sentences: list[Sentence]  # the sentences its facts were read from
    error: str = ""


def parse_programme_rules(path: Path, source_id: str) -> ParsedDocument:
    """Read a study-abroad page into ProgrammeRules (and its figures), every line accounted."""
    document, good = open_document(path, source_id)
    for origin in good:
        if not origin.text.strip():
            document.account(origin, "skipped", "blank")
    sections = _split_sections(document, blocks(good))
    for section in sections:
        _read_section(document, section, headless=section is sections[0])
    document.lines.sort(key=lambda outcome: outcome.line)
    document.figures.sort(key=lambda figure: figure.origin.line)  # news items are read first
    return document


def _split_sections(document: ParsedDocument, page: list[list[Origin]]) -> list[Section]:
    """Account the template, headings and links; return the content, cut at route headings.

    The first section is the introduction (before any section heading).
    """
    sections = [Section()]
    skipped_section, awards_degree = None, None
    for block in page:
        text = _joined(block)[0]
        heading = HEADING.match(text)
        title = heading.group(2) if heading else text
        route = _route_of(title) if heading or len(block) == 1 else None
        template = template_reason(block[0].text)
        if template:
            account_block(document, block, template)
        elif heading and route is None:
            skipped_section = section_reason(title)
            if heading.group(1) == "##":
                awards_degree = degree_of(title)
                sections.append(Section(awards_degree=awards_degree))
            _account_heading(document, block, skipped_section, heading.group(1), awards_degree)
        elif skipped_section:
            account_section_block(document, block, skipped_section)
        elif link := link_reason(text):
            account_block(document, block, _spanning(link, block))
        elif route:
            sections.append(Section(block[0], route, awards_degree))
            if block[1:]:  # lines glued under the heading are the route's first content
                sections[-1].blocks.append(block[1:])
        else:
            sections[-1].blocks.append(block)
    return sections


def _account_heading(
    document: ParsedDocument,
    block: list[Origin],
    skipped_section: str | None,
    marks: str,
    awards_degree: bool | None,
) -> None:
    if marks == "##" and awards_degree is not None and not skipped_section:
        for origin in block:
            detail = f"section heading: the routes below have awards_degree={awards_degree}"
            document.account(origin, "mapped", detail)
    else:
        account_block(document, block, skipped_section or heading_reason(marks))


def _read_section(document: ParsedDocument, section: Section, headless: bool) -> None:
    """Read the section's route (or the headless routes) and figures; account its lines."""
    found = [sentence for block in section.blocks for sentence in sentences(block)]
    notes: dict[int, list[tuple[str, str]]] = defaultdict(list)  # line -> (outcome, detail)
    for sentence in found:
        _read_figures(document, sentence, notes)
    if section.route is not None:
        title = " ".join(section.heading.text.lstrip("#").split())
        heading = Sentence(title, (section.heading,))
        reading = read_route(section.route, [heading, *found], section.awards_degree, title)
        _record_route(document, reading, [heading, *reading.sentences], notes)
    elif headless:
        for route in ROUTES:
            if route.heading is None:
                reading = read_route(route, found, section.awards_degree, route.label)
                _record_route(document, reading, reading.sentences, notes)
    lines = [section.heading] if section.heading else []
    for origin in lines + [origin for block in section.blocks for origin in block]:
        _account_line(document, origin, notes[origin.line])


def _read_figures(
    document: ParsedDocument, sentence: Sentence, notes: dict[int, list[tuple[str, str]]]
) -> None:
    try:
        figures = figures_in(sentence.text, sentence.lines[0], PROGRAMME_FIGURES)
    except ValueError as exc:
        _note(notes, sentence.lines, "error", str(exc))
        return
    if figures:
        document.figures.extend(figures)
        _note(notes, sentence.lines, "mapped", describe_figures(figures))


def _record_route(
    document: ParsedDocument,
    reading: RouteReading,
    used: list[Sentence],
    notes: dict[int, list[tuple[str, str]]],
) -> None:
    if reading.error:
        for sentence in used:
            _note(notes, sentence.lines, "error", reading.error)
    elif reading.rule is not None:
        document.programmes.append(reading.rule)
        for sentence in used:
            _note(notes, sentence.lines, "mapped", describe_rule(reading.rule))


def _note(
    notes: dict[int, list[tuple[str, str]]], lines: tuple[Origin, ...], outcome: str, detail: str
) -> None:
    for origin in lines:
        if (outcome, detail) not in notes[origin.line]:
            notes[origin.line].append((outcome, detail))


def _account_line(document: ParsedDocument, origin: Origin, notes: list[tuple[str, str]]) -> None:
    """One outcome per line: an error if any note is one, mapped if any, else narrative."""
    if not notes:
        document.account(origin, "skipped", "narrative: no rule or figure")
        return
    outcome = "error" if any(kind == "error" for kind, _ in notes) else "mapped"
    document.account(origin, outcome, "; ".join(detail for _, detail in notes))


def read_route(
    route: Route, found: list[Sentence], awards_degree: bool | None, label: str
) -> RouteReading:
    """Read a route's facts from the sentences of its section.

    A route with a heading must state every fact; a route with none (stated in running
    text) is absent when its first fact is. A missing fact or a malformed number gives an
    error that names it, and no rule.
    """
    fields: dict[str, object] = {}
    used: list[Sentence] = []
    for fact in route.facts:
        hit = _find(fact, found)
        if hit is None and route.heading is None and not used:
            return RouteReading(None, [])
        if hit is None:
            error = f"programme {route.key}: no sentence matches {fact.pattern!r}"
            return RouteReading(None, used, error)
        sentence, match = hit
        used.append(sentence)
        try:
            _merge(fields, fact_fields(fact, match))
        except ValueError as exc:
            return RouteReading(None, used, f"programme {route.key}: {exc}")
    rule = ProgrammeRule(used[0].lines[0], route.key, label, awards_degree=awards_degree, **fields)
    return RouteReading(rule, used)


def _find(fact: Fact, found: list[Sentence]) -> tuple[Sentence, re.Match[str]] | None:
    for sentence in found:
        match = re.search(fact.pattern, sentence.text.replace("\u2019", "'"), re.IGNORECASE)
        if match:
            return sentence, match
    return None


def _merge(fields: dict[str, object], more: dict[str, object]) -> None:
    """Add one fact's fields; notes of several facts are joined."""
    for name, value in more.items():
        if name == "note" and fields.get("note"):
            value = f"{fields['note']}; {value}"
        fields[name] = value


def fact_fields(fact: Fact, match: re.Match[str]) -> dict[str, object]:
    """The ProgrammeRule fields one matched fact gives; ValueError names a bad number."""
    groups = match.groupdict()
    fields: dict[str, object] = {}
    if "audience" in groups:
        fields["audience"] = " ".join(groups.pop("audience").split())
    numbers = {}
    for name, value in groups.items():
        try:
            numbers[name] = read_count(value)
        except ValueError as exc:
            raise ValueError(f"{name.replace('_', ' ')}: {exc}") from exc
    for name, number in numbers.items():
        if name in DURATION_GROUPS:
            targets, unit = DURATION_GROUPS[name]
            fields.update(dict.fromkeys(targets, iso_duration(number, unit)))
        elif name == "ects":
            fields["ects"] = number
    if fact.note:
        fields["note"] = fact.note.format(**numbers)
    return fields


def read_count(token: str) -> int:
    """ "18" -> 18, "six" -> 6; ValueError naming the token otherwise."""
    word = normalise(token)
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    number = read_number(token)
    if not isinstance(number, int):
        raise ValueError(f"{token!r} is not a whole number")
    return number


def iso_duration(number: int, unit: str) -> str:
    """(18, "M") -> "P18M"; (9, "W") -> "P63D" (xsd:duration counts weeks as days)."""
    return f"P{number * 7}D" if unit == "W" else f"P{number}{unit}"


def describe_rule(rule: ProgrammeRule) -> str:
    """ "programme double-degree: min P18M, awards a degree" for the build report."""
    parts = [
        f"min {rule.min_duration}" if rule.min_duration else "",
        f"max {rule.max_duration}" if rule.max_duration else "",
        f"{rule.ects} ECTS" if rule.ects is not None else "",
        {True: "awards a degree", False: "awards no degree"}.get(rule.awards_degree, ""),
    ]
    stated = ", ".join(part for part in parts if part)
    return f"programme {rule.key}" + (f": {stated}" if stated else "")


def degree_of(heading: str) -> bool | None:
    """ "Formation Académique diplômante" -> True, "... non-diplômante" -> False, else None."""
    words = normalise(heading)
    if "non-diplomante" in words:
        return False
    return True if "diplomante" in words else None


def _route_of(title: str) -> Route | None:
    """The route whose heading starts ``title`` (straight apostrophes, any case)."""
    plain = title.replace("\u2019", "'")
    for route in ROUTES:
        if route.heading and re.match(route.heading, plain, re.IGNORECASE):
            return route
    return None


def sentences(block: list[Origin]) -> list[Sentence]:
    """Split a block into sentences, each with the lines it spans."""
    text, starts = _joined(block)
    found = []
    for match in SENTENCE.finditer(text):
        first = bisect_right(starts, match.start()) - 1
        last = bisect_right(starts, match.end() - 1) - 1
        found.append(Sentence(match.group(), tuple(block[first : last + 1])))
    return found


def _joined(block: list[Origin]) -> tuple[str, list[int]]:
    """The block as one single-spaced text, and where each line starts in it. A line that
    ends with a hyphen is hard-wrapped ("https://www.telecom-" / "paris.fr/"): no space."""
    text, starts = "", []
    for origin in block:
        piece = " ".join(origin.text.split())
        if text and not text.endswith("-"):
            text += " "
        starts.append(len(text))
        text += piece
    return text, starts


def link_reason(text: str) -> str | None:
    """Why a block that is a link (an image, a pointer to another page) carries no rule."""
    links = LINK.findall(text)
    if not links:
        return None
    label, url = links[0]
    rest = LINK.sub("", text).strip()
    if not rest:
        kind = "image link" if IMAGE.search(url) else "link"
        return f"{kind}: {label!r} to {url}"
    if not rest.startswith("⇒"):
        return None
    reason = f"navigation: link {label!r} to {url}"
    path = re.sub(r"^https?://[^/]+", "", url)
    if path.endswith("/partenariats") and path != PARTNER_PAGE_PATH:
        reason += f" (not the partner page's path {PARTNER_PAGE_PATH}, from 000's breadcrumb)"
    return reason


def _spanning(reason: str, block: list[Origin]) -> str:
    """A reason, saying which lines a hard-wrapped block spans."""
    if len(block) == 1:
        return reason
    return f"{reason}; wrapped over lines {block[0].line}-{block[-1].line}"
