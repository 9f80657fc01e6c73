"""Match a name never seen before to an institution or faculty, on strong evidence only.

The build's resolver (graph/resolve.py) asks this module about every name that its exact
look-ups (alias, domain, word order, acronym) did not place; the server's reconciliation
service (server/reconcile.py) asks it about every name a user sends. Both see the same
entries (``Named``: the registry's names plus the names of each institution's ROR record in
every language) and the same bar, so a name resolves in OpenRefine exactly as in a build.

A name resolves to an entry when, in the same country:

- its folded words (passerelle/folding.py) equal those of one of the entry's names
  ("Munich Technical University", "Technische Universiteit Delft", "Universität Stuttgart");
- or they do up to one small misspelling in one or two words ("Politechnico di Torino");
- or the name is an acronym of the entry (given in the registry or ROR record, or the
  initials of one of its names),

and no other entry of that country is as good a match. Nothing looser resolves: a name with
a word more or a word less is another institution ("University of California" is neither UC
Berkeley nor the "University of California, Los Angeles"; "Tomsk State" is not "Tomsk
Polytechnic"; a faculty's name is not its university's). Whatever does not resolve comes back
with its best candidates and, for each, why it was not taken.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from passerelle.folding import close, deletions, distinctive, fold, initials, is_concept
from passerelle.normalise import normalise_name

INSTITUTION, FACULTY = "institution", "faculty"
# The name index that a build writes into its directory (a JSON list of Named.to_dict()),
# for the server's reconciliation service.
NAMES_FILE = "names.json"

# How good each kind of evidence is (the reconciliation score is this times 100).
SCORES = {"name": 1.0, "folded": 0.95, "spelling": 0.85, "acronym": 0.8, "initials": 0.7}
# Kinds of evidence strong enough without a country to check them against.
WITHOUT_COUNTRY = {"name", "folded"}
# At most this many words may be misspelt in one name.
MAX_MISSPELT = 2
# Candidates shown for a name that did not resolve.
SHOWN = 5


@dataclass(frozen=True)
class Named:
    """An institution or faculty with every name it is known by."""

    id: str
    kind: str  # INSTITUTION or FACULTY
    label: str
    country: str | None = None  # a faculty's is its parent's
    names: tuple[str, ...] = ()  # label, aliases, ROR labels and aliases in every language
    acronyms: tuple[str, ...] = ()
    parent: str | None = None  # faculties: their institution
    part_of: str | None = None  # a campus: its university system
    category: str | None = None  # university, school, university-system ...
    ror: str | None = None
    wikidata: str | None = None
    school: bool = False  # publishes a source of the graph

    def to_dict(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items() if value not in (None, (), False)}

    @classmethod
    def from_dict(cls, data: dict) -> Named:
        fields = dict(data)
        for plural in ("names", "acronyms"):
            fields[plural] = tuple(fields.get(plural, ()))
        return cls(**fields)


@dataclass(frozen=True)
class Candidate:
    """One entry weighed against a name: how well it matches, and why it was not taken."""

    id: str
    label: str
    score: float  # 0..1
    evidence: str  # a key of SCORES, or "words" for a partial overlap
    matched: str  # the entry's name (or acronym) that came closest
    why_not: str = ""  # empty for the entry the name resolved to


@dataclass(frozen=True)
class Decision:
    """What a name resolved to (``match``, an entry id), or None and the best candidates."""

    match: str | None
    evidence: str | None
    candidates: tuple[Candidate, ...]

    @property
    def chosen(self) -> Candidate | None:
        return next((c for c in self.candidates if c.id == self.match), None)


@dataclass
class NameIndex:
    """Every entry under its folded names, acronyms and words, for quick candidates."""

    entries: dict[str, Named]
    by_folded: dict[tuple[str, ...], set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set))
    by_acronym: dict[str, set[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(set))
    by_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # One letter dropped from a word -> the words it came from: finds "stutgart" for "stuttgart".
    by_deletion: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    folded_names: dict[str, list[tuple[tuple[str, ...], str]]] = field(
        default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, entries: list[Named]) -> NameIndex:
        index = cls({entry.id: entry for entry in entries})
        for entry in entries:
            for name in index.matchable_names(entry):
                words = fold(name)
                if not words:
                    continue
                index.by_folded[words].add((entry.id, name))
                index.folded_names[entry.id].append((words, name))
                for word in distinctive(words):
                    index.by_word[word].add(entry.id)
                    for variant in _deletions(word):
                        index.by_deletion[variant].add(word)
            for acronym in entry.acronyms:
                index.by_acronym[normalise_name(acronym)].add((entry.id, acronym, "acronym"))
            for name in entry.names:
                short = initials(name)
                if short:
                    index.by_acronym[short].add((entry.id, name, "initials"))
        return index

    def matchable_names(self, entry: Named) -> list[str]:
        """A faculty's names that say whose faculty it is; a bare "Faculty of Science" would
        match every university's, so it is looked up only among its parent's faculties."""
        if entry.kind != FACULTY:
            return list(entry.names)
        return [name for name in entry.names if self._names_parent(entry, name)]

    def _names_parent(self, entry: Named, name: str) -> bool:
        parent = self.entries.get(entry.parent or "")
        if parent is None:
            return False
        own = {normalise_name(a) for a in parent.acronyms}
        words = set(normalise_name(name).split())
        parent_words = {w for n in parent.names for w in distinctive(fold(n))}
        return bool(words & own) or bool(distinctive(fold(name)) & parent_words)

    def resolve(self, name: str, country: str | None = None, acronym: str | None = None,
                within: str | None = None, shown: int = SHOWN) -> Decision:
        """Resolve a name (and the acronym written beside it) in a country.

        ``within``: an institution id; then only its faculties are candidates, under every
        one of their names (a parent's own faculty may be called just "Faculty of Science").
        """
        pool = self._within(within) if within else None
        found = self._evidence(name, acronym, pool)
        candidates = sorted((self._weigh(entry_id, evidence, country)
                             for entry_id, evidence in found.items()),
                            key=lambda c: (-c.score, c.id))
        strong = [c for c in candidates if not c.why_not]
        best = [c for c in strong if c.score == strong[0].score] if strong else []
        if len(best) == 1:
            match = best[0]
            ranked = [match, *(c for c in candidates if c.id != match.id)]
            return Decision(match.id, match.evidence, tuple(ranked[:shown]))
        if len(best) > 1:
            rivals = ", ".join(c.id for c in best)
            candidates = [_refused(c, f"as good a match as another ({rivals}): never "
                                      "chosen on a guess") if c in best else c
                          for c in candidates]
        return Decision(None, None, tuple(candidates[:shown]))

    def _within(self, institution: str) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The faculties of one institution under their names, and under those names with
        the institution's own name or acronym taken out ("Faculty of Engineering, University
        of Buenos Aires" is "Faculty of Engineering" there)."""
        parent = self.entries.get(institution)
        parent_names = [fold(n) for n in parent.names] if parent else []
        parent_names += [(normalise_name(a),) for a in (parent.acronyms if parent else ())]
        pool = {}
        for entry in self.entries.values():
            if entry.kind == FACULTY and entry.parent == institution:
                names = [(fold(n), n) for n in entry.names]
                names += [(bare, n) for words, n in names
                          for own in parent_names if (bare := _without(words, own))]
                pool[entry.id] = names
        return pool

    def _evidence(self, name: str, acronym: str | None, pool) -> dict[str, tuple]:
        """Entry id -> (evidence, score, matched name) for every entry with a word, an
        acronym or a misspelt word in common with the name: its best evidence."""
        words = fold(name)
        normal = normalise_name(name)
        names = pool if pool is not None else self.folded_names
        found: dict[str, tuple] = {}

        def offer(entry_id: str, evidence: str, matched: str, share: float = 1.0) -> None:
            score = SCORES.get(evidence, 0.5 * share)
            if entry_id not in found or score > found[entry_id][1]:
                found[entry_id] = (evidence, score, matched)

        for entry_id in self._related(words, pool):
            # A name may carry the entry's acronym as a word ("... University of Technology LUT")
            acronyms = {normalise_name(a) for a in self.entries[entry_id].acronyms}
            bare = tuple(w for w in words if w not in acronyms) or words
            for own, own_name in names.get(entry_id, ()):
                if own in (words, bare):
                    offer(entry_id, "name" if normalise_name(own_name) == normal else "folded",
                          own_name)
                elif _misspelt(words, own):
                    offer(entry_id, "spelling", own_name)
                else:
                    offer(entry_id, "words", own_name, _share(words, own))
        for short in {normalise_name(a) for a in (acronym, name) if a and _acronym_like(a)}:
            for entry_id, matched, evidence in self.by_acronym.get(short, ()):
                if pool is None or entry_id in pool:
                    offer(entry_id, evidence, matched)
        return found

    def _related(self, words: tuple[str, ...], pool) -> set[str]:
        """Entries sharing a distinctive word with the name, or a word one edit away."""
        if pool is not None:
            return set(pool)
        related = {entry_id for entry_id, _ in self.by_folded.get(words, ())}
        for word in distinctive(words):
            near = {word} | {w for v in (word, *_deletions(word))
                             for w in self.by_deletion.get(v, ()) if close(word, w)}
            near |= {v for v in _deletions(word) if v in self.by_word and close(word, v)}
            for known in near:
                related |= self.by_word.get(known, set())
        return related

    def _weigh(self, entry_id: str, evidence: tuple, country: str | None) -> Candidate:
        kind, score, matched = evidence
        entry = self.entries[entry_id]
        candidate = Candidate(entry.id, entry.label, round(score, 3), kind, matched)
        if kind not in SCORES:
            return _refused(candidate, self._difference(entry, matched))
        own_country = self.country_of(entry)
        if country and own_country and own_country != country:
            return _refused(candidate, f"in {own_country}, not {country}", penalty=0.3)
        if not country and kind not in WITHOUT_COUNTRY:
            return _refused(candidate, f"{kind} evidence needs the country to agree, and "
                                       "none was given")
        return candidate

    def country_of(self, entry: Named) -> str | None:
        if entry.kind == FACULTY and entry.parent in self.entries:
            return self.entries[entry.parent].country
        return entry.country

    def _difference(self, entry: Named, matched: str) -> str:
        """Why a partial overlap is another institution, in words a person checks quickly."""
        what = {FACULTY: f"a faculty of {entry.parent}",
                "university-system": "a university system, not one of its campuses"}
        if entry.kind == FACULTY:
            prefix = what[FACULTY] + "; "
        elif entry.category == "university-system":
            prefix = what["university-system"] + "; "
        elif entry.part_of:
            prefix = f"one campus of the system {entry.part_of}; "
        else:
            prefix = ""
        return prefix + f"its name {matched!r} differs in words, not just in spelling or order"


def _refused(candidate: Candidate, why: str, penalty: float = 0.0) -> Candidate:
    return Candidate(candidate.id, candidate.label, round(max(candidate.score - penalty, 0), 3),
                     candidate.evidence, candidate.matched, why)


def _misspelt(words: tuple[str, ...], own: tuple[str, ...]) -> bool:
    """The same words up to a misspelling in at most MAX_MISSPELT of them; concepts and
    short words must be equal (one letter is all that tells "Wien" from "Bern")."""
    if len(words) != len(own):
        return False
    left, right = list(words), list(own)
    for word in words:
        if word in right:
            left.remove(word)
            right.remove(word)
    if len(left) > MAX_MISSPELT or any(is_concept(w) for w in left + right):
        return False
    for word in left:
        partner = next((w for w in right if close(word, w)), None)
        if partner is None:
            return False
        right.remove(partner)
    return True


def _without(words: tuple[str, ...], part: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` less every word of ``part``, when it has them all; else empty."""
    rest = list(words)
    for word in part:
        if word not in rest:
            return ()
        rest.remove(word)
    return tuple(rest) if rest != list(words) else ()


def _share(words: tuple[str, ...], own: tuple[str, ...]) -> float:
    left, right = set(words), set(own)
    return len(left & right) / len(left | right) if left | right else 0.0


def _acronym_like(text: str) -> bool:
    """"KTH", "UPC", "EP-USP", "UFSCar": one word of 2 to 10 letters, two capitals or more."""
    compact = text.strip()
    return (2 <= len(compact) <= 10 and " " not in compact
            and sum(char.isupper() for char in compact) >= 2)


def _deletions(word: str) -> set[str]:
    """A word's deletions, for words long enough to be misspelt (``close``)."""
    return deletions(word) if len(word) >= 5 else set()
