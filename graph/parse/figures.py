"""Figures as pages word them: a measure's wording, the number in it, how exact it is.

Shared by the parsers of pages that state figures: the key-figures page (001), the
study-abroad page (002), prose pages (004) and news items (graph/parse/news.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from graph.records import Origin, PublishedFigure

# A number as pages write it: digits ("100", "45,5"), or a French approximation ("une
# quarantaine"); a following "+" makes it a lower bound ("100 +"). The digits are taken
# loosely (anything up to the wording that follows) so that a malformed one is reported.
NUMBER = r"(?<!\S)(?P<n>une \w+aine|\d\S*?)(?P<plus>\s?\+)?"
DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
APPROXIMATIONS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
}

@dataclass(frozen=True)
class FigurePhrase:
    """How a page words one measure: ``wording`` with "{n}" where the number stands.

    The wording is matched case-insensitively, with straight apostrophes and any run of
    spaces; ``measure`` is a key of ``passerelle.vocabulary.MEASURES``.
    """

    measure: str
    wording: str
    unit: str = "count"

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        before, after = (_spaced(part) for part in self.wording.split("{n}"))
        return re.compile(before + NUMBER + after, re.IGNORECASE)


def _spaced(wording: str) -> str:
    """A literal wording as a pattern in which each space matches any run of spaces."""
    return r"\s+".join(re.escape(word) for word in wording.split(" "))


def figures_in(
    sentence: str, origin: Origin, phrases: Sequence[FigurePhrase]
) -> list[PublishedFigure]:
    """The figures a sentence states, labelled with it; ValueError names a bad number."""
    plain = sentence.replace("\u2019", "'")
    figures = []
    for phrase in phrases:
        match = phrase.pattern.search(plain)
        if match is None:
            continue
        try:
            value, qualifier = read_quantity(match.group("n"), bool(match.group("plus")))
        except ValueError as exc:
            raise ValueError(f"{phrase.measure}: {exc}") from exc
        figures.append(
            PublishedFigure(origin, phrase.measure, value, qualifier, phrase.unit, sentence)
        )
    return figures


def read_quantity(number: str, at_least: bool = False) -> tuple[float, str]:
    """("100", True) -> (100, "at-least"); ("une quarantaine", False) -> (40, "about")."""
    if number.startswith("une "):
        word = number.split()[1].casefold()
        if word not in APPROXIMATIONS:
            raise ValueError(f"{number!r} is not a number")
        return APPROXIMATIONS[word], "about"
    return read_number(number), "at-least" if at_least else "exact"


def read_number(token: str) -> float:
    """ "37" -> 37, "45,5" -> 45.5; anything else raises ValueError naming the token."""
    if not DECIMAL.fullmatch(token):
        raise ValueError(f"{token!r} is not a number")
    value = float(token.replace(",", "."))
    return int(value) if value.is_integer() else value


def describe_figures(figures: list[PublishedFigure]) -> str:
    """ "figures partners=100 (at-least), partner-countries=39" for the build report."""
    parts = []
    for figure in figures:
        value = f"{figure.measure}={figure.value:g}"
        parts.append(value if figure.qualifier == "exact" else f"{value} ({figure.qualifier})")
    return ("figure " if len(parts) == 1 else "figures ") + ", ".join(parts)
