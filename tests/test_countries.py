"""Country names and headings as the documents write them -> ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import pytest

from graph.countries import country_code, country_label, heading_country, read_aliases
from graph.errors import BuildError
from passerelle.countries import country_in_any_language, spoken_forms

# Every distinct Country cell of 003 (cut -f1 | sort -u, header and blanks left out) and the
# code it must give; USA, Russia and Turkey come from seeds/countries.toml.
TABLE_COUNTRIES = {
    "Argentina": "AR", "Australia": "AU", "Austria": "AT", "Belgium": "BE", "Canada": "CA",
    "Chile": "CL", "China": "CN", "Cyprus": "CY", "Czech Republic": "CZ", "Denmark": "DK",
    "Estonia": "EE", "France": "FR", "Germany": "DE", "Hong Kong": "HK", "Hungary": "HU",
    "India": "IN", "Italy": "IT", "Japan": "JP", "Mexico": "MX", "Poland": "PL",
    "Romania": "RO", "Russia": "RU", "Singapore": "SG", "South Korea": "KR", "Spain": "ES",
    "Switzerland": "CH", "Taiwan": "TW", "Turkey": "TR", "USA": "US", "Vietnam": "VN",
}  # fmt: skip

# Headings of 000 (the text after "#### "), copied with their odd spacing and apostrophes.
HEADINGS = [
    ("Allemagne / Deutschland / Germany", "DE"),  # 000:17
    ("Corée du Sud / Daehan Min-guk / South Korea", "KR"),  # 000:83
    ("Hongrie/ Magyarország / Hungary", "HU"),  # 000:119, no space before "/"
    ("Etats-Unis d’Amérique / United States of America", "US"),  # 000:104
    # 000:182-183: the heading wraps; the parser joins the two lines before asking.
    ("République islamique d’Iran / Jomhuriye Eslâmiye Irân / Islamic Republic of Iran", "IR"),
    ("Pays-Bas / Nederland / The Netherlands", "NL"),  # 000:163
    ("Canada", "CA"),  # 000:64, one language only
    ("Portugal", "PT"),
    ("Uruguay", "UY"),
    ("Taiwan / Zhōnghuá Mínguó / Taiwan", "TW"),  # 000:235
    ("Turquie / Türkiye / Turkey", "TR"),  # 000:246
    ("Royaume Uni / United Kingdom", "GB"),  # 000:198
    ("Vietnam / Việt Nam", "VN"),  # 000:257
    ("#### Russie / Rossiïa / Russia", "RU"),  # heading marks are ignored
]


@pytest.mark.parametrize(("name", "code"), sorted(TABLE_COUNTRIES.items()))
def test_each_country_cell_of_003(name, code):
    assert country_code(name) == code


@pytest.mark.parametrize(("heading", "code"), HEADINGS)
def test_headings_of_000(heading, code):
    assert heading_country(heading) == code


def test_case_and_accents_do_not_matter():
    assert country_code("usa") == "US"
    assert country_code("TURKIYE") == "TR"


def test_codes_and_non_countries_are_not_guessed():
    # "UNI" (000:169) is an acronym, "DEU" an alpha-3 code, "Country" the 003 header.
    for text in ("UNI", "DEU", "DE", "Country", "", "Islamic Republic"):
        assert country_code(text) is None
    assert heading_country("République islamique d’Iran / Islamic Republic") is None


def test_country_label_is_the_common_name():
    assert country_label("KR") == "South Korea"
    assert country_label("tw") == "Taiwan"
    assert country_label("DE") == "Germany"


def test_country_label_refuses_an_unknown_code():
    with pytest.raises(BuildError, match="'XX'"):
        country_label("XX")


def test_alias_table_with_a_bad_code_is_refused(tmp_path):
    aliases = tmp_path / "countries.toml"
    aliases.write_text('[aliases]\n"Atlantis" = "QQ"\n', encoding="utf-8")
    with pytest.raises(BuildError, match="'Atlantis' names unknown country code 'QQ'"):
        read_aliases(aliases)


def test_a_name_iso_lists_inverted_is_read_as_people_write_it():
    # ISO's French list says "Russie, Fédération de" and "Corée, République de".
    assert spoken_forms("Russie, Fédération de") == ("Russie", "Fédération de Russie")
    assert spoken_forms("Iran, République islamique d'") == ("Iran", "République islamique d'Iran")
    assert spoken_forms("Allemagne") == ()
    assert country_in_any_language("Russie") == "RU"
    assert country_in_any_language("Fédération de Russie") == "RU"
    assert country_in_any_language("République de Corée") == "KR"


def test_a_head_two_countries_share_is_not_guessed():
    # "Corée, République de" (KR) and "Corée, République populaire démocratique de" (KP).
    assert country_in_any_language("Corée") is None


def test_a_spoken_form_never_takes_a_name_iso_lists():
    # "Mexico" and "Perancis" (Malay for France) are listed names of one country each; no
    # inverted entry of another language may take them away.
    assert country_in_any_language("Mexico") == "MX"
    assert country_in_any_language("Perancis") == "FR"
