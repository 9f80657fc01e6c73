"""The parser of a study-abroad page (document 002, Télécom Paris's "offre de formations").

The page describes routes abroad under headings ("Double Diplôme ingénieur (DD)", "Master à
l'étranger", "#### Stages de fin d'études") inside sections that say whether the routes
award a degree ("## Formation Académique diplômante" / "non-diplômante"). Each route is
recognised by its heading and read from the sentences of its section; routes stated in
running text (the mobility requirement, the apprentices' minimum, the exchange, the
first-year internship, the summer stay) have no heading and are looked for on the whole
page. A route's origin is the line where the sentence stating its rule starts.

A rule is more than durations and credits: whether it is mandatory, what it may count
towards (another rule of the same page: "compter parmi la Formation à l'étranger"), and the
conditions attached to it (an approval, costs borne by the student, a further requirement),
each condition with the line it was read from. A fact may sit outside its route's section
("Parmi les stages obligatoires ... : le stage de formation humaine ... et le stage
ingénieur"): such facts are looked for on the whole page.

Written for the telecom-paris.fr page of October 2024: the route wordings below are that
page's. The page names no partner: it yields rules and figures, never partner rows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

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
from graph.records import Condition, Origin, ParsedDocument, ProgrammeRule

# A sentence ends at ".", "!" or "?" before a space or the end, but not after "e.g" or "i.e".
SENTENCE = re.compile(r"\S.*?(?:(?<!e\.g)(?<!i\.e)[.!?](?=\s|$)|$)")
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
    "max_years": (("max_duration",), "Y"),
}
# Groups that are text, not numbers: who a rule is for, languages (named in English, kept as
# ISO 639-1 codes), and words kept verbatim for a note (``*_text``).
TEXT_GROUP_SUFFIX = "_text"
LANGUAGE_GROUPS = ("language", "teaching_language")
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

    Named groups: ``min_months``, ``max_months``, ``months`` (both bounds), ``min_weeks``,
    ``max_years`` and ``ects`` are numbers that fill the rule; ``audience`` is who the rule is
    for, as written; ``language`` / ``teaching_language`` name a language in English; a group
    ending in ``_text`` is kept verbatim for ``note``; any other group is a number for
    ``note``, an English template ("at most {weeks} weeks"). A matched fact also sets what it
    declares: ``mandatory``, ``awards_degree``, ``counts_towards`` (the key of another route
    of the page), ``condition`` (a kind of ``passerelle.vocabulary.CONDITION_KINDS``, stated by
    ``note``, which then goes to the condition rather than to the rule's note).

    A route must state each fact unless it is ``optional``; a fact is looked for in its
    route's section unless it is stated ``anywhere`` on the page. Patterns are matched
    case-insensitively, with straight apostrophes.
    """

    pattern: str
    note: str = ""
    mandatory: bool | None = None
    awards_degree: bool | None = None
    counts_towards: str = ""
    condition: str = ""
    optional: bool = False
    anywhere: bool = False


@dataclass(frozen=True)
class Route:
    """A study-abroad route: its key, the heading that opens its section (None: it is stated
    in running text, with ``label`` as its name), and the facts its rule is read from."""

    key: str
    heading: str | None
    facts: tuple[Fact, ...]
    label: str = ""


# "Parmi les stages obligatoires qui peuvent se faire à l'international : le stage de
# formation humaine en première année et le stage ingénieur qui clôture ... la formation."
MANDATORY_INTERNSHIPS = r"stages obligatoires qui peuvent se faire à l'international\s*:.*"
ABROAD_MOBILITY = "mobility-requirement"
# The introduction lists the three ways of doing the "formation à l'étranger": "formations
# diplômantes : en double diplôme ou sur le marché libre", "formations non-diplômantes :
# échange de 6 mois à un an ...", "stage de recherche ou en entreprise". Each route of those
# counts towards the mobility requirement.
DEGREE_OPTION = Fact(
    r"^\W*formations diplômantes\s*:\s*en double diplôme ou sur le marché libre",
    counts_towards=ABROAD_MOBILITY, optional=True, anywhere=True,
)
SEMESTERS_OPTION = Fact(
    r"formation non-diplômante à l'étranger, .*un ou deux semestres complets",
    counts_towards=ABROAD_MOBILITY, optional=True, anywhere=True,
)
INTERNSHIP_OPTION = Fact(
    r"^\W*stage de recherche ou en entreprise$",
    counts_towards=ABROAD_MOBILITY, optional=True, anywhere=True,
)

