"""Golden files: small documents and the exact ParsedDocument each must give.

Each folder of tests/golden/parse/ holds an input (input.md for the partner-list parser,
input.tsv for the partner-table parser) cut from the seeds, and expected.json, the
``dataclasses.asdict`` of the parsed document, checked row by row against the input lines.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from graph.parse.partner_list import parse_partner_list
from graph.parse.partner_table import parse_partner_table

GOLDEN = Path(__file__).resolve().parent / "golden" / "parse"
PARSER_BY_INPUT = {"input.md": parse_partner_list, "input.tsv": parse_partner_table}

CASES = sorted(
    (case, name)
    for case in GOLDEN.iterdir()
    if case.is_dir()
    for name in PARSER_BY_INPUT
    if (case / name).exists()
)


def test_there_are_golden_cases_for_both_parsers():
    assert {name for _, name in CASES} == set(PARSER_BY_INPUT)


@pytest.mark.parametrize(("case", "input_name"), CASES, ids=[case.name for case, _ in CASES])
def test_golden_case(case, input_name):
    document = PARSER_BY_INPUT[input_name](case / input_name, case.name)
    # A JSON round trip turns tuples into lists, as in the expected file.
    actual = json.loads(json.dumps(dataclasses.asdict(document), ensure_ascii=False))
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert actual == expected
