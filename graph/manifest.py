"""The sources manifest (seeds/sources.toml): which documents to read, whose they are, how."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import BuildError
from graph.tomlfile import line_of, read_toml


@dataclass(frozen=True)
class UnidentifiedPublisher:
    """The school behind a document that does not name it."""

    id: str
    label: str
    note: str


@dataclass(frozen=True)
class NewPublisher:
    """A school that publishes a source but is not in the registry yet, declared by the
    source's own entry ([source.new_publisher]): the build adds it as an institution."""

    label: str
    country: str
    website: str | None = None


@dataclass(frozen=True)
class Pin:
    """A document as it was last accepted: its SHA-256 and its number of lines."""

    sha256: str
    lines: int


@dataclass(frozen=True)
class Source:
    id: str
    path: Path
    title: str
    parser: str
    language: str
    publisher: str | None = None
    unidentified_publisher: UnidentifiedPublisher | None = None
    new_publisher: NewPublisher | None = None
    url: str | None = None
    url_evidence: str | None = None
    retrieved: str | None = None
    pin: Pin | None = None  # None: a new entry, never accepted yet

    @property
    def school(self) -> str:
        """Registry id of the school the document speaks for (or its stand-in)."""
        return self.publisher or self.unidentified_publisher.id

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def load_manifest(seeds_dir: Path, parsers: set[str]) -> list[Source]:
    """Read seeds_dir/sources.toml; every entry must name an existing file and a known parser."""
    path = seeds_dir / "sources.toml"
    data = read_toml(path, "sources manifest")
    sources = [_source(entry, seeds_dir, path, parsers) for entry in data.get("source", [])]
    if not sources:
        raise BuildError("the manifest lists no [[source]]", path)
    ids = [s.id for s in sources]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise BuildError(f"source ids listed twice: {', '.join(duplicated)}", path)
    return sources


def _source(entry: dict, seeds_dir: Path, manifest: Path, parsers: set[str]) -> Source:
    name = entry.get("id", "?")
    for key in ("id", "file", "title", "parser", "language"):
        if key not in entry:
            raise BuildError(f"source {name!r} has no {key!r}", manifest)
    if entry["parser"] not in parsers:
        raise BuildError(f"source {name!r} names unknown parser {entry['parser']!r} "
                         f"(known: {', '.join(sorted(parsers))})", manifest)
    document = seeds_dir / entry["file"]
    if not document.is_file():
        raise BuildError(f"source {name!r}: document not found", document)
    stand_in = entry.get("unidentified_publisher")
    new_publisher = _new_publisher(entry, manifest)
    if bool(entry.get("publisher")) == bool(stand_in):
        raise BuildError(f"source {name!r} needs either a publisher or an "
                         "[source.unidentified_publisher] table, not both", manifest)
    return Source(
        id=entry["id"], path=document, title=entry["title"], parser=entry["parser"],
        language=entry["language"], publisher=entry.get("publisher"),
        unidentified_publisher=UnidentifiedPublisher(**stand_in) if stand_in else None,
        new_publisher=new_publisher,
        url=entry.get("url"), url_evidence=entry.get("url_evidence"),
        retrieved=entry.get("retrieved"), pin=_pin(entry, manifest),
    )


def _new_publisher(entry: dict, manifest: Path) -> NewPublisher | None:
    declared = entry.get("new_publisher")
    if declared is None:
        return None
    name = entry["id"]
    if not entry.get("publisher"):
        raise BuildError(f"source {name!r}: [source.new_publisher] declares the school that "
                         "'publisher' names; give it a publisher id", manifest)
    unknown = set(declared) - {"label", "country", "website"}
    missing = {"label", "country"} - set(declared)
    if unknown or missing:
        raise BuildError(f"source {name!r}: [source.new_publisher] takes label, country and "
                         f"website (missing: {', '.join(sorted(missing)) or 'none'}; unknown: "
                         f"{', '.join(sorted(unknown)) or 'none'})", manifest)
    country = str(declared["country"])
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise BuildError(f"source {name!r}: [source.new_publisher] country {country!r} is not "
                         "an ISO 3166-1 alpha-2 code", manifest)
    return NewPublisher(str(declared["label"]), country, declared.get("website"))


SHA256 = re.compile(r"[0-9a-f]{64}")


def _pin(entry: dict, manifest: Path) -> Pin | None:
    """The entry's sha256 and lines, both or neither; the line of a wrong value is named."""
    sha256, lines = entry.get("sha256"), entry.get("lines")
    if sha256 is None and lines is None:
        return None
    name = entry["id"]
    if not (isinstance(sha256, str) and SHA256.fullmatch(sha256)):
        raise BuildError(f"source {name!r}: sha256 must be 64 lowercase hexadecimal digits, "
                         f"not {sha256!r}", manifest, line_of(manifest, "sha256", sha256))
    if not (type(lines) is int and lines > 0):
        raise BuildError(f"source {name!r}: lines must be a whole number above 0, not "
                         f"{lines!r}", manifest, line_of(manifest, "lines", lines))
    return Pin(sha256, lines)
