"""Rank ROR records as candidate identities of registry entries.

The registry side is small (hundreds of entries) and the dump side large (120,000 records),
so the entries are indexed once and each record is looked up against that index as it
streams past: a handful of dictionary look-ups per name, and only the best few candidates
per entry are kept.

A record is a candidate when one of its names equals an entry's name or alias (after
``normalise_name``), equals it up to word order (``name_key``), shares most of its words,
equals one of its acronyms, or when one of its web domains is the entry's. Country and
domain agreement then raise or lower the score; a disagreeing country drops acronym and
similar-name matches outright, since those are weak on their own.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.link.entries import FACULTY, Entry
from graph.link.ror import RorRecord
from passerelle.normalise import acronyms_in, name_key, normalise_name, words_key

KEEP_PER_ENTRY = 5
# Where a candidate's record comes from: the ROR dump, or only the crosswalk (whose rows carry
# a name but no country or domain to check).
FROM_ROR, FROM_CROSSWALK = "ror", "crosswalk"
# Second-level zones under which national registries delegate domains to institutions.
GENERIC_ZONES = {"ac", "co", "com", "edu", "gov", "go", "net", "or", "org", "ne"}

# How much each kind of name match is worth before country and domain agreement; a similar
# name is worth its share of common words (Jaccard index) times this.
NAME_SCORES = {"name": 1.0, "word-order": 0.9, "similar-name": 0.8, "acronym": 0.5, "domain": 0.0}
COUNTRY_AGREES, COUNTRY_DISAGREES = 0.3, -0.5
SAME_DOMAIN, WITHIN_DOMAIN = 0.5, 0.25
PARENT_AGREES = 0.3
NOT_ACTIVE = -0.2
# On otherwise equal evidence an institution is more likely a record that is part of nothing
# ("University of California System" rather than one of its campuses), a faculty one that is
# part of something.
HIERARCHY_FITS = 0.05
# Share of words two names must have in common to count as similar; the record's name must
# also contain the entry name's rarest word (the one fewest entries use), so that "Technical
# University of Dortmund" is not similar to "Technical University of Darmstadt".
SIMILAR_NAME_MIN = 0.6


@dataclass(frozen=True)
class Candidate:
    """A record proposed for an entry, with the evidence for it."""

    entry: Entry
    record: RorRecord
    match: str
    matched_name: str
    score: float
    country_agrees: bool | None
    domain: str | None
    source: str = FROM_ROR


@dataclass
class EntryIndex:
    """Look-up tables from names, acronyms, words and domains to the entries bearing them."""

    entries: dict[str, Entry]
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_acronym: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_domain: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Rarest word of a name -> (entry id, the name's words) of every name it is rarest in.
    by_rarest_word: dict[str, list[tuple[str, frozenset[str]]]] = field(
        default_factory=lambda: defaultdict(list))


def build_index(entries: Iterable[Entry]) -> EntryIndex:
    """Index the entries by every form under which a record may name them."""
    index = EntryIndex({entry.id: entry for entry in entries})
    entries_using: Counter[str] = Counter()
    for entry in index.entries.values():
        for name in entry.names:
            index.by_name[normalise_name(name)].add(entry.id)
            index.by_key[name_key(name)].add(entry.id)
        entries_using.update({word for name in entry.names for word in name_words(name)})
        for acronym in (*entry.acronyms, *acronyms_in(entry.names)):
            index.by_acronym[normalise_name(acronym)].add(entry.id)
        for domain in entry.domains:
            for suffix in _domain_suffixes(domain):
                index.by_domain[suffix].add(entry.id)
    for entry in index.entries.values():
        for words in {name_words(name) for name in entry.names}:
            if words:
                rarest = min(words, key=lambda word: (entries_using[word], word))
                index.by_rarest_word[rarest].append((entry.id, words))
    return index


def name_words(name: str) -> frozenset[str]:
    return frozenset(normalise_name(name).split())


def _domain_suffixes(domain: str) -> list[str]:
    """"cit.tum.de" -> ["cit.tum.de", "tum.de"]: a record for tum.de covers cit.tum.de.

    A suffix that is a registry's own zone ("edu.cn", "ac.uk") covers nobody in particular.
    """
    labels = domain.split(".")
    suffixes = [labels[i:] for i in range(len(labels) - 1)]
    return [".".join(s) for s in suffixes if not (len(s) == 2 and s[0] in GENERIC_ZONES)]


def name_matches(index: EntryIndex, record: RorRecord) -> dict[str, tuple[str, str, float]]:
    """Entry id -> (best kind of name match, the record's name that made it, its name score)."""
    found: dict[str, tuple[str, str, float]] = {}

    def offer(entry_ids: Iterable[str], match: str, name: str, factor: float = 1.0) -> None:
        for entry_id in entry_ids:
            score = NAME_SCORES[match] * factor
            if entry_id not in found or score > found[entry_id][2]:
                found[entry_id] = (match, name, score)

    for ror_name in record.names:
        normal = normalise_name(ror_name.value)
        if "acronym" in ror_name.types:
            offer(index.by_acronym.get(normal, ()), "acronym", ror_name.value)
            continue
        offer(index.by_name.get(normal, ()), "name", ror_name.value)
        offer(index.by_key.get(words_key(normal), ()), "word-order", ror_name.value)
        for entry_id, share in _similar(index, frozenset(normal.split())).items():
            offer((entry_id,), "similar-name", ror_name.value, share)
    for domain in record.domains:
        offer(index.by_domain.get(domain, ()), "domain", domain)
    return found


def _similar(index: EntryIndex, words: frozenset[str]) -> dict[str, float]:
    """Entry id -> share of words in common, for entries with a name similar to ``words``."""
    similar: dict[str, float] = {}
    for word in words:
        for entry_id, own in index.by_rarest_word.get(word, ()):
            share = _jaccard(words, own)
            if share >= SIMILAR_NAME_MIN and share > similar.get(entry_id, 0.0):
                similar[entry_id] = share
    return similar


def _jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    return len(left & right) / len(left | right) if left or right else 0.0


def score_candidate(entry: Entry, record: RorRecord, match: str, name: str,
                    name_score: float, source: str = FROM_ROR) -> Candidate | None:
    """Weigh one match with country, domain, parent and status; None when too weak to show."""
    if entry.kind == FACULTY and record.id == entry.parent_ror:
        return None  # the university's own record is no identity for one of its faculties
    country_agrees = None
    if entry.country and record.countries:
        country_agrees = entry.country in record.countries
    if country_agrees is False and match in ("acronym", "similar-name"):
        return None
    domain, domain_score = _domain_agreement(entry, record)
    if match == "domain" and domain_score == 0:
        return None
    score = name_score + domain_score
    if (entry.kind == FACULTY) == bool(record.parents):
        score += HIERARCHY_FITS
    if country_agrees is not None:
        score += COUNTRY_AGREES if country_agrees else COUNTRY_DISAGREES
    if entry.kind == FACULTY and entry.parent_ror and entry.parent_ror in record.parents:
        score += PARENT_AGREES
    if record.status not in ("active", ""):
        score += NOT_ACTIVE
    return Candidate(entry, record, match, name, round(score, 3), country_agrees, domain, source)


def _domain_agreement(entry: Entry, record: RorRecord) -> tuple[str | None, float]:
    """The entry domain a record domain agrees with, and how much that is worth.

    Only the same host counts for a faculty: a faculty site under its university's domain is
    evidence for the university's record, not for a record of the faculty.
    """
    for domain in entry.domains:
        if domain in record.domains:
            return domain, SAME_DOMAIN
    if entry.kind == FACULTY:
        return None, 0.0
    for domain in entry.domains:
        if any(domain.endswith("." + own) for own in record.domains):
            return domain, WITHIN_DOMAIN
    return None, 0.0


class Ranking:
    """The best ``KEEP_PER_ENTRY`` candidates of every entry, fed one record at a time."""

    def __init__(self, entries: Iterable[Entry]):
        self.index = build_index(entries)
        self._heaps: dict[str, list[tuple[float, tuple[int, ...], Candidate]]] = \
            defaultdict(list)

    def add(self, record: RorRecord, source: str = FROM_ROR) -> None:
        for entry_id, (match, name, name_score) in name_matches(self.index, record).items():
            entry = self.index.entries[entry_id]
            candidate = score_candidate(entry, record, match, name, name_score, source)
            if candidate is None:
                continue
            # A min-heap of the best: on equal scores the larger ROR ID leaves first, so that
            # a ranking never depends on the dump's order.
            item = (candidate.score, _reverse(record.id), candidate)
            heap = self._heaps[entry_id]
            if len(heap) < KEEP_PER_ENTRY:
                heapq.heappush(heap, item)
            elif item[:2] > heap[0][:2]:
                heapq.heapreplace(heap, item)

    def ranked(self, entry_id: str) -> list[Candidate]:
        """Best first."""
        return [c for *_, c in sorted(self._heaps.get(entry_id, ()), key=lambda i: i[:2],
                                      reverse=True)]


def _reverse(text: str) -> tuple[int, ...]:
    """A sort key that orders strings backwards: "b" sorts before "a"."""
    return tuple(-ord(char) for char in text)
