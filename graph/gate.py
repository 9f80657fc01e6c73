"""Whether a build may replace the published one: never with less, or with damage, unless told.

Three checks, made once the build is assembled and before anything is written, and reported
together so that one refusal says everything that is wrong:

- pins (graph/pins.py): a document not as last accepted is refused until `--accept ID`;
- errors in the report (a line not valid UTF-8, a row that cannot be read) are refused
  until `--keep-going`;
- agreements the published build has and this one would drop are refused until
  `--allow-shrink` (graph/diff.py says which).

What was accepted or forced is returned, for the build history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph import pins
from graph.diff import Agreement, AgreementDiff, compare
from graph.errors import BuildError
from graph.manifest import Pin, Source
from graph.records import LineOutcome
from graph.report import BuildReport

LISTED = 20  # errors or documents named in a refusal; the report has them all


@dataclass(frozen=True)
class Allow:
    """What the operator told this build to publish anyway."""

    accept: frozenset[str] = frozenset()  # source ids, or pins.ALL
    keep_going: bool = False
    allow_shrink: bool = False


NOTHING = Allow()  # the default: publish only what is pinned, whole and no smaller


class Refused(BuildError):
    """The build is sound but would publish a change nobody accepted."""

    def __init__(self, message: str, report: BuildReport):
        super().__init__(message)
        self.report = report  # so that the refused build's report can still be read


@dataclass
class Verdict:
    accepted: list[pins.Change] = field(default_factory=list)  # pins to write once published
    diff: AgreementDiff | None = None  # None: nothing published to compare with
    forced: dict[str, int] = field(default_factory=dict)  # --keep-going: errors, ...

    def summary(self) -> list[str]:
        """What the terminal says after the build summary: what changed, what was let in."""
        lines = [self.diff.lines()[0]] if self.diff else []
        lines += [f"accepted (pin rewritten): {change.describe()}"
                  for change in self.accepted[:LISTED]]
        if len(self.accepted) > LISTED:  # a generated folder: thousands of new documents
            lines.append(f"accepted (pins rewritten): {len(self.accepted) - LISTED} more")
        if "keep_going_errors" in self.forced:
            lines.append(f"published with {self.forced['keep_going_errors']} error(s) in the "
                         "report (--keep-going)")
        if "allow_shrink_lost" in self.forced:
            lines.append(f"published without {self.forced['allow_shrink_lost']} agreement(s) "
                         "of the previous build (--allow-shrink)")
        return lines

    def history(self) -> dict:
        """What this build's history entry says about the decisions taken."""
        return {"accepted": [change.to_dict() for change in self.accepted],
                "forced": self.forced}


def judge(sources: list[Source], manifest: Path, report: BuildReport,
          built: list[Agreement], published: list[Agreement] | None, allow: Allow,
          read: dict[str, Pin] | None = None) -> Verdict:
    """The verdict on a build; Refused, naming every reason, when it may not be published.
    `read`: the documents' pins as the build read them (else they are read now)."""
    pins.check_accepted(allow.accept, sources, manifest)
    changes = pins.changes(sources, read)
    refused = [c for c in changes if not pins.is_accepted(c, allow.accept)]
    errors = report.of_outcome("error")
    diff = None if published is None else compare(published, built)
    lost = len(diff.removed) if diff else 0
    reasons = []
    if refused:
        reasons.append(_documents(refused, manifest))
    if errors and not allow.keep_going:
        reasons.append(_errors(errors))
    if lost and not allow.allow_shrink:
        reasons.append(f"it would lose {lost} of the {diff.published} published agreements "
                       "(`passerelle diff` lists them): --allow-shrink to publish it anyway")
    if reasons:
        raise Refused("\n".join(reasons), report)
    forced = {"keep_going_errors": len(errors), "allow_shrink_lost": lost}
    return Verdict([c for c in changes if c not in refused], diff,
                   {name: count for name, count in forced.items() if count})


def _documents(refused: list[pins.Change], manifest: Path) -> str:
    lines = [f"{len(refused)} document(s) not as pinned in {manifest}:"]
    lines += [f"  {change.describe()}" for change in refused[:LISTED]]
    if len(refused) > LISTED:
        lines.append(f"  ... and {len(refused) - LISTED} more")
    lines.append("  check them (`passerelle diff` shows what they change), then accept them "
                 "with --accept ID (repeatable) or --accept all")
    return "\n".join(lines)


def _errors(errors: list[LineOutcome]) -> str:
    lines = [f"the report has {len(errors)} error(s): --keep-going to publish anyway"]
    lines += [f"  {e.source_id}:{e.line}: {e.detail}" for e in errors[:LISTED]]
    if len(errors) > LISTED:
        lines.append(f"  ... and {len(errors) - LISTED} more (--report FILE lists them all)")
    return "\n".join(lines)
