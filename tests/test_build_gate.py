"""Each judgement of the publishing gate, alone: how lines are counted, which pin is wrong,
which agreements count as added, removed or changed, which reason refuses a build, what the
history keeps. (The whole flow, through `passerelle build`: tests/test_build_integrity.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph import history
from graph.diff import Agreement, compare
from graph.errors import BuildError
from graph.gate import Allow, Refused, Verdict, judge
from graph.manifest import load_manifest
from graph.parse import PARSERS
from graph.pins import ALL, changes, check_unchanged, count_lines, pin_of, write_pins
from graph.records import LineOutcome
from graph.report import BuildReport

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Lines 79 and 80 of seeds/sources.toml: the pin of 004, the last entry.
ESTP_PIN = ('sha256 = "cb5520d636fa61a86afc3be9b99cf25693c7460a0d261e9bcb7cd712327ac7a9"\n'
            "lines = 30\n")


@pytest.fixture
def seeds(tmp_path) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns("identifiers"))
    return copy


def sources(seeds: Path):
    return load_manifest(seeds, set(PARSERS))


@pytest.mark.parametrize(("data", "lines"), [
    (b"", 0), (b"a", 1), (b"a\n", 1), (b"a\nb", 2), (b"a\r\n\r\n", 2), (b"\n", 1),
    (b"\xff\n\xfe", 2),  # bytes that are not UTF-8 still make lines
])
def test_lines_are_counted_as_the_parsers_number_them(data, lines):
    assert count_lines(data) == lines


def test_the_seeds_are_as_pinned():
    assert changes(sources(SEEDS)) == []
    assert pin_of(SEEDS / "003_6d956781d4f13613.txt").lines == 113


@pytest.mark.parametrize(("wrong", "message"), [
    ('sha256 = "CB5520"\nlines = 30\n',
     "sources.toml:79: source 'estp-international-openness': sha256 must be 64 lowercase "
     "hexadecimal digits, not 'CB5520'"),
    ('sha256 = "cb5520d636fa61a86afc3be9b99cf25693c7460a0d261e9bcb7cd712327ac7a9"\n'
     "lines = 0\n",
     "sources.toml:80: source 'estp-international-openness': lines must be a whole number "
     "above 0, not 0"),
    ("lines = 30\n", "sources.toml: source 'estp-international-openness': sha256 must be 64 "
     "lowercase hexadecimal digits, not None"),
])
def test_a_malformed_pin_is_named_with_its_line(seeds, wrong, message):
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(ESTP_PIN, wrong),
                        encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        sources(seeds)
    assert str(caught.value).endswith(message)


def test_a_changed_document_and_a_new_entry_are_the_changes(seeds):
    table = seeds / "003_6d956781d4f13613.txt"
    table.write_bytes(table.read_bytes() + b"\nUSA\tMIT\tBilateral")
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(ESTP_PIN, ""),
                        encoding="utf-8")
    found = changes(sources(seeds))
    assert [(c.source.id, c.pinned and c.pinned.lines, c.found.lines) for c in found] == [
        ("unidentified-partner-table", 113, 114), ("estp-international-openness", None, 30)]


def test_writing_pins_changes_only_their_lines(seeds):
    manifest = seeds / "sources.toml"
    before = manifest.read_text(encoding="utf-8")
    table = seeds / "003_6d956781d4f13613.txt"
    table.write_bytes(b"Country\tUniversity name\tAgreement type\n")
    write_pins(manifest, changes(sources(seeds)))
    after = manifest.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.split("\n"), after.split("\n"), strict=True)
               if a != b]
    assert changed == [
        ('sha256 = "b1354eaaf86b830a1435aaecfd545df83ca23fed3e4012e4f9105484c7d7468d"',
         f'sha256 = "{pin_of(table).sha256}"'),
        ("lines = 113", "lines = 1")]


def agreement(partner: str, line: int, types=("Exchange",), status="Active",
              document="doc") -> Agreement:
    return Agreement(document, "school", (partner,), types, (), status, line)


def test_an_agreement_that_moved_to_another_line_is_unchanged():
    diff = compare([agreement("a", 4), agreement("b", 5)], [agreement("a", 5), agreement("b", 6)])
    assert (diff.added, diff.removed, diff.changed) == ([], [], [])


def test_other_terms_under_the_same_key_are_a_change():
    diff = compare([agreement("a", 4)], [agreement("a", 4, status="Suspended")])
    assert diff.changed == [(agreement("a", 4), agreement("a", 4, status="Suspended"))]
    assert (diff.added, diff.removed) == ([], [])


def test_a_second_agreement_with_the_same_partner_is_added_not_changed():
    old = [agreement("a", 4)]
    new = [agreement("a", 4), agreement("a", 9, types=("DoubleDegree",))]
    diff = compare(old, new)
    assert diff.added == [agreement("a", 9, types=("DoubleDegree",))]
    assert (diff.removed, diff.changed) == ([], [])
    assert compare(new, old).removed == [agreement("a", 9, types=("DoubleDegree",))]


def test_the_same_partner_in_another_document_is_another_agreement():
    diff = compare([agreement("a", 4, document="x")], [agreement("a", 4, document="y")])
    assert diff.removed == [agreement("a", 4, document="x")]
    assert diff.added == [agreement("a", 4, document="y")]


def test_the_same_row_read_as_another_partner_is_a_change_not_a_loss():
    # A new name the registry now resolves: same document, school and line, same terms.
    old, new = agreement("unregistered-complutense", 46), agreement("complutense", 46)
    diff = compare([old, agreement("a", 4)], [new, agreement("a", 4)])
    assert diff.changed == [(old, new)] and (diff.added, diff.removed) == ([], [])
    assert diff.lines()[-1] == ("~ doc:46 school - unregistered-complutense: Exchange; no "
                                "network; Active -> line 46 complutense: Exchange; no network; "
                                "Active")
    moved = compare([old], [agreement("complutense", 47)])  # another partner on another line
    assert (len(moved.removed), len(moved.added), moved.changed) == (1, 1, [])


def report_with_errors(count: int) -> BuildReport:
    report = BuildReport()
    report.lines = [LineOutcome("doc", n, "text", "error", f"bad line {n}")
                    for n in range(1, count + 1)]
    return report


def test_errors_refuse_until_keep_going_which_is_recorded(seeds):
    found = sources(seeds)
    with pytest.raises(Refused, match=r"the report has 2 error\(s\)(.|\n)*  doc:2: bad line 2"):
        judge(found, seeds / "sources.toml", report_with_errors(2), [], None, Allow())
    verdict = judge(found, seeds / "sources.toml", report_with_errors(2), [], None,
                    Allow(keep_going=True))
    assert verdict.forced == {"keep_going_errors": 2}
    quiet = judge(found, seeds / "sources.toml", BuildReport(), [], None, Allow(keep_going=True))
    assert quiet.forced == {}  # a flag given but not needed forced nothing


def test_a_refusal_lists_at_most_twenty_errors(seeds):
    with pytest.raises(Refused) as caught:
        judge(sources(seeds), seeds / "sources.toml", report_with_errors(25), [], None, Allow())
    assert "  doc:20: bad line 20\n  ... and 5 more (--report FILE lists them all)" \
        in str(caught.value)
    assert "doc:21:" not in str(caught.value)


def test_losing_agreements_refuses_until_allow_shrink(seeds):
    found, manifest = sources(seeds), seeds / "sources.toml"
    before = [agreement("a", 1), agreement("b", 2), agreement("c", 3)]
    after = [agreement("a", 1), agreement("d", 4)]  # one more and two fewer: still a loss
    with pytest.raises(Refused, match="it would lose 2 of the 3 published agreements"):
        judge(found, manifest, BuildReport(), after, before, Allow())
    verdict = judge(found, manifest, BuildReport(), after, before, Allow(allow_shrink=True))
    assert verdict.forced == {"allow_shrink_lost": 2}
    assert judge(found, manifest, BuildReport(), before, after[:1], Allow()).forced == {}


def test_a_changed_document_refuses_until_accepted_by_id_or_all(seeds):
    (seeds / "003_6d956781d4f13613.txt").write_bytes(b"Country\tUniversity\tType\n")
    found, manifest = sources(seeds), seeds / "sources.toml"
    with pytest.raises(Refused, match=r"1 document\(s\) not as pinned"):
        judge(found, manifest, BuildReport(), [], None,
              Allow(frozenset({"estp-international-openness"})))
    for accept in ("unidentified-partner-table", ALL):
        verdict = judge(found, manifest, BuildReport(), [], None, Allow(frozenset({accept})))
        assert [c.source.id for c in verdict.accepted] == ["unidentified-partner-table"]


def test_the_terminal_lists_at_most_twenty_accepted_documents(seeds):
    (seeds / "003_6d956781d4f13613.txt").write_bytes(b"Country\tUniversity\tType\n")
    (change,) = changes(sources(seeds))
    lines = Verdict(accepted=[change] * 25).summary()
    assert len(lines) == 21 and lines[-1] == "accepted (pins rewritten): 5 more"


def test_the_history_goes_on_from_a_build_that_kept_none():
    previous = {"build_id": "old", "built_at": "2026-01-01T00:00:00+00:00",
                "sources": [{}, {}], "agreements": 3}
    metadata = {"build_id": "new", "built_at": "2026-02-01T00:00:00+00:00", "sources": [{}],
                "agreements": 2}
    diff = compare([agreement("a", 1), agreement("b", 2), agreement("c", 3)],
                   [agreement("a", 1), agreement("b", 2)])
    entries = history.extended(previous, metadata, Verdict(diff=diff, forced={"x": 1}))
    assert entries[0] == {"build_id": "old", "built_at": "2026-01-01T00:00:00+00:00",
                          "documents": 2, "agreements": 3}
    assert {k: v for k, v in entries[1].items() if k != "by"} == {
        "build_id": "new", "built_at": "2026-02-01T00:00:00+00:00", "documents": 1,
        "agreements": 2, "agreements_added": 0, "agreements_removed": 1,
        "agreements_changed": 0, "accepted": [], "forced": {"x": 1}}


def test_the_history_keeps_the_latest_entries():
    previous = {"history": [{"build_id": str(n)} for n in range(history.KEPT)]}
    metadata = {"build_id": "new", "built_at": "now", "sources": [], "agreements": 0}
    entries = history.extended(previous, metadata, Verdict())
    assert len(entries) == history.KEPT
    assert entries[0]["build_id"] == "1" and entries[-1]["build_id"] == "new"


def test_a_document_changed_while_the_build_read_it_is_refused(seeds):
    found = sources(seeds)
    read = {source.id: pin_of(source.path) for source in found}
    check_unchanged(found, read)  # as read: nothing to say
    table = seeds / "003_6d956781d4f13613.txt"
    table.write_bytes(table.read_bytes() + b"\n")
    with pytest.raises(BuildError) as caught:
        check_unchanged(found, read)
    assert str(caught.value) == (f"{table}: the document changed while the build read it: "
                                 "build again")
