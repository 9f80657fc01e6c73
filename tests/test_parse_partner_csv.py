"""The contribution format's parser (graph/parse/partner_csv.py): every line accounted for,
every bad cell named by file, line, column and value."""

from __future__ import annotations

import pytest

from graph.errors import BuildError
from graph.parse.partner_csv import parse_partner_csv

HEADER = "partner,country,faculty,types,networks,status,url,note\n"


def parse(tmp_path, text: str, name: str = "list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_partner_csv(path, "contribution")


def outcomes(document) -> dict[int, tuple[str, str]]:
    return {line.line: (line.outcome, line.detail) for line in document.lines}


def test_a_row_becomes_a_partner_row_with_its_line(tmp_path):
    document = parse(tmp_path, HEADER + "Politecnico di Milano,Italie,,double diplôme;"
                     "échange,Erasmus+,,https://www.polimi.it,\n")
    (row,) = document.rows
    assert (row.origin.line, row.name, row.country, row.types, row.networks, row.status,
            row.url) == (2, "Politecnico di Milano", "IT", ("double-degree", "exchange"),
                         ("erasmus-plus",), "active", "https://www.polimi.it")
    assert outcomes(document)[1] == ("skipped", "table header")


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(tmp_path):
    document = parse(tmp_path, "Country, PARTNER\nDE,Universität Stuttgart\n")
    (row,) = document.rows
    assert (row.name, row.country, row.types, row.status) == \
        ("Universität Stuttgart", "DE", ("type-not-stated",), "active")


def test_a_trailing_parenthesised_acronym_is_the_acronym(tmp_path):
    (row,) = parse(tmp_path, "partner,country\nKorea Advanced Institute (KAIST),KR\n").rows
    assert (row.name, row.acronym) == ("Korea Advanced Institute", "KAIST")


@pytest.mark.parametrize(("cell", "code"), [
    ("DE", "DE"), ("de", "DE"), ("Germany", "DE"), ("Allemagne", "DE"), ("(Allemagne)", "DE"),
    ("Deutschland", "DE"), ("Etats-Unis", "US"), ("États-Unis d'Amérique", "US"),
    ("Royaume-Uni", "GB"), ("Corée du Sud", "KR"), ("Russie", "RU"), ("España", "ES")])
def test_country_as_code_or_name_in_english_french_or_its_own_language(tmp_path, cell, code):
    (row,) = parse(tmp_path, f'partner,country\nX,"{cell}"\n').rows
    assert row.country == code


@pytest.mark.parametrize(("cell", "types"), [
    ("double degree", ("double-degree",)), ("double diplôme", ("double-degree",)),
    ("exchange; échange", ("exchange",)), ("accord-cadre", ("framework-agreement",)),
    ("Framework agreement", ("framework-agreement",)), ("cotutelle", ("doctoral-cotutelle",)),
    ("", ("type-not-stated",))])
def test_types_in_english_or_french(tmp_path, cell, types):
    (row,) = parse(tmp_path, f"partner,country,types\nX,FR,{cell}\n").rows
    assert row.types == types


@pytest.mark.parametrize(("cell", "status"), [
    ("", "active"), ("active", "active"), ("actif", "active"), ("suspended", "suspended"),
    ("Suspendu", "suspended"), ("in negotiation", "in-negotiation"),
    ("en négociation", "in-negotiation")])
def test_status_in_english_or_french(tmp_path, cell, status):
    (row,) = parse(tmp_path, f"partner,country,status\nX,FR,{cell}\n").rows
    assert row.status == status


def test_an_unknown_network_is_a_new_network_reported_on_its_line(tmp_path):
    document = parse(tmp_path, "partner,country,networks\nX,FR,Erasmus+; FITEC\n")
    (row,) = document.rows
    assert row.networks == ("erasmus-plus", "fitec")
    assert document.new_networks == {"fitec": "FITEC"}
    outcome, detail = outcomes(document)[2]
    assert outcome == "warning"
    assert detail.endswith("networks not in the vocabulary, added as new networks: "
                           "'FITEC' -> network/fitec")


def test_quoted_cells_hold_commas_quotes_and_line_breaks(tmp_path):
    document = parse(tmp_path, 'partner,country,note\n"Université Laval, Québec",CA,'
                     '"said ""yes"";\nsigned later"\nY,FR,\n')
    first, second = document.rows
    assert (first.name, first.note, first.origin.line) == \
        ("Université Laval, Québec", 'said "yes";\nsigned later', 2)
    assert first.origin.text == '"Université Laval, Québec",CA,"said ""yes"";\nsigned later"'
    assert second.origin.line == 4
    assert outcomes(document)[3] == ("mapped", "continues the record of line 2")


def test_blank_lines_are_skipped(tmp_path):
    document = parse(tmp_path, "\npartner,country\n\nX,FR\n")
    assert {n: o for n, (o, _) in outcomes(document).items()} == \
        {1: "skipped", 2: "skipped", 3: "skipped", 4: "mapped"}


@pytest.mark.parametrize(("row", "column", "what", "value"), [
    ("X,Allemange,,,,,,", "country", "not a country code or name", "Allemange"),
    ("X,XX,,,,,,", "country", "not a country code or name", "XX"),
    (",FR,,,,,,", "partner", "no partner name", ""),
    ("X,FR,,double diploma,,,,", "types", "unknown agreement type 'double diploma' in",
     "double diploma"),
    ("X,FR,,,,paused,,", "status", "not a status (active, suspended, in negotiation)",
     "paused"),
    ("X,FR,,,,,www.x.fr,", "url", "not an http(s) address", "www.x.fr"),
])
def test_a_bad_cell_names_file_line_column_and_value_and_the_row_is_left_out(
        tmp_path, row, column, what, value):
    document = parse(tmp_path, HEADER + "Y,FR,,,,,,\n" + row + "\n")
    assert [r.origin.line for r in document.rows] == [2]
    assert outcomes(document)[3] == \
        ("error", f"list.csv, line 3, column {column}: {what} {value!r}: row left out")


def test_a_row_with_too_many_cells_is_an_error(tmp_path):
    document = parse(tmp_path, "partner,country\nX,FR,extra\n")
    assert document.rows == []
    assert outcomes(document)[2] == \
        ("error", "list.csv, line 2: 3 cells where the header has 2: 'X,FR,extra'")


def test_a_stray_quote_is_reported_and_reading_goes_on_below(tmp_path):
    document = parse(tmp_path, 'partner,country\n"X"Y,FR\nZ,DE\n')
    assert [r.name for r in document.rows] == ["Z"]
    outcome, detail = outcomes(document)[2]
    assert outcome == "error" and detail.startswith("not RFC 4180 CSV (")


def test_columns_outside_the_format_are_reported_on_the_header(tmp_path):
    document = parse(tmp_path, "partner,country,contact\nX,FR,someone\n")
    assert outcomes(document)[1] == ("warning", "header row; columns not in the format, "
                                                "their cells are not read: contact")


def test_a_header_without_the_required_columns_fails_naming_file_and_line(tmp_path):
    with pytest.raises(BuildError, match=r"list\.csv:1: the header row lacks the column\(s\) "
                                         r"country \(found: partner, pays\)"):
        parse(tmp_path, "partner,pays\nX,FR\n")


def test_a_column_named_twice_fails(tmp_path):
    with pytest.raises(BuildError, match="names partner twice"):
        parse(tmp_path, "partner,country,partner\nX,FR,Y\n")


def test_every_line_is_accounted_for_once(tmp_path):
    document = parse(tmp_path, HEADER + "\nX,FR,,,,,,\n,FR,,,,,,\n\"a\nb\",DE,,,,,,\n")
    assert sorted(line.line for line in document.lines) == [1, 2, 3, 4, 5, 6]
