"""Propose identifiers from a Wikidata SPARQL endpoint into the same review file.

An entry that has a ROR ID is looked up by it (P6782); one that has none, or whose ROR ID
Wikidata does not know, by its label and aliases within its country.
"""

from __future__ import annotations

from pathlib import Path

from graph.link.entries import Entry, read_entries
from graph.link.offline import no_candidate_row
from graph.link.review import LinkSummary, ReviewRow, write_review
from graph.link.ror import ROR_PREFIX, host_of
from graph.link.wikidata import BARE_ROR_ID, WikidataClient, WikidataHit

BY_ROR_ID, BY_LABEL = 2.0, 1.0
COUNTRY_AGREES, DOMAIN_AGREES = 0.3, 0.5


def propose_online(registry_path: Path, endpoint: str, review_path: Path,
                   new_names: list[Entry] = ()) -> LinkSummary:
    """Query the endpoint for every entry still lacking identifiers, and for a build's new
    institutions (``new_names``); write the review file."""
    client = WikidataClient(endpoint)
    entries = [entry for entry in read_entries(registry_path) if entry.needs_link]
    entries += new_names
    rows: list[ReviewRow] = []
    without: list[str] = []
    seen = 0
    for entry in entries:
        match, hits = look_up(client, entry)
        seen += len(hits)
        ranked = sorted(((score_hit(entry, match, hit), hit) for hit in hits),
                        key=lambda pair: (-pair[0], int(pair[1].qid[1:])))
        if not ranked:
            without.append(entry.id)
            rows.append(no_candidate_row(entry, f"no entity at {endpoint} matches"))
        rows.extend(hit_row(entry, rank, match, score, hit)
                    for rank, (score, hit) in enumerate(ranked, 1))
    write_review(rows, review_path)
    return LinkSummary(seen, len(entries), len(entries) - len(without), len(rows), tuple(without))


def look_up(client: WikidataClient, entry: Entry) -> tuple[str, list[WikidataHit]]:
    """("ror-id", hits) when the entry's ROR ID finds entities, else ("label", hits)."""
    if entry.ror:
        hits = client.by_ror(entry.ror)
        if hits:
            return "ror-id", hits
    if not entry.country:
        return "label", []
    return "label", client.by_label(entry.names, entry.country)


def score_hit(entry: Entry, match: str, hit: WikidataHit) -> float:
    score = BY_ROR_ID if match == "ror-id" else BY_LABEL
    if entry.country in hit.countries:
        score += COUNTRY_AGREES
    if _agreeing_domain(entry, hit):
        score += DOMAIN_AGREES
    return score


def _agreeing_domain(entry: Entry, hit: WikidataHit) -> str | None:
    hosts = [host_of(site) for site in hit.websites]
    return next((domain for domain in entry.domains for host in hosts
                 if domain == host or domain.endswith("." + host)), None)


def hit_row(entry: Entry, rank: int, match: str, score: float, hit: WikidataHit) -> ReviewRow:
    """A review row citing the Wikidata entity; the ROR ID is Wikidata's P6782 when single."""
    hosts = list(dict.fromkeys(host_of(site) for site in hit.websites))
    country = "/".join(hit.countries) or "no country"
    valid_ror_ids = [ror_id for ror_id in hit.ror_ids if BARE_ROR_ID.fullmatch(ror_id)]
    ror = ROR_PREFIX + valid_ror_ids[0] if len(valid_ror_ids) == 1 else ""
    evidence = (f"Wikidata entity {hit.qid} ({hit.label}, {country}, "
                f"{_agreeing_domain(entry, hit) or (hosts[0] if hosts else 'no website')})")
    if ror:
        evidence += "; ROR ID from its P6782"
    notes = []
    if len(hit.ror_ids) > 1:
        notes.append(f"several ROR IDs in P6782: {', '.join(hit.ror_ids)}")
    if entry.ror and ror and ror != entry.ror:
        notes.append(f"P6782 {ror} differs from the registry's {entry.ror}")
    return ReviewRow(
        decision="", kind=entry.kind, entry_id=entry.id, entry_label=entry.label,
        entry_country=entry.country or "", rank=rank, score=round(score, 3), match=match,
        name=hit.label, ror=ror, wikidata=hit.qid, record_country=country,
        record_domains=" ".join(hosts), record_status="", identifiers_from=evidence,
        note="; ".join(notes),
    )
