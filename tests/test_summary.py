"""The summary graph of the seed build (graph/summary.py), and each judgement it makes.

Hand-checked from the documents (tests/test_catalogue.py explains the counts): 000 lists 100
partner institutions of Télécom Paris in 40 countries on 109 agreement lines, 7 of them in
Germany; 003 lists 108 institutions on 108 rows in 30 countries; ESTP names 7 partners.
Télécom Paris and 003 share 21 partners (100 + 108 - 21 = 187 in either); ESTP shares 3 with
each (7 + 100 - 3 = 104, 7 + 108 - 3 = 112).
"""

from __future__ import annotations

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store

from graph import shacl, summary
from graph.build import SHAPES

ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
SUMMARY = NamedNode("https://w3id.org/passerelle/graph/summary")
DECIMAL = NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
TELECOM, ESTP, SCHOOL_003 = (ID + "institution/" + s
                             for s in ("telecom-paris", "estp", "unidentified-school-003"))


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


def values(store: Store, subject: str) -> dict[str, str]:
    quads = store.quads_for_pattern(NamedNode(ID + "summary/" + subject), None, None, SUMMARY)
    return {q.predicate.value.removeprefix(PAS): q.object.value for q in quads
            if q.predicate.value.startswith(PAS)}


def test_school_summaries_count_partners_agreements_and_countries(store):
    assert values(store, "school/telecom-paris") == {
        "aboutSchool": TELECOM, "partnerCount": "100", "agreementCount": "109",
        "countryCount": "40"}
    assert values(store, "school/unidentified-school-003")["partnerCount"] == "108"
    assert values(store, "school/estp")["countryCount"] == "5"  # US, GB, IT, DE, CN


def test_overlaps_of_the_three_pairs(store):
    found = {(v["aboutSchool"], v["aboutOtherSchool"]):
             (v["sharedPartnerCount"], v["unionPartnerCount"], v["jaccard"])
             for v in (values(store, f"overlap/{pair}") for pair in
                       ("estp/telecom-paris", "estp/unidentified-school-003",
                        "telecom-paris/unidentified-school-003"))}
    assert found == {(ESTP, TELECOM): ("3", "104", "0.0288"),
                     (ESTP, SCHOOL_003): ("3", "112", "0.0268"),
                     (TELECOM, SCHOOL_003): ("21", "187", "0.1123")}


def test_a_country_tally_of_one_school_and_of_all(store):
    germany = values(store, "tally/telecom-paris/country/de")
    assert (germany["partnerCount"], germany["tallyOf"]) == ("7", ID + "country/de")
    assert "schoolCount" not in germany
    everyone = values(store, "tally/all-schools/country/de")
    assert everyone["schoolCount"] == "3" and "aboutSchool" not in everyone


def test_joined_keeps_a_language_tag_only_when_every_label_has_it():
    english = [Literal("b", language="en"), Literal("a", language="en")]
    assert summary.joined(english) == Literal("b; a", language="en")
    assert summary.joined([*english, Literal("c")]) == Literal("b; a; c")
    assert summary.joined([Literal("x", language="en"), Literal("y", language="fr")]) == \
        Literal("x; y")


def test_empty_items_are_taken_out_with_their_separator():
    assert summary.without_empty_items(Literal("; Erasmus+; ; ATHENS; ")) == \
        Literal("Erasmus+; ATHENS")
    assert summary.without_empty_items(Literal("")) == Literal("")


@pytest.mark.parametrize(("shared", "union", "text"), [
    (21, 187, "0.1123"), (0, 5, "0"), (3, 3, "1"), (1, 8, "0.125"), (1, 3, "0.3333"),
    (1, 20000, "0.0001"), (1, 30000, "0")])  # 0.0000333.. rounds to 0
def test_jaccard_is_rounded_as_sparql_rounds_it(shared, union, text):
    assert summary.jaccard(shared, union).value == text


def school(name: str) -> NamedNode:
    return NamedNode(ID + "institution/" + name)


def test_past_the_pair_bound_each_school_keeps_its_closest_pairs():
    partners = {school("a"): {school(p) for p in "pqr"}, school("b"): {school(p) for p in "pq"},
                school("c"): {school("r")}, school("d"): {school("z")}}
    everything = summary._Overlaps(partners, max_pairs=6)
    assert [(a.value[-1], b.value[-1], n) for a, b, n in everything._pairs()] == [
        ("a", "b", 2), ("a", "c", 1), ("a", "d", 0), ("b", "c", 0), ("b", "d", 0),
        ("c", "d", 0)]
    # 6 pairs, at most 4: one per school, its closest sharing one; d shares nothing.
    bounded = summary._Overlaps(partners, max_pairs=4)
    assert [(a.value[-1], b.value[-1], n) for a, b, n in bounded._pairs()] == [
        ("a", "b", 2), ("a", "c", 1)]


def test_a_broken_summary_is_caught_by_the_shapes(store):
    broken = Store()
    broken.extend(store.quads_for_pattern(None, None, None, None))
    overlap = NamedNode(ID + "summary/overlap/estp/telecom-paris")
    broken.remove(next(iter(broken.quads_for_pattern(
        overlap, NamedNode(PAS + "jaccard"), None, SUMMARY))))
    found = shacl.validate(broken, shacl.read_shapes(rdflib.Graph().parse(SHAPES)))
    assert [(v.focus, v.path, v.component) for v in found] == [
        (f"<{overlap.value}>", PAS + "jaccard", "MinCountConstraintComponent")]


def test_a_summary_value_of_the_wrong_type_is_caught_alone_or_beside_a_second_value(store):
    # graph/shacl.py checks a property shape's counts and value tests in one pass and asks for
    # the failing values only when one fails: each case must still name what it breaks.
    overlap = NamedNode(ID + "summary/overlap/estp/telecom-paris")
    jaccard = NamedNode(PAS + "jaccard")
    shapes = shacl.read_shapes(rdflib.Graph().parse(SHAPES))
    broken = Store()
    broken.extend(store.quads_for_pattern(None, None, None, None))
    broken.remove(next(iter(broken.quads_for_pattern(overlap, jaccard, None, SUMMARY))))
    broken.add(Quad(overlap, jaccard, Literal("0.0288"), SUMMARY))  # a string, not a decimal
    found = [(v.focus, v.value, v.component) for v in shacl.validate(broken, shapes)]
    assert found == [(f"<{overlap.value}>", '"0.0288"', "DatatypeConstraintComponent")]
    broken.add(Quad(overlap, jaccard, Literal("0.0288", datatype=DECIMAL), SUMMARY))
    found = [(v.focus, v.value, v.component) for v in shacl.validate(broken, shapes)]
    assert found == [(f"<{overlap.value}>", None, "MaxCountConstraintComponent"),
                     (f"<{overlap.value}>", '"0.0288"', "DatatypeConstraintComponent")]
