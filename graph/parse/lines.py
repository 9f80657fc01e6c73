"""Reading a document as numbered lines, keeping every line accountable."""

from __future__ import annotations

from pathlib import Path

from graph.errors import BuildError
from graph.records import Origin, ParsedDocument


def read_lines(path: Path, source_id: str) -> tuple[list[Origin], list[Origin]]:
    """Return (good lines, undecodable lines) of a UTF-8 document, numbered from 1.

    A line that is not valid UTF-8 is returned in the second list, its text shown with
    replacement characters, so that the parser reports it and keeps the rest. A document
    that cannot be opened, or is empty, raises BuildError: there is nothing to build from.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read document: {exc.strerror}", path) from exc
    if not data.strip():
        raise BuildError("document is empty", path)
    good, bad = [], []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        try:
            good.append(Origin(source_id, number, raw.decode("utf-8")))
        except UnicodeDecodeError:
            bad.append(Origin(source_id, number, raw.decode("utf-8", errors="replace")))
    if good and good[-1].text == "" and data.endswith(b"\n"):
        good.pop()  # the newline that ends the last line opens no new line
    return good, bad


def open_document(path: Path, source_id: str) -> tuple[ParsedDocument, list[Origin]]:
    """A fresh ParsedDocument with the undecodable lines already reported, and the good lines."""
    good, bad = read_lines(path, source_id)
    document = ParsedDocument(source_id)
    for origin in bad:
        document.account(origin, "error", f"line is not valid UTF-8: {origin.text!r}")
    return document, good
