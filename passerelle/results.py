"""Query answers as rows of terms, and the one writer of SPARQL 1.1 JSON results.

Shared by the query processes, the canned queries and the command line, none of which
imports the web server: only the standard library and pyoxigraph are needed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    Triple,
    parse_query_results,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
INTEGER_TYPES = {"integer", "int", "long", "short", "byte", "nonNegativeInteger",
                 "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong",
                 "unsignedInt", "unsignedShort", "unsignedByte"}


@dataclass(frozen=True)
class Rows:
    """Variables and at most row_cap rows of terms (None where unbound); ``truncated``:
    more rows were there. ``written``: these very rows as SPARQL 1.1 JSON results (head and
    results, no meta), when they come written so (`passerelle.answers`)."""

    variables: tuple[str, ...]
    rows: tuple[tuple, ...]
    truncated: bool
    written: bytes | None = field(default=None, compare=False, repr=False)


def rows(solutions, offset: int, row_cap: int) -> Rows:
    """The variables and at most row_cap rows after the first ``offset`` (terms or None)."""
    kept = [tuple(solution) for solution in islice(solutions, offset, offset + row_cap + 1)]
    return Rows(tuple(v.value for v in solutions.variables), tuple(kept[:row_cap]),
                len(kept) > row_cap)


def results_body(variables: list[str], solutions: list[tuple], media_type: str) -> bytes:
    """Rows as SPARQL results in the format of that media type (`write_results`)."""
    return write_results(variables, solutions, QueryResultsFormat.from_media_type(media_type))


def write_results(variables: list[str], solutions: list[tuple], answer: QueryResultsFormat,
                  meta: dict | None = None) -> bytes:
    """Rows as SPARQL results: JSON and CSV written here from the terms; TSV and XML by
    pyoxigraph's writers, from the JSON (pyoxigraph makes result sets only by parsing).

    ``meta`` leads the JSON (first, so that streaming parsers, which stop reading at the end
    of the bindings, still accept it); the other formats have no place for it.
    """
    if answer == QueryResultsFormat.CSV:
        return csv_body(variables, solutions)
    body = json_body(variables, solutions, meta if answer == QueryResultsFormat.JSON else None)
    if answer == QueryResultsFormat.JSON:
        return body
    return parse_query_results(body, format=QueryResultsFormat.JSON).serialize(format=answer)


def json_document(variables: list[str], solutions: list[tuple], meta: dict | None = None
                  ) -> dict:
    """SPARQL 1.1 JSON results as a dict, led by ``meta`` when given."""
    bindings = [{name: json_term(term) for name, term in zip(variables, row, strict=True)
                 if term is not None} for row in solutions]
    document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return document if meta is None else {"meta": meta, **document}


def json_body(variables: list[str], solutions: list[tuple], meta: dict | None = None
              ) -> bytes:
    """`json_document` as ``json.dumps(..., ensure_ascii=False)`` writes it, the same bytes,
    written term by term: the document of dicts it would build first cost a query process
    as much CPU as the JSON itself (0.6 ms of an ad-hoc query's 6 at 100x)."""
    head = '{"head": {"vars": [' + ", ".join(_string(name) for name in variables) + \
        ']}, "results": {"bindings": [' + ", ".join(json_bindings(variables, solutions)) + \
        "]}}"
    body = head.encode("utf-8")
    return body if meta is None else with_meta(body, meta)


def json_bindings(variables: list[str], solutions: Iterable[tuple]) -> Iterator[str]:
    """Each row's binding object as `json_body` writes it, the same text as ``json.dumps``
    of its `json_document` binding (the build's stored answers are spliced from these)."""
    labels = [_string(name) + ": " for name in variables]
    for row in solutions:
        yield "{" + ", ".join(label + _json_term_text(term)
                              for label, term in zip(labels, row, strict=True)
                              if term is not None) + "}"


_string = json.encoder.encode_basestring  # what json.dumps writes a str with (ensure_ascii off)


def _json_term_text(term) -> str:
    """`json_term` of the term, as json.dumps writes it."""
    if isinstance(term, NamedNode):
        return '{"type": "uri", "value": ' + _string(term.value) + "}"
    if isinstance(term, Literal):
        text = '{"type": "literal", "value": ' + _string(term.value)
        if term.language:
            return text + ', "xml:lang": ' + _string(term.language) + "}"
        if term.datatype.value != XSD_STRING:
            return text + ', "datatype": ' + _string(term.datatype.value) + "}"
        return text + "}"
    return json.dumps(json_term(term), ensure_ascii=False)  # blank nodes, triple terms


def with_meta(written: bytes, meta: dict) -> bytes:
    """SPARQL 1.1 JSON results written without meta (`json_document` dumped as
    `write_results` dumps it), led by ``meta``: the bytes `write_results` gives for the
    same rows and meta, without reading the rows again."""
    return b"".join((b'{"meta": ', json.dumps(meta, ensure_ascii=False).encode("utf-8"), b", ",
                     memoryview(written)[1:]))  # one copy of the rows: pages run to megabytes


def csv_body(variables: list[str], solutions: list[tuple]) -> bytes:
    """SPARQL 1.1 CSV results: a header of the names, then each row's values (CRLF lines)."""
    lines = [",".join(variables)]
    lines += [",".join(_csv_field(plain_value(term)) for term in row) for row in solutions]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def objects_body(variables: list[str], solutions: list[tuple]) -> bytes:
    """The rows as a JSON array of flat objects, one per row, keys in column order (as
    Datasette's ``_shape=array`` and pandas' ``orient="records"``): numbers and booleans as
    JSON's, other terms as their value (an IRI, a literal's text), unbound as null."""
    objects = [{name: native_value(term) for name, term in zip(variables, row, strict=True)}
               for row in solutions]
    return json.dumps(objects, ensure_ascii=False).encode("utf-8")


def native_value(term):
    """A term as a plain JSON value: int, float or bool for those XSD types, else text."""
    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype is not None:
        kind = term.datatype.value.removeprefix(XSD)
        try:
            if kind in INTEGER_TYPES:
                return int(term.value)
            if kind in ("decimal", "double", "float"):
                return float(term.value)
        except ValueError:  # an ill-typed literal ("abc"^^xsd:integer) stays text
            return term.value
        if kind == "boolean" and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
    return plain_value(term)


def _csv_field(text: str) -> str:
    if any(character in text for character in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def plain_value(term) -> str:
    """A term as CSV shows it: the IRI, the literal's text, _:label, '' where unbound."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        return " ".join(plain_value(part) for part in (term.subject, term.predicate,
                                                      term.object))
    return term.value


# What a store raises for a query it cannot answer; the reply's kind for each (`error_reply`).
QUERY_ERRORS = (SyntaxError, OSError, ValueError, RuntimeError)


def error_reply(exc: Exception, unavailable: type[Exception] | tuple = ()) -> tuple:
    """The reply ``("error", kind, message)`` for a query that failed: ``syntax`` (it does
    not parse), ``store`` (an ``unavailable`` error: the store cannot be read or reached) or
    ``evaluation`` (it failed while running)."""
    if isinstance(exc, SyntaxError):
        kind = "syntax"
    elif isinstance(exc, unavailable):
        kind = "store"
    else:
        kind = "evaluation"
    return ("error", kind, str(exc))


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
