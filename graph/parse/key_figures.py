"""The parser of a key-figures page (document 001, Télécom Paris's "chiffres clés").

The page states each figure as a sentence ("37 partenariats Erasmus dans 13 pays"), then
shows it again as display tokens for its counters ("37", "partenariats Erasmus dans 13
pays"). Each sentence maps to PublishedFigures; token blocks that spell the sentence again
are accounted as repeats, so no figure is counted twice.

Written for the telecom-paris.fr page template of October 2024 (a title, a breadcrumb, a
logo link, sections, then "Contact" and "Dernières actualités", whose items are news except
where one states a dated figure: graph/parse/news.py); the programme-rules page (002) shares
that template and reads it with the helpers here.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.parse.agreement_text import normalise
from graph.parse.figures import DECIMAL, FigurePhrase, describe_figures, figures_in
from graph.parse.lines import open_document
from graph.parse.news import NEWS, account_news_line
from graph.records import Origin, ParsedDocument

# Lines of the page template, by pattern -> skip reason.
TEMPLATE_LINES = (
    (re.compile(r"^# Title: "), "navigation: page title"),
    (re.compile(r"^## \[Accueil\]\(.* > "), "navigation: breadcrumb"),
    (re.compile(r"^\[\]\([^)]*\)$"), "navigation: logo link"),
    (re.compile(r"^\s*[*•]\s*$"), "empty list item"),
)
HEADING = re.compile(r"^(#+)\s+(.*)$")
BULLET = re.compile(r"^\s*[*•]\s+\S")

# Sections of the page that hold no figures, by the start of their normalised heading.
SKIPPED_SECTIONS = {"contact": "contact", "dernieres actualites": NEWS}


# The figures of 001, in the order the page gives them. The last four sit under the heading
# "Des formations entièrement en anglais", which is what makes them "in English".
KEY_FIGURES = (
    FigurePhrase("partners", "{n} partenaires"),
    FigurePhrase("partner-countries", "partenaires dans {n} pays"),
    FigurePhrase("double-degree-programmes", "{n} de programmes de double diplôme"),
    FigurePhrase("double-degree-countries", "programmes de double diplôme dans {n} pays"),
    FigurePhrase("erasmus-partnerships", "{n} partenariats Erasmus"),
    FigurePhrase("erasmus-countries", "partenariats Erasmus dans {n} pays"),
    FigurePhrase(
        "international-students-share", "{n} % d'internationaux (tous diplômes)", "percent"
    ),
    FigurePhrase(
        "international-engineering-students-share",
        "{n} % d'internationaux (diplôme d'ingénieur)",
        "percent",
    ),
    FigurePhrase(
        "first-job-abroad-share", "{n} % des diplômés ont leur 1er emploi à l'étranger", "percent"
    ),
    FigurePhrase(
        "international-faculty-share",
        "{n} % des enseignants-chercheurs sont des internationaux",
        "percent",
    ),
    FigurePhrase("nationalities", "{n} nationalités différentes"),
    FigurePhrase("languages-taught", "{n} langues enseignées"),
    FigurePhrase("engineering-tracks-in-english", "{n} filières en diplôme d'ingénieur"),
    FigurePhrase("specialised-masters-in-english", "{n} Mastères Spécialisés"),
    FigurePhrase("ip-paris-masters-in-english", "{n} Masters IP Paris"),
    FigurePhrase("phd-tracks-in-english", "{n} PhD Tracks"),
    FigurePhrase("international-campuses", "{n} campus international"),
)


def parse_key_figures(path: Path, source_id: str) -> ParsedDocument:
    """Read a key-figures page into PublishedFigures, accounting for every line."""
    document, good = open_document(path, source_id)
    for origin in good:
        if not origin.text.strip():
            document.account(origin, "skipped", "blank")
    page = blocks(good)
    skipped_section = None
    index = 0
    while index < len(page):
        block = page[index]
        template = template_reason(block[0].text)
        heading = HEADING.match(block[0].text)
        used = 1
        if template:
            account_block(document, block, template)
        elif heading:
            skipped_section = section_reason(heading.group(2))
            account_block(document, block, skipped_section or heading_reason(heading.group(1)))
        elif skipped_section:
            account_section_block(document, block, skipped_section)
        else:
            used = _read_figure_block(document, page, index)
        index += used
    document.lines.sort(key=lambda outcome: outcome.line)
    return document


def _read_figure_block(document: ParsedDocument, page: list[list[Origin]], index: int) -> int:
    """Read the sentence at ``index`` and the display tokens that repeat it; blocks used."""
    block = page[index]
    sentence = block_text(block)
    first = block[0]
    try:
        figures = figures_in(sentence, first, KEY_FIGURES)
    except ValueError as exc:
        _account_sentence(document, block, "error", str(exc))
    else:
        if figures:
            document.figures.extend(figures)
            _account_sentence(document, block, "mapped", describe_figures(figures))
        elif DECIMAL.match(sentence):
            _account_sentence(document, block, "error", f"no known measure in {sentence!r}")
        else:
            account_block(document, block, "narrative with no figure")
            return 1
    repeats = count_repeats(page, index + 1, sentence)
    for repeat in page[index + 1 : index + 1 + repeats]:
        account_block(document, repeat, f"repeated display: the figure of line {first.line}")
    return 1 + repeats


def _account_sentence(
    document: ParsedDocument, block: list[Origin], outcome: str, detail: str
) -> None:
    """The sentence's first line carries the detail; its wrapped lines point back to it."""
    document.account(block[0], outcome, detail)
    for origin in block[1:]:
        document.account(origin, outcome, f"sentence of line {block[0].line}, continued")


