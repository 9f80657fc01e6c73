"""Merging reviewed rows into a registry: identifiers with their evidence, comments kept.

Rows are written as the linker writes them, with values taken from the shipped ROR records
(05n911h24 TU Darmstadt, 014weej12 METU, 0420zvk78 Concordia Montréal, 03mcjjp59 SupCom,
which has no QID).
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from graph.errors import BuildError
from graph.link import accept
from graph.link.review import COLUMNS, ReviewRow, write_review

REGISTRY = Path(__file__).parent / "fixtures" / "link-registry.toml"


def row(entry_id: str, decision: str, ror: str = "", wikidata: str = "", domains: str = "",
        reason: str = "", note: str = "") -> ReviewRow:
    evidence = f"ROR record {ror} (a name, XX, {domains or 'no domain'})" if ror else ""
    return ReviewRow(decision=decision, kind="institution", entry_id=entry_id, entry_label="",
                     entry_country="", rank=1, score=1.0, match="name", name="", ror=ror,
                     wikidata=wikidata, record_country="", record_domains=domains,
                     record_status="active", identifiers_from=evidence, note=note,
                     reason=reason)


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registry.toml"
    shutil.copyfile(REGISTRY, path)
    return path


def merge(rows: list[ReviewRow], registry: Path, tmp_path: Path) -> dict[str, dict]:
    review = tmp_path / "review.tsv"
    write_review(rows, review)
    accept(review, registry)
    tables = tomllib.loads(registry.read_text(encoding="utf-8"))["institution"]
    return {table["id"]: table for table in tables}


def test_accepted_rows_write_identifiers_evidence_and_reason(registry, tmp_path):
    rows = [row("tu-darmstadt", "accept", "https://ror.org/05n911h24", "Q310695",
                "tu-darmstadt.de", reason="checked by hand"),
            row("concordia", "reject", "https://ror.org/04dwckp88", "Q5158999"),
            row("concordia", "accept", "https://ror.org/0420zvk78", "Q326342", "concordia.ca"),
            row("tomsk-state-university", "unresolved", reason="no record of its own")]
    tables = merge(rows, registry, tmp_path)
    darmstadt = tables["tu-darmstadt"]
    assert (darmstadt["ror"], darmstadt["wikidata"]) == ("https://ror.org/05n911h24", "Q310695")
    assert darmstadt["identifiers_from"] == ("ROR record https://ror.org/05n911h24 (a name, XX, "
                                             "tu-darmstadt.de); checked by hand")
    assert darmstadt["domains"] == ["tu-darmstadt.de"]  # it had one: unchanged
    assert tables["concordia"]["ror"] == "https://ror.org/0420zvk78"
    assert tables["tomsk-state-university"]["unresolved"] == "no record of its own"
    assert "ror" not in tables["metu"]  # no row: untouched


def test_domains_come_from_the_record_only_when_the_entry_has_none(registry, tmp_path):
    tables = merge([row("concordia", "accept", "https://ror.org/0420zvk78", "Q326342",
                        "concordia.ca")], registry, tmp_path)
    assert tables["concordia"]["domains"] == ["concordia.ca"]
    assert tables["concordia"]["identifiers_from"].endswith(
        "; domains from that record (the entry had none)")


def test_comments_and_layout_survive(registry, tmp_path):
    before = registry.read_text(encoding="utf-8").splitlines()
    merge([row("tu-darmstadt", "accept", "https://ror.org/05n911h24", "Q310695")],
          registry, tmp_path)
    after = registry.read_text(encoding="utf-8").splitlines()
    # Every line is still there, in order; three were added inside the first table.
    assert [line for line in after if line in before] == before
    assert len(after) == len(before) + 3
    assert after[after.index('id = "tu-darmstadt"') + 5].endswith("# seeds 000 and 003")


def test_a_record_without_qid_leaves_the_qid_unresolved(registry, tmp_path):
    tables = merge([row("metu", "accept", "https://ror.org/03mcjjp59",
                        note="no QID in the ROR record nor in the crosswalk")],
                   registry, tmp_path)
    assert "wikidata" not in tables["metu"]
    assert tables["metu"]["unresolved"] == ("no Wikidata QID: no QID in the ROR record nor "
                                            "in the crosswalk")


@pytest.mark.parametrize(("rows", "message"), [
    ([row("metu", "accept", "https://ror.org/014weej12", "Q756126"),
      row("metu", "accept", "https://ror.org/059bgad73", "Q6841366")],
     "metu has more than one accepted or unresolved row"),
    ([row("metu", "unresolved")], "metu is marked unresolved without a reason"),
    ([row("metu", "accept", "https://ror.org/014weej12", "Q0756126")],
     "'Q0756126' is not a Wikidata QID"),
    ([row("metu", "accept", "https://ror.org/014weeI12", "Q756126")],
     "'https://ror.org/014weeI12' is not a ROR ID"),
    ([row("nowhere", "accept", "https://ror.org/014weej12", "Q756126")],
     "the review names nowhere, which the registry does not have"),
    # The fixture gives Tomsk Polytechnic its own ROR ID: a review cannot replace it.
    ([row("tomsk-polytechnic-university", "accept", "https://ror.org/01w423a47", "Q1736331")],
     "already has ror = https://ror.org/00a45v709"),
])
def test_a_bad_review_changes_nothing(registry, tmp_path, rows, message):
    before = registry.read_text(encoding="utf-8")
    review = tmp_path / "review.tsv"
    write_review(rows, review)
    with pytest.raises(BuildError, match=message):
        accept(review, registry)
    assert registry.read_text(encoding="utf-8") == before


def test_an_unknown_decision_is_named_with_its_line(registry, tmp_path):
    review = tmp_path / "review.tsv"
    write_review([row("metu", "accept"), replace(row("metu", "reject"), decision="maybe")],
                 review)
    with pytest.raises(BuildError, match=r"review.tsv:3: decision 'maybe' is not one of"):
        accept(review, registry)


def test_a_file_without_the_columns_is_refused(registry, tmp_path):
    review = tmp_path / "review.tsv"
    review.write_text("entry_id\tror\nmetu\thttps://ror.org/014weej12\n", encoding="utf-8")
    with pytest.raises(BuildError, match="a review file has the columns"):
        accept(review, registry)
    assert COLUMNS[0] == "decision"


def new_name_row(entry_id: str, label: str, country: str) -> ReviewRow:
    return replace(row(entry_id, "accept", ror="https://ror.org/02p0gd045", wikidata="Q219694"),
                   entry_label=label, entry_country=country)


def test_accepting_a_builds_new_name_adds_it_to_the_registry(registry):
    accept(_review(registry, [new_name_row("unregistered-universidad-complutense-de-madrid",
                                           "Universidad Complutense de Madrid", "ES")]),
           registry)
    added = next(e for e in tomllib.loads(registry.read_text(encoding="utf-8"))["institution"]
                 if e["id"] == "universidad-complutense-de-madrid")
    assert (added["label"], added["country"], added["aliases"], added["ror"],
            added["wikidata"]) == ("Universidad Complutense de Madrid", "ES",
                                   ["Universidad Complutense de Madrid"],
                                   "https://ror.org/02p0gd045", "Q219694")


def test_a_new_name_whose_id_the_registry_has_is_refused(registry):
    existing = tomllib.loads(registry.read_text(encoding="utf-8"))["institution"][0]["id"]
    before = registry.read_text(encoding="utf-8")
    with pytest.raises(BuildError, match=f"already has an entry '{existing}'; add the "
                                         "spelling 'X' to its aliases instead"):
        accept(_review(registry, [new_name_row(f"unregistered-{existing}", "X", "DE")]),
               registry)
    assert registry.read_text(encoding="utf-8") == before


def _review(registry: Path, rows: list[ReviewRow]) -> Path:
    path = registry.parent / "review.tsv"
    write_review(rows, path)
    return path
