"""The parser of a partner table in TSV (document 003): country, university, agreement type.

The header row is found by its column names, not by its position, so leading blank lines
and a different column order do not matter. Agreement cells join terms with "/" or "&"
("Bilateral/GE3/Erasmus+"); "in process" is a status, and a row whose cell names no type
gets the type "type-not-stated". A row with the same cells as an earlier one is read, and
reported as a warning naming the line it repeats: a copy error, or a second agreement the
table cannot tell apart from the first; a human decides.
"""

from __future__ import annotations

from pathlib import Path

from graph.countries import country_code
from graph.errors import BuildError
from graph.parse.agreement_text import normalise, parse_agreement_text
from graph.parse.lines import open_document
from graph.parse.partner_list import split_acronym
from graph.records import ACTIVE, Origin, ParsedDocument, PartnerRow

# Normalised header cell -> the field it fills.
COLUMNS = {"country": "country", "university name": "name", "agreement type": "agreement"}


def parse_partner_table(path: Path, source_id: str) -> ParsedDocument:
    """Read a TSV partner table into PartnerRows, accounting for every line."""
    document, good = open_document(path, source_id)
    header_index, columns = _find_header(good, path)
    first_seen: dict[tuple[str, ...], int] = {}  # a data line's cells -> its first line
    for position, origin in enumerate(good):
        if not origin.text.strip():
            document.account(origin, "skipped", "blank")
        elif position < header_index:
            document.account(origin, "skipped", "above the table header")
        elif position == header_index:
            document.account(origin, "skipped", "table header")
        else:
            cells = tuple(cell.strip() for cell in origin.text.split("\t"))
            _read_row(document, origin, columns, first_seen.get(cells))
            first_seen.setdefault(cells, origin.line)
    document.lines.sort(key=lambda outcome: outcome.line)
    return document


def _find_header(lines: list[Origin], path: Path) -> tuple[int, dict[str, int]]:
    """The position of the header line and the cell index of each field."""
    for position, origin in enumerate(lines):
        cells = [normalise(cell) for cell in origin.text.split("\t")]
        if all(name in cells for name in COLUMNS):
            return position, {COLUMNS[name]: cells.index(name) for name in COLUMNS}
    expected = ", ".join(repr(name) for name in COLUMNS)
    raise BuildError(f"no header line with the columns {expected}", path)


def _read_row(document: ParsedDocument, origin: Origin, columns: dict[str, int],
              repeats: int | None = None) -> None:
    """One data line -> one PartnerRow, or an error line that names the faulty value.

    ``repeats``: the earlier line with the very same cells, if any.
    """
    cells = [cell.strip() for cell in origin.text.split("\t")]
    if len(cells) != len(columns):
        found = f"expected {len(columns)} tab-separated cells, found {len(cells)}"
        document.account(origin, "error", f"{found}: {origin.text!r}")
        return
    country_cell, name_cell = cells[columns["country"]], cells[columns["name"]]
    agreement_cell = cells[columns["agreement"]]
    if not name_cell:
        document.account(origin, "error", f"no university name: {origin.text!r}")
        return
    terms = parse_agreement_text(agreement_cell, separators="table")
    name, acronym = split_acronym(name_cell)
    row = PartnerRow(
        origin=origin,
        name=name,
        country=country_code(country_cell),
        acronym=acronym,
        types=terms.stated_types(),
        networks=terms.networks,
        status=terms.status or ACTIVE,
        agreement_text=agreement_cell,
    )
    document.rows.append(row)
    detail = (
        f"partner row: {row.name}; types {', '.join(row.types)}; "
        f"networks {', '.join(row.networks) or 'none'}; status {row.status}"
    )
    problems = [f"unknown agreement term {term!r}" for term in terms.unknown]
    if row.country is None:
        problems.insert(0, f"unknown country {country_cell!r}")
    if problems:
        document.account(origin, "error", "; ".join([*problems, detail]))
    elif repeats is not None:
        document.account(origin, "warning", f"duplicate row: the same cells as line {repeats}; "
                                            f"{detail}")
    else:
        document.account(origin, "mapped", detail)
