"""Linked-data pages under `/id/...`, and the query page for browsers.

An entity IRI is ``https://w3id.org/passerelle/id/<path>`` whatever host serves it; its
page is ``/id/<path>``: HTML for browsers (Jinja templates), Turtle or JSON-LD (or any graph
format of `server.negotiation`) by ``Accept`` or ``format=``. The RDF is every triple with
the entity as subject or object, over all graphs. An IRI the store has no triple about is
a 404.

The query page (``/editor``, and ``/sparql`` for a browser without a query) carries a YASGUI
editor when `npm install` has put `@zazuko/yasgui` in node_modules; without it, or without
JavaScript, it is a plain form that GETs /sparql. No inline script: `static/query-page.js`
reads what it needs from data attributes.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from pyoxigraph import NamedNode, Triple, serialize

from passerelle import canned
from passerelle.jobs import QueryJob, Rows
from passerelle.vocabulary import ID, INFERRED_GRAPH, PREFIXES
from server import dashboards, vendor
from server.errors import ApiError
from server.execution import execution
from server.negotiation import GRAPH, negotiate, prefers_html
from server.queries import catalogue
from server.store import current_store
from server.urls import public_url

bp = Blueprint("pages", __name__, template_folder="templates")

ROOT = Path(__file__).resolve().parent.parent
YASGUI_FILES = ROOT / "node_modules" / "@zazuko" / "yasgui" / "build"
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
DEFAULT_QUERY = SPARQL_PREFIXES + """
SELECT ?school ?label (COUNT(DISTINCT ?partner) AS ?partners)
WHERE {
  ?agreement pas:school ?school ;
             pas:partnerInstitution ?partner .
  ?school rdfs:label ?label .
}
GROUP BY ?school ?label
ORDER BY DESC(?partners)
"""

# Each list on an entity page shows at most PAGE_ITEMS items (config key, default below):
# every query picks its first PAGE_ITEMS + 1 items in a subquery (by IRI), before the labels
# and groups are computed for them alone, so that a page about a network of 20,000
# agreements costs what a page of 200 does. When there are more, the page links to a
# SPARQL query listing them all (paged by the row cap).
PAGE_ITEMS = 200

# Asserted facts, and what OWL-RL inferred in our own vocabulary (listed by, has faculty...):
# the inferred copies under external super-properties (schema:alternateName for an acronym,
# skos:note for identifiersFrom, org:unitOf...) would only repeat the page. The RDF has them.
FACTS_SELECTED = """
  ?entity ?property ?value .
  FILTER(STRSTARTS(STR(?property), STR(pas:))
         || EXISTS { GRAPH ?g { ?entity ?property ?value }
                     FILTER(?g != <""" + INFERRED_GRAPH + """>) })
"""
FACTS = SPARQL_PREFIXES + """
SELECT ?entity ?property (SAMPLE(?pl) AS ?propertyLabel) ?value (SAMPLE(?vl) AS ?valueLabel)
WHERE {
  { SELECT ?entity ?property ?value WHERE {""" + FACTS_SELECTED + """}
    ORDER BY ?property ?value LIMIT %(items)d }
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANG(?pl) IN ("en", "")) }
  OPTIONAL { ?value rdfs:label|skos:prefLabel ?vl FILTER(LANG(?vl) IN ("en", "")) }
}
GROUP BY ?entity ?property ?value
ORDER BY ?property ?value
"""

# Links from other entities, except agreements (they have their own table).
LINKS_SELECTED = """
  ?subject ?property ?entity .
  FILTER NOT EXISTS { ?subject a pas:Agreement }
"""
LINKS_IN = SPARQL_PREFIXES + """
SELECT ?entity ?property (SAMPLE(?pl) AS ?propertyLabel) ?subject (SAMPLE(?sl) AS ?subjectLabel)
WHERE {
  { SELECT ?entity ?property ?subject WHERE {""" + LINKS_SELECTED + """}
    ORDER BY ?property ?subject LIMIT %(items)d }
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANG(?pl) IN ("en", "")) }
  OPTIONAL { ?subject rdfs:label ?sl }
}
GROUP BY ?entity ?property ?subject
ORDER BY ?property ?subjectLabel
"""

# The agreements the entity takes part in: as school, partner (institution or faculty)
# or network.
AGREEMENTS_SELECTED = """
  { ?agreement pas:school ?entity BIND("school" AS ?role) }
  UNION { ?agreement pas:partnerInstitution ?entity BIND("partner" AS ?role) }
  UNION { ?agreement pas:partnerFaculty ?entity BIND("partner" AS ?role) }
  UNION { ?agreement pas:network ?entity BIND("network" AS ?role) }
"""
AGREEMENTS = SPARQL_PREFIXES + """
SELECT ?entity ?agreement ?role ?school (SAMPLE(?schoolName) AS ?schoolLabel)
       (GROUP_CONCAT(DISTINCT ?partnerName; separator=" / ") AS ?partners)
       (GROUP_CONCAT(DISTINCT ?typeName; separator="; ") AS ?types)
       (GROUP_CONCAT(DISTINCT ?networkName; separator="; ") AS ?networks)
       (SAMPLE(?statusName) AS ?status) (SAMPLE(?text) AS ?sourceText)
       (SAMPLE(?line) AS ?sourceLine) (SAMPLE(?document) AS ?source)
