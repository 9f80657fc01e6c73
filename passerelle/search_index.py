"""The search index of one build: every entity a researcher may look up by name.

Names are the labels, alternative labels, acronyms and full names the graph holds, and the
identifiers a researcher may paste: a Wikidata QID (``Q157808``, or its entity IRI), a ROR ID
(``02kkvpp62``, or ``https://ror.org/02kkvpp62``), a country's ISO code. Matching ignores
accents, case and punctuation ("ecole polytechnique" finds "École polytechnique").

Ranking, best first: the whole name equals the query; a name starts with it; every word of
the query starts a word of the name; the query is inside a name. Within a rank, the entity's
own label beats an alias, then schools come before institutions, networks, countries and
faculties, then the shorter name, then alphabetical order.

The build reads the index from the store it has just written (`Index.read`, by triple
patterns) and saves it beside it as ``search.json`` (`SEARCH_FILE`): a server loads that in a
fraction of the time (a tenth of a second at 100x, against a second to read the store), and
reads the store itself only when it has no file (a remote store, an older build).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from passerelle.vocabulary import ID, PAS, RDF_TYPE, RDFS, SKOS

SEARCH_FILE = "search.json"

RDFS_LABEL = RDFS + "label"
WIKIDATA = "http://www.wikidata.org/entity/"
ROR = "https://ror.org/"

# Classes, most specific first: a school is also an institution, and is shown as a school.
KINDS = {PAS + "School": "school", PAS + "Institution": "institution",
         PAS + "Network": "network", PAS + "Country": "country", PAS + "Faculty": "faculty"}
KIND_ORDER = ("school", "institution", "network", "country", "faculty")
DEFAULT_LIMIT = 20  # results a search gives unless asked for another number

# The properties an entity is found by (names and identifiers), and those that say what it
# belongs to (CONTEXT).
NAMES = (RDFS_LABEL, SKOS + "altLabel", SKOS + "prefLabel", PAS + "acronym",
         "https://schema.org/alternateName", PAS + "fullName", PAS + "isoCode", PAS + "rorId",
         "http://www.w3.org/2002/07/owl#sameAs", PAS + "country", PAS + "facultyOf")
# Properties whose value is another entity: what the result says the entity belongs to.
CONTEXT = {PAS + "country", PAS + "facultyOf"}


def fold(text: str) -> str:
    """Text as search compares it: no accents, case folded, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[\W_]+", bare.casefold())).strip()


def identifier_of(value: str) -> str:
    """The short form a researcher types for an identifier IRI: Q-number, ROR ID; else as is."""
    for prefix in (WIKIDATA, ROR, "https://www.wikidata.org/wiki/", "http://ror.org/"):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


@dataclass
class Entry:
    """One entity of the index: its label, kind, and every name it answers to (folded)."""

    iri: str
    kind: str
    label: str = ""
    names: dict[str, str] = field(default_factory=dict)  # folded -> as written
    context: str = ""  # IRI of its country, or of its faculty's institution
    folded_label: str = ""

    @property
    def key(self) -> str:
        """What canned-query parameters take: the id after the kind's folder, a country code."""
        local = self.iri.removeprefix(ID).split("/", 1)[-1]
        return local.upper() if self.kind == "country" else local


class Index:
    """Every searchable entity of one build, and a flat list of all their folded names."""

    def __init__(self, entries: dict[str, Entry]):
        self.entries = entries
        self.names = [(folded, written, entry) for entry in entries.values()
                      for folded, written in entry.names.items()]

    @classmethod
    def read(cls, store) -> Index:
        """Read by triple patterns, not one SPARQL join: a pattern is a range scan of the
        store's indexes, and the whole index comes in about a second at 100x."""
        entries: dict[str, Entry] = {}
        for klass, kind in KINDS.items():
            for quad in store.quads_for_pattern(None, NamedNode(RDF_TYPE), NamedNode(klass)):
                entry = entries.setdefault(quad.subject.value, Entry(quad.subject.value, kind))
                if KIND_ORDER.index(kind) < KIND_ORDER.index(entry.kind):
                    entry.kind = kind
        for prop in NAMES:
            for quad in store.quads_for_pattern(None, NamedNode(prop), None):
                entry = entries.get(quad.subject.value)
                if entry is None:
                    continue
                if prop in CONTEXT:
                    entry.context = quad.object.value
                    continue
                text = identifier_of(quad.object.value)
                if prop == RDFS_LABEL and not entry.label:
                    entry.label = text
                entry.names.setdefault(fold(text), text)
        for entry in entries.values():
            entry.label = entry.label or next(iter(entry.names.values()), entry.iri)
            entry.folded_label = fold(entry.label)
        return cls(entries)

    @classmethod
    def load(cls, path: Path) -> Index:
        """The index a build saved (`save`)."""
        return cls({e["iri"]: Entry(**e) for e in json.loads(path.read_text("utf-8"))})

    def save(self, path: Path) -> None:
        path.write_text(json.dumps([asdict(e) for e in self.entries.values()],
                                   ensure_ascii=False), "utf-8")

    def label(self, iri: str) -> str:
        entry = self.entries.get(iri)
        return entry.label if entry else ""

    def search(self, text: str, kind: str | None = None, limit: int = DEFAULT_LIMIT
               ) -> list[tuple[Entry, str]]:
        """The best entries for the text, with the name each matched by, best first."""
        query = fold(identifier_of(text.strip()))
        if not query:
            return []
        parts = query.split()
        # Every match has each word of the query inside the name: a cheap test first.
        best: dict[str, tuple] = {}
        for folded, written, entry in self.names:
            if parts[0] not in folded or not all(part in folded for part in parts[1:]):
                continue
            if kind and not (entry.kind == kind or (kind == "institution"
                                                    and entry.kind == "school")):
                continue
            rank = (score(query, folded), folded == entry.folded_label, -len(folded), written)
            if rank[0] > 0 and rank > best.get(entry.iri, (0,)):
                best[entry.iri] = rank
        ranked = sorted(best.items(), key=lambda item: (
            -item[1][0], not item[1][1], KIND_ORDER.index(self.entries[item[0]].kind),
            -item[1][2], self.entries[item[0]].folded_label))
        return [(self.entries[iri], rank[3]) for iri, rank in ranked[:limit]]


def score(query: str, name: str) -> int:
    """How well a folded query matches a folded name: 4 equal, 3 prefix, 2 every query word
    starts a word of the name, 1 inside, 0 not at all."""
    if name == query:
        return 4
    if name.startswith(query):
        return 3
    words = name.split()
    if all(any(w.startswith(part) for w in words) for part in query.split()):
        return 2
    return 1 if query in name else 0
