"""The OpenAPI 3.1 description of the service, generated from the canned queries' headers.

Each canned query is one path, `/queries/<name>`, whose parameters, types, defaults and
allowed values come from its `#+` header: the document cannot drift from the queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from passerelle.canned import PARAMETER_TYPES, CannedQuery, Parameter
from passerelle.vocabulary import ID, package_version

RESULT_TYPES = {
    "application/sparql-results+json": {"$ref": "#/components/schemas/SparqlResults"},
    "text/csv": {"type": "string"},
    "text/tab-separated-values": {"type": "string"},
    "application/sparql-results+xml": {"type": "string"},
    "text/html": {"type": "string"},
}
_SLUG = "[A-Za-z0-9][A-Za-z0-9_-]{0,99}"
ENTITY_PATTERNS = {
    "school": f"^(?:{ID}institution/)?{_SLUG}$",
    "institution": f"^(?:{ID}institution/)?{_SLUG}$",
    "network": f"^(?:{ID}network/)?{_SLUG}$",
    "country": f"^(?:{ID}country/)?[A-Za-z]{{2}}$",
}


def document(queries: Iterable[CannedQuery], server_url: str) -> dict:
    """The OpenAPI document; ``server_url`` is where this service answers."""
    paths = {
        "/sparql": _sparql_path(),
        "/queries": _catalogue_path(),
        **{f"/queries/{q.name}": _query_path(q) for q in queries},
        "/id/{kind}/{id}": _entity_path(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Passerelle",
            "version": _version(),
            "summary": "The international partnerships of French engineering schools.",
            "description": "A SPARQL 1.1 endpoint over the Passerelle graph, canned queries "
                           "with typed parameters, and linked-data pages for every entity.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": _schemas(), "responses": _responses()},
    }


def _version() -> str:
    return package_version(missing="unreleased")


TIMEOUT_PARAMETER = {
    "name": "timeout", "in": "query", "required": False,
    "description": "Seconds the query may run, below the server's budget (never above it); "
                   "past it the query is stopped and answered 503.",
    "schema": {"type": "number", "exclusiveMinimum": 0},
}


def _query_path(query: CannedQuery) -> dict:
    parameters = [_parameter(p) for p in query.params]
    parameters.append({
        "name": "format", "in": "query", "required": False,
        "description": "Answer in this format whatever the Accept header says "
                       "(the same as a .json, .csv, .tsv or .xml suffix on the path).",
        "schema": {"type": "string", "enum": ["json", "csv", "tsv", "xml", "html"]},
    })
    parameters += [
        {"name": "limit", "in": "query", "required": False,
         "description": "Rows per page (at most the row cap, which is the default).",
         "schema": {"type": "integer", "minimum": 1}},
        {"name": "offset", "in": "query", "required": False,
         "description": "Rows to skip: the Link header's next and prev pages set it.",
         "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "shape", "in": "query", "required": False,
         "description": "With JSON: 'objects' for an array of flat objects, one per row, with "
                        "the CSV's columns (IRIs, their labels, country codes), as "
                        "pandas.read_json takes it; 'sparql' (the default) for SPARQL JSON.",
         "schema": {"type": "string", "enum": ["sparql", "objects"], "default": "sparql"}},
        TIMEOUT_PARAMETER,
    ]
    return {"get": {
        "operationId": f"query-{query.name}",
        "summary": query.title,
        "description": query.description,
        "tags": ["canned queries", *query.tags],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The rows (at most the row cap; see meta.truncated).",
                "headers": {
                    "X-Passerelle-Truncated": {
                        "description": "true when the row cap (or limit) cut the answer.",
                        "schema": {"type": "string", "enum": ["true", "false"]}},
                    "Link": {
                        "description": 'RFC 8288 links to the rel="next" and rel="prev" pages.',
                        "schema": {"type": "string"}}},
                "content": {media: {"schema": schema} for media, schema in RESULT_TYPES.items()},
            },
            "400": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "406": {"$ref": "#/components/responses/Error"},
            "503": {"$ref": "#/components/responses/Error"},
        },
    }}


def _parameter(parameter: Parameter) -> dict:
    schema: dict = {"type": "integer"} if parameter.type == "integer" else {"type": "string"}
    if parameter.type in ENTITY_PATTERNS:
        schema["pattern"] = ENTITY_PATTERNS[parameter.type]
    elif parameter.type == "iri":
        schema["format"] = "iri"
    elif parameter.type == "string":
        schema["maxLength"] = 200
    if parameter.allowed:
        schema["enum"] = list(parameter.allowed)
    if parameter.default is not None:
        schema["default"] = parameter.default
    description = f"{parameter.description} Accepts {PARAMETER_TYPES[parameter.type]}.".strip()
    return {"name": parameter.name, "in": "query", "required": parameter.required,
            "description": description, "schema": schema, "x-passerelle-type": parameter.type}


def _sparql_path() -> dict:
    return {"get": {
        "operationId": "sparql-query",
        "summary": "SPARQL 1.1 query (protocol)",
        "description": "The default graph is the union of all named graphs. Also POST, "
                       "form-encoded or application/sparql-query. Updates are refused.",
        "tags": ["sparql"],
        "parameters": [
            {"name": "query", "in": "query", "required": False,
             "description": "The SPARQL query; without it, the service description.",
             "schema": {"type": "string"}},
            {"name": "default-graph-uri", "in": "query", "required": False,
             "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}},
            {"name": "named-graph-uri", "in": "query", "required": False,
             "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}},
            TIMEOUT_PARAMETER,
        ],
        "responses": {
            "200": {"description": "Results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE), "
                                   "by Accept or format=; at most the row cap of rows or "
                                   "triples (X-Passerelle-Truncated says whether more were "
                                   "cut)."},
            "400": {"$ref": "#/components/responses/Error"},
            "503": {"$ref": "#/components/responses/Error"},
        },
    }}


def _catalogue_path() -> dict:
    return {"get": {
        "operationId": "list-queries",
        "summary": "The catalogue of canned queries",
        "tags": ["canned queries"],
        "responses": {"200": {"description": "Every canned query with its header.",
                              "content": {"application/json": {"schema": {"type": "object"}},
                                          "text/html": {"schema": {"type": "string"}}}}},
    }}


def _entity_path() -> dict:
    graph_types = ("text/turtle", "application/ld+json", "application/n-triples",
                   "application/rdf+xml", "text/html")
    return {"get": {
        "operationId": "entity",
        "summary": "An entity's page (linked data)",
        "description": f"The entity {ID}<kind>/<id>: HTML for browsers, RDF by Accept "
                       "(Turtle, JSON-LD, ...). Agreements, programmes and figures have "
                       "two-part ids: <source-id>/<key>.",
        "tags": ["linked data"],
        "parameters": [
            {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": [
                "institution", "faculty", "agreement", "network", "programme", "figure",
                "country", "source"]}},
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "The entity's triples, or its page.",
                    "content": {media: {"schema": {"type": "string"}} for media in graph_types}},
            "404": {"$ref": "#/components/responses/Error"},
        },
    }}


def _schemas() -> dict:
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "title", "detail"],
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "detail": {"type": "string"}}}}},
        "SparqlResults": {
            "type": "object", "required": ["head", "results"],
            "description": "SPARQL 1.1 JSON results, led by a meta object about the run.",
            "properties": {
                "meta": {"type": "object", "properties": {
                    "query": {"type": "string"}, "title": {"type": "string"},
                    "params": {"type": "object", "additionalProperties": {"type": "string"}},
                    "rows": {"type": "integer"}, "row_cap": {"type": "integer"},
                    "truncated": {"type": "boolean"}}},
                "head": {"type": "object", "properties": {
                    "vars": {"type": "array", "items": {"type": "string"}}}},
                "results": {"type": "object", "properties": {
                    "bindings": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }


def _responses() -> dict:
    return {"Error": {"description": "What went wrong, in the service's one error shape.",
                      "content": {"application/json": {
                          "schema": {"$ref": "#/components/schemas/Error"}}}}}