WHERE {
  { SELECT ?entity ?agreement ?role WHERE {""" + AGREEMENTS_SELECTED + """}
    ORDER BY ?agreement ?role LIMIT %(items)d }
  ?agreement pas:school ?school .
  OPTIONAL { ?school rdfs:label ?schoolName }
  OPTIONAL { ?agreement pas:partnerFaculty|pas:partnerInstitution ?partner .
             ?partner rdfs:label ?partnerName }
  OPTIONAL { ?agreement pas:agreementType/skos:prefLabel ?typeName
             FILTER(LANG(?typeName) = "en") }
  OPTIONAL { ?agreement pas:network/rdfs:label ?networkName }
  OPTIONAL { ?agreement pas:status/skos:prefLabel ?statusName
             FILTER(LANG(?statusName) = "en") }
  OPTIONAL { ?agreement pas:sourceText ?text }
  OPTIONAL { ?agreement pas:sourceLine ?line }
  OPTIONAL { ?agreement prov:wasDerivedFrom ?document }
}
GROUP BY ?entity ?agreement ?role ?school
ORDER BY ?schoolLabel ?source ?sourceLine
"""
# The page's lists: (name, the query for the page, what the "more" query selects).
LISTS = (("facts", FACTS, FACTS_SELECTED, "?property ?value"),
         ("links", LINKS_IN, LINKS_SELECTED, "?subject ?property"),
         ("agreements", AGREEMENTS, AGREEMENTS_SELECTED, "?agreement ?role"))
# Every triple about the entity, in any graph (its RDF answer), at most the row cap.
DESCRIBE = """SELECT DISTINCT ?s ?p ?o ?entity WHERE {
  { ?entity ?p ?o BIND(?entity AS ?s) } UNION { ?s ?p ?entity BIND(?entity AS ?o) }
}"""


@bp.app_template_filter("href")
def href(iri: str) -> str:
    """Where a link to an IRI points: our own page for entity IRIs and ontology terms
    (``pas:Agreement`` -> /ontology#Agreement), the IRI otherwise."""
    if iri.startswith(ID):
        return url_for("pages.entity", path=iri.removeprefix(ID))
    if iri.startswith(PREFIXES["pas"]):
        return url_for("ontology.page") + "#" + iri.removeprefix(PREFIXES["pas"])
    if iri == PREFIXES["pas"].rstrip("#"):
        return url_for("ontology.page")
    return iri


@bp.app_context_processor
def _local_pages() -> dict:
    # Where our IRIs have their pages, for scripts that rewrite links (query-page.js).
    return {"id_base": ID, "ontology_base": PREFIXES["pas"]}


@bp.app_template_filter("short")
def short(iri: str) -> str:
    """An IRI as a prefixed name where one of our prefixes fits."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri.removeprefix(namespace)}"
    return iri


@bp.get("/id/<path:path>")
def entity(path: str):
    """One entity: HTML for browsers, its triples as RDF otherwise; 404 if unknown.

    Every query runs through the funnel (`server.execution`): one time budget for the page,
    each list capped (`PAGE_ITEMS`), the RDF capped at the row cap."""
    iri = _entity_iri(path)
    accept = request.headers.get("Accept")
    override = request.args.get("format")
    wants_html = override == "html" or (not override and prefers_html(accept, GRAPH))
    answer = None if wants_html else negotiate(accept, GRAPH, override)
    triples = describe(iri)
    if not triples.rows:  # a page for browsers, JSON for the others (server.errors)
        raise ApiError(404, "Not Found", f"the graph has nothing about <{iri.value}>")
    if wants_html:
        template, view = entity_page(iri)
        response = Response(render_template(template, **view), mimetype="text/html")
    else:
        body = serialize(sorted((Triple(*row[:3]) for row in triples.rows), key=str),
                         format=answer.oxigraph, prefixes=PREFIXES)
        response = Response(body, content_type=answer.content_type)
        response.headers["X-Passerelle-Truncated"] = "true" if triples.truncated else "false"
        if triples.truncated:
            more = "CONSTRUCT { ?s ?p ?o } WHERE {" + DESCRIBE.split("WHERE {", 1)[1]
            response.headers["Link"] = f'<{_sparql_link(more, iri)}>; rel="next"'
    response.vary.add("Accept")
    return response


def _entity_iri(path: str) -> NamedNode:
    try:
        return NamedNode(ID + path)
    except ValueError as exc:
        raise ApiError(404, "Not Found", f"{ID}{path!r} is not an IRI") from exc


def describe(iri: NamedNode) -> Rows:
    """Every triple, in any graph, with the entity as subject or object (at most the row
    cap, as rows ?s ?p ?o ?entity: a bound variable must be projected)."""
    return execution().rows(QueryJob.bound(DESCRIBE, {"entity": iri},
                                           row_cap=int(current_app.config["ROW_CAP"])))


def entity_view(iri: NamedNode) -> dict:
    """What the HTML page shows: label, facts, links in, agreements (each list capped, with
    the link to all of them when there are more)."""
    items = int(current_app.config.get("PAGE_ITEMS", PAGE_ITEMS))
    view: dict = {"iri": iri.value, "more": {}}
    for name, query, selected, order in LISTS:
        found = execution().rows(QueryJob.bound(query % {"items": items + 1}, {"entity": iri},
                                                row_cap=items))
        view[name] = _dicts(found)
        if found.truncated:
            view["more"][name] = _sparql_link(
                f"{SPARQL_PREFIXES}SELECT DISTINCT {order} WHERE {{{selected}}} "
                f"ORDER BY {order}", iri)
    view["facts"].sort(key=lambda f: (f["property"], natural_key(f["value"])))
    labels = [f["valueLabel"] or f["value"] for f in view["facts"]
              if f["property"] == PREFIXES["rdfs"] + "label"]
    view["label"] = labels[0] if labels else iri.value
    view["listed_by"] = sorted({(a["schoolLabel"] or a["school"], a["school"])
                                for a in view["agreements"] if a["role"] == "partner"})
    view["read_from"] = _read_from(view["facts"])
    return view


def _sparql_link(query: str, iri: NamedNode) -> str:
    """The /sparql URL of a query about the entity (its IRI written in with VALUES)."""
    text = query.replace("WHERE {", f"WHERE {{ VALUES ?entity {{ {iri} }}", 1)
    return public_url("sparql.query", query=text)


def _read_from(facts: list[dict]) -> dict | None:
    """The document and line a fact was read from (agreements, figures, programme rules)."""
    values = {f["property"]: f for f in facts}
    document = values.get(PREFIXES["prov"] + "wasDerivedFrom")
    line = values.get(PREFIXES["pas"] + "sourceLine")
    if document is None or line is None:
        return None
    return {"document": document["value"], "title": document["valueLabel"] or "the source",
            "line": line["value"]}


def entity_page(iri: NamedNode) -> tuple[str, dict]:
    """The template and what it shows: a school's dashboard, an institution's page, or the
    plain page of any other entity. On the first two the triples are folded below."""
    view = entity_view(iri)
    classes = {f["value"] for f in view["facts"] if f["property"] == PREFIXES["rdf"] + "type"}
    if PREFIXES["pas"] + "School" in classes:
        return "school.html", {**view, **dashboards.school_view(iri.value), "folded": True,
                               "map": vendor.map_assets()}
    if PREFIXES["pas"] + "Institution" in classes:
        return "institution.html", {**view, **dashboards.institution_view(iri.value,
                                                                          view["facts"]),
                                    "folded": True}
    return "entity.html", view


def natural_key(text: str) -> tuple:
    """Text sorted as people expect numbers in it: line-9 before line-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"([0-9]+)", text))


