"""The build history: each published build, what it held, and what someone accepted or
forced to publish it. Each build's metadata carries the history of the builds before it, so
it outlives the build directories that are pruned.

An entry names the documents whose pins changed (from which SHA-256 and line count to which);
the full list of every document's pin is the build's own metadata ("sources"): with
thousands of documents, repeating it in every entry would make the history the largest
thing a build writes.
"""

from __future__ import annotations

import getpass
import os

from graph.gate import Verdict

KEPT = 200  # entries; the oldest go first


def extended(previous: dict | None, metadata: dict, verdict: Verdict) -> list[dict]:
    """The published build's history, with this build's entry added last."""
    earlier = list((previous or {}).get("history", []))
    if previous and not earlier:  # published before builds kept a history
        earlier = [{"build_id": previous.get("build_id"), "built_at": previous.get("built_at"),
                    "documents": len(previous.get("sources", [])),
                    "agreements": previous.get("agreements")}]
    return [*earlier, entry(metadata, verdict)][-KEPT:]


def entry(metadata: dict, verdict: Verdict) -> dict:
    diff = verdict.diff
    return {
        "build_id": metadata["build_id"],
        "built_at": metadata["built_at"],
        "by": _who(),
        "documents": len(metadata["sources"]),
        "agreements": metadata["agreements"],
        "agreements_added": len(diff.added) if diff else None,
        "agreements_removed": len(diff.removed) if diff else None,
        "agreements_changed": len(diff.changed) if diff else None,
        **verdict.history(),
    }


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, no passwd entry (a container)
        return f"uid {os.getuid()}"
