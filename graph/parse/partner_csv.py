"""The contribution format: a school's partners as a CSV that anyone can make (parser
``partner-csv``).

UTF-8, RFC 4180 (quoted cells may hold commas, quotes and line breaks), a header row naming
the columns in any order:

  partner   (required) the partner's name exactly as the school writes it
  country   (required) ISO 3166-1 alpha-2 code, or the name in English, French or the
            country's own language
  faculty   the partner's faculty, school or department that the agreement names
  types     agreement types separated by ";", English or French words; empty: not stated
  networks  networks or programmes separated by ";"; one the vocabulary does not know
            becomes a new network, reported
  status    active (default), suspended, in negotiation (English or French)
  url       the partner's page as the school links it (evidence, checked by the resolver)
  note      free text kept on the agreement

Each data row is one agreement whose provenance is its line. A row with a bad cell is kept
out and reported as an error naming the file, line, column and value; the others go on.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from graph.countries import contributed_country
from graph.errors import BuildError
from graph.parse.agreement_text import NETWORK_PHRASES, TYPE_NOT_STATED, TYPE_PHRASES, normalise
from graph.parse.lines import open_document
from graph.parse.partner_list import split_acronym
from graph.records import ACTIVE, IN_NEGOTIATION, SUSPENDED, Origin, ParsedDocument, PartnerRow
from passerelle.normalise import normalise_name
from passerelle.vocabulary import NETWORKS, without_broader

COLUMNS = ("partner", "country", "faculty", "types", "networks", "status", "url", "note")
REQUIRED = ("partner", "country")
# Normalised status word -> status key.
STATUS_WORDS = {
    "active": ACTIVE, "actif": ACTIVE, "in force": ACTIVE, "en vigueur": ACTIVE,
    "suspended": SUSPENDED, "suspendu": SUSPENDED, "suspendue": SUSPENDED,
    "in negotiation": IN_NEGOTIATION, "en negociation": IN_NEGOTIATION,
    "in process": IN_NEGOTIATION, "en cours de negociation": IN_NEGOTIATION,
}


def parse_partner_csv(path: Path, source_id: str) -> ParsedDocument:
    """Read a contribution CSV into PartnerRows, accounting for every line."""
    document, good = open_document(path, source_id)
    header: list[str] | None = None
    for lines, cells in _records(good, document):
        first = lines[0]
        for continued in lines[1:]:
            document.account(continued, "mapped", f"continues the record of line {first.line}")
        if not any(cell.strip() for cell in cells):
            document.account(first, "skipped", "blank")
        elif header is None:
            header = _header(cells, first, document, path)
        else:
            origin = Origin(source_id, first.line, "\n".join(line.text for line in lines))
            _read_row(document, origin, header, cells, path.name)
    if header is None:
        raise BuildError("no header row (partner, country, ...)", path)
    document.lines.sort(key=lambda outcome: outcome.line)
    return document


def _records(lines: list[Origin], document: ParsedDocument) -> Iterator[tuple[list, list[str]]]:
    """(the physical lines of one CSV record, its cells), record by record; a line that
    breaks RFC 4180 (a stray quote) is reported and reading starts again below it."""
    position = 0
    while position < len(lines):
        consumed: list[Origin] = []
        reader = csv.reader(_feed(lines[position:], consumed), strict=True)
        try:
            for cells in reader:
                yield list(consumed), cells
                position += len(consumed)
                consumed.clear()
            return
        except csv.Error as exc:
            for origin in consumed:
                document.account(origin, "error", f"not RFC 4180 CSV ({exc}): {origin.text!r}")
            position += len(consumed)


def _feed(lines: list[Origin], consumed: list[Origin]) -> Iterator[str]:
    """The lines' text for the csv module, noting in ``consumed`` each line it has taken."""
    for origin in lines:
        consumed.append(origin)
        yield origin.text + "\n"


def _header(cells: list[str], origin: Origin, document: ParsedDocument, path: Path) -> list[str]:
    names = [cell.strip().casefold() for cell in cells]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise BuildError(f"the header row lacks the column(s) {', '.join(missing)} "
                         f"(found: {', '.join(names)})", path, origin.line)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BuildError(f"the header row names {', '.join(repeated)} twice", path, origin.line)
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        document.account(origin, "warning", "header row; columns not in the format, their "
                         f"cells are not read: {', '.join(unknown)}")
    else:
        document.account(origin, "skipped", "table header")
    return names


def _read_row(document: ParsedDocument, origin: Origin, header: list[str], cells: list[str],
              file: str) -> None:
    """One data record -> one PartnerRow, or an error naming each bad cell."""
    where = f"{file}, line {origin.line}"
    if len(cells) != len(header):
        document.account(origin, "error", f"{where}: {len(cells)} cells where the header has "
                                          f"{len(header)}: {origin.text!r}")
        return
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    problems: list[str] = []

    def bad(column: str, what: str) -> None:
        problems.append(f"{where}, column {column}: {what} {values.get(column, '')!r}")

    if not values["partner"]:
        bad("partner", "no partner name")
    country = contributed_country(values["country"])
    if country is None:
        bad("country", "not a country code or name")
    types = _types(values.get("types", ""), bad)
    networks, new = _networks(values.get("networks", ""))
    status_cell = values.get("status", "")
    status = STATUS_WORDS.get(normalise(status_cell)) if status_cell else ACTIVE
    if status is None:
        bad("status", "not a status (active, suspended, in negotiation)")
    url = values.get("url") or None
    if url and not _is_web_address(url):
        bad("url", "not an http(s) address")
    if problems:
        document.account(origin, "error", "; ".join(problems) + ": row left out")
        return
    document.new_networks.update(new)
    name, acronym = split_acronym(values["partner"])
    row = PartnerRow(
        origin=origin, name=name, country=country, acronym=acronym, url=url,
        types=types or (TYPE_NOT_STATED,), networks=networks, status=status,
        agreement_text=", ".join(v for v in (values.get("types"), values.get("networks")) if v),
        faculty=values.get("faculty") or None, note=values.get("note", ""))
    document.rows.append(row)
    detail = (f"partner row: {row.name}{f' / {row.faculty}' if row.faculty else ''}; "
              f"country {country}; types {', '.join(row.types)}; "
              f"networks {', '.join(networks) or 'none'}; status {status}")
    if new:
        names = ", ".join(f"{label!r} -> network/{key}" for key, label in new.items())
        document.account(origin, "warning", f"{detail}; networks not in the vocabulary, "
                                            f"added as new networks: {names}")
    else:
        document.account(origin, "mapped", detail)


def _types(cell: str, bad) -> tuple[str, ...]:
    found = set()
    for term in _terms(cell):
        key = TYPE_PHRASES.get(normalise(term.replace("-", " ")))
        if key is None:
            bad("types", f"unknown agreement type {term!r} in")
        else:
            found.add(key)
    return without_broader(found)


def _networks(cell: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Network keys of a cell, and the networks the vocabulary does not know (key -> name)."""
    keys, new = [], {}
    for term in _terms(cell):
        key = NETWORK_PHRASES.get(normalise(term))
        if key is None:
            slug = re.sub(r"[^a-z0-9]+", "-", normalise_name(term)).strip("-")
            key = slug if slug in NETWORKS else slug or "unnamed"
            if key not in NETWORKS:
                new[key] = term
        keys.append(key)
    return tuple(sorted(set(keys))), new


def _terms(cell: str) -> list[str]:
    return [term.strip() for term in cell.split(";") if term.strip()]


def _is_web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text
