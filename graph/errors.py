"""The build's one error type: library code raises it, the CLI turns it into a message."""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """The build cannot go on; the message names the file, line and value at fault."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line
