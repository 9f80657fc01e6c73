"""A build never publishes less than it had without being told to (#11).

Each test starts from a store link pointing at the build of the real seeds (224 agreements:
109 in 000, 108 in 003, 7 in 004) and runs `passerelle build` on a damaged copy of the seeds.

Hand-checked in the seeds: 003 (the table) has 113 lines, no final newline, line 3 its
header and lines 4-113 its rows, 108 of them agreements (tests/test_hardening_bad_input.py);
its first 56 lines hold 52 rows, 52 agreements, so cutting it there loses 56. In 000, line 20
is TU München and line 41 KU Leuven, one agreement each. In 003, line 56 is TU Darmstadt
("Bilateral/Erasmus+") and line 113 VinUniversity ("Bilateral").
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Store

from graph.diff import AGREEMENTS_QUERY
from graph.manifest import load_manifest
from graph.parse import PARSERS
from passerelle.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TABLE, LIST = "003_6d956781d4f13613.txt", "000_321cffa3179d9234.txt"
TABLE_ID, LIST_ID = "unidentified-partner-table", "telecom-paris-partnerships"
TABLE_SHA256 = "b1354eaaf86b830a1435aaecfd545df83ca23fed3e4012e4f9105484c7d7468d"


@pytest.fixture
def seeds(tmp_path) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns("identifiers"))
    return copy


@pytest.fixture
def store(seed_build, tmp_path) -> Path:
    """A store link publishing the seeds' build, as a deployed server follows it."""
    link = tmp_path / "store"
    link.symlink_to(seed_build.store.resolve())
    return link


def run(seeds: Path, store: Path, *options: str):
    return CliRunner().invoke(main, ["build", "--seeds", str(seeds), "--store", str(store),
                                     *options])


def published_agreements(store: Path) -> int:
    return len(list(Store.read_only(str(store / "oxigraph")).query(AGREEMENTS_QUERY)))


def pin(seeds: Path, source_id: str) -> tuple[str, int]:
    (source,) = [s for s in load_manifest(seeds, set(PARSERS)) if s.id == source_id]
    return source.pin.sha256, source.pin.lines


def pin_of_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cut_the_table(seeds: Path, lines: int = 56) -> None:
    """Keep the first `lines` lines of 003, cut at a line boundary (each ends with \\n)."""
    kept = (seeds / TABLE).read_bytes().split(b"\n")[:lines]
    assert len(kept) == lines and kept[-1].startswith(b"Germany\tTechnical University of Da")
    (seeds / TABLE).write_bytes(b"\n".join(kept) + b"\n")


def break_tum_and_leuven(seeds: Path) -> None:
    lines = (seeds / LIST).read_bytes().split(b"\n")
    for number, name in ((20, b"TU M\xc3\xbcnchen"), (41, b"Katholieke Universiteit Leuven")):
        assert name in lines[number - 1]
        lines[number - 1] = lines[number - 1].replace(name, name[:4] + b"\xff" + name[4:])
    (seeds / LIST).write_bytes(b"\n".join(lines))


def test_a_table_cut_at_a_line_boundary_is_refused_and_the_old_store_serves(seeds, store):
    published = store.resolve()
    manifest = (seeds / "sources.toml").read_bytes()
    cut_the_table(seeds)
    result = run(seeds, store)
    assert result.exit_code == 1
    assert result.output.startswith("Error: build refused, the store is unchanged:\n"
                                    f"1 document(s) not as pinned in {seeds / 'sources.toml'}:\n"
                                    f"  {TABLE_ID} ({TABLE}): changed, 113 -> 56 lines, sha256 "
                                    f"{TABLE_SHA256[:12]} -> ")
    assert ("it would lose 56 of the 224 published agreements (`passerelle diff` lists them): "
            "--allow-shrink to publish it anyway") in result.output
    assert store.resolve() == published and published_agreements(store) == 224
    assert (seeds / "sources.toml").read_bytes() == manifest  # a refused build writes nothing
    assert list((store.parent / "store.builds").iterdir()) == [
        store.parent / "store.builds" / ".lock"]


