"""The results writers (passerelle/results.py): CSV written from the terms says what
pyoxigraph's own CSV writer says; one mapping of query failures to reply kinds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, parse_query_results

from passerelle.results import csv_body, error_reply, json_body, json_document, write_results

# Text a literal or IRI may hold, rich in what CSV must quote (comma, quote, CR, LF).
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\té;<>') + ["\u00e9", "\U0001f600"]),
               max_size=12)
IRI = st.builds(lambda tail: NamedNode("http://example.org/" + tail),
                st.text(alphabet="abc;'()*!$", max_size=8))  # a comma: see below
LITERAL = st.one_of(
    st.builds(Literal, TEXT),
    st.builds(lambda text: Literal(text, language="fr"), TEXT),
    st.builds(lambda number: Literal(str(number),
                                     datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
              st.integers(-10**6, 10**6)),
)
TERM = st.one_of(st.none(), IRI, LITERAL, st.builds(BlankNode, st.sampled_from(["b1", "x2"])))


def _pyoxigraph_csv(variables: list[str], rows: list[tuple]) -> bytes:
    import json

    body = json.dumps(json_document(variables, rows)).encode("utf-8")
    return parse_query_results(body, format=QueryResultsFormat.JSON).serialize(
        format=QueryResultsFormat.CSV)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda width: st.lists(st.tuples(*[TERM] * width), max_size=5).map(
        lambda rows: ([f"v{i}" for i in range(width)], rows))))
def test_csv_written_from_the_terms_is_pyoxigraphs_csv(table):
    variables, rows = table
    assert csv_body(variables, rows) == _pyoxigraph_csv(variables, rows)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda width: st.lists(st.tuples(*[TERM] * width), max_size=5).map(
        lambda rows: ([f"v{i}" for i in range(width)], rows))),
    st.one_of(st.none(), st.fixed_dictionaries({"rows": st.integers(0, 9), "note": TEXT})))
def test_json_written_term_by_term_is_the_dumped_document(table, meta):
    # Served answers and stored ones (passerelle.answers) are compared byte for byte: the
    # writer must give exactly json.dumps(json_document(...)).
    import json

    variables, rows = table
    assert json_body(variables, rows, meta) == json.dumps(
        json_document(variables, rows, meta), ensure_ascii=False).encode("utf-8")


def test_json_body_of_each_kind_of_term():
    rows = [(NamedNode("http://example.org/é"), Literal('a "b"', language="fr"),
             Literal("7", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
             BlankNode("b1")), (None, Literal("x"), None, None)]
    assert json_body(["s", "l", "n", "b"], rows).decode("utf-8") == (
        '{"head": {"vars": ["s", "l", "n", "b"]}, "results": {"bindings": ['
        '{"s": {"type": "uri", "value": "http://example.org/é"}, '
        '"l": {"type": "literal", "value": "a \\"b\\"", "xml:lang": "fr"}, '
        '"n": {"type": "literal", "value": "7", '
        '"datatype": "http://www.w3.org/2001/XMLSchema#integer"}, '
        '"b": {"type": "bnode", "value": "b1"}}, '
        '{"l": {"type": "literal", "value": "x"}}]}}')
    assert json_body([], []) == b'{"head": {"vars": []}, "results": {"bindings": []}}'


def test_csv_quotes_exactly_the_values_that_need_it():
    rows = [(Literal('say "hi"'), Literal("a,b"), Literal("plain text"), None)]
    assert csv_body(["a", "b", "c", "d"], rows) == (
        b'a,b,c,d\r\n"say ""hi""","a,b",plain text,\r\n')


def test_an_iri_with_a_comma_is_quoted_unlike_pyoxigraphs_csv():
    # pyoxigraph 0.5 writes such an IRI bare, which splits it into two columns for any CSV
    # reader; SPARQL 1.1 CSV quotes every field holding a comma.
    rows = [(NamedNode("http://example.org/a,b"), Literal("x"))]
    assert csv_body(["iri", "x"], rows) == b'iri,x\r\n"http://example.org/a,b",x\r\n'
    assert _pyoxigraph_csv(["iri", "x"], rows) == b"iri,x\r\nhttp://example.org/a,b,x\r\n"


def test_json_leads_with_meta_and_the_other_formats_have_none():
    rows = [(NamedNode("http://example.org/x"),)]
    body = write_results(["x"], rows, QueryResultsFormat.JSON, {"rows": 1})
    assert body.startswith(b'{"meta": {"rows": 1}, "head": {"vars": ["x"]}')
    xml = write_results(["x"], rows, QueryResultsFormat.XML, {"rows": 1}).decode("utf-8")
    assert "<uri>http://example.org/x</uri>" in xml and "meta" not in xml


def test_each_failure_has_its_reply_kind():
    assert error_reply(SyntaxError("bad")) == ("error", "syntax", "bad")
    assert error_reply(RuntimeError("overflow")) == ("error", "evaluation", "overflow")
    # An OSError while running is the evaluation's, unless the caller says the store is down.
    assert error_reply(OSError("disk")) == ("error", "evaluation", "disk")
    assert error_reply(OSError("down"), unavailable=OSError) == ("error", "store", "down")
    # A malformed query stays a syntax error even where OSErrors mean "unavailable".
    assert error_reply(SyntaxError("bad"), unavailable=OSError)[1] == "syntax"
