"""Stream the records of a ROR data dump in the v2 schema (.json, .json.gz or ROR's .zip).

A dump is one JSON array; ijson walks it one record at a time, so memory stays the size of
one record whatever the dump's size (the full registry is about 120,000 records).
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import ijson

from graph.errors import BuildError

ROR_PREFIX = "https://ror.org/"


@dataclass(frozen=True)
class RorName:
    """One of a record's names; ``types`` among ror_display, label, alias, acronym."""

    value: str
    types: tuple[str, ...]
    lang: str | None


@dataclass(frozen=True)
class RorRecord:
    """The parts of a ROR v2 record the linker compares and cites; ``raw`` is the record as read."""

    id: str
    display_name: str
    names: tuple[RorName, ...]
    countries: tuple[str, ...]
    domains: tuple[str, ...]
    status: str
    types: tuple[str, ...]
    wikidata: tuple[str, ...]
    wikidata_preferred: str | None
    parents: tuple[str, ...]
    raw: dict

    @property
    def website(self) -> str | None:
        """The record's first website link, as ROR gives it."""
        links = self.raw.get("links") or ()
        return next((link["value"] for link in links if link["type"] == "website"), None)

    @property
    def short_id(self) -> str:
        """The id without its https://ror.org/ prefix, as the Open Syllabus crosswalk writes it."""
        return self.id.removeprefix(ROR_PREFIX)


def host_of(address: str) -> str:
    """The web host of a URL or bare domain, lower case, without "www." or a port."""
    text = address.strip().lower()
    host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    return host.removeprefix("www.")


def record_from_json(raw: dict) -> RorRecord:
    """Read one dump record; raises BuildError for a record in the older v1 schema."""
    if "names" not in raw:
        raise BuildError(f"record {raw.get('id')} is not in the ROR v2 schema (no 'names')")
    names = tuple(RorName(n["value"], tuple(n.get("types") or ()), n.get("lang"))
                  for n in raw["names"])
    display = next((n.value for n in names if "ror_display" in n.types), names[0].value)
    wikidata = next((e for e in raw.get("external_ids") or () if e["type"] == "wikidata"), {})
    websites = [link["value"] for link in raw.get("links") or () if link["type"] == "website"]
    domains = dict.fromkeys(host_of(d) for d in [*(raw.get("domains") or ()), *websites])
    return RorRecord(
        id=raw["id"],
        display_name=display,
        names=names,
        countries=tuple(loc["geonames_details"]["country_code"]
                        for loc in raw.get("locations") or ()),
        domains=tuple(d for d in domains if d),
        status=raw.get("status", ""),
        types=tuple(raw.get("types") or ()),
        wikidata=tuple(wikidata.get("all") or ()),
        wikidata_preferred=wikidata.get("preferred"),
        parents=tuple(r["id"] for r in raw.get("relationships") or () if r["type"] == "parent"),
        raw=raw,
    )


def read_records(dump_path: Path) -> Iterator[RorRecord]:
    """Every record of a dump, in file order, one at a time."""
    with open_dump(dump_path) as stream:
        try:
            for raw in ijson.items(stream, "item", use_float=True):
                yield record_from_json(raw)
        except ijson.JSONError as error:
            raise BuildError(f"not a ROR JSON dump: {error}", dump_path) from error


@contextmanager
def open_dump(dump_path: Path) -> Iterator[BinaryIO]:
    """A binary stream of the dump's JSON, whichever of the three packagings it comes in."""
    if not dump_path.is_file():
        raise BuildError("no such ROR dump", dump_path)
    if dump_path.suffix == ".zip":
        with zipfile.ZipFile(dump_path) as archive, archive.open(_json_member(archive)) as s:
            yield s
    elif dump_path.suffix == ".gz":
        with gzip.open(dump_path, "rb") as stream:
            yield stream
    else:
        with dump_path.open("rb") as stream:
            yield stream


def _json_member(archive: zipfile.ZipFile) -> str:
    """The v2 JSON file of a ROR release zip (which may also hold a v1 file and CSVs)."""
    members = [name for name in archive.namelist()
               if name.endswith(".json") and "schema_v1" not in name]
    v2_members = [name for name in members if "schema_v2" in name]
    for choice in (v2_members, members):
        if len(choice) == 1:
            return choice[0]
    raise BuildError(f"cannot tell which JSON file is the v2 dump among {members}",
                     archive.filename)
