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
from graph.link.entries import read_entries
from graph.link.fixture import build_fixture, cited_records
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
    if "Wikidata left out (see unresolved)" in evidence:  # the record's QID is judged wrong
        assert "wikidata" not in entry and qid.qid in entry["unresolved"]
    else:
        assert entry.get("wikidata") == qid.qid
        assert from_record[6] == (qid.source or None)
    if "domains from that record" in evidence:
        assert set(entry["domains"]) <= set(record.domains)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if FROM_RECORD.search(e.get(
    "identifiers_from", ""))], ids=lambda e: e["id"])
def test_a_domain_comes_from_the_record_named_for_it(entry):
    # put and udelar had 000's link hosts (put.edu.pl, universidad.edu.uy), itesm and ist their
    # former domains (itesm.mx, ist.utl.pt); their records give put.poznan.pl, udelar.edu.uy,
    # tec.mx and tecnico.ulisboa.pt (a record's domains include its website's host, of which
    # the registry keeps the registrable part: portal.ufes.br gives ufes.br).
    record = RECORDS[FROM_RECORD.search(entry["identifiers_from"])[1]]
    for domain in entry.get("domains", ()):
        assert any(host == domain or host.endswith("." + domain) for host in record.domains), \
            (domain, record.domains)


def test_the_registry_domains_of_put_udelar_itesm_and_ist():
    domains = {e["id"]: e["domains"] for e in ENTRIES if e["id"] in ("put", "udelar", "itesm",
                                                                    "ist")}
    assert domains == {"put": ["put.poznan.pl"], "udelar": ["udelar.edu.uy"],
                       "itesm": ["tec.mx"], "ist": ["tecnico.ulisboa.pt"]}


def test_nycu_keeps_its_ror_id_but_not_the_predecessor_s_qid():
    # ROR's record 00se2k293 is NCTU's renamed: founded 1896, NCTU's GRID ID and Wikipedia
    # article; its QID Q43401 goes with that article, as the NYMU record 009h5ks85 pairs
    # Q718328 with National_Yang-Ming_University. The crosswalk's row gives no QID.
    [nycu] = [e for e in ENTRIES if e["id"] == "nycu"]
    record = RECORDS[nycu["ror"]]
    assert (record.id, record.raw["established"]) == ("https://ror.org/00se2k293", 1896)
    assert "http://en.wikipedia.org/wiki/National_Chiao_Tung_University" in \
        [link["value"] for link in record.raw["links"]]
    nymu = RECORDS["https://ror.org/009h5ks85"]
    assert nymu.raw["status"] == "inactive"
    assert {"type": "successor", "id": record.id} in \
        [{"type": r["type"], "id": r["id"]} for r in nymu.raw["relationships"]]
    rows = (IDENTIFIERS / "opensyllabus-institution-identifiers.csv").read_text("utf-8")
    assert [line for line in rows.splitlines() if line.startswith("00se2k293,")] == [
        "00se2k293,grid.260539.b,,,National Yang Ming Chiao Tung University"]
    assert "wikidata" not in nycu and "Q43401" in nycu["unresolved"]


def test_fer_zagreb_follows_its_inactive_record_to_its_university():
    [fer] = [e for e in ENTRIES if e["id"] == "unizg-fer"]
    record = RECORDS["https://ror.org/04e90ca47"]
    successors = [r["id"] for r in record.raw["relationships"] if r["type"] == "successor"]
    [unizg] = [e for e in ENTRIES if e["id"] == fer["parent"]]
    assert (record.raw["status"], successors, unizg["ror"]) == (
        "inactive", ["https://ror.org/00mv6sv71"], "https://ror.org/00mv6sv71")
    # No ROR ID of its own (its successor is its own institution's); its QID is the
    # faculty's own entity, the record's preferred one.
    assert "ror" not in fer and fer["wikidata"] == choose_qid(record, CROSSWALK).qid == "Q3514081"


def test_the_fixture_holds_exactly_the_cited_records():
    cited = cited_records(read_entries(REGISTRY))
    assert cited == set(RECORDS) | {ROR_PREFIX + bare for bare in CROSSWALK}
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
    own = [e for e in faculties if "ror" in e or "wikidata" in e]
    readme = " ".join((IDENTIFIERS / "README.md").read_text(encoding="utf-8").split())
    assert (f"Institutions: {len(institutions)}. Both a ROR ID and a QID: {len(both)} (of "
            f"which {len(crosswalk_only)} from the crosswalk only") in readme
    assert f"ROR ID only: {len(ror_only)}. Unresolved: {len(neither)}." in readme
    assert f"Faculties: {len(faculties)}. With identifiers of their own: {len(own)}" in readme
    assert f"the {len(RECORDS)} ROR records the registry cites" in readme
    # Named with its reason: every institution left unresolved, every judgement call, and
    # every entry with one identifier left out (a faculty with no identifier at all is the
    # rule, not an exception).
    for entry in institutions + faculties:
        judged = "judgement:" in entry.get("identifiers_from", "")
        left_out = "unresolved" in entry and (entry in institutions or "ror" in entry
                                             or "wikidata" in entry)
        if judged or left_out:
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
