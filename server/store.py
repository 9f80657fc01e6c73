"""The store the server answers from: read-only for the public, read-write for an admin.

A build writes a new build directory and swaps the store link only once it is complete
(`passerelle.builddir`), so a read-only server follows the link (`LinkFollower`): on each
request it reads the link (one system call), and when it points somewhere new, opens that
build and answers from it. A request reads the link once and keeps that build to its end
(`current_store`); a failed build never moves the link, so the server keeps serving the last
good one.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app, g

from passerelle.builddir import StoreLink
from passerelle.store import OpenStore, open_build

log = logging.getLogger(__name__)


class LinkFollower:
    """A read-only server's store link, and the target it last opened."""

    def __init__(self, path: Path):
        self.link = StoreLink(path)
        self.target = self.link.target()
        self._lock = threading.Lock()

    def follow(self, extensions: dict) -> None:
        """When the link has moved, open its new target as ``extensions["passerelle"]``.

        A target that cannot be opened is logged and skipped: the server keeps answering
        from the build it has until the link moves again.
        """
        target = self.link.target()
        if target == self.target or target is None:
            return
        with self._lock:
            if target == self.target:
                return  # another thread has just opened it
            build = self.link.pinned()
            try:
                extensions["passerelle"] = open_build(build)
            except OSError as exc:
                log.warning("store link %s moved to %s, which cannot be opened (%s); "
                            "still serving %s", self.link.path, build.path, exc,
                            extensions["passerelle"].directory)
            self.target = target


def current_store() -> OpenStore:
    """The build the current request answers from: the newest published one when the request
    first asks, and that same one for the rest of the request (its ETag, its queries and its
    page all come from one build, even if another is published meanwhile)."""
    if "passerelle_store" not in g:
        extensions = current_app.extensions
        link = extensions.get("passerelle-link")
        if link is not None:
            link.follow(extensions)
        g.passerelle_store = extensions["passerelle"]
    return g.passerelle_store
