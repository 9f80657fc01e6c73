"""The review file: candidate identifiers for a person to accept, reject or mark unresolved.

A tab-separated file, one row per candidate, best first within each entry. The reviewer fills
the ``decision`` column (``accept``, ``reject`` or ``unresolved``) and may write a ``reason``;
an accepted row's reason is kept next to the identifiers, an unresolved row's reason becomes
the entry's ``unresolved`` text. Nothing else in the file needs editing.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from graph.errors import BuildError

ACCEPT, REJECT, UNRESOLVED = "accept", "reject", "unresolved"
DECISIONS = ("", ACCEPT, REJECT, UNRESOLVED)


@dataclass
class ReviewRow:
    """One candidate. ``name``, ``record_*`` describe the record (ROR or Wikidata) it came from."""

    decision: str
    kind: str
    entry_id: str
    entry_label: str
    entry_country: str
    rank: int
    score: float
    match: str
    name: str
    ror: str
    wikidata: str
    record_country: str
    record_domains: str
    record_status: str
    identifiers_from: str
    note: str
    reason: str = ""
    record_website: str = ""


COLUMNS = [f.name for f in fields(ReviewRow)]


@dataclass(frozen=True)
class LinkSummary:
    """What a proposal run did: records read (ROR records offline, Wikidata entities found
    online), entries to link, how many got candidates, rows written, entries without any."""

    records_read: int
    entries: int
    entries_with_candidates: int
    rows: int
    without_candidates: tuple[str, ...]


def write_review(rows: list[ReviewRow], review_path: Path) -> None:
    review_path.parent.mkdir(parents=True, exist_ok=True)
    with review_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def read_review(review_path: Path) -> list[ReviewRow]:
    """The rows as the reviewer left them; raises on an unknown decision or a missing column."""
    try:
        with review_path.open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream, delimiter="\t")
            if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
                raise BuildError(f"a review file has the columns {COLUMNS}", review_path)
            return [_row(line, review_path, number) for number, line in enumerate(reader, 2)]
    except OSError as error:
        raise BuildError(f"cannot read the review file: {error}", review_path) from error


def _row(line: dict[str, str], review_path: Path, number: int) -> ReviewRow:
    values = {name: (line[name] or "").strip() for name in COLUMNS}
    values["decision"] = values["decision"].lower()
    if values["decision"] not in DECISIONS:
        raise BuildError(f"decision {values['decision']!r} is not one of {DECISIONS[1:]}",
                         review_path, number)
    try:
        values["rank"], values["score"] = int(values["rank"]), float(values["score"])
    except ValueError as error:
        raise BuildError(f"rank and score must be numbers: {error}", review_path, number) from None
    return ReviewRow(**values)
