"""Query answers as rows of terms, and the one writer of SPARQL 1.1 JSON results.

Shared by the query processes, the canned queries and the command line, none of which
imports the web server: only the standard library and pyoxigraph are needed here.
"""

from __future__ import annotations

import json
from itertools import islice

from pyoxigraph import BlankNode, NamedNode, QueryResultsFormat, Triple, parse_query_results

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rows(solutions, offset: int, row_cap: int) -> dict:
    """The variables and at most row_cap rows after the first ``offset`` (terms or None)."""
    kept = [tuple(solution) for solution in islice(solutions, offset, offset + row_cap + 1)]
    return {"variables": [v.value for v in solutions.variables], "rows": kept[:row_cap],
            "truncated": len(kept) > row_cap}


def results_body(variables: list[str], solutions: list[tuple], media_type: str) -> bytes:
    """Rows as SPARQL results: JSON written here, other formats by pyoxigraph from it."""
    bindings = [{name: json_term(term) for name, term in zip(variables, row, strict=True)
                 if term is not None} for row in solutions]
    body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")
    answer_format = QueryResultsFormat.from_media_type(media_type)
    if answer_format == QueryResultsFormat.JSON:
        return body
    return parse_query_results(body, format=QueryResultsFormat.JSON).serialize(
        format=answer_format)


def json_term(term) -> dict:
    """One RDF term in the SPARQL 1.1 JSON results format (triple terms as in SPARQL 1.2)."""
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject),
                                            "predicate": json_term(term.predicate),
                                            "object": json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out
