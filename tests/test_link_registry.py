"""The registry's identifiers against their evidence (seeds/identifiers/), and the docs.

Every ROR ID and QID in seeds/registry.toml must come from a shipped record that its
`identifiers_from` names, by the same rule the linker applies; the fixture must hold exactly
the records the registry cites; seeds/identifiers/README.md must state the coverage the
registry has.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from graph.link.accept import ROR_ID
from graph.link.crosswalk import QID, choose_qid, read_crosswalk
from graph.link.fixture import build_fixture
from graph.link.ror import ROR_PREFIX, read_records
from graph.link.wikidata import WIKIDATA_ENDPOINT

ROOT = Path(__file__).resolve().parent.parent
IDENTIFIERS = ROOT / "seeds" / "identifiers"
REGISTRY = ROOT / "seeds" / "registry.toml"
REFERENCE = ROOT.parent / "shared" / "reference"
# "ROR record https://ror.org/xxx (name, country, domain)" or the crosswalk's row.
FROM_RECORD = re.compile(r"ROR record (https://ror\.org/\w+) \((.+), ([A-Z/]+|no country), "
                         r"([^,()]+)\)(; Wikidata from (.+?))?(; |$)")
FROM_CROSSWALK = re.compile(r"ROR ID and Wikidata from (Open Syllabus crosswalk row "
                            r"\((\w+), (Q\d+), [^)]+\))")


def registry_entries() -> list[dict]:
    registry = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))
    return registry["institution"] + registry["faculty"]


ENTRIES = registry_entries()
RECORDS = {record.id: record for record in read_records(IDENTIFIERS / "ror-records.json")}
CROSSWALK = read_crosswalk(IDENTIFIERS / "opensyllabus-institution-identifiers.csv")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry["id"])
def test_every_entry_is_linked_or_says_why_not(entry):
    assert ("ror" in entry and "wikidata" in entry) or entry.get("unresolved")
    assert "ror" not in entry or ROR_ID.fullmatch(entry["ror"])
    assert "wikidata" not in entry or QID.fullmatch(entry["wikidata"])


@pytest.mark.parametrize("entry", [e for e in ENTRIES if "ror" in e], ids=lambda e: e["id"])
def test_identifiers_come_from_the_record_they_cite(entry):
    evidence = entry["identifiers_from"]
    from_record = FROM_RECORD.match(evidence)
    if from_record is None:
        cited = FROM_CROSSWALK.match(evidence)
        assert cited, evidence
        row = next(r for r in CROSSWALK[cited[2]] if r.wikidata_id == cited[3])
        assert (entry["ror"], entry["wikidata"]) == (ROR_PREFIX + row.ror_id, row.wikidata_id)
        assert entry["ror"] not in RECORDS  # the crosswalk stands in only for a missing record
        return
    record = RECORDS[from_record[1]]
    assert entry["ror"] == record.id
    assert from_record[2] in [n.value for n in record.names] + [record.display_name]
    assert from_record[3] == ("/".join(record.countries) or "no country")
    qid = choose_qid(record, CROSSWALK)
    assert entry.get("wikidata") == qid.qid
    assert from_record[6] == (qid.source or None)
    if "domains from that record" in evidence:
        assert set(entry["domains"]) <= set(record.domains)


def test_the_fixture_holds_exactly_the_cited_records():
    cited = {entry["ror"] for entry in ENTRIES if "ror" in entry}
    assert set(RECORDS) <= cited
    from_crosswalk = {ROR_PREFIX + bare for bare in CROSSWALK}
    assert cited - set(RECORDS) <= from_crosswalk
    assert from_crosswalk <= cited


def test_the_readme_states_the_registry_coverage():
    institutions = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))["institution"]
    faculties = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))["faculty"]
    both = [e for e in institutions if "ror" in e and "wikidata" in e]
    crosswalk_only = [e for e in both if e["identifiers_from"].startswith("ROR ID and")]
    ror_only = [e for e in institutions if "ror" in e and "wikidata" not in e]
    neither = [e for e in institutions if "ror" not in e and "wikidata" not in e]
    own = [e for e in faculties if "ror" in e]
    readme = " ".join((IDENTIFIERS / "README.md").read_text(encoding="utf-8").split())
    assert (f"Institutions: {len(institutions)}. Both a ROR ID and a QID: {len(both)} (of "
            f"which {len(crosswalk_only)} from the crosswalk only") in readme
    assert f"ROR ID only: {len(ror_only)}. Unresolved: {len(neither)}." in readme
    assert f"Faculties: {len(faculties)}. With identifiers of their own: {len(own)}" in readme
    assert f"the {len(RECORDS)} ROR records the registry cites" in readme
    for entry in institutions:
        if "unresolved" in entry or "judgement:" in entry.get("identifiers_from", ""):
            assert f"`{entry['id']}`" in readme, entry["id"]
    for entry in crosswalk_only:
        assert entry["id"] in readme


def test_the_cli_default_endpoint_is_the_clients():
    from passerelle.cli import WIKIDATA_QUERY_SERVICE

    assert WIKIDATA_QUERY_SERVICE == WIKIDATA_ENDPOINT


@pytest.mark.skipif(not (REFERENCE / "ror-records-latest.json.gz").is_file(),
                    reason="the reference datasets (../shared/reference) are not here")
def test_the_fixture_is_a_verbatim_extract_of_the_reference(tmp_path):
    """Rebuilding the fixture from the reference datasets gives the shipped files (~6 s)."""
    build_fixture(REGISTRY, REFERENCE, tmp_path, tmp_path / "ror-decoys.json")
    for name in ("ror-records.json", "opensyllabus-institution-identifiers.csv",
                 "opensyllabus-LICENSE.txt"):
        assert (tmp_path / name).read_bytes() == (IDENTIFIERS / name).read_bytes(), name
    decoys = ROOT / "tests" / "fixtures" / "ror-decoys.json"
    assert (tmp_path / "ror-decoys.json").read_bytes() == decoys.read_bytes()
