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
from pyoxigraph import NamedNode, Store, Triple, Variable, serialize

from passerelle import canned
from passerelle.vocabulary import ID, INFERRED_GRAPH, PREFIXES
from server import dashboards, vendor
from server.errors import ApiError
from server.negotiation import GRAPH, negotiate, prefers_html
from server.queries import catalogue
from server.store import current_store

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

# Asserted facts, and what OWL-RL inferred in our own vocabulary (listed by, has faculty...):
# the inferred copies under external super-properties (schema:alternateName for an acronym,
# skos:note for identifiersFrom, org:unitOf...) would only repeat the page. The RDF has them.
FACTS = SPARQL_PREFIXES + """
SELECT ?entity ?property (SAMPLE(?pl) AS ?propertyLabel) ?value (SAMPLE(?vl) AS ?valueLabel)
WHERE {
  ?entity ?property ?value .
  FILTER(STRSTARTS(STR(?property), STR(pas:))
         || EXISTS { GRAPH ?g { ?entity ?property ?value }
                     FILTER(?g != <""" + INFERRED_GRAPH + """>) })
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANG(?pl) IN ("en", "")) }
  OPTIONAL { ?value rdfs:label|skos:prefLabel ?vl FILTER(LANG(?vl) IN ("en", "")) }
}
GROUP BY ?entity ?property ?value
ORDER BY ?property ?value
"""

# Links from other entities, except agreements (they have their own table).
LINKS_IN = SPARQL_PREFIXES + """
SELECT ?entity ?property (SAMPLE(?pl) AS ?propertyLabel) ?subject (SAMPLE(?sl) AS ?subjectLabel)
WHERE {
  ?subject ?property ?entity .
  FILTER NOT EXISTS { ?subject a pas:Agreement }
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANG(?pl) IN ("en", "")) }
  OPTIONAL { ?subject rdfs:label ?sl }
}
GROUP BY ?entity ?property ?subject
ORDER BY ?property ?subjectLabel
LIMIT 1000
"""

# The agreements the entity takes part in: as school, partner (institution or faculty)
# or network.
AGREEMENTS = SPARQL_PREFIXES + """
SELECT ?entity ?agreement ?role ?school (SAMPLE(?schoolName) AS ?schoolLabel)
       (GROUP_CONCAT(DISTINCT ?partnerName; separator=" / ") AS ?partners)
       (GROUP_CONCAT(DISTINCT ?typeName; separator="; ") AS ?types)
       (GROUP_CONCAT(DISTINCT ?networkName; separator="; ") AS ?networks)
       (SAMPLE(?statusName) AS ?status) (SAMPLE(?text) AS ?sourceText)
       (SAMPLE(?line) AS ?sourceLine) (SAMPLE(?document) AS ?source)
WHERE {
  { ?agreement pas:school ?entity BIND("school" AS ?role) }
  UNION { ?agreement pas:partnerInstitution ?entity BIND("partner" AS ?role) }
  UNION { ?agreement pas:partnerFaculty ?entity BIND("partner" AS ?role) }
  UNION { ?agreement pas:network ?entity BIND("network" AS ?role) }
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
    """One entity: HTML for browsers, its triples as RDF otherwise; 404 if unknown."""
    iri = _entity_iri(path)
    store = current_store().store
    triples = describe(store, iri)
    accept = request.headers.get("Accept")
    override = request.args.get("format")
    wants_html = override == "html" or (not override and prefers_html(accept, GRAPH))
    if not triples:  # a page for browsers, JSON for the others (server.errors)
        raise ApiError(404, "Not Found", f"the graph has nothing about <{iri.value}>")
    if wants_html:
        template, view = entity_page(store, iri)
        response = Response(render_template(template, **view), mimetype="text/html")
    else:
        answer = negotiate(accept, GRAPH, override)
        body = serialize(sorted(triples, key=str), format=answer.oxigraph, prefixes=PREFIXES)
        response = Response(body, content_type=answer.content_type)
    response.vary.add("Accept")
    return response


def _entity_iri(path: str) -> NamedNode:
    try:
        return NamedNode(ID + path)
    except ValueError as exc:
        raise ApiError(404, "Not Found", f"{ID}{path!r} is not an IRI") from exc


def describe(store: Store, iri: NamedNode) -> set[Triple]:
    """Every triple, in any graph, with the entity as subject or object."""
    quads = [*store.quads_for_pattern(iri, None, None, None),
             *store.quads_for_pattern(None, None, iri, None)]
    return {quad.triple for quad in quads}


def entity_view(store: Store, iri: NamedNode) -> dict:
    """What the HTML page shows: label, facts, links in, agreements."""
    bound = {Variable("entity"): iri}
    facts = sorted(_rows(store.query(FACTS, use_default_graph_as_union=True,
                                     substitutions=bound)),
                   key=lambda f: (f["property"], natural_key(f["value"])))
    links = _rows(store.query(LINKS_IN, use_default_graph_as_union=True, substitutions=bound))
    agreements = _rows(store.query(AGREEMENTS, use_default_graph_as_union=True,
                                   substitutions=bound))
    labels = [f["valueLabel"] or f["value"] for f in facts if f["property"] == PREFIXES["rdfs"]
              + "label"]
    schools = sorted({(a["schoolLabel"] or a["school"], a["school"])
                      for a in agreements if a["role"] == "partner"})
    return {"iri": iri.value, "label": labels[0] if labels else iri.value, "facts": facts,
            "links": links, "agreements": agreements, "listed_by": schools,
            "read_from": _read_from(facts)}


def _read_from(facts: list[dict]) -> dict | None:
    """The document and line a fact was read from (agreements, figures, programme rules)."""
    values = {f["property"]: f for f in facts}
    document = values.get(PREFIXES["prov"] + "wasDerivedFrom")
    line = values.get(PREFIXES["pas"] + "sourceLine")
    if document is None or line is None:
        return None
    return {"document": document["value"], "title": document["valueLabel"] or "the source",
            "line": line["value"]}


def entity_page(store: Store, iri: NamedNode) -> tuple[str, dict]:
    """The template and what it shows: a school's dashboard, an institution's page, or the
    plain page of any other entity. On the first two the triples are folded below."""
    view = entity_view(store, iri)
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


def _rows(solutions) -> list[dict]:
    """Solutions as dicts of variable name -> plain value ('' when unbound)."""
    names = [v.value for v in solutions.variables]
    return [{name: (term.value if term is not None else "")
             for name, term in zip(names, solution, strict=True)} for solution in solutions]


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
