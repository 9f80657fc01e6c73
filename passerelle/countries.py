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

    Names as ISO lists them come first; a name two languages give to two countries is left
    out. The forms people write for an inverted one (`spoken_forms`) only fill in names no
    listed one takes, and only where one country alone has that form.
    """
    listed: list[tuple[str, str]] = []
    spoken: list[tuple[str, str]] = []
    others = sorted(p.name for p in Path(pycountry.LOCALES_DIR).iterdir()
                    if p.name not in FIRST_LANGUAGES)
    for language in (*FIRST_LANGUAGES, *others):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                              languages=[language])
        except OSError:  # a locale without this domain
            continue
        names = _names_in(translation)
        # Within one language the first country to list a name keeps it, as ISO orders them.
        firsts: dict[str, str] = {}
        for name, code in names:
            firsts.setdefault(normalise_name(name), code)
        listed.extend(firsts.items())
        spoken.extend((normalise_name(form), code) for name, code in names
                      for form in spoken_forms(name))
    index = _unambiguous(listed)
    taken = {name for name, _ in listed}
    index.update((name, code) for name, code in _unambiguous(spoken).items()
                 if name not in taken)
    return index


def _unambiguous(pairs: list[tuple[str, str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for name, code in pairs:
        if index.setdefault(name, code) != code:
            ambiguous.add(name)
    return {name: code for name, code in index.items() if name not in ambiguous}


def _names_in(translation: gettext.NullTranslations) -> list[tuple[str, str]]:
    return [(translation.gettext(english), country.alpha_2) for country in pycountry.countries
            for english in (getattr(country, a, None)
                            for a in ("name", "official_name", "common_name")) if english]


def spoken_forms(listed: str) -> tuple[str, ...]:
    """How people write a name that ISO lists inverted; () for a name listed as written.

    ISO's lists put the distinctive word first: "Russie, Fédération de" is written
    "Fédération de Russie" or just "Russie". A head two countries share ("Corée, République
    de", "Corée, République populaire démocratique de") is left out by the caller.
    """
    head, comma, tail = listed.partition(", ")
    if not comma or ", " in tail:
        return ()
    joined = tail + head if tail.endswith("'") else f"{tail} {head}"
    return (head, joined)
