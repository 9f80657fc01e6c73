"""Parameters written into a query as constants (`passerelle.inline`): each judgement of the
rewriter, the exact text it writes, and the same rows as pyoxigraph's substitutions on the
same small store: a p b, a p c, d p e, and d q "a literal with quotes and a backslash".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Variable
from small_store import EX, small_store

from passerelle.canned import bind, load_queries
from passerelle.inline import Template, fill

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = load_queries(ROOT / "queries")

A = NamedNode(EX + "a")
D = NamedNode(EX + "d")
TRICKY = Literal('say "hi" \\ and \'bye\'\nthen')


@pytest.fixture(scope="module")
def store() -> Store:
    return small_store(Quad(D, NamedNode(EX + "q"), TRICKY))


def rows(store: Store, text: str, substitutions: dict | None = None) -> list[tuple]:
    solutions = store.query(text, substitutions={Variable(k): v for k, v in
                                                 (substitutions or {}).items()})
    return [tuple(None if t is None else t.value for t in row) for row in solutions]


def written(text: str, **bound) -> str:
    """The text with every bound term written in (none may stay substituted)."""
    filled, substituted = Template.of(text, frozenset(bound)).fill(bound)
    assert substituted == {}
    return filled


def same_rows(store: Store, text: str, **bound) -> list[tuple]:
    """The rows of the written-in text, which must be those of pyoxigraph's substitutions."""
    filled, substituted = Template.of(text, frozenset(bound)).fill(bound)
    expected = rows(store, text, bound)
    assert rows(store, filled, substituted) == expected
    return expected


def test_a_variable_in_a_pattern_becomes_the_term_and_the_outer_projection_keeps_its_column(
        store):
    text = "SELECT ?x ?o WHERE { ?x ?p ?o } ORDER BY ?o"
    assert written(text, x=A) == (f"SELECT (<{EX}a> AS ?x) ?o WHERE {{ <{EX}a> ?p ?o }} "
                                  "ORDER BY ?o")
    assert same_rows(store, text, x=A) == [(A.value, EX + "b"), (A.value, EX + "c")]


def test_a_subquery_that_projects_the_variable_drops_it_from_its_projection(store):
    text = ("SELECT ?x ?n WHERE { { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?o } "
            "GROUP BY ?x } }")
    assert written(text, x=A) == (f"SELECT (<{EX}a> AS ?x) ?n WHERE {{ {{ SELECT  (COUNT(*) "
                                  f"AS ?n) WHERE {{ <{EX}a> ?p ?o }} GROUP BY (<{EX}a>) }} }}")
    assert same_rows(store, text, x=A) == [(A.value, "2")]


def test_a_subquery_that_does_not_project_the_variable_keeps_its_own(store):
    # Its ?x is another variable: it counts all three p triples, as with substitutions.
    text = ("SELECT ?x ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE "
            "{ ?x <http://example.org/p> ?o } } }")
    assert written(text, x=A) == text.replace("SELECT ?x", f"SELECT (<{EX}a> AS ?x)", 1)
    assert same_rows(store, text, x=A) == [(A.value, "3")]


def test_a_subquery_with_star_sees_the_variable(store):
    text = "SELECT ?x ?o WHERE { { SELECT * WHERE { ?x <http://example.org/p> ?o } } }"
    assert written(text, x=D).endswith(f"{{ SELECT * WHERE {{ <{EX}d> <{EX}p> ?o }} }} }}")
    assert same_rows(store, text, x=D) == [(D.value, EX + "e")]


def test_group_by_and_order_by_keys_are_parenthesised_but_not_inside_an_expression(store):
    text = ("SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?x ?p "
            "ORDER BY ?x DESC(?x)")
    assert written(text, x=A).endswith(f"GROUP BY (<{EX}a>) ?p ORDER BY (<{EX}a>) "
                                       f"DESC(<{EX}a>)")
    assert same_rows(store, text, x=A) == [(A.value, "2")]


def test_a_literal_with_quotes_backslashes_and_a_new_line_is_written_escaped(store):
    text = "SELECT ?s ?t WHERE { ?s <http://example.org/q> ?t }"
    assert written(text, t=TRICKY).endswith(
        "WHERE { ?s <http://example.org/q> \"say \\\"hi\\\" \\\\ and 'bye'\\nthen\" }")
    assert same_rows(store, text, t=TRICKY) == [(D.value, TRICKY.value)]


def test_the_dollar_spelling_is_the_same_variable(store):
    text = "SELECT $x ?o WHERE { $x ?p ?o FILTER(?x = $x) } ORDER BY ?p"
    assert written(text, x=D) == (f"SELECT (<{EX}d> AS $x) ?o WHERE {{ <{EX}d> ?p ?o "
                                  f"FILTER(<{EX}d> = <{EX}d>) }} ORDER BY ?p")
    assert same_rows(store, text, x=D) == [(D.value, EX + "e"), (D.value, TRICKY.value)]