def count_repeats(page: list[list[Origin]], start: int, sentence: str) -> int:
    """How many blocks from ``start`` spell ``sentence`` again, word for word (0 if they
    do not spell all of it)."""
    wanted = sentence.split()
    seen: list[str] = []
    for count, block in enumerate(page[start:], start=1):
        seen += block_text(block).split()
        if seen == wanted:
            return count
        if seen != wanted[: len(seen)]:
            return 0
    return 0


def blocks(lines: list[Origin]) -> list[list[Origin]]:
    """Group non-blank lines into blocks: a blank line or a list bullet starts a new one."""
    grouped: list[list[Origin]] = []
    previous = None
    for origin in lines:
        if not origin.text.strip():
            previous = None
            continue
        adjacent = previous is not None and origin.line == previous + 1
        if adjacent and not BULLET.match(origin.text) and not HEADING.match(origin.text):
            grouped[-1].append(origin)
        else:
            grouped.append([origin])
        previous = origin.line
    return grouped


def block_text(block: list[Origin]) -> str:
    """The lines of a block as one text, single-spaced."""
    return " ".join(" ".join(origin.text.split()) for origin in block)


def account_block(document: ParsedDocument, block: list[Origin], reason: str) -> None:
    for origin in block:
        document.account(origin, "skipped", reason)


def account_section_block(document: ParsedDocument, block: list[Origin], reason: str) -> None:
    """A block of a section with no partner data: skipped with the section's reason, except
    a news item that states a dated figure."""
    for origin in block:
        if reason == NEWS:
            account_news_line(document, origin)
        else:
            document.account(origin, "skipped", reason)


def template_reason(text: str) -> str | None:
    """Why a line of the page template carries no data, or None if it is not one."""
    for pattern, reason in TEMPLATE_LINES:
        if pattern.match(text):
            return reason
    return None


def heading_reason(marks: str) -> str:
    return "navigation: page heading" if marks == "#" else "navigation: section heading"


def section_reason(heading: str) -> str | None:
    """The skip reason of a section with no data ("contact", "news"), from its heading."""
    words = normalise(heading)
    for start, reason in SKIPPED_SECTIONS.items():
        if words.startswith(start):
            return reason
    return None
