"""The parser of a partner list in markdown (document 000): country headings, nested bullets.

The page groups partners under "#### Country / Land / Pays" headings; each bullet names a
partner with a link, an optional acronym and its agreements in parentheses
("[Universidade Estadual de Campinas](url) (UNICAMP) (Double diplôme ingénieur, Brafitec)").
A nested bullet is a unit of the bullet above it. A paragraph saying that partnerships are
suspended sets the status of the rows below it, up to the next heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graph.countries import heading_country
from graph.parse.agreement_text import normalise, parse_agreement_text
from graph.parse.lines import open_document
from graph.parse.news import NEWS, account_news_line
from graph.records import ACTIVE, SUSPENDED, Origin, ParsedDocument, PartnerRow

LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
BULLET = re.compile(r"^( *)\*(?:\s+(.*))?$")
COUNTRY_HEADING = re.compile(r"^####\s+(?!\[)(.+)$")
SECTION_HEADING = re.compile(r"^##\s+(.+)$")
PAGE_HEADING = re.compile(r"^#\s+")
LOGO_LINK = re.compile(r"^\[\]\([^)]*\)$")
GLOSS = re.compile(r"^\((.+?)\s*=\s*(.+)\)$")
SUSPENSION = re.compile(r"\bsuspendu|\bsuspended\b")
ACRONYM_WORDS = re.compile(r"^[\w.&-]+( [\w.&-]+)?$")

# Sections of the page that hold no partner data, by normalised heading -> skip reason.
SKIPPED_SECTIONS = {"contact": "contact", "dernieres actualites": NEWS}


@dataclass(frozen=True)
class BulletParts:
    """A bullet's text taken apart: the partner's name, acronym, first link, agreements."""

    name: str
    acronym: str | None
    url: str | None
    agreement_text: str


def parse_partner_list(path: Path, source_id: str) -> ParsedDocument:
    """Read a markdown partner list into PartnerRows, accounting for every line."""
    document, good = open_document(path, source_id)
    # The undecodable lines, already reported: the only lines accounted for so far.
    unreadable = [Origin(source_id, o.line, o.text) for o in document.lines]
    reader = _ListReader(document)
    index = 0
    while index < len(good):
        while unreadable and unreadable[0].line < good[index].line:
            reader.pass_unreadable(unreadable.pop(0))
        index += reader.read(good, index)
    reader.close_country()
    document.lines.sort(key=lambda outcome: outcome.line)
    return document


def split_bullet(body: str) -> BulletParts:
    """Take a bullet's text apart into name, acronym, first link href and agreement wording.

    Links are replaced by their text, so names split over two links or partly outside a
    link read whole. The agreements are the final parenthesis when it names any agreement
    term (or is not acronym-like, so that an unknown term is reported, not taken for a
    name), else the wording after a final " – " when all of it is agreement vocabulary.
    """
    hrefs = [href for _, href in LINK.findall(body) if href]
    text = " ".join(LINK.sub(lambda link: link.group(1), body).split())
    agreement_text = ""
    peeled = peel_parenthesis(text)
    if peeled and _is_agreement_group(peeled[1]):
        text, agreement_text = peeled
    elif " – " in text:
        head, tail = text.rsplit(" – ", 1)
        terms = parse_agreement_text(tail)
        if not terms.unknown and (terms.types or terms.networks or terms.status):
            text, agreement_text = head, tail
    name, acronym = split_acronym(text)
    return BulletParts(name, acronym, hrefs[0] if hrefs else None, agreement_text)


def split_acronym(text: str) -> tuple[str, str | None]:
    """Split "Name (ACR)" into ("Name", "ACR"); a parenthesis that is no acronym stays.

    "(NYCU, ex NCTU)" gives the acronym "NYCU": the first comma part is the current one.
    """
    peeled = peel_parenthesis(text)
    if peeled and _looks_like_acronym(peeled[1]):
        name, group = peeled
        return _trim_name(name), group.split(",")[0].strip()
    return _trim_name(text), None


def peel_parenthesis(text: str) -> tuple[str, str] | None:
    """Split "rest (group)" at its final balanced parenthesis: (rest, group), or None."""
    text = text.rstrip()
    if not text.endswith(")"):
        return None
    depth = 0
    for position in range(len(text) - 1, -1, -1):
        if text[position] == ")":
            depth += 1
        elif text[position] == "(":
            depth -= 1
            if depth == 0:
                return text[:position].rstrip(), text[position + 1 : -1].strip()
    return None


def _looks_like_acronym(group: str) -> bool:
    """Acronym-like: "UNICAMP", "PUC Rio", "EP-USP" (one or two words, two capitals or more)."""
    first = group.split(",")[0].strip()
    capitals = sum(char.isupper() for char in first)
    return bool(ACRONYM_WORDS.match(first)) and capitals >= 2 and len(first) <= 20


def _is_agreement_group(group: str) -> bool:
    terms = parse_agreement_text(group)
    understood = terms.types or terms.networks or terms.status
    return bool(understood) or not _looks_like_acronym(group)


def _trim_name(name: str) -> str:
    return name.strip().rstrip(",–-").strip()


@dataclass
class _ListReader:
    """Walks the lines once, keeping the section, country heading and bullet nesting."""

    document: ParsedDocument
    skipped_section: str | None = None  # skip reason of a section with no partner data
    country: str | None = None
    heading: Origin | None = None  # the current country heading
    # (indent, line, readable) of the enclosing bullets
    parents: list[tuple[int, int, bool]] = field(default_factory=list)
    notes: list[Origin] = field(default_factory=list)  # suspension notes of this heading
    suspended_rows: list[int] = field(default_factory=list)

    def read(self, lines: list[Origin], index: int) -> int:
        """Account for the line at ``index`` (and a wrapped continuation); lines consumed."""
        origin = lines[index]
        text = origin.text
        if not text.strip():
            self.document.account(origin, "skipped", "blank")
            return 1
        section = SECTION_HEADING.match(text)
        if section:
            self.open_section(origin, section.group(1))
            return 1
        if self.skipped_section == NEWS:  # an item may state a dated figure
            account_news_line(self.document, origin)
            return 1
        if self.skipped_section:
            self.document.account(origin, "skipped", self.skipped_section)
            return 1
        heading = COUNTRY_HEADING.match(text)
        if heading:
            return self.open_country(lines, index, heading.group(1))
        bullet = BULLET.match(text)
        if bullet:
            self.read_bullet(origin, len(bullet.group(1)), bullet.group(2) or "")
            return 1
        self.read_paragraph(origin)
        return 1

    def pass_unreadable(self, origin: Origin) -> None:
        """An undecodable line (reported already) may have been a heading or a bullet: the
        lines below it must not be filed under the heading or the bullet above it."""
        bullet = BULLET.match(origin.text)
        if SECTION_HEADING.match(origin.text) or COUNTRY_HEADING.match(origin.text):
            self.close_country()
            self.skipped_section = None
            self.heading = origin  # rows below: country unknown, said in their line's report
        elif bullet:
            indent = len(bullet.group(1))
            while self.parents and self.parents[-1][0] >= indent:
                self.parents.pop()
            self.parents.append((indent, origin.line, False))

    def open_section(self, origin: Origin, title: str) -> None:
        self.close_country()
        if LINK.match(title) and " > " in title:
            self.document.account(origin, "skipped", "navigation: breadcrumb")
            return
        self.skipped_section = SKIPPED_SECTIONS.get(normalise(title))
        self.document.account(origin, "skipped", "navigation: section heading")

    def open_country(self, lines: list[Origin], index: int, title: str) -> int:
        """A country heading, joined with its next line when the heading wraps onto it."""
        self.close_country()
        origin = lines[index]
        wrapped = _continuation(lines, index)
        if wrapped:
            title = f"{title.strip()} {wrapped.text.strip()}"
        self.heading, self.country = origin, heading_country(title)
        if self.country is None:
            self.document.account(origin, "error", f"unknown country {title.strip()!r}")
        else:
            self.document.account(origin, "mapped", f"country heading → {self.country}")
        if wrapped:
            self.document.account(
                wrapped, "mapped", f"country heading continued from line {origin.line}"
            )
        return 2 if wrapped else 1

    def close_country(self) -> None:
        """End the current heading: account its suspension notes, now that the rows are known."""
        for note in self.notes:
            applied = _line_ranges(self.suspended_rows)
            if applied:
                detail = f"status note: partnerships suspended, applied to lines {applied}"
                self.document.account(note, "mapped", detail)
            else:
                self.document.account(note, "warning", "status note with no partner row below")
        self.country, self.heading = None, None
        self.parents, self.notes, self.suspended_rows = [], [], []

    def read_paragraph(self, origin: Origin) -> None:
        text = origin.text.strip()
        gloss = GLOSS.match(text)
        if PAGE_HEADING.match(text):
            self.document.account(origin, "skipped", "navigation: page title")
        elif LOGO_LINK.match(text):
            self.document.account(origin, "skipped", "navigation: logo link")
        elif gloss:
            self.read_gloss(origin, gloss.group(1))
        elif SUSPENSION.search(normalise(text)) and self.heading is not None:
            self.notes.append(origin)  # accounted when the heading closes
        else:
            self.document.account(origin, "error", f"unrecognised line {text!r}")

    def read_gloss(self, origin: Origin, term: str) -> None:
        terms = parse_agreement_text(term)
        if terms.unknown:
            self.document.account(origin, "warning", f"vocabulary gloss of unknown {term!r}")
        else:
            keys = ", ".join(terms.types + terms.networks)
            self.document.account(origin, "mapped", f"vocabulary gloss: {term} → {keys}")

    def read_bullet(self, origin: Origin, indent: int, body: str) -> None:
        if not body.strip():
            self.document.account(origin, "error", "empty bullet")
            return
        while self.parents and self.parents[-1][0] >= indent:
            self.parents.pop()
        _, parent_line, readable = self.parents[-1] if self.parents else (0, None, True)
        self.parents.append((indent, origin.line, True))
        row = self.make_row(origin, body, parent_line if readable else None)
        self.document.rows.append(row)
        self.account_row(origin, row, None if readable else parent_line)

    def make_row(self, origin: Origin, body: str, parent_line: int | None) -> PartnerRow:
        parts = split_bullet(body)
        terms = parse_agreement_text(parts.agreement_text)
        states_agreement = bool(terms.types or terms.networks or terms.status)
        status = terms.status or ACTIVE
        if self.notes:
            status = SUSPENDED
            self.suspended_rows.append(origin.line)
        return PartnerRow(
            origin=origin,
            name=parts.name,
            country=self.country,
            acronym=parts.acronym,
            url=parts.url,
            parent_line=parent_line,
            types=terms.stated_types() if states_agreement else (),
            networks=terms.networks,
            status=status,
            agreement_text=parts.agreement_text,
        )

    def account_row(self, origin: Origin, row: PartnerRow,
                    unreadable_parent: int | None = None) -> None:
        detail = (
            f"partner row: {row.name}; types {', '.join(row.types) or 'none'}; "
            f"networks {', '.join(row.networks) or 'none'}; status {row.status}"
        )
        unknown = parse_agreement_text(row.agreement_text).unknown
        if unreadable_parent is not None:
            self.document.account(origin, "warning", f"the bullet above it (line "
                                  f"{unreadable_parent}) is not valid UTF-8: read as a "
                                  f"partner of its own; {detail}")
        elif unknown:
            terms = ", ".join(repr(term) for term in unknown)
            self.document.account(origin, "error", f"unknown agreement term {terms}; {detail}")
        elif self.heading is None:
            self.document.account(origin, "error", f"unknown country (no heading); {detail}")
        elif self.country is None:
            where = f"heading line {self.heading.line}"
            self.document.account(origin, "warning", f"country unknown ({where}); {detail}")
        else:
            self.document.account(origin, "mapped", detail)


def _continuation(lines: list[Origin], index: int) -> Origin | None:
    """The next line when it continues a wrapped heading (plain text right below it)."""
    if index + 1 >= len(lines):
        return None
    following = lines[index + 1]
    text = following.text.strip()
    adjacent = following.line == lines[index].line + 1
    if adjacent and text and not text.startswith(("#", "*", "(", "[")):
        return following
    return None


def _line_ranges(numbers: list[int]) -> str:
    """[207, 208, 209, 215] -> "207-209, 215"."""
    ranges: list[list[int]] = []
    for number in numbers:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(f"{low}-{high}" if high > low else f"{low}" for low, high in ranges)