def test_a_longer_variable_that_starts_with_the_name_is_another_variable():
    text = "SELECT ?school ?schoolLabel WHERE { ?school ?p ?schoolLabel }"
    assert written(text, school=A) == (f"SELECT (<{EX}a> AS ?school) ?schoolLabel WHERE "
                                       f"{{ <{EX}a> ?p ?schoolLabel }}")


def test_a_variable_in_a_comment_a_literal_an_iri_or_an_escaped_name_is_not_touched():
    text = ('PREFIX ex: <http://example.org/?x>\nSELECT ?x ?o WHERE {\n  # about ?x\n'
            '  ?x ex:p\\?x ?o FILTER(?o != "?x" && ?o != """$x""") }')
    assert written(text, x=A) == text.replace("SELECT ?x", f"SELECT (<{EX}a> AS ?x)").replace(
        "  ?x ex:p", f"  <{EX}a> ex:p")


def test_a_parameter_left_out_keeps_its_variable_unbound(store):
    # The optional-parameter idiom: isIRI of the constant when given, of nothing otherwise.
    text = "SELECT ?x ?given WHERE { BIND(COALESCE(isIRI(?x), false) AS ?given) }"
    template = Template.of(text, frozenset({"x"}))
    assert template.fill({}) == (text, {})
    assert rows(Store(), template.fill({"x": A})[0]) == [(A.value, "true")]
    assert rows(Store(), text) == [(None, "false")]


def test_the_target_of_as_stays_a_substitution(store):
    text = "SELECT ?x ?o WHERE { ?s ?p ?o BIND(?s AS ?x) } ORDER BY ?o"
    template = Template.of(text, frozenset({"x"}))
    assert template.substituted == {"x": "line 1: ?x is the target of AS: a constant cannot "
                                         "be bound to a value"}
    assert template.fill({"x": A}) == (text, {"x": A})
    assert same_rows(store, text, x=A) == [(A.value, EX + "b"), (A.value, EX + "c")]


def test_a_values_variable_stays_a_substitution():
    text = "SELECT ?x ?o WHERE { VALUES ?x { <http://example.org/a> } ?x ?p ?o }"
    assert Template.of(text, frozenset({"x"})).substituted == {
        "x": "line 1: ?x is a variable of a VALUES block: a constant cannot be one"}


def test_an_outer_select_star_keeps_substitutions_so_that_the_column_stays():
    text = "SELECT * WHERE { ?x ?p ?o }"
    assert Template.of(text, frozenset({"x"})).substituted == {
        "x": "line 1: ?x is a parameter of a SELECT * query: list the columns, so that a "
             "parameter's column stays"}


def test_a_subquery_projecting_only_parameters_keeps_them_substituted(store):
    text = "SELECT ?x ?o WHERE { ?x ?p ?o { SELECT ?x WHERE { ?x ?p ?other } } }"
    template = Template.of(text, frozenset({"x"}))
    assert template.substituted == {"x": "line 1: the subquery projects only parameters (?x): "
                                         "with constants it would project nothing"}
    assert same_rows(store, text, x=D) == [(D.value, EX + "e"), (D.value, TRICKY.value)] * 2


def test_the_target_of_as_in_a_subquery_that_does_not_see_the_parameter_is_its_own():
    text = "SELECT ?x WHERE { ?x ?p ?o { SELECT ?y WHERE { BIND(1 AS ?x) ?y ?q ?z } } }"
    template = Template.of(text, frozenset({"x"}))
    assert template.substituted == {}
    assert template.fill({"x": A})[0].endswith("{ SELECT ?y WHERE { BIND(1 AS ?x) ?y ?q ?z } } }")


def test_a_blank_node_is_not_written_in():
    with pytest.raises(ValueError, match="only an IRI or a literal"):
        fill("SELECT ?x WHERE { ?x ?p ?o }", {"x": BlankNode()})


def test_every_catalogue_parameter_is_written_in_but_the_status_filter_of_partners():
    # partners.rq computes its status column with AS ?status, the parameter's name.
    kept = {name: set(query.template.substituted) for name, query in CATALOGUE.items()
            if query.template.substituted}
    assert kept == {"partners": {"status"}}


@pytest.mark.parametrize("name", sorted(name for name, query in CATALOGUE.items()
                                        if query.params and "federated" not in query.tags))
def test_each_canned_query_written_in_gives_the_rows_of_its_substitutions(name, seed_store_path):
    store = Store.read_only(str(seed_store_path / "oxigraph"))
    query = CATALOGUE[name]
    examples = query.examples()
    for values in (examples, {p.name: examples[p.name] for p in query.params if p.required}):
        bound = bind(query, values, store)
        filled, substituted = query.template.fill(bound)
        expected = store.query(query.sparql, use_default_graph_as_union=True,
                               substitutions={Variable(k): v for k, v in bound.items()})
        answer = store.query(filled, use_default_graph_as_union=True,
                             substitutions={Variable(k): v for k, v in substituted.items()})
        expected, answer = list(map(tuple, expected)), list(map(tuple, answer))
        assert answer == expected and answer, (name, values)
