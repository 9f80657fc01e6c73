"""Country names in every language pycountry knows -> ISO 3166-1 alpha-2 codes.

Shared by the build (a contribution's country cell, graph/countries.py) and the server (the
country property of a reconciliation query): both read "DE", "Germany", "Allemagne",
"(Allemagne)", "Deutschland" and "Etats-Unis" the same way.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pycountry

from passerelle.normalise import normalise_name

# The languages tried after English, in this order: French first (the schools' own), then
# every other translation that pycountry ships, where a name means one country only.
FIRST_LANGUAGES = ("fr",)


def country_in_any_language(text: str,
                            english: Callable[[str], str | None] | None = None) -> str | None:
    """An alpha-2 code ("DE", "de"), or a country's name in English (``english``, the build's
    own table with its aliases, or pycountry's names), French or another language."""
    cell = text.strip()
    if len(cell) == 2 and cell.isalpha():
        country = pycountry.countries.get(alpha_2=cell.upper())
        return country.alpha_2 if country else None
    key = normalise_name(cell)
    found = english(cell) if english else _english_names().get(key)
    return found or _translated_names().get(key)


@cache
def _english_names() -> dict[str, str]:
    return {normalise_name(name): country.alpha_2 for country in pycountry.countries
            for name in (getattr(country, a, None)
                         for a in ("name", "official_name", "common_name")) if name}


@cache
def _translated_names() -> dict[str, str]:
    """Normalised country name in another language -> code, from pycountry's translations.

    A name that two countries share across languages is left out.
    """
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    others = sorted(p.name for p in Path(pycountry.LOCALES_DIR).iterdir()
                    if p.name not in FIRST_LANGUAGES)
    for language in (*FIRST_LANGUAGES, *others):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                              languages=[language])
        except OSError:  # a locale without this domain
            continue
        for name, code in _names_in(translation).items():
            if name in index and index[name] != code:
                ambiguous.add(name)
            index.setdefault(name, code)
    for name in ambiguous:
        index.pop(name)
    return index


def _names_in(translation: gettext.NullTranslations) -> dict[str, str]:
    found: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            english = getattr(country, attribute, None)
            if english:
                found.setdefault(normalise_name(translation.gettext(english)), country.alpha_2)
    return found
