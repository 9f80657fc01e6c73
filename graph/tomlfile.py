"""Reading the seeds' TOML files: every failure names the file, the line and what is there.

tomllib wants text, so a byte that is not UTF-8 would surface as a bare UnicodeDecodeError
(no line, a traceback); its syntax errors give a line and column but not what the line says.
Every seeds/*.toml is read through here, so each reader says the same precise thing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from graph.errors import BuildError

TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
SHOWN = 120  # characters of the offending line quoted in a message


def read_toml(path: Path, what: str) -> dict:
    """The parsed file; BuildError naming path, line and offending text when it cannot be."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read the {what}: {exc.strerror}", path) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end]
        raise BuildError(f"the {what} is not valid UTF-8: byte {_hex(bad)} in the line "
                         f"{_shown(_line_bytes(data, line))}", path, line) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = TOML_POSITION.search(str(exc))
        line = int(found.group(1)) if found else None
        message = TOML_POSITION.sub("", str(exc)).strip()
        if found:
            message += f", column {found.group(2)}"
            lines = text.split("\n")
            if line <= len(lines):
                message += f", in the line {_shown(lines[line - 1].encode('utf-8'))}"
        raise BuildError(f"the {what} is not valid TOML: {message}", path, line) from None


def line_of(path: Path, key: str, value: object) -> int | None:
    """The line that sets `key` to `value` (the first one), for a message about that value;
    None when it is not found as written (a value spelt another way, or a missing key)."""
    if value is None:
        return None
    written = f'"{value}"' if isinstance(value, str) else str(value).lower()
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=\s*{re.escape(written)}\s*(#.*)?")
    lines = path.read_text(encoding="utf-8").split("\n")
    return next((n for n, line in enumerate(lines, 1) if pattern.fullmatch(line)), None)


def _line_bytes(data: bytes, line: int) -> bytes:
    return data.split(b"\n")[line - 1].removesuffix(b"\r")


def _shown(raw: bytes) -> str:
    """The line as a reader can see it, between brackets: undecodable bytes as \\xff, cut
    to SHOWN characters."""
    shown = raw.decode("utf-8", errors="backslashreplace")
    return f"[{shown if len(shown) <= SHOWN else shown[:SHOWN] + '...'}]"


def _hex(raw: bytes) -> str:
    return "".join(f"\\x{byte:02x}" for byte in raw)
