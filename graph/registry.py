"""The curated registry (seeds/registry.toml, seeds/networks.toml): canonical entities.

Every institution and faculty the documents name has one entry here, with all the spellings
the documents use. The resolver looks names up in the indexes built below; nothing here
decides what a name means.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.errors import BuildError
from graph.tomlfile import read_toml
from passerelle.matching import Named, NameIndex
from passerelle.normalise import name_key, normalise_name

INSTITUTION = "institution"
FACULTY = "faculty"
INDEXES = ("alias", "key", "acronym", "domain")


@dataclass(frozen=True)
class Entity:
    """An institution or a faculty of the registry."""

    id: str
    kind: str  # INSTITUTION or FACULTY
    label: str
    country: str | None = None  # institutions only; a faculty has its parent's
    parent: str | None = None  # faculties only
    category: str | None = None  # university, school, research-institute...
    domains: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    part_of: str | None = None
    note: str | None = None
    ror: str | None = None
    wikidata: str | None = None
    website: str | None = None
    identifiers_from: str | None = None
    unresolved: str | None = None


@dataclass(frozen=True)
class Network:
    id: str
    label: str
    kind: str
    full_name: str | None = None
    run_by: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None


@dataclass
class Registry:
    entities: dict[str, Entity]
    networks: dict[str, Network]
    by_alias: dict[str, list[str]] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=dict)
    by_acronym: dict[str, list[str]] = field(default_factory=dict)
    by_domain: dict[str, list[str]] = field(default_factory=dict)
    # The same four indexes restricted to the faculties of one institution, keyed by
    # (index, institution, key): a nested bullet's name ("Faculty of Engineering", which
    # thousands of faculties share at scale) is looked up among its parent's faculties
    # without going through everyone else's.
    units: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    # ROR ID -> (names, acronyms) of its record in every language (seeds/identifiers/), for
    # the names the registry itself does not list.
    ror_names: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    schools: set[str] = field(default_factory=set)  # ids of the publishers of sources
    _names: NameIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        indexes = {name: defaultdict(list) for name in INDEXES}
        units = defaultdict(list)
        for entity in self.entities.values():
            keys = {"alias": {normalise_name(n) for n in {entity.label, *entity.aliases}},
                    "key": {name_key(n) for n in {entity.label, *entity.aliases}},
                    "acronym": {normalise_name(short) for short in entity.acronyms},
                    "domain": {host.lower() for host in entity.domains}}
            for name, values in keys.items():  # sets: each entity comes once under a key
                for value in sorted(values - {""}):
                    indexes[name][value].append(entity.id)
                    if entity.kind == FACULTY:
                        units[name, entity.parent, value].append(entity.id)
        self.by_alias, self.by_key, self.by_acronym, self.by_domain = (
            dict(indexes[name]) for name in INDEXES)
        self.units = dict(units)

    def lookup(self, index: str, keys: list[str], within: str | None = None) -> list[str]:
        """The ids under any of the keys in one index ("alias", "key", "acronym",
        "domain"), in index order; only the faculties of ``within`` when it is given."""
        if within is not None:
            found = (self.units.get((index, within, key), ()) for key in keys)
        else:
            table = {"alias": self.by_alias, "key": self.by_key, "acronym": self.by_acronym,
                     "domain": self.by_domain}[index]
            found = (table.get(key, ()) for key in keys)
        return list(dict.fromkeys(i for ids in found for i in ids))

    def institution_of(self, entity_id: str) -> Entity:
        entity = self.entities[entity_id]
        return self.entities[entity.parent] if entity.kind == FACULTY else entity

    def country_of(self, entity_id: str) -> str | None:
        return self.institution_of(entity_id).country

    def faculties_of(self, institution_id: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.parent == institution_id]

    def named(self) -> list[Named]:
        """Every entity as the name matcher (passerelle/matching.py) sees it: the registry's
        names and acronyms, and those of its ROR record."""
        named = []
        for entity in self.entities.values():
            ror_names, ror_acronyms = self.ror_names.get(record_of(entity), ((), ()))
            named.append(Named(
                id=entity.id, kind=entity.kind, label=entity.label, country=entity.country,
                names=tuple(dict.fromkeys((entity.label, *entity.aliases, *ror_names))),
                acronyms=tuple(dict.fromkeys((*entity.acronyms, *ror_acronyms))),
                parent=entity.parent, part_of=entity.part_of, category=entity.category,
                ror=entity.ror, wikidata=entity.wikidata, school=entity.id in self.schools))
        return named

    def names(self) -> NameIndex:
        """The name matcher over the registry, built on first use."""
        if self._names is None:
            self._names = NameIndex.of(self.named())
        return self._names

    def with_entities(self, added: list[Entity], schools: set[str]) -> Registry:
        """A registry with more entities (the new publishers of sources) and its schools."""
        entities = {**self.entities, **{entity.id: entity for entity in added}}
        return replace(self, entities=entities, schools=set(schools), _names=None)


def load_registry(seeds_dir: Path) -> Registry:
    """Read registry.toml and networks.toml; refuse dangling references and duplicate ids."""
    path = seeds_dir / "registry.toml"
    data = read_toml(path, "registry")
    entities: dict[str, Entity] = {}
    for kind, table in ((INSTITUTION, "institution"), (FACULTY, "faculty")):
        for entry in data.get(table, []):
            entity = _entity(entry, kind, path)
            if entity.id in entities:
                raise BuildError(f"registry id {entity.id!r} is used twice", path)
            entities[entity.id] = entity
    for entity in entities.values():
        for ref in (entity.parent, entity.part_of):
            if ref is not None and entities.get(ref, Entity("", FACULTY, "")).kind != INSTITUTION:
                raise BuildError(f"{entity.id!r} refers to {ref!r}, which is no institution", path)
    networks_path = seeds_dir / "networks.toml"
    networks = {}
    for entry in read_toml(networks_path, "networks list").get("network", []):
        try:
            network = Network(**{**entry, "aliases": tuple(entry.get("aliases", ()))})
        except TypeError as exc:
            raise BuildError(f"network {entry.get('id')!r}: {exc}", networks_path) from exc
        networks[network.id] = network
    return Registry(entities, networks, ror_names=read_ror_names(seeds_dir / ROR_RECORDS))


ROR_RECORDS = Path("identifiers") / "ror-records.json"
CITED_RECORD = re.compile(r"\bROR record (https://ror\.org/\w+)")


def record_of(entity: Entity) -> str:
    """The ROR record whose names are the entity's: its own ROR ID, or else the record its
    identifiers were taken from (an inactive record it no longer carries: FER Zagreb's)."""
    cited = CITED_RECORD.search(entity.identifiers_from or "")
    return entity.ror or (cited[1] if cited else "")


def read_ror_names(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """ROR ID -> (labels and aliases, acronyms) of each record of a ROR v2 JSON array; empty
    when the seeds ship no records."""
    if not path.is_file():
        return {}
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        return {record["id"]: (
            tuple(n["value"] for n in record["names"] if "acronym" not in n.get("types", ())),
            tuple(n["value"] for n in record["names"] if "acronym" in n.get("types", ())))
            for record in records}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(f"cannot read the ROR records: {exc}", path) from exc


def _entity(entry: dict, kind: str, path: Path) -> Entity:
    fields = dict(entry)
    fields["category"] = fields.pop("kind", None)
    for plural in ("domains", "aliases", "acronyms"):
        fields[plural] = tuple(fields.get(plural, ()))
    try:
        entity = Entity(kind=kind, **fields)
    except TypeError as exc:
        raise BuildError(f"{kind} {entry.get('id')!r}: {exc}", path) from exc
    if kind == INSTITUTION and not entity.country:
        raise BuildError(f"institution {entity.id!r} has no country", path)
    if kind == FACULTY and not entity.parent:
        raise BuildError(f"faculty {entity.id!r} has no parent", path)
    return entity
