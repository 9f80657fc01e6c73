"""The source viewer: a document's page, ``/id/source/<id>``, shows the document itself.

Every line of the document, numbered and anchored (``#L20``), beside what the build made of
it: the agreements, published figures and programme rules read from it (linked to their
pages, which link back to their line), or why it was skipped, as the build report says. So
a researcher can audit a fact down to its line and the line up to the page it was copied
from (the document's ``schema:url``).

The lines and their outcomes come from the build directory's per-document file
(`passerelle.builddir.BuildDir.document_lines`); the facts from the graph. A store without
that file (a remote store, an older build) shows the lines the graph has facts for, and says
so. Other clients than browsers get the document's RDF, as for any entity (`server.pages.entity`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from pyoxigraph import NamedNode

from passerelle.builddir import BuildDir
from server.errors import ApiError
from server.negotiation import GRAPH, prefers_html
from server.pages import ID, SPARQL_PREFIXES, entity, query_rows
from server.store import current_store

bp = Blueprint("sources", __name__, template_folder="templates")

SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")
KINDS = {"Agreement": "agreement", "PublishedFigure": "figure", "Programme": "programme rule"}

DOCUMENT = SPARQL_PREFIXES + """
SELECT ?document ?title ?url ?publisher (SAMPLE(?name) AS ?publisherLabel) ?retrieved
       ?language ?sha256 ?file
WHERE {
  ?document a pas:SourceDocument .
  OPTIONAL { ?document dcterms:title ?title }
  OPTIONAL { ?document schema:url ?url }
  OPTIONAL { ?document dcterms:publisher ?publisher OPTIONAL { ?publisher rdfs:label ?name } }
  OPTIONAL { ?document pas:retrieved ?retrieved }
  OPTIONAL { ?document dcterms:language ?language }
  OPTIONAL { ?document pas:sha256 ?sha256 }
  OPTIONAL { ?document pas:seedFile ?file }
}
GROUP BY ?document ?title ?url ?publisher ?retrieved ?language ?sha256 ?file
"""

# What the build made of each line: the things derived from the document, by line.
FACTS = SPARQL_PREFIXES + """
SELECT ?document ?line ?thing ?kind (SAMPLE(?name) AS ?label) (SAMPLE(?said) AS ?text)
WHERE {
  ?thing prov:wasDerivedFrom ?document ;
         pas:sourceLine ?line ;
         a ?type .
  VALUES (?type ?kind) { (pas:Agreement "Agreement") (pas:PublishedFigure "PublishedFigure")
                         (pas:Programme "Programme") }
  OPTIONAL { ?thing rdfs:label ?name }
  OPTIONAL { ?thing pas:sourceText ?said }
}
GROUP BY ?document ?line ?thing ?kind
ORDER BY ?line ?thing
"""


@dataclass
class Line:
    """One line of the document and what the build made of it."""

    number: int
    text: str
    outcome: str = ""
    detail: str = ""
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (IRI, kind, label)


@bp.get("/id/source/<source_id>")
def source(source_id: str):
    """The document's lines and their fate for browsers; its RDF for other clients."""
    override = request.args.get("format")
    if not (override == "html" or (not override and prefers_html(request.headers.get("Accept"),
                                                                 GRAPH))):
        return entity(f"source/{source_id}")
    opened = current_store()
    document = _document(source_id)
    recorded = _recorded_lines(opened.directory, source_id)
    lines = annotated_lines(document["iri"], recorded)
    counts = defaultdict(int)
    for line in lines:
        counts[line.outcome or "with facts"] += 1
        for _, kind, _ in line.facts:
            counts[kind] += 1
    page = render_template("source.html", document=document, lines=lines,
                           complete=recorded is not None, counts=dict(counts))
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _document(source_id: str) -> dict:
    """The document's description; 404 unless the graph has a document of that id."""
    if not SOURCE_ID.fullmatch(source_id):
        raise ApiError(404, "Not Found", f"{source_id!r} is not a source document id")
    iri = NamedNode(f"{ID}source/{source_id}")
    rows = query_rows(DOCUMENT, document=iri)
    if not rows:
        raise ApiError(404, "Not Found", f"the graph has no source document <{iri.value}>")
    return {**rows[0], "iri": iri.value, "id": source_id}


def _recorded_lines(directory: Path | None, source_id: str) -> list[dict] | None:
    """The build's record of every line of the document; None when this store has none."""
    if directory is None:
        return None
    return BuildDir(directory).document_lines(source_id)


def annotated_lines(document: str, recorded: list[dict] | None) -> list[Line]:
    """Each line with its outcome and the facts read from it.

    With the build's record, every line of the document; without it, the lines the graph
    has facts for, with the text the facts quote.
    """
    facts = query_rows(FACTS, document=NamedNode(document))
    if recorded is not None:
        lines = {r["line"]: Line(r["line"], r["text"], r["outcome"], r["detail"])
                 for r in recorded}
    else:
        lines = {}
    for fact in facts:
        number = int(fact["line"])
        line = lines.setdefault(number, Line(number, fact["text"]))
        line.facts.append((fact["thing"], KINDS[fact["kind"]], fact["label"] or fact["thing"]))
    return [lines[number] for number in sorted(lines)]