ROUTES = (
    Route(
        ABROAD_MOBILITY,
        None,
        (
            # A semester is not a duration in the text: kept as a note, not as months.
            Fact(
                r"au moins un semestre académique",
                note="at least one academic semester abroad; the page gives no length in months",
            ),
            Fact(r"cursus des (?P<audience>élèves ingénieurs)"),
            Fact(r"expérience internationale fait partie intégrante du cursus", mandatory=True,
                 optional=True),
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
            Fact(r"expérience minimale de \S+ semaines est requise", mandatory=True,
                 optional=True),
        ),
        label="Expérience internationale minimale des apprentis (FISEA)",
    ),
    Route(
        "exchange",
        None,
        (
            Fact(
                r"formations non-diplômantes\s*: échange de (?P<min_months>\S+) mois à "
                r"(?P<max_years>\S+) an\b",
                awards_degree=False,
                counts_towards=ABROAD_MOBILITY,
            ),
            Fact(
                r"échange de .* auprès de nos partenaires ou hors partenariat",
                note="at a partner institution or outside the partner network",
                optional=True,
            ),
        ),
        label="Échange (formation non-diplômante)",
    ),
    Route(
        "double-degree",
        r"Double Diplôme ingénieur",
        (Fact(r"ne pourra pas être inférieure à (?P<min_months>\S+) mois"), DEGREE_OPTION),
    ),
    Route(
        "master-abroad",
        r"Master à l'étranger",
        (
            Fact(r"varie de (?P<min_months>\S+) à (?P<max_months>\S+) mois"),
            DEGREE_OPTION,
            Fact(
                r"si la formation est hors-partenaires, les coûts sont à votre charge",
                condition="costs-borne-by-student",
                note="outside the partner network, the costs are the student's",
                optional=True,
            ),
        ),
    ),
    Route(
        "one-semester",
        r"Un semestre à l'étranger",
        (
            Fact(r"valider (?P<ects>\S+) crédits ECTS"),
            SEMESTERS_OPTION,
            Fact(
                r"ce stage se déroule à leur retour .* ne peut excéder une durée de "
                r"(?P<weeks>\S+) semaines",
                note="the engineering internship, when taken on return as the last "
                "requirement, may not exceed {weeks} weeks",
            ),
            Fact(
                r"doivent obligatoirement valider un (?P<requirement_text>stage d'ingénieur), "
                r"soit avant leur mobilité internationale, soit à leur retour",
                condition="also-requires",
                note="the student must also validate an engineering internship "
                "({requirement_text}), before the mobility or on return",
                optional=True,
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
            SEMESTERS_OPTION,
        ),
    ),
    Route(
        "summer-internship",
        r"Stages d'Été",
        (Fact(r"\((?P<min_months>\S+) à (?P<max_months>\S+) mois\)"),),
    ),
    Route(
        "first-year-internship",
        None,
        (
            Fact(
                r"1re année, les (?P<audience>élèves-ingénieurs) effectuent un stage de "
                r"Formation Humaine, qui peut se dérouler à l'étranger et compter parmi la "
                r"Formation à l'étranger",
                counts_towards=ABROAD_MOBILITY,
                note="may take place abroad",
            ),
            Fact(MANDATORY_INTERNSHIPS + r"stage de formation humaine", mandatory=True,
                 optional=True, anywhere=True),
        ),
        label="Stage de Formation Humaine (1re année)",
    ),
    Route(
        "summer-stay",
        None,
        (
            Fact(
                r"été entre la 2A et la 3A, vous avez la possibilité d'effectuer un séjour à "
                r"l'étranger qui peut être validé dans le cadre de votre mobilité obligatoire",
                counts_towards=ABROAD_MOBILITY,
                mandatory=False,
                note="in the summer between the 2nd and the 3rd year",
            ),
            Fact(
                r"le projet doit être validé par (?:la )?(?P<approver_text>.+?)\.?$",
                condition="approval-required",
                note="the project must be approved by {approver_text}",
                optional=True,
            ),
            Fact(
                r"mobilités privilégiées sont (?P<preferred_text>.+?)\.?$",
                note="preferred: {preferred_text}",
                optional=True,
            ),
        ),
        label="Séjour à l'étranger entre la 2A et la 3A",
    ),
    Route(
        "final-internship",
        r"Stages de fin d'études",
        (
            Fact(r"d'une durée de (?P<months>\S+) mois"),
            Fact(r"un stage\W+projet\W+doit être effectué", mandatory=True, optional=True),
            Fact(
                r"peut s'effectuer à l'étranger dans le cadre de la mobilité internationale "
                r"obligatoire",
                counts_towards=ABROAD_MOBILITY,
                optional=True,
            ),
            Fact(MANDATORY_INTERNSHIPS + r"stage ingénieur qui clôture", mandatory=True,
                 optional=True, anywhere=True),
            INTERNSHIP_OPTION,
        ),
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
    """What reading one route gave: its rule, or the error that kept it out.

    ``used`` pairs each sentence a fact was read from with what that fact stated, for the
    report ("programme final-internship: mandatory").
    """

    rule: ProgrammeRule | None
    used: list[tuple[Sentence, str]]
    error: str = ""

    @property
    def sentences(self) -> list[Sentence]:
        return [sentence for sentence, _ in self.used]


def parse_programme_rules(path: Path, source_id: str) -> ParsedDocument:
    """Read a study-abroad page into ProgrammeRules (and its figures), every line accounted."""
    document, good = open_document(path, source_id)
    for origin in good:
        if not origin.text.strip():
            document.account(origin, "skipped", "blank")
    sections = _split_sections(document, blocks(good))
    found = [[sentence for block in s.blocks for sentence in sentences(block)] for s in sections]
    page = [sentence for section_sentences in found for sentence in section_sentences]
    notes: dict[int, list[tuple[str, str]]] = defaultdict(list)  # line -> (outcome, detail)
    for sentence in page:
        _read_figures(document, sentence, notes)
    readings = []
    for section, section_sentences in zip(sections, found, strict=True):
        if section.route is not None:
            title = " ".join(section.heading.text.lstrip("#").split())
            heading = Sentence(title, (section.heading,))
            readings.append(read_route(section.route, [heading, *section_sentences],
                                       section.awards_degree, title, page, heading))
    for route in ROUTES:
        if route.heading is None:
            readings.append(read_route(route, page, None, route.label, page))
    for reading in check_targets(readings):
        _record_route(document, reading, notes)
    for section in sections:
        lines = [section.heading] if section.heading else []
        for origin in lines + [origin for block in section.blocks for origin in block]:
            _account_line(document, origin, notes[origin.line])
    document.lines.sort(key=lambda outcome: outcome.line)
    document.figures.sort(key=lambda figure: figure.origin.line)  # news items are read first
    document.programmes.sort(key=lambda rule: rule.origin.line)
    return document


def check_targets(readings: list[RouteReading]) -> list[RouteReading]:
    """Turn a rule that counts towards a rule the page does not state into an error."""
    stated = {reading.rule.key for reading in readings if reading.rule is not None}
    checked = []
    for reading in readings:
        missing = [key for key in reading.rule.counts_towards if key not in stated] \
            if reading.rule is not None else []
        if missing:
            error = (f"programme {reading.rule.key}: counts towards {', '.join(missing)}, "
                     "which the page does not state")
            reading = RouteReading(None, reading.used, error)
        checked.append(reading)
    return checked


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
    document: ParsedDocument, reading: RouteReading, notes: dict[int, list[tuple[str, str]]]
) -> None:
    if reading.error:
        for sentence in reading.sentences:
            _note(notes, sentence.lines, "error", reading.error)
    elif reading.rule is not None:
        document.programmes.append(reading.rule)
        for sentence, stated in reading.used:
            _note(notes, sentence.lines, "mapped", stated)


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
    route: Route,
    found: list[Sentence],
    awards_degree: bool | None,
    label: str,
    page: list[Sentence] | None = None,
    heading: Sentence | None = None,
) -> RouteReading:
    """Read a route's facts from the sentences of its section (``found``), and the facts
    stated ``anywhere`` from the whole ``page``.

    A route with a heading must state every fact that is not optional; a route with none
    (stated in running text) is absent when its first fact is. A missing fact or a malformed
    number gives an error that names it, and no rule. The route's heading sentence, or else
    the sentence of its first fact, is reported with the whole rule; each other sentence
    with what it states.
    """
    fields: dict[str, object] = {"awards_degree": awards_degree}
    conditions: list[Condition] = []
    used: list[tuple[Sentence, str]] = [(heading, "")] if heading is not None else []
    for fact in route.facts:
        hit = _find(fact, page if fact.anywhere and page is not None else found)
        if hit is None and heading is None and not used:
            return RouteReading(None, [])
        if hit is None and fact.optional:
            continue
        if hit is None:
            error = f"programme {route.key}: no sentence matches {fact.pattern!r}"
            return RouteReading(None, [(sentence, "") for sentence, _ in used], error)
        sentence, match = hit
        try:
            more = fact_fields(fact, match, sentence.text)
        except ValueError as exc:
            used.append((sentence, ""))
            return RouteReading(None, used, f"programme {route.key}: {exc}")
        if fact.condition:  # its note states the condition; a language group goes with it
            conditions.append(Condition(sentence.lines[0], fact.condition,
                                        more.pop("note", fact.condition),
                                        more.pop("language", None)))
        _merge(fields, more)
        used.append((sentence, _stated(route.key, _describe_fields(more, conditions, fact))))
    fields["conditions"] = tuple(conditions)
    # The origin: where the rule starts, the sentence of its first fact (not its heading).
    first_fact = used[1 if heading is not None and len(used) > 1 else 0][0]
    rule = ProgrammeRule(first_fact.lines[0], route.key, label, **fields)
    used[0] = (used[0][0], describe_rule(rule))  # the heading, or first sentence: the whole rule
    return RouteReading(rule, used)


def _find(fact: Fact, found: list[Sentence]) -> tuple[Sentence, re.Match[str]] | None:
    for sentence in found:
        match = re.search(fact.pattern, sentence.text.replace("\u2019", "'"), re.IGNORECASE)
        if match:
            return sentence, match
    return None


def _merge(fields: dict[str, object], more: dict[str, object]) -> None:
    """Add one fact's fields; notes of several facts are joined, routes counted towards
    gathered."""
    for name, value in more.items():
        if name == "note" and fields.get("note"):
            value = f"{fields['note']}; {value}"
        if name == "counts_towards":
            value = (*fields.get("counts_towards", ()), *value)
        fields[name] = value


def fact_fields(fact: Fact, match: re.Match[str], original: str = "") -> dict[str, object]:
    """The ProgrammeRule fields one matched fact gives; ValueError names a bad number or an
    unknown language. ``original`` is the sentence before its apostrophes were straightened
    for matching (same length): text kept verbatim is taken from it."""
    groups = match.groupdict()
    if original:
        groups.update({name: original[match.start(name):match.end(name)]
                       for name, value in groups.items() if value is not None})
    fields: dict[str, object] = {}
    if "audience" in groups:
        fields["audience"] = " ".join(groups.pop("audience").split())
    for name in LANGUAGE_GROUPS:
        if name in groups:
            fields[name] = language_code(groups.pop(name))
    words = {name: " ".join(groups.pop(name).split())
             for name in list(groups) if name.endswith(TEXT_GROUP_SUFFIX)}
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
        fields["note"] = fact.note.format(**{**fields, **numbers, **words})
    for name in ("mandatory", "awards_degree"):
        if getattr(fact, name) is not None:
            fields[name] = getattr(fact, name)
    if fact.counts_towards:
        fields["counts_towards"] = (fact.counts_towards,)
    return fields


def language_code(name: str) -> str:
    """ "English" -> "en" (ISO 639-1, from pycountry); ValueError names an unknown language."""
    language = pycountry.languages.get(name=name.strip())
    code = getattr(language, "alpha_2", None)
    if code is None:
        raise ValueError(f"{name!r} is not a language with an ISO 639-1 code")
    return code


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
    return _stated(rule.key, _describe_fields(vars(rule), rule.conditions))


def _stated(key: str, stated: str) -> str:
    return f"programme {key}" + (f": {stated}" if stated else "")


def _describe_fields(fields: dict, conditions, fact: Fact | None = None) -> str:
    """What a rule (or one fact of it) states, in the report's words."""
    parts = [
        f"min {fields['min_duration']}" if fields.get("min_duration") else "",
        f"max {fields['max_duration']}" if fields.get("max_duration") else "",
        f"{fields['ects']} ECTS" if fields.get("ects") is not None else "",
        {True: "awards a degree", False: "awards no degree"}.get(fields.get("awards_degree"), ""),
        {True: "mandatory", False: "optional"}.get(fields.get("mandatory"), ""),
        *(f"counts towards {key}" for key in fields.get("counts_towards") or ()),
        f"taught in {fields['teaching_language']}" if fields.get("teaching_language") else "",
        f"for {fields['audience']}" if fields.get("audience") else "",
    ]
    if fact is None:
        parts += [f"condition {c.kind}" for c in conditions]
    elif fact.condition:
        parts.append(f"condition {fact.condition}: {conditions[-1].statement}")
    elif not any(parts) and fields.get("note"):
        parts.append(f"note: {fields['note']}")
    return ", ".join(part for part in parts if part)


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
