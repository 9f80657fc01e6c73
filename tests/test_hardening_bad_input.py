"""Damaged documents: each damage gets a clear report line, and nothing from the good rows is
lost. (An empty document fails the whole build, naming the file: tests/test_build_failures.py
and, with a live server, tests/test_hardening_rebuild.py.)

Hand-checked in seeds/003 (the table): line 56 is TU Darmstadt, 58 TU Munich, 60 FAU
Erlangen-Nuremberg, 62 HKUST, and the file has 113 lines (no final newline), so a copy of a
row added at the end is line 114. In seeds/000, line 33 is the heading "#### Autriche /
Österreich / Austria" and line 35 its one partner, TU Wien.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from graph.build import assemble

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TABLE, LIST = "003_6d956781d4f13613.txt", "000_321cffa3179d9234.txt"
ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def agreements(dataset) -> set[str]:
    """The agreements of a build, as "<source>/line-<n>"."""
    return {quad.subject.value.removeprefix(ID + "agreement/") for quad in dataset.quads
            if quad.predicate == RDF_TYPE and quad.object == NamedNode(PAS + "Agreement")}


def report_line(dataset, source: str, line: int):
    (found,) = [o for o in dataset.report.lines if o.source_id == source and o.line == line]
    return found


@pytest.fixture(scope="module")
def clean():
    return assemble(SEEDS)


def damaged_seeds(tmp_path: Path, document: str, damage) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    lines = (copy / document).read_bytes().split(b"\n")
    damage(lines)
    (copy / document).write_bytes(b"\n".join(lines))
    return copy


def damage_the_table(lines: list[bytes]) -> None:
    lines[56 - 1] = lines[56 - 1][:10] + b"\xff" + lines[56 - 1][10:]  # broken encoding
    lines[58 - 1] = lines[58 - 1][:12]  # truncated: "Germany\tTech"
    lines[60 - 1] = b"Atlantis\t" + lines[60 - 1].split(b"\t", 1)[1]  # unknown country
    lines.append(lines[62 - 1])  # a duplicated row, line 114


def test_a_damaged_table_reports_each_damage_and_keeps_every_good_row(clean, tmp_path):
    damaged = assemble(damaged_seeds(tmp_path, TABLE, damage_the_table))
    source = "unidentified-partner-table"
    assert report_line(damaged, source, 56).outcome == "error"
    assert "not valid UTF-8" in report_line(damaged, source, 56).detail
    assert report_line(damaged, source, 58).detail.startswith(
        "expected 3 tab-separated cells, found 2: 'Germany\\tTech'")
    atlantis = report_line(damaged, source, 60)
    assert atlantis.outcome == "error"
    assert atlantis.detail.startswith("unknown country 'Atlantis'")
    assert "agreement with fau" in atlantis.detail  # the partner is known all the same
    assert "duplicate row: the same cells as line 62" in report_line(damaged, source, 114).detail
    # Exactly the unreadable lines are lost; the copy is there, for a human to judge.
    lost = {f"{source}/line-56", f"{source}/line-58"}
    assert agreements(damaged) == agreements(clean) - lost | {f"{source}/line-114"}


def test_an_unreadable_heading_leaves_its_rows_without_a_country_not_in_another(
        clean, tmp_path):
    def break_the_austria_heading(lines: list[bytes]) -> None:
        assert lines[33 - 1].startswith(b"#### Autriche")
        lines[33 - 1] = lines[33 - 1][:8] + b"\xff" + lines[33 - 1][8:]

    damaged = assemble(damaged_seeds(tmp_path, LIST, break_the_austria_heading))
    source = "telecom-paris-partnerships"
    assert "not valid UTF-8" in report_line(damaged, source, 33).detail
    assert "country unknown (heading line 33)" in report_line(damaged, source, 35).detail
    assert agreements(damaged) == agreements(clean)  # TU Wien's agreement is still there
    # Found by its name, the same partner as ever (the registry says where it is).
    assert partners(damaged, source, 35) == partners(clean, source, 35) == {"TU Wien"}


def partners(dataset, source: str, line: int) -> set[str]:
    """The labels of the partner institutions of one agreement."""
    agreement = NamedNode(f"{ID}agreement/{source}/line-{line}")
    found = {q.object for q in dataset.quads
             if q.subject == agreement and q.predicate == NamedNode(PAS + "partnerInstitution")}
    return {q.object.value for q in dataset.quads if q.subject in found
            and q.predicate == NamedNode("http://www.w3.org/2000/01/rdf-schema#label")}