def test_accepting_rewrites_the_pin_and_a_shrink_needs_its_own_consent(seeds, store):
    published = store.resolve()
    cut_the_table(seeds)
    cut_sha256 = pin_of_file(seeds / TABLE)
    accepted_only = run(seeds, store, "--accept", TABLE_ID)
    assert accepted_only.exit_code == 1
    assert "not as pinned" not in accepted_only.output  # that part is accepted
    assert "it would lose 56 of the 224 published agreements" in accepted_only.output
    assert pin(seeds, TABLE_ID) == (TABLE_SHA256, 113)  # not published: the pin stays
    assert store.resolve() == published

    result = run(seeds, store, "--accept", TABLE_ID, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert store.resolve() != published and published_agreements(store) == 168
    assert pin(seeds, TABLE_ID) == (cut_sha256, 56)
    assert result.output.splitlines()[-3:] == [
        "agreements: 224 published, 168 in this build: 0 added, 56 removed, 0 changed",
        f"accepted (pin rewritten): {TABLE_ID} ({TABLE}): changed, 113 -> 56 lines, sha256 "
        f"{TABLE_SHA256[:12]} -> {cut_sha256[:12]}",
        "published without 56 agreement(s) of the previous build (--allow-shrink)"]
    latest = json.loads((store / "build.json").read_text())["history"][-1]
    assert latest["agreements"] == 168 and latest["agreements_removed"] == 56
    assert latest["accepted"] == [{"id": TABLE_ID, "file": TABLE,
                                   "was": {"sha256": TABLE_SHA256, "lines": 113},
                                   "now": {"sha256": cut_sha256, "lines": 56}}]
    assert latest["forced"] == {"allow_shrink_lost": 56}

    again = run(seeds, store)  # accepted once: the next build needs nothing
    assert again.exit_code == 0, again.output
    assert "agreements: 168 published, 168 in this build: 0 added, 0 removed, 0 changed" \
        in again.output


def test_invalid_utf8_is_reported_precisely_and_fails_the_build(seeds, store):
    published = store.resolve()
    break_tum_and_leuven(seeds)
    result = run(seeds, store, "--accept", LIST_ID)
    assert result.exit_code == 1
    assert ("the report has 2 error(s): --keep-going to publish anyway\n"
            f"  {LIST_ID}:20: line is not valid UTF-8: '  * [TU M\ufffd\u00fcnchen, School of "
            ) in result.output
    assert f"  {LIST_ID}:41: line is not valid UTF-8: '  * [Kath\ufffdolieke" in result.output
    assert "it would lose 2 of the 224 published agreements" in result.output
    assert store.resolve() == published and published_agreements(store) == 224

    forced = run(seeds, store, "--accept", LIST_ID, "--keep-going", "--allow-shrink")
    assert forced.exit_code == 0, forced.output
    assert f"error: {LIST_ID}:20: line is not valid UTF-8" in forced.output  # listed
    assert "published with 2 error(s) in the report (--keep-going)" in forced.output
    assert published_agreements(store) == 222
    latest = json.loads((store / "build.json").read_text())["history"][-1]
    assert latest["forced"] == {"keep_going_errors": 2, "allow_shrink_lost": 2}


def test_an_entry_without_a_pin_is_refused_until_accepted(seeds, store):
    manifest = seeds / "sources.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(
        'sha256 = "cb5520d636fa61a86afc3be9b99cf25693c7460a0d261e9bcb7cd712327ac7a9"\n'
        "lines = 30\n", ""), encoding="utf-8")
    refused = run(seeds, store)
    assert refused.exit_code == 1
    assert ("  estp-international-openness (004_3891511229b6acc0.txt): new, no pin yet "
            "(30 lines, sha256 cb5520d636fa)") in refused.output
    accepted = run(seeds, store, "--accept", "estp-international-openness")
    assert accepted.exit_code == 0, accepted.output
    assert manifest.read_text(encoding="utf-8") == text  # the pin is back where it was


