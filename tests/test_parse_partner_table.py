"""The partner table of 003: rows, agreement cells, status, and every line accounted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from graph.errors import BuildError
from graph.parse.partner_table import parse_partner_table
from graph.records import IN_NEGOTIATION

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PARTNER_TABLE = SEEDS / "003_6d956781d4f13613.txt"
LINE_COUNT = 113  # 112 newlines, and line 113 (VinUniversity) has none


@pytest.fixture(scope="module")
def document():
    return parse_partner_table(PARTNER_TABLE, "unidentified-partner-table")


@pytest.fixture(scope="module")
def rows_by_line(document):
    return {row.origin.line: row for row in document.rows}


def test_every_line_is_accounted_exactly_once(document):
    numbers = [outcome.line for outcome in document.lines]
    assert sorted(numbers) == list(range(1, LINE_COUNT + 1))


def test_blank_lines_header_and_rows(document):
    outcomes = {o.line: (o.outcome, o.detail) for o in document.lines}
    blanks = sorted(line for line, (_, detail) in outcomes.items() if detail == "blank")
    assert blanks == [1, 2, 43, 83]
    assert outcomes[3] == ("skipped", "table header")
    # 113 lines - 4 blank - 1 header = 108 data rows, all mapped.
    assert len(document.rows) == 108
    assert Counter(o.outcome for o in document.lines) == {"mapped": 108, "skipped": 5}


def test_rows_by_agreement_cell_shape(document):
    # `awk -F'\t' 'NF==3' 003_*.txt | cut -f3 | sort | uniq -c`
    shapes = Counter(row.agreement_text for row in document.rows)
    assert shapes == {
        "Bilateral": 78,
        "Erasmus+": 11,
        "Bilateral/GE3": 8,
        "Bilateral/Erasmus+": 7,
        "Bilateral/Erasmus+/GE3": 1,
        "Bilateral/GE3/Erasmus+": 1,
        "Bilateral & Erasmus+": 1,
        "in process": 1,
    }


def test_types_and_networks_totals(document):
    # From the shapes above: GE3 in 8 + 1 + 1 = 10 rows (`grep -c GE3` = 10); Erasmus+ in
    # 11 + 7 + 1 + 1 + 1 = 21; bilateral in 108 - 11 - 1 = 96 (`grep -c Bilateral` = 96);
    # type-not-stated for the 11 Erasmus+-only rows and the "in process" row.
    rows = document.rows
    assert sum("ge3" in row.networks for row in rows) == 10
    assert sum("erasmus-plus" in row.networks for row in rows) == 21
    assert sum(row.types == ("bilateral",) for row in rows) == 96
    assert sum(row.types == ("type-not-stated",) for row in rows) == 12


def test_czech_technical_university_is_in_negotiation(document, rows_by_line):
    row = rows_by_line[30]
    assert (row.name, row.country) == ("Czech Technical University", "CZ")
    assert (row.types, row.networks, row.status) == (("type-not-stated",), (), IN_NEGOTIATION)
    assert [r.origin.line for r in document.rows if r.status != "active"] == [30]


def test_rows_per_country(document):
    # `awk -F'\t' 'NF==3' 003_*.txt | cut -f1 | sort | uniq -c`: USA 17, Germany 13,
    # France 13 (France is a partner country here), Hong Kong 2, Russia 2, Vietnam 1.
    per_country = Counter(row.country for row in document.rows)
    assert (per_country["US"], per_country["DE"], per_country["FR"]) == (17, 13, 13)
    assert (per_country["HK"], per_country["RU"], per_country["VN"]) == (2, 2, 1)
    assert len(per_country) == 30 and None not in per_country


def test_names_and_acronyms(rows_by_line):
    assert (rows_by_line[23].name, rows_by_line[23].acronym) == (
        "Shanghai Jiao Tong University",
        "SJTU",
    )
    assert (rows_by_line[55].name, rows_by_line[55].acronym) == (
        "Technical University of Berlin",
        "TU Berlin",
    )
    # A dash is not a parenthesis: these names stay whole.
    assert (rows_by_line[82].name, rows_by_line[82].acronym) == (
        "KAIST- Korea Advanced Institute of Science & Technology",
        None,
    )
    assert rows_by_line[95].name == "Middle East University- METU"
    # A parenthesis inside the name is not an acronym.
    assert rows_by_line[45].name == (
        "SKEMA (CERAM + ESC Lille School of Management) Business School"
    )
    assert rows_by_line[45].acronym is None
    assert rows_by_line[113].name == "VinUniversity"


def test_tum_row_58(rows_by_line):
    row = rows_by_line[58]
    assert (row.name, row.acronym, row.country) == ("Technical University of Munich", "TUM", "DE")
    assert (row.types, row.networks) == (("bilateral",), ("erasmus-plus", "ge3"))


# Bad input: each fault is one error line that names the value; the good rows all remain.

HEADER = b"Country\tUniversity name\tAgreement type\n"
GOOD = b"Japan\tKyushu University\tBilateral\n"


def parse(tmp_path, data: bytes):
    path = tmp_path / "table.tsv"
    path.write_bytes(data)
    return parse_partner_table(path, "bad")


def errors(document):
    return [(o.line, o.detail) for o in document.lines if o.outcome == "error"]


def test_row_with_two_cells(tmp_path):
    document = parse(tmp_path, HEADER + GOOD + b"Japan\tOsaka University\n" + GOOD)
    assert [row.origin.line for row in document.rows] == [2, 4]
    assert errors(document) == [
        (3, "expected 3 tab-separated cells, found 2: 'Japan\\tOsaka University'")
    ]


def test_unknown_country_keeps_the_row(tmp_path):
    document = parse(tmp_path, HEADER + b"Atlantis\tPoseidon Institute\tBilateral\n" + GOOD)
    assert [(row.name, row.country) for row in document.rows] == [
        ("Poseidon Institute", None),
        ("Kyushu University", "JP"),
    ]
    assert errors(document)[0][1].startswith("unknown country 'Atlantis'")


def test_unknown_agreement_term(tmp_path):
    document = parse(tmp_path, HEADER + b"Japan\tTohoku University\tBilateral/Summer school\n")
    assert document.rows[0].types == ("bilateral",)
    assert errors(document)[0][1].startswith("unknown agreement term 'Summer school'")


def test_line_with_invalid_utf8(tmp_path):
    document = parse(tmp_path, HEADER + b"Germany\tUniversit\xe4t Ulm\tBilateral\n" + GOOD)
    assert [row.name for row in document.rows] == ["Kyushu University"]
    assert len(errors(document)) == 1 and "Universit\ufffdt Ulm" in errors(document)[0][1]


def test_header_found_by_names_not_position(tmp_path):
    data = b"Our partners\n\nAgreement type\tCountry\tUniversity name\nBilateral\tJapan\tKyushu\n"
    document = parse(tmp_path, data)
    assert [(row.name, row.country, row.types) for row in document.rows] == [
        ("Kyushu", "JP", ("bilateral",))
    ]
    assert document.lines[0].detail == "above the table header"


def test_table_without_header_is_refused(tmp_path):
    with pytest.raises(BuildError, match="no header line"):
        parse(tmp_path, GOOD)
