"""Country names as the documents write them -> ISO 3166-1 alpha-2 codes.

pycountry knows the names, official names and common names; ``seeds/countries.toml`` adds
the spellings it does not know ("USA", "Russia", "The Netherlands"). Names are compared
after ``normalise_name``, so case, accents and punctuation do not matter. Codes are never
guessed from a bare two- or three-letter token: "UNI" is not a country.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pycountry

from graph.errors import BuildError
from graph.tomlfile import read_toml
from passerelle.countries import country_in_any_language
from passerelle.normalise import normalise_name
from passerelle.paths import SEEDS_DIR

ALIASES_PATH = SEEDS_DIR / "countries.toml"

HEADING_MARKS = re.compile(r"^#+\s*")


@cache
def _names_to_codes() -> dict[str, str]:
    """Normalised country name -> alpha-2 code, from pycountry and the alias table."""
    index = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                index[normalise_name(name)] = country.alpha_2
    for name, code in read_aliases(ALIASES_PATH).items():
        index[normalise_name(name)] = code
    return index


def read_aliases(path: Path) -> dict[str, str]:
    """The [aliases] table of countries.toml, each code checked against pycountry."""
    aliases = read_toml(path, "country aliases").get("aliases")
    if not isinstance(aliases, dict):
        raise BuildError("the country aliases have no [aliases] table", path)
    for name, code in aliases.items():
        if pycountry.countries.get(alpha_2=code) is None:
            raise BuildError(f"alias {name!r} names unknown country code {code!r}", path)
    return aliases


def country_code(text: str) -> str | None:
    """The alpha-2 code of a country name ("Germany", "USA", "Türkiye"), or None."""
    return _names_to_codes().get(normalise_name(text))


def heading_country(heading: str) -> str | None:
    """The country of a multilingual heading such as "Allemagne / Deutschland / Germany".

    Tries each "/"-separated part in turn (the English part is usually last, but any part
    pycountry or the alias table knows will do); None when no part names a country.
    """
    for part in HEADING_MARKS.sub("", heading).split("/"):
        code = country_code(part)
        if code:
            return code
    return None


def country_label(code: str) -> str:
    """A readable English name for an alpha-2 code: pycountry's common name, else its name."""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise BuildError(f"unknown ISO 3166-1 alpha-2 code {code!r}")
    return getattr(country, "common_name", None) or country.name


def contributed_country(text: str) -> str | None:
    """The country of a contribution's cell: an ISO 3166-1 alpha-2 code ("DE", "de"), or a
    name in English, French or the country's own language ("Allemagne", "(Allemagne)",
    "Etats-Unis", "Deutschland", "España"). Unlike ``country_code``, a two-letter cell is
    read as a code: the contribution format says the column holds one."""
    return country_in_any_language(text, country_code)
