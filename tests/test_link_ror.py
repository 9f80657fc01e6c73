"""graph.link.ror: streaming ROR v2 dumps in the three packagings ROR and this project use.

The records are the three look-alike records of tests/fixtures/ror-decoys.json (copied
verbatim from the reference extract by graph.link.fixture); the values below were read in
that file by hand.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from graph.errors import BuildError
from graph.link.ror import host_of, read_records

DECOYS = Path(__file__).parent / "fixtures" / "ror-decoys.json"
DECOY_IDS = ["https://ror.org/01w423a47", "https://ror.org/04dwckp88",
             "https://ror.org/059bgad73"]


def packaged(tmp_path: Path, suffix: str) -> Path:
    """The decoys as a .json, .json.gz or ROR-style .zip (v2 JSON beside a v1 JSON and a CSV)."""
    data = DECOYS.read_bytes()
    if suffix == ".json":
        return DECOYS
    if suffix == ".gz":
        path = tmp_path / "dump.json.gz"
        path.write_bytes(gzip.compress(data))
        return path
    path = tmp_path / "v2.9-2026-01-01-ror-data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("v2.9-2026-01-01-ror-data.json", b'[{"id": "x", "name": "v1"}]')
        archive.writestr("v2.9-2026-01-01-ror-data_schema_v2.json", data)
        archive.writestr("v2.9-2026-01-01-ror-data.csv", b"id,name\n")
    return path


@pytest.mark.parametrize("suffix", [".json", ".gz", ".zip"])
def test_every_packaging_gives_the_same_records(tmp_path, suffix):
    records = list(read_records(packaged(tmp_path, suffix)))
    assert [record.id for record in records] == DECOY_IDS


def test_a_record_keeps_what_the_linker_compares_and_cites():
    tsuab = next(read_records(DECOYS))
    assert tsuab.display_name == "Tomsk State University of Architecture and Building"
    assert [n.value for n in tsuab.names if "acronym" in n.types] == ["TSUAB"]
    assert tsuab.countries == ("RU",)
    # "tsuab.ru" is both its domain and its website's host: kept once.
    assert tsuab.domains == ("tsuab.ru",)
    assert (tsuab.wikidata, tsuab.wikidata_preferred) == (("Q1736331",), None)
    assert tsuab.status == "active" and tsuab.parents == ()
    assert tsuab.short_id == "01w423a47"


def test_domains_come_from_the_website_when_the_record_lists_none():
    concordia_portland, meu = list(read_records(DECOYS))[1:]
    assert concordia_portland.domains == ("cu-portland.edu",)
    assert concordia_portland.status == "inactive"
    assert meu.domains == ("meu.edu.jo",)


def test_a_v1_record_is_refused_by_name(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps([{"id": "https://ror.org/0abcdef12", "name": "Old schema"}]))
    with pytest.raises(BuildError, match="0abcdef12 is not in the ROR v2 schema"):
        list(read_records(path))


def test_a_zip_with_two_candidate_files_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", b"[]")
        archive.writestr("b.json", b"[]")
    with pytest.raises(BuildError, match="cannot tell which JSON file"):
        list(read_records(path))


def test_broken_json_is_a_build_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "https://ror.org/0abcdef12", "names": [')
    with pytest.raises(BuildError, match="not a ROR JSON dump"):
        list(read_records(path))


@pytest.mark.parametrize(("address", "host"), [
    ("https://www.tu-darmstadt.de", "tu-darmstadt.de"),
    ("http://www.ub.uni-potsdam.de/en/publishing/university-press", "ub.uni-potsdam.de"),
    ("HTTPS://WWW.ETHZ.CH:443/en", "ethz.ch"),
    ("polito.it", "polito.it"),
])
def test_host_of(address, host):
    assert host_of(address) == host
