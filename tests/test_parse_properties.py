"""Property-based tests (Hypothesis) of the five document parsers on damaged documents.

Documents are drawn from the parser's own seed document: its lines kept, dropped, repeated,
cut short, shuffled among random text, random bytes and bytes that are not UTF-8. Whatever the
damage, a parser must return, account for every line exactly once, and tie every record to
the line it was read from; the table keeps every row it kept before on the lines left intact.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import BuildError
from graph.parse import PARSERS
from graph.parse.partner_list import parse_partner_list
from graph.parse.partner_table import parse_partner_table
from graph.report import OUTCOMES
from passerelle.vocabulary import AGREEMENT_TYPES, NETWORKS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DOCUMENTS = {  # parser -> its seed document (seeds/sources.toml)
    "partner-list": "000_321cffa3179d9234.txt",
    "key-figures": "001_76af7be450036bee.txt",
    "programme-rules": "002_ddf2075022a4b4d3.txt",
    "partner-table": "003_6d956781d4f13613.txt",
    "prose": "004_3891511229b6acc0.txt",
}
NOT_UTF8 = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"]


def seed_lines(parser: str) -> list[bytes]:
    return (SEEDS / DOCUMENTS[parser]).read_bytes().split(b"\n")


def damaged_line(lines: list[bytes]) -> st.SearchStrategy[bytes]:
    """A line of the document, cut short, with bytes that are not UTF-8, or random."""
    kept = st.sampled_from(lines)
    return st.one_of(
        kept,
        st.tuples(kept, st.floats(0, 1)).map(lambda pair: pair[0][:int(len(pair[0]) * pair[1])]),
        st.tuples(kept, st.sampled_from(NOT_UTF8), st.floats(0, 1)).map(
            lambda t: t[0][:int(len(t[0]) * t[2])] + t[1] + t[0][int(len(t[0]) * t[2]):]),
        st.text(max_size=80).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.binary(max_size=40),
    )


def parse_bytes(parser: str, data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / DOCUMENTS[parser]
        path.write_bytes(data)
        return PARSERS[parser](path, "damaged")


def numbered(data: bytes) -> dict[int, bytes]:
    """The document's lines as the parsers number them (a final newline opens no line)."""
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return {number: raw.removesuffix(b"\r") for number, raw in enumerate(lines, start=1)}


@pytest.mark.parametrize("parser", sorted(DOCUMENTS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_damage_is_accounted_line_by_line(parser, data):
    document_lines = data.draw(st.lists(damaged_line(seed_lines(parser)), min_size=1,
                                        max_size=60))
    raw = b"\n".join(document_lines)
    try:
        parsed = parse_bytes(parser, raw)
    except BuildError as refused:
        # Only two reasons to refuse a whole document: nothing in it, or (a table) no header.
        assert "document is empty" in str(refused) or "no header line" in str(refused)
        return
    lines = numbered(raw)
    accounted = sorted(outcome.line for outcome in parsed.lines)
    assert accounted == sorted(lines)  # every line exactly once
    for outcome in parsed.lines:
        assert outcome.outcome in OUTCOMES and outcome.detail
        try:
            text = lines[outcome.line].decode("utf-8")
        except UnicodeDecodeError:
            assert outcome.outcome == "error" and "not valid UTF-8" in outcome.detail
            continue
        assert outcome.text == text
    records = [*parsed.rows, *parsed.figures, *parsed.programmes, *parsed.memberships]
    for record in records:  # each from a line that decodes, with its very text
        assert record.origin.text == lines[record.origin.line].decode("utf-8")
    for row in parsed.rows:
        assert row.country is None or re.fullmatch(r"[A-Z]{2}", row.country)
        assert set(row.types) <= set(AGREEMENT_TYPES) and set(row.networks) <= set(NETWORKS)


def rows_by_line(parsed) -> dict[int, tuple]:
    return {row.origin.line: (row.name, row.country, row.acronym, row.types, row.networks,
                              row.status) for row in parsed.rows}


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_the_table_keeps_every_row_of_the_lines_left_intact(data):
    # 003: each row stands alone, so damage to some lines (cut short, made undecodable, or
    # replaced by a copy of another row) must leave the rows of all the others as they were.
    original = seed_lines("partner-table")
    before = rows_by_line(parse_partner_table(SEEDS / DOCUMENTS["partner-table"], "damaged"))
    header = next(i for i, line in enumerate(original) if line.startswith(b"Country\t"))
    damaged = data.draw(st.sets(st.integers(header + 1, len(original) - 2), max_size=10))
    lines = list(original)
    for index in damaged:
        lines[index] = data.draw(st.one_of(
            st.just(lines[index][: len(lines[index]) // 2]),
            st.sampled_from(NOT_UTF8).map(lambda bad, line=lines[index]: line[:3] + bad),
            st.sampled_from(original[header + 1:]),  # a duplicated row
        ))
    parsed = parse_bytes("partner-table", b"\n".join(lines))
    after = rows_by_line(parsed)
    for line, row in before.items():
        if line - 1 not in damaged:
            assert after.get(line) == row, line
    report = {outcome.line: outcome for outcome in parsed.lines}
    for index in damaged:  # a damaged line is read again or reported, never silently lost
        outcome = report[index + 1]
        assert index + 1 in after or outcome.outcome in ("error", "skipped"), outcome


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_an_undecodable_line_of_the_list_never_moves_rows_to_another_country(data):
    # 000: a country heading that cannot be read must not leave its rows under the heading
    # above it; they lose their country, with a warning, and keep everything else.
    original = seed_lines("partner-list")
    before = parse_partner_list(SEEDS / DOCUMENTS["partner-list"], "damaged")
    index = data.draw(st.integers(0, len(original) - 1))
    lines = list(original)
    lines[index] = lines[index][:5] + b"\xff" + lines[index][5:]
    after = parse_bytes("partner-list", b"\n".join(lines))
    report = {outcome.line: outcome for outcome in after.lines}
    assert report[index + 1].outcome == "error"
    kept = {row.origin.line: row for row in after.rows}
    for row in before.rows:
        if row.origin.line == index + 1:
            continue
        now = kept[row.origin.line]  # every other row is still read
        assert now.name == row.name and now.types == row.types
        assert now.country in (row.country, None)
        if now.country != row.country or now.parent_line != row.parent_line:
            detail = report[row.origin.line].detail
            assert report[row.origin.line].outcome in ("warning", "error")
            # It names the damaged line, or the heading the damage left unreadable (a wrapped
            # heading: 182-183), which is itself reported as an error.
            heading = re.search(r"heading line (\d+)", detail)
            assert str(index + 1) in detail or (
                heading and report[int(heading.group(1))].outcome == "error"), detail
