"""passerelle.names: which columns get names, and which label names an IRI (issue 16)."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, Store

from passerelle.names import NamedColumn, lookup, named_columns

ID = "https://w3id.org/passerelle/id/"
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
ISO_CODE = NamedNode("https://w3id.org/passerelle/ontology#isoCode")
TUM = NamedNode(ID + "institution/tum")
DE = NamedNode(ID + "country/de")


def test_an_iri_column_gets_a_label_column_and_a_country_column_a_code_too():
    rows = [(TUM, DE, Literal("3"))]
    assert named_columns(("partner", "country", "n"), rows) == [
        NamedColumn("partner", "partnerLabel", None),
        NamedColumn("country", "countryLabel", "countryCode")]


def test_a_label_column_the_answer_has_is_not_added_twice():
    rows = [(TUM, Literal("TUM"))]
    assert named_columns(("partner", "partnerLabel"), rows) == [
        NamedColumn("partner", None, None)]


def test_a_column_of_country_codes_is_named_through_the_country():
    rows = [(Literal("DE"),), (None,)]
    assert named_columns(("country",), rows) == [NamedColumn("country", "countryLabel", None,
                                                             codes=True)]
    # Two capital letters in a column not about countries are not country codes.
    assert named_columns(("level",), [(Literal("DE"),)]) == []
    assert named_columns(("country",), [(Literal("Germany"),)]) == []


def test_other_iris_and_mixed_columns_are_not_named():
    wikidata = NamedNode("http://www.wikidata.org/entity/Q157808")
    assert named_columns(("wikidata",), [(wikidata,)]) == []
    assert named_columns(("x",), [(TUM,), (Literal("TUM"),)]) == []
    assert named_columns(("x",), [(None,)]) == []  # no value: nothing to tell


def test_lookup_prefers_an_english_label_and_reads_country_codes():
    store = Store()
    store.extend([Quad(TUM, RDFS_LABEL, Literal("Technische Universität München", language="de")),
                  Quad(TUM, RDFS_LABEL, Literal("Technical University of Munich", language="en")),
                  Quad(DE, RDFS_LABEL, Literal("Germany")), Quad(DE, ISO_CODE, Literal("DE"))])
    concept = NamedNode("https://w3id.org/passerelle/ontology#Active")
    store.add(Quad(concept, PREF_LABEL, Literal("active", language="en")))
    names = lookup(store, [TUM.value, DE.value, concept.value, ID + "institution/unknown"])
    assert {iri: (n.label, n.code) for iri, n in names.items()} == {
        TUM.value: ("Technical University of Munich", None), DE.value: ("Germany", "DE"),
        concept.value: ("active", None)}


def test_json_values_are_numbers_booleans_or_text():
    from passerelle.results import native_value

    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert native_value(Literal("21", datatype=NamedNode(xsd + "integer"))) == 21
    assert native_value(Literal("0.1123", datatype=NamedNode(xsd + "decimal"))) == 0.1123
    assert native_value(Literal("true", datatype=NamedNode(xsd + "boolean"))) is True
    assert native_value(Literal("abc", datatype=NamedNode(xsd + "integer"))) == "abc"
    assert native_value(Literal("P6M", datatype=NamedNode(xsd + "duration"))) == "P6M"
    assert native_value(TUM) == TUM.value and native_value(None) is None


def test_with_names_inserts_each_name_after_its_column_and_leaves_unknown_ones_empty():
    from passerelle.names import with_names

    store = Store()
    store.extend([Quad(TUM, RDFS_LABEL, Literal("TUM")), Quad(DE, RDFS_LABEL, Literal("Germany")),
                  Quad(DE, ISO_CODE, Literal("DE"))])
    other = NamedNode(ID + "institution/unknown")
    variables, rows = with_names(("partner", "country", "n"),
                                 [(TUM, DE, Literal("3")), (other, None, Literal("1"))], store)
    assert variables == ["partner", "partnerLabel", "country", "countryLabel", "countryCode",
                         "n"]
    assert rows == [(TUM, Literal("TUM"), DE, Literal("Germany"), Literal("DE"), Literal("3")),
                    (other, None, None, None, None, Literal("1"))]
