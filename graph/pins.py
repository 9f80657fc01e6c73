"""Pins: a document is published only as it was when someone last accepted it.

Each [[source]] of seeds/sources.toml records its document's SHA-256 and line count. A build
compares them with the document on disk: a document cut short, damaged or replaced (or a new
entry with no pin yet) is refused until it is accepted (`passerelle build --accept ID`, or
`--accept all` for a freshly generated folder), and the accepted pins are written back into
the manifest, comments and layout kept, once the build is published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from graph.errors import BuildError
from graph.manifest import Pin, Source

ALL = "all"  # --accept all: every changed and new document


def pin_of(path: Path) -> Pin:
    data = path.read_bytes()
    return Pin(hashlib.sha256(data).hexdigest(), count_lines(data))


def count_lines(data: bytes) -> int:
    """Lines as the parsers number them: a final newline ends the last line, opens none."""
    if not data:
        return 0
    return data.count(b"\n") + (not data.endswith(b"\n"))


@dataclass(frozen=True)
class Change:
    """A document that is not as its pin says (pinned None: a new entry)."""

    source: Source
    found: Pin

    @property
    def pinned(self) -> Pin | None:
        return self.source.pin

    def describe(self) -> str:
        where, found = f"{self.source.id} ({self.source.path.name})", self.found
        if self.pinned is None:
            return f"{where}: new, no pin yet ({found.lines} lines, sha256 {found.sha256[:12]})"
        pinned = self.pinned
        lines = (f"{pinned.lines} -> {found.lines} lines" if pinned.lines != found.lines
                 else f"same {found.lines} lines")
        return f"{where}: changed, {lines}, sha256 {pinned.sha256[:12]} -> {found.sha256[:12]}"

    def to_dict(self) -> dict:
        """For the build history: which document, from which pin to which."""
        pinned = self.pinned
        return {"id": self.source.id, "file": self.source.path.name,
                "was": None if pinned is None else {"sha256": pinned.sha256,
                                                     "lines": pinned.lines},
                "now": {"sha256": self.found.sha256, "lines": self.found.lines}}


def changes(sources: Iterable[Source], read: dict[str, Pin] | None = None) -> list[Change]:
    """The documents whose bytes (as `read` before the build parsed them, else as they are
    now) are not the ones pinned, in manifest order."""
    found = [(source, read[source.id] if read else pin_of(source.path)) for source in sources]
    return [Change(source, pin) for source, pin in found if pin != source.pin]


def check_unchanged(sources: Iterable[Source], read: dict[str, Pin]) -> None:
    """Refuse a document that changed while the build read it: what was parsed would be
    published under the pin of other bytes."""
    for source in sources:
        if pin_of(source.path) != read[source.id]:
            raise BuildError("the document changed while the build read it: build again",
                             source.path)


def check_accepted(accept: Iterable[str], sources: Iterable[Source], manifest: Path) -> None:
    """--accept names source ids (or `all`): a name that is none is a typo, refused."""
    known = {source.id for source in sources}
    unknown = sorted(set(accept) - known - {ALL})
    if unknown:
        raise BuildError(f"--accept names {', '.join(map(repr, unknown))}, which the manifest "
                         "does not list (give a source id, or all)", manifest)


def is_accepted(change: Change, accept: Iterable[str]) -> bool:
    accept = set(accept)
    return ALL in accept or change.source.id in accept


def write_pins(manifest: Path, accepted: list[Change]) -> None:
    """Write the accepted documents' pins into the manifest, keeping its comments."""
    if not accepted:
        return
    document = tomlkit.parse(manifest.read_text(encoding="utf-8"))
    tables = {str(table["id"]): table for table in document.get("source", [])}
    for change in accepted:
        table = tables[change.source.id]
        table["sha256"] = change.found.sha256
        table["lines"] = change.found.lines
    manifest.write_text(tomlkit.dumps(document), encoding="utf-8")
