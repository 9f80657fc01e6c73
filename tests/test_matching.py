"""The name matcher (passerelle/matching.py): one test per judgement it makes.

The names are the registry's real institutions (seeds/registry.toml) and the names of their
ROR records (seeds/identifiers/ror-records.json), written the ways schools write them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.registry import load_registry
from passerelle.folding import close, fold, initials
from passerelle.matching import FACULTY, INSTITUTION, Named, NameIndex

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def names() -> NameIndex:
    return load_registry(SEEDS).names()


def resolved(names: NameIndex, name: str, country: str | None = None, **options) -> str | None:
    return names.resolve(name, country, **options).match


def why_not(names: NameIndex, name: str, country: str | None, entry: str) -> str:
    decision = names.resolve(name, country)
    assert decision.match is None
    return next(c.why_not for c in decision.candidates if c.id == entry)


# --- Unseen spellings that resolve ---------------------------------------------------------

def test_word_order_does_not_matter(names):
    # Registry: "Technical University of Munich".
    assert names.resolve("Munich Technical University", "DE").evidence == "folded"
    assert resolved(names, "Munich Technical University", "DE") == "tum"


def test_the_common_words_of_names_are_the_same_in_every_language(names):
    # "Uni" and "Università degli Studi di" are "University of"; "Catholic" is "Katholieke".
    assert resolved(names, "Uni Stuttgart", "DE") == "uni-stuttgart"
    assert resolved(names, "Universita degli Studi di Firenze", "IT") == "unifi"
    assert resolved(names, "Catholic University of Leuven", "BE") == "kuleuven"
    assert resolved(names, "Warsaw Technical University", "PL") == "pw"


def test_the_ror_record_names_in_every_language_count(names):
    # Not in the registry; labels of the ROR records of KTH (sv), TU Delft (nl), PW (pl).
    assert resolved(names, "Kungliga Tekniska högskolan", "SE") == "kth"
    assert resolved(names, "Technische Universiteit Delft", "NL") == "tudelft"
    assert resolved(names, "Politechnika Warszawska", "PL") == "pw"


def test_accents_and_punctuation_do_not_matter(names):
    assert resolved(names, "Istanbul Teknik Universitesi", "TR") == "itu"
    assert resolved(names, "Pohang University of Science & Technology", "KR") == "postech"


def test_a_small_misspelling_of_a_name_word_resolves(names):
    # "Stutgart" (one letter dropped), "Melon" (one letter dropped).
    assert names.resolve("University of Stutgart", "DE").evidence == "spelling"
    assert resolved(names, "University of Stutgart", "DE") == "uni-stuttgart"
    assert resolved(names, "Carnegie Melon University", "US") == "cmu"


def test_a_misspelt_common_word_is_still_that_word(names):
    # "Politechnico" (an h too many), "Univeristy" (two letters swapped).
    assert resolved(names, "Politechnico di Torino", "IT") == "polito"
    assert resolved(names, "Univeristy of Michigan", "US") == "umich"


def test_an_acronym_resolves_within_its_country(names):
    # KTH: the acronym of KTH's ROR record; UPM: of the Universidad Politécnica de Madrid's.
    assert names.resolve("KTH", "SE").evidence == "acronym"
    assert resolved(names, "KTH", "SE") == "kth"
    assert resolved(names, "UPM", "ES") == "upm"


def test_the_initials_of_a_name_are_an_acronym():
    index = NameIndex.of([Named("a", INSTITUTION, "Universidad Tecnológica Nacional", "AR",
                                names=("Universidad Tecnológica Nacional",))])
    assert initials("Universidad Tecnológica Nacional") == "utn"
    decision = index.resolve("UTN", "AR")
    assert (decision.match, decision.evidence) == ("a", "initials")


def test_a_name_that_carries_the_acronym_as_a_word_resolves(names):
    assert resolved(names, "Lappeenranta-Lahti University of Technology LUT", "FI") == "lut"


def test_a_roman_one_closing_a_name_is_a_number(names):
    assert fold("Claude Bernard Lyon I") == fold("Claude Bernard Lyon 1")
    # Registry: "Claude Bernard University Lyon 1" (label), "Claude Bernard Lyon I" (alias).
    assert resolved(names, "Université Claude Bernard Lyon I", "FR") == "ucbl"


# --- Look-alikes that must not resolve ------------------------------------------------------

def test_the_country_must_agree(names):
    # UCL is UCLouvain's acronym (BE); in the United Kingdom it is another university.
    assert resolved(names, "UCL", "BE") == "uclouvain"
    assert why_not(names, "UCL", "GB", "uclouvain") == "in BE, not GB"


def test_without_a_country_only_a_whole_name_resolves(names):
    assert resolved(names, "Munich Technical University") == "tum"
    assert resolved(names, "KTH") is None
    assert resolved(names, "University of Stutgart") is None


def test_a_faculty_is_not_its_university(names):
    assert resolved(names, "Faculty of Engineering of the University of Porto", "PT") is None
    assert "differs in words" in why_not(
        names, "Faculty of Engineering of the University of Porto", "PT", "uporto")


def test_a_university_is_not_its_faculty(names):
    decision = names.resolve("Universidad Buenos Aires", "AR")
    assert decision.match == "uba"
    refused = {c.id: c.why_not for c in decision.candidates if c.id != "uba"}
    assert refused["uba-fiuba"].startswith("a faculty of uba;")


def test_a_faculty_named_with_its_university_resolves_to_the_faculty(names):
    assert resolved(names, "Universidad de Buenos Aires, Facultad de Ingeniería",
                    "AR") == "uba-fiuba"


def test_a_bare_faculty_name_resolves_only_among_its_universitys_faculties(names):
    # Every Argentine university has a "Facultad de Ingeniería".
    assert resolved(names, "Facultad de Ingenieria", "AR") is None
    assert resolved(names, "Faculty of Engineering", within="uba") == "uba-fiuba"
    assert resolved(names, "School of Computation, Information and Technology",
                    within="tum") == "tum-cit"
    assert resolved(names, "Facultad de Agronomía", within="uba") is None


def test_a_university_system_is_not_one_of_its_campuses(names):
    assert resolved(names, "University of California", "US") == "university-of-california"
    assert resolved(names, "University of California, San Diego", "US") is None
    assert why_not(names, "University of California, San Diego", "US",
                   "university-of-california").startswith(
        "a university system, not one of its campuses;")


def test_one_campus_is_not_another(names):
    decision = names.resolve("University of California Los Angeles", "US")
    assert decision.match == "ucla"
    assert next(c.why_not for c in decision.candidates if c.id == "uc-berkeley").startswith(
        "one campus of the system university-of-california;")


def test_two_universities_of_one_city_are_two(names):
    assert resolved(names, "Tomsk State Polytechnic University", "RU") is None
    assert resolved(names, "Universidad Complutense de Madrid", "ES") is None
    assert resolved(names, "Universitat de València", "ES") is None
    assert resolved(names, "Saint Petersburg State University", "RU") is None


def test_a_state_university_is_not_the_states_system(names):
    assert resolved(names, "North Carolina State University", "US") is None
    assert why_not(names, "North Carolina State University", "US",
                   "university-of-north-carolina").startswith("a university system")


def test_a_state_university_is_not_the_states_university(names):
    assert resolved(names, "Michigan State University", "US") is None


def test_two_equally_good_matches_are_not_chosen_between():
    twins = [Named(i, INSTITUTION, "Universidad Nacional", "XX", names=("Universidad Nacional",))
             for i in ("one", "two")]
    decision = NameIndex.of(twins).resolve("National University", "XX")
    assert decision.match is None
    assert all(c.why_not.startswith("as good a match as another") for c in decision.candidates)


def test_short_words_must_be_spelt_exactly():
    # Four letters tell Wien from Bern; five and more letters allow one slip.
    assert not close("wien", "bern") and not close("graz", "gaza")
    assert close("stutgart", "stuttgart") and close("univeristy", "university")
    assert not close("salerno", "palermo")


def test_a_faculty_entry_without_its_parent_is_never_matched_globally():
    index = NameIndex.of([Named("f", FACULTY, "Faculty of Science", parent="missing",
                                names=("Faculty of Science",))])
    assert index.resolve("Faculty of Science").match is None