def query_rows(query: str, row_cap: int | None = None, **bound) -> list[dict]:
    """A page's query run through the funnel (the request's budget, at most the row cap),
    its variables bound to these terms; rows as dicts of plain values."""
    cap = row_cap or int(current_app.config["ROW_CAP"])
    return _dicts(execution().rows(QueryJob.bound(query, bound, row_cap=cap)))


def _dicts(found: Rows) -> list[dict]:
    """Rows as dicts of variable name -> plain value ('' when unbound)."""
    return [{name: (term.value if term is not None else "")
             for name, term in zip(found.variables, row, strict=True)} for row in found.rows]


@bp.get("/editor")
def query_page():
    return render_query_page()


def render_query_page() -> str:
    """The SPARQL query page: YASGUI when its files are there, a plain form always.

    ``?query=`` or ``?example=<canned query name>`` fills the editor; with an example, the
    request's other arguments are its parameters' values (a canned query's page sends its
    form's values), written into the text (`canned.editor_text`).
    """
    examples = list(catalogue().values())
    store = current_store().store
    chosen = next((q for q in examples if q.name == request.args.get("example")), None)
    if request.args.get("query"):
        text = request.args["query"]
    elif chosen:
        text = canned.editor_text(chosen, request.args.to_dict(), store)
    else:
        text = DEFAULT_QUERY
    editor = [(q, canned.editor_text(q, {}, store)) for q in examples]
    return render_template("query_page.html", query_text=text, examples=editor,
                           endpoint=request.url_root + "sparql",
                           yasgui=(_yasgui_dir() / "yasgui.min.js").is_file())


def _yasgui_dir() -> Path:
    return Path(current_app.config.get("YASGUI_DIR", YASGUI_FILES))


@bp.get("/vendor/yasgui/<path:filename>")
def yasgui_file(filename: str):
    """The YASGUI build that `npm install` fetched (404 when it did not run)."""
    return send_from_directory(_yasgui_dir(), filename, max_age=86400)
