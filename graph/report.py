"""The build report: the fate of every line of every document, and a one-screen summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from graph.records import LineOutcome, ParsedDocument
from graph.resolve import Resolution

OUTCOMES = ("mapped", "skipped", "warning", "error")
SEVERITY = ("skipped", "mapped", "warning", "error")  # a line keeps the worst it was given


@dataclass
class DocumentSummary:
    source_id: str
    lines: int = 0
    rows: int = 0
    agreements: int = 0
    figures: int = 0
    programmes: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class BuildReport:
    documents: list[DocumentSummary] = field(default_factory=list)
    lines: list[LineOutcome] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)  # institutions, schools, ...
    # The entities the documents named that the registry lacks (id, kind, label, country,
    # parent, note), for `passerelle link --new-names` to propose identifiers for.
    new_entities: list[dict] = field(default_factory=list)

    def add_document(self, parsed: ParsedDocument, resolution: Resolution) -> None:
        merged = [_merge(line, resolution.notes.get(line.line)) for line in parsed.lines]
        merged.sort(key=lambda line: line.line)
        self.lines.extend(merged)
        self.new_entities.extend(
            {"id": e.id, "kind": e.kind, "label": e.label, "country": e.country,
             "parent": e.parent, "note": e.note} for e in resolution.new_entities.values())
        self.documents.append(DocumentSummary(
            source_id=parsed.source_id, lines=len(merged), rows=len(parsed.rows),
            agreements=len(resolution.agreements), figures=len(parsed.figures),
            programmes=len(parsed.programmes),
            outcomes=dict(Counter(line.outcome for line in merged))))

    def skipped_by_reason(self) -> dict[str, int]:
        reasons = Counter(skip_reason(line.detail) for line in self.lines
                          if line.outcome == "skipped")
        return dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))

    def of_outcome(self, outcome: str) -> list[LineOutcome]:
        return [line for line in self.lines if line.outcome == outcome]

    def document_lines(self) -> dict[str, list[dict]]:
        """Each document's lines, in order: number, text, outcome and detail."""
        documents: dict[str, list[dict]] = {d.source_id: [] for d in self.documents}
        for line in self.lines:
            documents[line.source_id].append({"line": line.line, "text": line.text,
                                              "outcome": line.outcome, "detail": line.detail})
        return documents

    def to_dict(self) -> dict:
        return {
            "documents": [asdict(d) for d in self.documents],
            "entities": self.entities,
            "skipped_by_reason": self.skipped_by_reason(),
            "new_entities": self.new_entities,
            "lines": [asdict(line) for line in self.lines],
        }


def skip_reason(detail: str) -> str:
    """The reason's head: "navigation: breadcrumb" and "navigation" count as one reason."""
    for separator in (":", ";", " ("):
        detail = detail.split(separator)[0]
    return detail.strip() or "unspecified"


def _merge(line: LineOutcome, note: tuple[str, str] | None) -> LineOutcome:
    """Add what the resolver made of a row line to what the parser said of it."""
    if note is None:
        return line
    outcome, detail = note
    worst = max(line.outcome, outcome, key=SEVERITY.index)
    return LineOutcome(line.source_id, line.line, line.text, worst, f"{line.detail} -> {detail}")


def summary_text(report: BuildReport, store: str, triples: int) -> str:
    """What the terminal shows after a build: one screen."""
    header = f"{'document':34} {'lines':>5} {'rows':>5} {'agreem.':>7} {'figures':>7} " \
             f"{'progr.':>6} {'skipped':>7} {'warn.':>5} {'errors':>6}"
    rows = [header]
    for d in report.documents:
        o = d.outcomes
        rows.append(f"{d.source_id:34} {d.lines:5} {d.rows:5} {d.agreements:7} {d.figures:7} "
                    f"{d.programmes:6} {o.get('skipped', 0):7} {o.get('warning', 0):5} "
                    f"{o.get('error', 0):6}")
    entities = ", ".join(f"{count} {name}" for name, count in report.entities.items())
    skipped = ", ".join(f"{reason} {n}" for reason, n in report.skipped_by_reason().items())
    rows += ["", f"graph: {entities}", f"skipped lines by reason: {skipped}"]
    for outcome in ("warning", "error"):
        for line in report.of_outcome(outcome):
            rows.append(f"{outcome}: {line.source_id}:{line.line}: {line.detail}")
    rows.append(f"store: {store} ({triples} quads)")
    return "\n".join(rows)