def test_accept_all_takes_every_changed_document(seeds, store):
    cut_the_table(seeds)
    break_tum_and_leuven(seeds)
    result = run(seeds, store, "--accept", "all", "--keep-going", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert pin(seeds, TABLE_ID)[1] == 56 and pin(seeds, LIST_ID)[1] == 280
    assert published_agreements(store) == 166


def test_an_unknown_id_to_accept_is_refused(seeds, store):
    result = run(seeds, store, "--accept", "unidentified-partner-tabel")
    assert result.exit_code == 1
    assert ("--accept names 'unidentified-partner-tabel', which the manifest does not list "
            "(give a source id, or all)") in result.output


def test_diff_lists_what_a_build_adds_removes_and_changes(seeds, store):
    lines = (seeds / TABLE).read_text(encoding="utf-8").split("\n")
    assert lines[113 - 1].startswith("Vietnam\tVinUniversity")
    del lines[113 - 1]  # removed
    assert lines[56 - 1].endswith("(TU Darmstadt)\tBilateral/Erasmus+")
    lines[56 - 1] = lines[56 - 1].replace("Bilateral/Erasmus+", "Bilateral")  # changed
    lines.insert(4 - 1, "Austria\tTU Wien\tErasmus+")  # added; every line below moves
    (seeds / TABLE).write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", "--seeds", str(seeds), "--store", str(store)])
    assert result.exit_code == 0, result.output
    build_id = store.resolve().name
    assert result.output.splitlines()[0].startswith(f"against build {build_id} (built ")
    assert result.output.splitlines()[1:] == [
        "documents: 1 of 5 not as pinned",
        f"  {TABLE_ID} ({TABLE}): changed, same 113 lines, sha256 {TABLE_SHA256[:12]} -> "
        f"{pin_of_file(seeds / TABLE)[:12]}",
        "errors in the report: 0",
        "agreements: 224 published, 224 in this build: 1 added, 1 removed, 1 changed",
        f"- {TABLE_ID}:113 unidentified-school-003 - vinuni: BilateralAgreement; no network; "
        "Active",
        f"+ {TABLE_ID}:4 unidentified-school-003 - tuwien: TypeNotStated; erasmus-plus; Active",
        f"~ {TABLE_ID}:56 unidentified-school-003 - tu-darmstadt: BilateralAgreement; "
        "erasmus-plus; Active -> line 57: BilateralAgreement; no network; Active",
    ]


def test_diff_with_nothing_published(seeds, tmp_path):
    result = CliRunner().invoke(main, ["diff", "--seeds", str(seeds),
                                       "--store", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "nothing is published yet: every agreement would be new",
        "documents: 0 of 5 not as pinned (all as accepted)",
        "errors in the report: 0",
        "agreements: 224 in this build"]


def test_a_build_keeps_its_agreements_for_the_next_one_to_compare_with(seed_build, tmp_path):
    from graph.build import _published_agreements
    from graph.diff import agreements
    from passerelle.builddir import BuildDir

    published = BuildDir(seed_build.store.resolve())
    kept = _published_agreements(published)  # from agreements.jsonl
    queried = agreements(tuple(row) for row in published.open().query(AGREEMENTS_QUERY))
    assert len(kept) == 224 and kept == queried
    # A build from before agreements.jsonl existed is queried instead.
    older = tmp_path / "older"
    shutil.copytree(published.path, older, ignore=shutil.ignore_patterns("agreements.jsonl"))
    assert _published_agreements(BuildDir(older)) == queried


def test_an_unreadable_published_store_is_named_with_the_way_out(seeds, tmp_path):
    broken = tmp_path / "store.builds" / "20260101T000000000000"
    (broken / "oxigraph").mkdir(parents=True)  # no agreements.jsonl, no RocksDB files
    (tmp_path / "store").symlink_to(broken)
    result = run(seeds, tmp_path / "store")
    assert result.exit_code == 1
    assert f"{broken}: cannot read the published store to compare with (" in result.output
    assert "remove the store link and build afresh" in result.output


def test_validate_fails_when_the_report_has_errors(seeds):
    break_tum_and_leuven(seeds)
    result = CliRunner().invoke(main, ["validate", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert f"error: {LIST_ID}:20: line is not valid UTF-8" in result.output  # the report
    assert result.output.splitlines()[-1] == (
        f"Error: invalid: the report has 2 error(s) (listed above), at {LIST_ID}:20, "
        f"{LIST_ID}:41")
