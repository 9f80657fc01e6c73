"""The partner list of 000: rows, countries, nesting, status, and every line accounted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from graph.parse.partner_list import parse_partner_list, split_bullet
from graph.records import SUSPENDED

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PARTNER_LIST = SEEDS / "000_321cffa3179d9234.txt"
LINE_COUNT = 280  # `grep -c '' 000_*.txt`


@pytest.fixture(scope="module")
def document():
    return parse_partner_list(PARTNER_LIST, "telecom-paris-partnerships")


@pytest.fixture(scope="module")
def rows_by_line(document):
    return {row.origin.line: row for row in document.rows}


def test_every_line_is_accounted_exactly_once(document):
    numbers = [outcome.line for outcome in document.lines]
    assert sorted(numbers) == list(range(1, LINE_COUNT + 1))


def test_the_seed_has_no_error_or_warning_line(document):
    assert [o for o in document.lines if o.outcome in ("error", "warning")] == []


def test_one_row_per_partner_bullet(document):
    # `sed -n 1,261p 000_*.txt | grep -c '^ *\* '` = 121 bullets before "## Contact":
    # 103 at two spaces of indent, 18 nested at four.
    assert len(document.rows) == 121
    assert sum(row.parent_line is None for row in document.rows) == 103


def test_country_headings(document):
    # `grep -c '^#### [^[]'` = 40 country headings (news items start "#### [").
    headings = [o for o in document.lines if o.detail.startswith("country heading →")]
    assert len(headings) == 40


def test_rows_per_country(document):
    # Bullets counted between each heading and the next: Germany lines 19-25; Brazil 11
    # top-level + 7 nested (50-52, 56-57, 59-60); Spain 4 + 4; Singapore 4 + 3 (216-218);
    # Russia 207-211; Iran 185 (its heading wraps over 182-183).
    per_country = Counter(row.country for row in document.rows)
    assert per_country["DE"] == 7
    assert per_country["BR"] == 18
    assert per_country["ES"] == 8
    assert per_country["SG"] == 7
    assert per_country["RU"] == 5
    assert per_country["IR"] == 1
    assert per_country[None] == 0
    singapore_nested = [r for r in document.rows if r.country == "SG" and r.parent_line]
    assert [r.origin.line for r in singapore_nested] == [216, 217, 218]


def test_russian_rows_are_suspended_and_keep_their_types(document, rows_by_line):
    suspended = [row.origin.line for row in document.rows if row.status == SUSPENDED]
    assert suspended == [207, 208, 209, 210, 211]
    assert rows_by_line[207].types == ("engineering-double-degree", "exchange")
    notes = {o.line: o for o in document.lines if o.line in (204, 205)}
    for note in notes.values():
        assert (note.outcome, note.detail) == (
            "mapped",
            "status note: partnerships suspended, applied to lines 207-211",
        )


def test_tu_munchen_line_20(rows_by_line):
    row = rows_by_line[20]
    assert row.name == "TU München, School of Computation, Information and Technology"
    assert (row.country, row.acronym, row.status) == ("DE", None, "active")
    assert row.types == ("engineering-double-degree",)
    assert row.networks == ("athens", "erasmus-plus")
    assert row.url == "https://www.cit.tum.de/en/cit/home/"
    assert row.agreement_text == "Double diplôme ingénieur, Erasmus+ et Athens"


def test_nus_line_215_agreements_inside_the_link_and_douple(rows_by_line):
    row = rows_by_line[215]
    assert (row.name, row.acronym) == ("National University of Singapore", "NUS")
    assert row.types == ("double-degree", "framework-agreement")
    assert row.agreement_text == "douple diplôme, accord cadre"
    assert row.url == "http://www.fddp.nus.edu.sg/"
    assert [rows_by_line[n].parent_line for n in (216, 217, 218)] == [215, 215, 215]


def test_bucharest_group_and_line_196(rows_by_line):
    parent = rows_by_line[194]
    assert (parent.name, parent.url, parent.types, parent.networks) == (
        "University Politehnica of Bucharest",
        None,
        (),
        (),
    )
    row = rows_by_line[196]
    assert row.parent_line == 194
    assert row.types == ("engineering-double-degree",)
    assert row.networks == ("erasmus-plus",)


def test_acronym_outside_the_link_unicamp(rows_by_line):
    row = rows_by_line[47]
    assert (row.name, row.acronym) == ("Universidade Estadual de Campinas", "UNICAMP")
    assert (row.types, row.networks) == (("engineering-double-degree",), ("brafitec",))


def test_acronyms_outside_the_link_everywhere(rows_by_line):
    # The other bullets written "[Name](url) (ACR) (agreements)", found by
    # `grep -n '](.*) ([A-Z]*) ('`.
    acronyms = {line: rows_by_line[line].acronym for line in (39, 41, 58, 61, 62, 260)}
    assert acronyms == {39: "UCL", 41: "KUL", 58: "UFMG", 61: "UFCG", 62: "UNESP", 260: "LQDTU"}


def test_name_split_over_two_links_hust(rows_by_line):
    row = rows_by_line[259]
    assert (row.name, row.acronym) == ("Hanoi University of Science & Technology", "HUST")
    assert row.types == ("engineering-double-degree", "exchange")


def test_names_partly_outside_the_link(rows_by_line):
    assert rows_by_line[24].name == "Universität Potsdam – Hasso Plattner Institute"
    assert rows_by_line[24].url == "https://hpi.de/en/index.html"
    assert rows_by_line[110].name == (
        "Aalto University, Schools of Science and Electrical Engineering"
    )


def test_parents_without_agreements_are_rows_without_types(rows_by_line):
    # UBA 29 has a link but no agreement; UPM 95 and UPC 98 are plain text.
    for line in (29, 95, 98):
        assert rows_by_line[line].types == ()
    assert [rows_by_line[n].parent_line for n in (30, 31, 96, 97, 99, 100)] == [
        29,
        29,
        95,
        95,
        98,
        98,
    ]
    # USP 55 is plain text with agreements of its own; its children have theirs.
    assert rows_by_line[55].types == ("cotutelle-framework",)
    assert rows_by_line[56].parent_line == 55


def test_network_only_rows_get_type_not_stated(rows_by_line):
    # 000:21 "[TU Berlin](...) (Erasmus+)" names a network and no agreement type.
    assert rows_by_line[21].types == ("type-not-stated",)
    assert rows_by_line[21].networks == ("erasmus-plus",)


def test_boilerplate_sections(document):
    outcomes = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcomes[3] == ("skipped", "navigation: breadcrumb")
    assert outcomes[11][0] == "mapped" and outcomes[11][1].startswith("vocabulary gloss")
    assert outcomes[183] == ("mapped", "country heading continued from line 182")
    assert outcomes[264] == ("skipped", "contact")
    assert outcomes[271] == ("skipped", "news")


def test_split_bullet_no_space_before_the_agreements():
    # 000:97: the space is inside the link text, none between "]( ...)" and "(".
    parts = split_bullet("[Universidad Politécnica de Madrid, ETSIINF ](https://x.es/)(Erasmus+)")
    assert (parts.name, parts.agreement_text) == (
        "Universidad Politécnica de Madrid, ETSIINF",
        "Erasmus+",
    )


# Bad input: each fault is one error line that names the value; the good rows all remain.

GOOD_HEADING = "#### Allemagne / Deutschland / Germany\n"
GOOD_ROW = "  * [TU Berlin](https://www.tu.berlin/en/) (Erasmus+)\n"


def write(tmp_path, data: bytes) -> Path:
    path = tmp_path / "list.md"
    path.write_bytes(data)
    return path


def test_unknown_agreement_term(tmp_path):
    text = GOOD_HEADING + GOOD_ROW + "  * [TU Wien](https://www.tuwien.at/) (Athens, stage)\n"
    document = parse_partner_list(write(tmp_path, text.encode()), "bad")
    assert [row.name for row in document.rows] == ["TU Berlin", "TU Wien"]
    assert document.rows[1].networks == ("athens",)
    errors = [o for o in document.lines if o.outcome == "error"]
    assert [(o.line, o.detail.split(";")[0]) for o in errors] == [
        (3, "unknown agreement term 'stage'")
    ]


def test_unknown_country_heading(tmp_path):
    text = "#### Atlantide / Atlantis\n" + GOOD_ROW + GOOD_HEADING + GOOD_ROW
    document = parse_partner_list(write(tmp_path, text.encode()), "bad")
    assert [(row.origin.line, row.country) for row in document.rows] == [(2, None), (4, "DE")]
    outcomes = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcomes[1] == ("error", "unknown country 'Atlantide / Atlantis'")
    assert outcomes[2][0] == "warning" and "heading line 1" in outcomes[2][1]
    assert outcomes[4][0] == "mapped"


def test_bullet_under_no_heading(tmp_path):
    document = parse_partner_list(write(tmp_path, (GOOD_ROW + GOOD_HEADING).encode()), "bad")
    assert document.rows[0].country is None
    assert document.lines[0].outcome == "error"
    assert document.lines[0].detail.startswith("unknown country (no heading)")


def test_line_with_invalid_utf8(tmp_path):
    data = GOOD_HEADING.encode() + b"  * [Universit\xe4t Stuttgart](http://x.de/) (Erasmus+)\n"
    document = parse_partner_list(write(tmp_path, data + GOOD_ROW.encode()), "bad")
    assert [row.origin.line for row in document.rows] == [3]
    assert [o.line for o in document.lines] == [1, 2, 3]
    bad = document.lines[1]
    assert bad.outcome == "error" and "Universit\ufffdt Stuttgart" in bad.detail
