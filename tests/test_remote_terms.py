"""A remote store's terms read back by declared type (passerelle.remote_terms): each rule on
the spellings Virtuoso 7.2 answered (recorded from `make virtuoso-check`), what no rule
touches, and the declarations themselves (canned query headers, the ontology's ranges).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from passerelle.canned import CannedQueryError, load_queries, load_query, run
from passerelle.remote import read_results
from passerelle.remote_terms import declared_type, normalise
from passerelle.vocabulary import XSD

ROOT = Path(__file__).resolve().parent.parent
BOOLEAN, DURATION, INTEGER = (NamedNode(XSD + n) for n in ("boolean", "duration", "integer"))
# A SELECT answer exactly as Virtuoso 7.2 wrote it: ESTP's apprentice-minimum programme
# (pas:minDuration "P56D", pas:mandatory true), (?mandatory = true), and a GROUP_CONCAT of
# two English labels.
VIRTUOSO_ANSWER = b"""
{ "head": { "link": [], "vars": ["minDuration", "mandatory", "same", "types"] },
  "results": { "distinct": false, "ordered": true, "bindings": [
    { "minDuration": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#duration", "value": "4.8384e+06" }\t, "mandatory": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1" }\t, "same": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1" }\t, "types": { "type": "literal", "value": "bilateral agreement; framework agreement" }} ] } }
"""  # noqa: E501 (the store's own line)


def duration(text: str) -> Literal:
    return Literal(text, datatype=DURATION)


# ---- xsd:boolean ------------------------------------------------------------------------------

@pytest.mark.parametrize(("spelled", "datatype", "value"), [
    ("1", BOOLEAN, "true"), ("0", BOOLEAN, "false"),  # how Virtuoso stores true and false
    ("1", INTEGER, "true"), ("0", INTEGER, "false"),  # how it answers (?a = ?b)
    ("true", BOOLEAN, "true"),
])
def test_a_declared_boolean_is_true_or_false(spelled, datatype, value):
    term = normalise(Literal(spelled, datatype=datatype), XSD + "boolean")
    assert term == Literal(value, datatype=BOOLEAN)


@pytest.mark.parametrize("term", [
    Literal("2", datatype=INTEGER),  # not a truth value: the difference must show
    Literal("1"),  # a text
    Literal("1", language="en"),
])
def test_a_declared_boolean_that_is_no_truth_value_stays(term):
    assert normalise(term, XSD + "boolean") == term


def test_an_undeclared_column_stays_as_the_store_wrote_it():
    assert normalise(Literal("1", datatype=BOOLEAN), None) == Literal("1", datatype=BOOLEAN)
    assert normalise(duration("6"), XSD + "boolean") == duration("6")


# ---- xsd:duration -----------------------------------------------------------------------------

# (as written in the data, as Virtuoso 7.2 answered it), recorded from a Virtuoso loaded by
# the Graph Store Protocol as `passerelle build --store` loads it.
VIRTUOSO_DURATIONS = [
    ("P6M", "6"), ("P1Y6M", "18"), ("P1Y", "12"), ("P100Y", "1200"), ("-P3M", "-3"),
    ("P56D", "4.8384e+06"), ("P63D", "5.4432e+06"), ("P400D", "3.456e+07"),
    ("P0D", "0.0"), ("P0M", "0.0"), ("PT1.5S", "1.5"), ("-P2D", "-172800.0"),
    ("P2DT3H", "183600.0"), ("PT36H", "129600.0"),
]


@pytest.mark.parametrize(("written", "answered"), VIRTUOSO_DURATIONS)
def test_a_declared_duration_is_spelled_as_the_embedded_store_spells_it(written, answered):
    # Oxigraph keeps a duration as its value and writes it canonically (P36H -> P1DT12H).
    embedded = Store()
    embedded.add(Quad(NamedNode("urn:x:s"), NamedNode("urn:x:p"), duration(written)))
    expected = next(iter(embedded)).object
    assert normalise(duration(answered), XSD + "duration") == expected


def test_durations_by_hand():
    assert normalise(duration("4.8384e+06"), XSD + "duration") == duration("P56D")
    assert normalise(duration("18"), XSD + "duration") == duration("P1Y6M")
    assert normalise(duration("5430.25"), XSD + "duration") == duration("PT1H30M30.25S")


@pytest.mark.parametrize("term", [
    duration("P8W"),  # Virtuoso keeps a spelling it cannot read as it was written
    duration("P1Y2M3DT4H5M6.5S"),
    Literal("6", datatype=INTEGER),  # a number is not a duration unless typed as one
    Literal("6"),
])
def test_an_iso_duration_or_an_untyped_number_stays(term):
    assert normalise(term, XSD + "duration") == term


# ---- language ---------------------------------------------------------------------------------

def test_a_text_declared_english_gets_its_language_back():
    # GROUP_CONCAT of English labels: a simple literal in SPARQL 1.1 (Virtuoso), the shared
    # language kept in SPARQL 1.2 (Oxigraph).
    assert normalise(Literal("bilateral agreement; exchange"), "@en") == Literal(
        "bilateral agreement; exchange", language="en")


@pytest.mark.parametrize("term", [Literal("accord", language="fr"),
                                  Literal("3", datatype=INTEGER)])
def test_a_text_in_another_language_or_a_typed_value_stays(term):
    assert normalise(term, "@en") == term


# ---- Reading an answer ------------------------------------------------------------------------

def test_a_remote_answer_is_read_by_its_declared_columns():
    declared = {"minDuration": XSD + "duration", "mandatory": XSD + "boolean",
                "same": XSD + "boolean", "types": "@en"}
    row = next(iter(read_results(io.BytesIO(VIRTUOSO_ANSWER), declared)))
    assert list(row) == [duration("P56D"), Literal("true", datatype=BOOLEAN),
                         Literal("true", datatype=BOOLEAN),
                         Literal("bilateral agreement; framework agreement", language="en")]
    # Without declarations, the answer is the store's.
    row = next(iter(read_results(io.BytesIO(VIRTUOSO_ANSWER))))
    assert list(row) == [duration("4.8384e+06"), Literal("1", datatype=BOOLEAN),
                         Literal("1", datatype=INTEGER),
                         Literal("bilateral agreement; framework agreement")]


# ---- Declarations -----------------------------------------------------------------------------

def test_declared_types_are_named_in_one_spelling():
    assert declared_type("xsd:boolean") == declared_type(XSD + "boolean") == XSD + "boolean"
    assert declared_type("@EN") == "@en"
    with pytest.raises(ValueError, match="'xsd:integer' is not a declared type"):
        declared_type("xsd:integer")


@pytest.mark.parametrize(("columns", "message"), [
    ("#+   nothing: xsd:boolean", "'nothing' is not a variable of the query"),
    ("#+   flag: xsd:date", "'flag': 'xsd:date' is not a declared type"),
])
def test_a_bad_column_declaration_names_the_file(tmp_path, columns, message):
    path = tmp_path / "flags.rq"
    path.write_text("#+ title: Flags\n#+ columns:\n" + columns + "\n"
                    "SELECT ?flag WHERE { BIND(true AS ?flag) }\n", encoding="utf-8")
    with pytest.raises(CannedQueryError, match=f"flags.rq: columns: {message}"):
        load_query(path)


def test_every_declared_column_is_spelled_so_on_the_embedded_store(seed_store_path):
    # A declaration must be true of the embedded answers: each value of a declared column
    # is of its type and already in the spelling the rules aim at.
    store = Store.read_only(str(seed_store_path / "oxigraph"))
    declared = {name: q for name, q in load_queries(ROOT / "queries").items() if q.columns}
    assert sorted(declared) == ["faculty-agreements", "partners", "programmes",
                                "published-figures-check"]
    from test_catalogue_contract import EXAMPLES

    portable = {name: q.portable for name, q in load_queries(ROOT / "queries").items()
                if q.portable is not None and q.portable.columns}
    assert sorted(portable) == ["institution", "schools-sharing-partners"]
    for name, query in [*declared.items(), *portable.items()]:
        result = run(store, query, EXAMPLES[name])
        seen = 0
        for column, kind in query.columns:
            values = [row[result.variables.index(column)] for row in result.rows]
            for term in filter(None, values):
                seen += 1
                assert normalise(term, kind) == term, (name, column, term)
                if kind.startswith("@"):
                    assert term.language == kind[1:], (name, column, term)
                else:
                    assert term.datatype.value == kind, (name, column, term)
        assert seen > 0, name


# ---- A portable formulation -------------------------------------------------------------------

HEADER = "#+ title: Flags\n#+ params:\n#+   - name: flag\n#+     type: string\n"


@pytest.mark.parametrize(("portable", "message"), [
    ("SELECT ?flag WHERE { {} LATERAL { BIND(1 AS ?x) } }",
     "portable: flags-1.rq uses LATERAL too"),
    ("SELECT ?other WHERE { BIND(1 AS ?other) }",
     "portable: flags-1.rq does not take the same parameters"),
])
def test_a_portable_formulation_is_sparql_1_1_with_the_same_parameters(tmp_path, portable,
                                                                        message):
    (tmp_path / "flags-1.rq").write_text(
        (HEADER if "?flag" in portable else "#+ title: Flags\n") + portable + "\n",
        encoding="utf-8")
    (tmp_path / "flags.rq").write_text(HEADER + "#+ portable: flags-1.rq\n"
                                       "SELECT ?flag WHERE { {} LATERAL { BIND(?flag AS ?y) } }\n",
                                       encoding="utf-8")
    with pytest.raises(CannedQueryError, match=f"flags.rq: {message}"):
        load_query(tmp_path / "flags.rq")
