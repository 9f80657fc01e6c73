"""Rebuild the shipped identifier fixture from the reference datasets, when they are at hand.

The fixture (``seeds/identifiers/``) holds exactly the ROR records the registry cites (as an
entry's identifier, or as evidence named in its ``identifiers_from`` or ``unresolved``), verbatim
in the v2 dump schema, and the Open Syllabus crosswalk rows of the ROR IDs it cites, so that
tests and a fresh clone need nothing outside the repository. The linker's tests also use a few
look-alike records the registry does not cite (``tests/fixtures/ror-decoys.json``)::

    python -m graph.link.fixture [REFERENCE_DIR]    # default ../shared/reference
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

from graph.errors import BuildError
from graph.link.crosswalk import CROSSWALK_COLUMNS
from graph.link.entries import read_entries
from graph.link.ror import ROR_PREFIX, read_records

ROOT = Path(__file__).resolve().parents[2]
ROR_DUMP = "ror-records-latest.json.gz"
CROSSWALK = "opensyllabus-institution-identifiers.csv"
CROSSWALK_LICENCE = "opensyllabus-LICENSE.txt"
FIXTURE_RECORDS = "ror-records.json"
# Records that look like registry entries but are other institutions, for the linker's tests:
# Middle East University (Jordan), Concordia University (Portland, US), Tomsk State University
# of Architecture and Building.
DECOYS = ("https://ror.org/059bgad73", "https://ror.org/04dwckp88", "https://ror.org/01w423a47")


def build_fixture(registry_path: Path, reference_dir: Path, fixture_dir: Path,
                  decoys_path: Path) -> tuple[int, int, int]:
    """Write the records and crosswalk rows the registry cites, and the decoys, in one pass
    over the dump; returns how many records, rows and decoys were written."""
    cited = cited_records(read_entries(registry_path))
    if not (reference_dir / ROR_DUMP).is_file():
        raise BuildError(f"no {ROR_DUMP} here", reference_dir)
    records, decoys = [], []
    for record in read_records(reference_dir / ROR_DUMP):
        if record.id in cited:
            records.append(record.raw)
        elif record.id in DECOYS:
            decoys.append(record.raw)
    fixture_dir.mkdir(parents=True, exist_ok=True)
    write_records(records, fixture_dir / FIXTURE_RECORDS)
    write_records(decoys, decoys_path)
    bare_ids = {ror.removeprefix(ROR_PREFIX) for ror in cited}
    rows = crosswalk_rows(reference_dir / CROSSWALK, bare_ids)
    with (fixture_dir / CROSSWALK).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, CROSSWALK_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    shutil.copyfile(reference_dir / CROSSWALK_LICENCE, fixture_dir / CROSSWALK_LICENCE)
    return len(records), len(rows), len(decoys)


def cited_records(entries) -> set[str]:
    """The ROR records the registry cites: each entry's own, and the records its
    identifiers_from or unresolved name as evidence (an inactive record, a predecessor)."""
    return {ror for entry in entries for ror in (entry.ror, *entry.evidence) if ror}


def write_records(records: list[dict], path: Path) -> None:
    """A JSON array like ROR's dumps, sorted by ID, one record per line for readable diffs."""
    ordered = sorted(records, key=lambda raw: raw["id"])
    lines = ",\n".join(json.dumps(raw, ensure_ascii=False, sort_keys=True) for raw in ordered)
    path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


def crosswalk_rows(path: Path, bare_ror_ids: set[str]) -> list[dict[str, str]]:
    """The crosswalk's rows for these ROR IDs, as they are, in file order."""
    with path.open(encoding="utf-8", newline="") as stream:
        return [row for row in csv.DictReader(stream) if row["ror_id"] in bare_ror_ids]


if __name__ == "__main__":
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    counts = build_fixture(ROOT / "seeds" / "registry.toml", reference,
                           ROOT / "seeds" / "identifiers",
                           ROOT / "tests" / "fixtures" / "ror-decoys.json")
    print("{} ROR records, {} crosswalk rows, {} decoys".format(*counts))
