"""Which Wikidata QID a ROR record stands for, and on what evidence.

First the record's own ``external_ids`` (its preferred QID, or its only one); failing that,
the Open Syllabus ROR-GRID-Wikidata crosswalk (CSV ``ror_id,grid_id,wikidata_id,unitid,name``,
one ROR ID possibly on several rows). When the evidence is ambiguous no QID is chosen and
the note says why, for a reviewer to decide.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import BuildError
from graph.link.ror import ROR_PREFIX, RorName, RorRecord
from passerelle.normalise import acronyms_in

QID = re.compile(r"Q[1-9][0-9]*")
CROSSWALK_COLUMNS = ["ror_id", "grid_id", "wikidata_id", "unitid", "name"]


@dataclass(frozen=True)
class CrosswalkRow:
    ror_id: str
    grid_id: str
    wikidata_id: str
    unitid: str
    name: str

    def cite(self) -> str:
        return f"Open Syllabus crosswalk row ({self.ror_id}, {self.wikidata_id}, {self.name})"


@dataclass(frozen=True)
class QidChoice:
    """The QID chosen for a record (None when there is none or no safe choice) and why."""

    qid: str | None
    source: str
    note: str = ""


def read_crosswalk(path: Path) -> dict[str, list[CrosswalkRow]]:
    """Rows with a Wikidata ID, by bare ROR ID (the crosswalk omits https://ror.org/)."""
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames != CROSSWALK_COLUMNS:
            raise BuildError(f"expected columns {CROSSWALK_COLUMNS}, found {reader.fieldnames}",
                             path)
        rows: dict[str, list[CrosswalkRow]] = {}
        for line in reader:
            row = CrosswalkRow(**line)
            if QID.fullmatch(row.wikidata_id):
                rows.setdefault(row.ror_id, []).append(row)
    return rows


def choose_qid(record: RorRecord, crosswalk: dict[str, list[CrosswalkRow]]) -> QidChoice:
    """The record's QID: from ROR itself when it is unambiguous there, else from the crosswalk."""
    walk_rows = crosswalk.get(record.short_id, [])
    walk_qids = sorted({row.wikidata_id for row in walk_rows})
    own = _from_ror(record)
    if own.qid is not None:
        disagreeing = [qid for qid in walk_qids if qid != own.qid]
        if disagreeing:
            return QidChoice(own.qid, own.source,
                             _join(own.note, f"crosswalk gives {', '.join(walk_qids)}"))
        return own
    if len(walk_qids) == 1:
        row = next(r for r in walk_rows if r.wikidata_id == walk_qids[0])
        return QidChoice(row.wikidata_id, row.cite(), own.note)
    if walk_qids:
        return QidChoice(None, "", _join(own.note, f"crosswalk gives {', '.join(walk_qids)}"))
    return QidChoice(None, "", _join(own.note, "no QID in the ROR record nor in the crosswalk"))


def _from_ror(record: RorRecord) -> QidChoice:
    qids = [qid for qid in record.wikidata if QID.fullmatch(qid)]
    preferred = record.wikidata_preferred
    if preferred and QID.fullmatch(preferred):
        others = [qid for qid in qids if qid != preferred]
        note = f"ROR also lists {', '.join(others)}" if others else ""
        return QidChoice(preferred, "ROR external_ids (preferred)", note)
    if len(qids) == 1:
        return QidChoice(qids[0], "ROR external_ids")
    if qids:
        return QidChoice(None, "", f"ROR lists {', '.join(qids)} with none preferred")
    return QidChoice(None, "")


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def crosswalk_record(rows: list[CrosswalkRow]) -> RorRecord:
    """The crosswalk's rows for one ROR ID, as a record to rank when ROR's own is unavailable.

    It has the rows' names and nothing else: no country, domain or status to check.
    """
    labels = list(dict.fromkeys(row.name for row in rows))
    names = (*(RorName(label, ("label",), None) for label in labels),
             *(RorName(acronym, ("acronym",), None) for acronym in sorted(acronyms_in(labels))))
    return RorRecord(id=ROR_PREFIX + rows[0].ror_id, display_name=labels[0], names=names,
                     countries=(), domains=(), status="", types=(), wikidata=(),
                     wikidata_preferred=None, parents=(), raw={})
