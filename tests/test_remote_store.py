"""Binding parameters for a remote store (`passerelle.remote_store.with_values`) and reading a
remote store's settings (`passerelle.remote.endpoint_from`), without any server.

`with_values` must give what pyoxigraph's substitutions give; each case runs both on the
same three-triple store: a p b, a p c, d p e (so a is the subject of two triples, and
nothing is the subject of a triple and the object of another).
"""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Variable
from small_store import EX, small_store

from passerelle.remote import Endpoint, endpoint_from
from passerelle.remote_store import query_form, with_values

A = NamedNode(EX + "a")
URL = "http://127.0.0.1:7878/query"


@pytest.fixture(scope="module")
def store() -> Store:
    return small_store()


def rows(store: Store, text: str, **substitutions) -> list[tuple]:
    solutions = store.query(text, substitutions={Variable(k): v for k, v in
                                                 substitutions.items()})
    return [tuple(None if t is None else t.value for t in row) for row in solutions]


def both(store: Store, text: str, **bindings) -> tuple[list[tuple], list[tuple]]:
    """(pyoxigraph's substitution, the VALUES rewriting): the rows of each."""
    return rows(store, text, **bindings), rows(store, with_values(text, bindings))


def test_a_filter_inside_a_union_branch_sees_the_value(store):
    # The institution query's shape. ?s = a in the first branch: 2 triples have subject a;
    # in the second ?s is an object (b, c, e), never a. One VALUES block at the top only
    # would leave ?x unbound in both FILTERs: no rows.
    text = ("SELECT ?x ?s WHERE { { ?s ?p ?o FILTER(?s = ?x) } UNION "
            "{ ?o ?p ?s FILTER(?s = ?x) } }")
    substituted, rewritten = both(store, text, x=A)
    assert substituted == rewritten == [(A.value, A.value)] * 2
    top_only = text.replace("WHERE {", f"WHERE {{ VALUES ?x {{ {A} }}", 1)
    assert rows(store, top_only) == []


def test_a_subquery_sees_the_value_only_if_it_projects_the_variable(store):
    # Not projected: its ?x is another variable, so it counts all 3 triples; projected: it
    # counts the 2 triples of a.
    hidden = "SELECT ?x ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?x ?p ?o } } }"
    shown = ("SELECT ?x ?n WHERE { { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?o } "
             "GROUP BY ?x } }")
    assert both(store, hidden, x=A) == ([(A.value, "3")], [(A.value, "3")])
    assert both(store, shown, x=A) == ([(A.value, "2")], [(A.value, "2")])
    assert with_values(hidden, {"x": A}).count("VALUES") == 1  # the outer WHERE only


def test_the_answer_shows_the_value_even_where_no_pattern_binds_it(store):
    text = "SELECT ?x ?s WHERE { ?s ?p ?o FILTER(?s != <http://example.org/d>) }"
    substituted, rewritten = both(store, text, x=Literal("given"))
    assert substituted == rewritten == [("given", A.value)] * 2


def test_the_right_side_of_lateral_gets_no_block_and_sees_the_left_value(store):
    # schools-sharing-partners' shape. A VALUES inside LATERAL would rebind ?x, which is in
    # scope on the left: Oxigraph refuses such a query. The left side's ?x (and the outer
    # block) fix it there: the two triples of a, as with pyoxigraph's substitution.
    text = ("SELECT ?x ?o WHERE { { SELECT ?x WHERE { ?x ?p ?any } GROUP BY ?x } "
            "LATERAL { SELECT ?x ?o WHERE { ?x ?p ?o } ORDER BY ?o } }")
    substituted, rewritten = both(store, text, x=A)
    assert substituted == rewritten == [(A.value, EX + "b"), (A.value, EX + "c")]
    assert with_values(text, {"x": A}).count("VALUES") == 2  # the outer WHERE, the left


def test_groups_that_do_not_mention_the_variable_get_no_block():
    text = "SELECT ?x WHERE { ?x ?p ?o OPTIONAL { ?o ?q ?r } FILTER EXISTS { ?x ?p ?r } }"
    rewritten = with_values(text, {"x": A})
    assert rewritten.count("VALUES") == 2  # the WHERE group and the EXISTS group
    assert "OPTIONAL { ?o ?q ?r }" in rewritten


