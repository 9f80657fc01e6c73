"""Propose ROR and Wikidata identifiers from a ROR dump, offline, into a review file."""

from __future__ import annotations

from pathlib import Path

from graph.link.candidates import FROM_CROSSWALK, Candidate, Ranking
from graph.link.crosswalk import CrosswalkRow, choose_qid, crosswalk_record, read_crosswalk
from graph.link.entries import Entry, read_entries
from graph.link.review import LinkSummary, ReviewRow, write_review
from graph.link.ror import read_records


def propose(registry_path: Path, dump_path: Path, review_path: Path,
            crosswalk_path: Path | None = None, new_names: list[Entry] = ()) -> LinkSummary:
    """Rank dump records for every registry entry still lacking identifiers; write the review.

    With a crosswalk, the crosswalk's rows for ROR IDs absent from the dump are ranked too (by
    name only). ``new_names``: a build's new institutions (``read_new_names``), ranked too.
    Every entry gets at least one row: its candidates best first, or a row with no
    record saying none was found (so that the reviewer can mark it unresolved).
    """
    entries = [entry for entry in read_entries(registry_path) if entry.needs_link]
    entries += new_names
    crosswalk = read_crosswalk(crosswalk_path) if crosswalk_path else {}
    ranking = Ranking(entries)
    records_read = rank_records(ranking, dump_path, crosswalk)
    rows: list[ReviewRow] = []
    without: list[str] = []
    for entry in entries:
        candidates = ranking.ranked(entry.id)
        if not candidates:
            without.append(entry.id)
            rows.append(no_candidate_row(entry, f"no record in {dump_path.name} matches"))
        rows.extend(candidate_row(rank, c, crosswalk) for rank, c in enumerate(candidates, 1))
    write_review(rows, review_path)
    return LinkSummary(records_read, len(entries), len(entries) - len(without), len(rows),
                       tuple(without))


def rank_records(ranking: Ranking, dump_path: Path,
                 crosswalk: dict[str, list[CrosswalkRow]]) -> int:
    """Feed the dump's records, then the crosswalk's ROR IDs missing from it; returns the count."""
    records_read = 0
    in_dump: set[str] = set()
    for record in read_records(dump_path):
        ranking.add(record)
        records_read += 1
        if record.short_id in crosswalk:
            in_dump.add(record.short_id)
    for short_id, rows in crosswalk.items():
        if short_id not in in_dump:
            ranking.add(crosswalk_record(rows), FROM_CROSSWALK)
    return records_read


def candidate_row(rank: int, candidate: Candidate,
                  crosswalk: dict[str, list[CrosswalkRow]]) -> ReviewRow:
    """A review row citing the record (matched name, country, domain) and its QID's source."""
    entry, record = candidate.entry, candidate.record
    qid = choose_qid(record, crosswalk)
    country = "/".join(record.countries) or "no country"
    name = record.display_name if candidate.match == "domain" else candidate.matched_name
    if candidate.source == FROM_CROSSWALK:
        evidence = f"ROR ID and Wikidata from {qid.source}" if qid.qid else ""
        notes = ["ROR record not in the dump: country and domain unchecked"]
    else:
        cited = (f"ROR record {record.id} ({name}, {country}, "
                 f"{candidate.domain or (record.domains[0] if record.domains else 'no domain')})")
        evidence = f"{cited}; Wikidata from {qid.source}" if qid.qid else cited
        notes = []
    notes += [qid.note] if qid.note else []
    if candidate.country_agrees is False:
        notes.append(f"country differs: entry {entry.country}, record {country}")
    if record.status not in ("active", ""):
        notes.append(f"record is {record.status}")
    if entry.kind == "faculty" and entry.parent_ror and entry.parent_ror not in record.parents:
        notes.append("record's parent is not the faculty's institution")
    return ReviewRow(
        decision="", kind=entry.kind, entry_id=entry.id, entry_label=entry.label,
        entry_country=entry.country or "", rank=rank, score=candidate.score,
        match=candidate.match, name=candidate.matched_name, ror=record.id,
        wikidata=qid.qid or "", record_country=country, record_domains=" ".join(record.domains),
        record_status=record.status or candidate.source, identifiers_from=evidence,
        note="; ".join(notes), record_website=record.website or "",
    )


def no_candidate_row(entry: Entry, note: str) -> ReviewRow:
    return ReviewRow(
        decision="", kind=entry.kind, entry_id=entry.id, entry_label=entry.label,
        entry_country=entry.country or "", rank=0, score=0.0, match="", name="", ror="",
        wikidata="", record_country="", record_domains="", record_status="",
        identifiers_from="", note=note,
    )
