"""The agreement vocabulary: every wording of the documents maps to the right key."""

from __future__ import annotations

import pytest

from graph.parse.agreement_text import (
    NETWORK_PHRASES,
    TYPE_PHRASES,
    AgreementTerms,
    network_key,
    parse_agreement_text,
)
from graph.records import IN_NEGOTIATION, STATUSES
from passerelle.vocabulary import AGREEMENT_TYPES, NETWORKS

# Each wording as 000 or 003 writes it (copied from the documents, with the line where it
# first occurs) and the one type it must give.
TYPE_WORDINGS = [
    ("Double diplôme ingénieur", "engineering-double-degree"),  # 000:19
    ("Double Diplôme ingénieur", "engineering-double-degree"),  # 000:79
    ("double diplôme ingénieur", "engineering-double-degree"),
    ("Double diplôme", "double-degree"),  # 000:45
    ("douple diplôme", "double-degree"),  # 000:215, typo
    ("Double diplôme master", "master-double-degree"),  # 000:106
    ("Engineering Double Degree", "engineering-double-degree"),  # 000:11 gloss
    ("Accord cadre", "framework-agreement"),  # 000:30
    ("accord cadre", "framework-agreement"),  # 000:215
    ("Accord cadre recherche", "research-framework-agreement"),  # 000:141
    ("Accord cadre de cotutelle", "cotutelle-framework"),  # 000:55
    ("Cotutelle Doctorat", "doctoral-cotutelle"),  # 000:221
    ("Accord d’échange en Doctorat", "doctoral-exchange"),  # 000:220, curly apostrophe
    ("Accord d'échange en Doctorat", "doctoral-exchange"),
    ("Doctorat", "doctoral-agreement"),  # 000:260
    ("Echange", "exchange"),  # 000:67
    ("Échange", "exchange"),  # 000:15
    ("échange", "exchange"),  # 000:242
    ("Echange ", "exchange"),  # 000:71, stray space
    ("Bilateral", "bilateral"),  # 003:5
]

NETWORK_WORDINGS = [
    ("Erasmus+", "erasmus-plus"),  # 000:19
    ("Erasmus +", "erasmus-plus"),  # 000:130
    ("ERASMUS+", "erasmus-plus"),  # 004:21
    ("ERAMUS+", "erasmus-plus"),  # 004:7, typo
    ("Athens", "athens"),
    ("Brafitec", "brafitec"),
    ("Arfitec", "arfitec"),
    ("GE3", "ge3"),
    ("EUList", "eulist"),
    ("EUR-ACE", "eur-ace"),  # 004:7
    ("RICS", "rics"),
    ("UFA", "ufa"),
    ("AUF", "auf"),
    ("Qualité FLE", "qualite-fle"),  # 004:7
]


@pytest.mark.parametrize(("wording", "key"), TYPE_WORDINGS)
def test_each_type_wording_gives_its_type(wording, key):
    assert parse_agreement_text(wording) == AgreementTerms(types=(key,))


@pytest.mark.parametrize(("wording", "key"), NETWORK_WORDINGS)
def test_each_network_wording_gives_its_network(wording, key):
    assert network_key(wording) == key
    assert parse_agreement_text(wording) == AgreementTerms(networks=(key,))


def test_names_that_contain_a_network_word_are_not_networks():
    # "Athens" is a network, "National Technical University of Athens" is not (000:117).
    assert network_key("National Technical University of Athens") is None
    assert network_key("Erasmus+ Charter") is None


def test_list_separators_comma_et_and_ampersand():
    # 000:20 and 000:152.
    assert parse_agreement_text("Double diplôme ingénieur, Erasmus+ et Athens") == AgreementTerms(
        types=("engineering-double-degree",), networks=("athens", "erasmus-plus")
    )
    assert parse_agreement_text("Double Diplôme ingénieur & Echange").types == (
        "engineering-double-degree",
        "exchange",
    )


def test_bilingual_gloss_of_line_196_keeps_the_narrower_type():
    # "Double Diplôme" alone is double-degree; its gloss says engineering: the narrower wins.
    terms = parse_agreement_text("Erasmus+, Double Diplôme / Engineering Double Degree")
    assert terms == AgreementTerms(types=("engineering-double-degree",), networks=("erasmus-plus",))


def test_table_cells_split_on_bare_slash_only_in_table_mode():
    # 003:58 "Bilateral/Erasmus+/GE3"; in list mode a bare "/" does not separate terms.
    assert parse_agreement_text("Bilateral/Erasmus+/GE3", "table") == AgreementTerms(
        types=("bilateral",), networks=("erasmus-plus", "ge3")
    )
    assert parse_agreement_text("Bilateral/GE3", "list").unknown == ("Bilateral/GE3",)
    assert parse_agreement_text("Bilateral & Erasmus+", "table").networks == ("erasmus-plus",)


def test_in_process_is_a_status_not_a_type():
    # 003:30, Czech Technical University.
    terms = parse_agreement_text("in process", "table")
    assert terms == AgreementTerms(status=IN_NEGOTIATION)
    assert terms.stated_types() == ("type-not-stated",)


def test_broader_and_narrower_of_different_families_are_both_kept():
    # 000:260 "Accord cadre, Doctorat": a framework agreement and a doctoral agreement.
    assert parse_agreement_text("Accord cadre, Doctorat").types == (
        "doctoral-agreement",
        "framework-agreement",
    )


def test_unknown_terms_are_returned_verbatim_with_what_was_understood():
    terms = parse_agreement_text("Erasmus+, stage de recherche et Echange")
    assert terms == AgreementTerms(
        types=("exchange",), networks=("erasmus-plus",), unknown=("stage de recherche",)
    )


def test_empty_text_says_nothing():
    assert parse_agreement_text("") == AgreementTerms()
    assert parse_agreement_text(" , ") == AgreementTerms()


def test_unknown_separator_mode_is_refused():
    with pytest.raises(ValueError, match="unknown separators 'tsv'"):
        parse_agreement_text("Bilateral", "tsv")


def test_every_phrase_maps_to_a_key_of_the_vocabulary():
    assert set(TYPE_PHRASES.values()) <= set(AGREEMENT_TYPES)
    assert set(NETWORK_PHRASES.values()) <= set(NETWORKS)
    assert IN_NEGOTIATION in STATUSES