def test_an_escaped_question_mark_in_a_prefixed_name_is_not_a_variable():
    # ex:p\?x is the IRI ex:p?x (PN_LOCAL_ESC): the OPTIONAL group does not mention ?x, so
    # only the outer group (which binds every variable, for the answer's sake) gets a block.
    text = ("PREFIX ex: <http://example.org/> "
            "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ex:p\\?x ?r } }")
    rewritten = with_values(text, {"x": A})
    assert rewritten.count("VALUES") == 1
    assert "OPTIONAL { ?o ex:p\\?x ?r }" in rewritten


def test_braces_and_variables_in_literals_iris_comments_and_data_blocks_are_left_alone():
    text = ('SELECT ?x ?y WHERE { # a { ?x } in a comment\n'
            '  ?s <http://example.org/q?x=1> "{ ?x }" . VALUES ?y { 1 2 } FILTER(?s = ?x) }')
    rewritten = with_values(text, {"x": A})
    assert rewritten.count("VALUES") == 2  # ours, and the query's own
    assert rewritten == text.replace("WHERE {", f"WHERE {{ VALUES (?x) {{ ({A}) }} ", 1)


def test_terms_are_written_by_pyoxigraph_not_pasted():
    tricky = Literal('a "quoted" } value\n', language="fr")
    rewritten = with_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": tricky})
    assert str(tricky) in rewritten
    assert rows(Store(), rewritten) == []  # it parses: the literal stayed one term


def test_ask_is_rewritten_and_other_forms_or_blank_nodes_are_refused(store):
    # b is an object only: "does b have a triple as subject?" is false both ways.
    for term, expected in ((A, True), (NamedNode(EX + "b"), False)):
        substituted = store.query("ASK { ?x ?p ?o }", substitutions={Variable("x"): term})
        rewritten = store.query(with_values("ASK { ?x ?p ?o }", {"x": term}))
        assert bool(substituted) is bool(rewritten) is expected
    with pytest.raises(ValueError, match="SELECT and ASK"):
        with_values("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", {"x": A})
    with pytest.raises(ValueError, match="only IRIs and literals"):
        with_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": BlankNode()})


def test_query_form_skips_comments_literals_and_iris():
    text = '# CONSTRUCT in a comment\nPREFIX ask: <http://ex/ASK>\nSELECT ("DESCRIBE" AS ?d) {}'
    assert query_form(text) == "SELECT"
    with pytest.raises(SyntaxError):
        query_form("PREFIX ex: <http://example.org/>")


def test_endpoint_defaults():
    endpoint = endpoint_from(URL, {})
    assert endpoint == Endpoint(query_url=URL, update_url=URL)
    assert (endpoint.auth, endpoint.timeout, endpoint.dataset, endpoint.gsp_url) == (
        "basic", 60.0, "named", None)


def test_options_win_over_the_environment_and_the_password_stays_out_of_repr():
    environ = {"PASSERELLE_STORE_UPDATE_URL": "http://127.0.0.1:7878/update",
               "PASSERELLE_STORE_USER": "env-user", "PASSERELLE_STORE_PASSWORD": "s3cret",
               "PASSERELLE_STORE_AUTH": "DIGEST", "PASSERELLE_STORE_TIMEOUT": "2.5",
               "PASSERELLE_STORE_DATASET": "union", "PASSERELLE_STORE_GSP_URL": ""}
    endpoint = endpoint_from(URL, environ, user="option-user", gsp_url=None)
    assert (endpoint.update_url, endpoint.user, endpoint.password, endpoint.auth,
            endpoint.timeout, endpoint.dataset, endpoint.gsp_url) == (
        "http://127.0.0.1:7878/update", "option-user", "s3cret", "digest", 2.5, "union", None)
    assert "s3cret" not in repr(endpoint)


@pytest.mark.parametrize(("location", "options", "message"), [
    ("var/store", {}, "not the http"),
    (URL, {"auth": "kerberos"}, "authentication"),
    (URL, {"timeout": "0"}, "positive"),
    (URL, {"timeout": "soon"}, "number of seconds"),
    (URL, {"dataset": "default"}, "store dataset"),
    (URL, {"password_file": "x"}, "unknown remote store options"),
])
def test_bad_settings_are_refused(location, options, message):
    with pytest.raises(ValueError, match=message):
        endpoint_from(location, {}, **options)
