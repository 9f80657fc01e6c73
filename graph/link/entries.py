"""The registry entries the linker compares with identifier records.

Reads ``[[institution]]`` and ``[[faculty]]`` tables of the curated registry
(``seeds/registry.toml``), and the new institutions a build found in its documents (the
``new_entities`` of its report: names the resolver could not place, ``unregistered-...``).
A faculty is compared in its parent's country; its identifiers are its own only when a
record for the faculty itself exists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import BuildError
from graph.link.ror import host_of
from graph.resolve import NEW_PREFIX
from graph.tomlfile import read_toml

INSTITUTION = "institution"
FACULTY = "faculty"
# A ROR record named as evidence in an entry's identifiers_from or unresolved text.
ROR_RECORD_CITED = re.compile(r"https://ror\.org/0[a-z0-9]{8}")


@dataclass(frozen=True)
class Entry:
    """One registry entry as the linker sees it; ``names`` holds the label first, then aliases."""

    kind: str
    id: str
    label: str
    country: str | None
    names: tuple[str, ...]
    acronyms: tuple[str, ...]
    domains: tuple[str, ...]
    parent: str | None = None
    parent_ror: str | None = None
    ror: str | None = None
    wikidata: str | None = None
    unresolved: str | None = None
    evidence: tuple[str, ...] = ()  # other ROR records its identifiers_from or unresolved cite

    @property
    def needs_link(self) -> bool:
        """Still lacking a ROR ID or a QID, and not already judged unresolvable."""
        return (self.ror is None or self.wikidata is None) and self.unresolved is None


def read_entries(registry_path: Path) -> list[Entry]:
    """Institutions then faculties, in file order."""
    registry = read_toml(registry_path, "registry")
    for table in registry.get(INSTITUTION, []) + registry.get(FACULTY, []):
        if not (isinstance(table.get("id"), str) and isinstance(table.get("label"), str)):
            raise BuildError(f"an entry without an id or a label: {table}", registry_path)
    institutions = [_institution(table) for table in registry.get(INSTITUTION, [])]
    by_id = {entry.id: entry for entry in institutions}
    faculties = [_faculty(table, by_id, registry_path) for table in registry.get(FACULTY, [])]
    return institutions + faculties


def _common(table: dict) -> dict:
    """The fields institutions and faculties share, as Entry keyword arguments."""
    return {
        "id": table["id"],
        "label": table["label"],
        "names": (table["label"], *table.get("aliases", ())),
        "acronyms": tuple(table.get("acronyms", ())),
        "domains": tuple(dict.fromkeys(host_of(d) for d in table.get("domains", ()))),
        "ror": table.get("ror"),
        "wikidata": table.get("wikidata"),
        "unresolved": table.get("unresolved"),
        "evidence": tuple(dict.fromkeys(
            ROR_RECORD_CITED.findall(f"{table.get('identifiers_from', '')} "
                                     f"{table.get('unresolved', '')}"))),
    }


def _institution(table: dict) -> Entry:
    country = table.get("country")
    return Entry(kind=INSTITUTION, country=country.upper() if country else None,
                 parent=table.get("part_of"), **_common(table))


def _faculty(table: dict, institutions: dict[str, Entry], registry_path: Path) -> Entry:
    parent = institutions.get(table.get("parent", ""))
    if parent is None:
        raise BuildError(f"faculty {table['id']} names an unknown parent {table.get('parent')}",
                         registry_path)
    return Entry(kind=FACULTY, country=parent.country, parent=parent.id,
                 parent_ror=parent.ror, **_common(table))




def read_new_names(report_path: Path) -> list[Entry]:
    """The new institutions of a build report (``passerelle build --report``), as entries."""
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        found = report["new_entities"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"cannot read the new entities of a build report: {error}",
                         report_path) from error
    return [Entry(kind=INSTITUTION, id=e["id"], label=e["label"], country=e.get("country"),
                  names=(e["label"],), acronyms=(), domains=())
            for e in found if e.get("kind") == INSTITUTION and e["id"].startswith(NEW_PREFIX)]
