"""`passerelle link`: propose offline, accept, and refuse what makes no sense.

Same inputs as test_link_offline: the three decoy records as the dump (.zip in ROR's release
layout), the shipped crosswalk subset, and a copy of tests/fixtures/link-registry.toml.
"""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph.link.review import read_review, write_review
from passerelle.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CROSSWALK = ROOT / "seeds" / "identifiers" / "opensyllabus-institution-identifiers.csv"


@pytest.fixture
def workspace(tmp_path) -> dict[str, Path]:
    registry = tmp_path / "registry.toml"
    shutil.copyfile(FIXTURES / "link-registry.toml", registry)
    dump = tmp_path / "v2.9-ror-data.zip"
    with zipfile.ZipFile(dump, "w") as archive:
        archive.write(FIXTURES / "ror-decoys.json", "v2.9-ror-data_schema_v2.json")
    return {"registry": registry, "dump": dump, "review": tmp_path / "review.tsv"}


def run(*arguments: str) -> Result:
    return CliRunner().invoke(main, ["link", *arguments])


def test_propose_then_accept(workspace):
    proposed = run("--ror-dump", str(workspace["dump"]), "--crosswalk", str(CROSSWALK),
                   "--registry", str(workspace["registry"]), "--review", str(workspace["review"]))
    assert proposed.exit_code == 0, proposed.output
    # The crosswalk rows of ROR IDs missing from this 3-record dump stand in for their
    # records: eight entries find theirs by name (grep the subset for 05n911h24, 02he2nc27,
    # 00a45v709, 014weej12, 00pjdza24, 01an7q238, 0420zvk78, 03bnmw459); the fictional
    # institute and the two faculties have no row.
    assert proposed.output.startswith("3 records read; 11 entries lack identifiers, "
                                      "8 have candidates;")
    assert proposed.output.endswith("no candidate: institut-imaginaire, "
                                    "hasso-plattner-institute, tu-darmstadt-informatik\n")
    rows = read_review(workspace["review"])
    chosen = next(row for row in rows if row.entry_id == "tomsk-state-university")
    chosen.decision = "accept"
    write_review([chosen], workspace["review"])
    accepted = run("--accept", str(workspace["review"]), "--registry", str(workspace["registry"]))
    assert (accepted.exit_code, accepted.output) == (
        0, f"1 registry entries updated from {workspace['review']}\n")
    tables = tomllib.loads(workspace["registry"].read_text())["institution"]
    tomsk = next(t for t in tables if t["id"] == "tomsk-state-university")
    assert (tomsk["ror"], tomsk["wikidata"]) == ("https://ror.org/02he2nc27", "Q742494")


@pytest.mark.parametrize("arguments", [[], ["--ror-dump", "DUMP", "--accept", "REVIEW"]])
def test_exactly_one_mode(workspace, arguments):
    workspace["review"].write_text("decision\n")
    names = {"DUMP": str(workspace["dump"]), "REVIEW": str(workspace["review"])}
    result = run(*[names.get(a, a) for a in arguments])
    assert result.exit_code == 2
    assert "give exactly one of --ror-dump, --endpoint and --accept" in result.output


def test_library_errors_become_messages(workspace):
    workspace["review"].write_text("entry_id\nmetu\n", encoding="utf-8")
    result = run("--accept", str(workspace["review"]), "--registry", str(workspace["registry"]))
    assert result.exit_code == 1
    assert "Error:" in result.output and "a review file has the columns" in result.output


def test_new_names_go_with_a_proposal_not_with_accept(workspace):
    workspace["review"].write_text("decision\n")
    report = workspace["review"].parent / "report.json"
    report.write_text('{"new_entities": []}')
    result = run("--accept", str(workspace["review"]), "--new-names", str(report))
    assert result.exit_code == 2
    assert "--new-names goes with --ror-dump or --endpoint" in result.output


def test_a_report_without_new_entities_is_named(workspace):
    report = workspace["review"].parent / "report.json"
    report.write_text('{"documents": []}')
    result = run("--ror-dump", str(workspace["dump"]), "--new-names", str(report),
                 "--registry", str(workspace["registry"]), "--review", str(workspace["review"]))
    assert result.exit_code == 1
    assert "cannot read the new entities of a build report: 'new_entities'" in result.output
