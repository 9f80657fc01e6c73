"""Figures stated in a page's news items ("Dernières actualités"), with their dates.

A news item is one list line: a link whose text runs title, categories, " — DD/MM/YYYY",
then the start of the article ("Le 2 septembre, 135 étudiants internationaux ont intégré
notre diplôme d'ingénieur. Dans les [...]"). Most items state no figure and stay skipped as
news; one that states a figure of ``NEWS_FIGURES`` gives a PublishedFigure dated twice: the
day the news was published, and the day the figure is about when the sentence names it
("Le 2 septembre", in the year of publication, or the year before for a later month).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from graph.parse.figures import FigurePhrase, describe_figures, figures_in
from graph.records import Origin, ParsedDocument, PublishedFigure

NEWS_FIGURES = (
    FigurePhrase(
        "incoming-international-engineering-students",
        "{n} étudiants internationaux ont intégré notre diplôme d'ingénieur",
    ),
)
NEWS_DATE = re.compile(r"\s—\s(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")  # fmt: skip
DAY_OF = re.compile(r"\b(?:Le|Du|Depuis le)\s+(?P<day>\d{1,2})(?:er)?\s+(?P<month>[a-zéû]+)"
                    r"(?:\s+(?P<year>\d{4}))?", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?]*\d[^.!?]*[.!?]")
NEWS = "news"


def account_news_line(document: ParsedDocument, origin: Origin) -> None:
    """Read a line of a news section: a dated figure is mapped, anything else is news."""
    try:
        figures = news_figures(origin)
    except ValueError as exc:
        document.account(origin, "error", f"news item: {exc}")
        return
    if not figures:
        document.account(origin, "skipped", NEWS)
        return
    document.figures.extend(figures)
    dates = ", ".join(f"as of {f.as_of}" for f in figures if f.as_of)
    issued = figures[0].issued
    detail = f"{describe_figures(figures)} from a news item of {issued}"
    document.account(origin, "mapped", f"{detail} ({dates})" if dates else detail)


def news_figures(origin: Origin) -> list[PublishedFigure]:
    """The figures a news line states, each labelled with its sentence and dated.

    ValueError names a malformed number or date; a line with a figure but no publication
    date is an error too, since the figure would be undated.
    """
    text = origin.text
    published = NEWS_DATE.search(text)
    after = text[published.end():] if published else text
    figures = []
    for figure in figures_in(after, origin, NEWS_FIGURES):
        if published is None:
            raise ValueError(f"{figure.measure}: the news item has no date (— DD/MM/YYYY)")
        issued = _date(published.group("year"), published.group("month"),
                       published.group("day"))
        sentence = _sentence_of(after, figure)
        figures.append(replace(figure, label=sentence, issued=issued,
                               as_of=_day_named(sentence, date.fromisoformat(issued))))
    return figures


def _sentence_of(text: str, figure: PublishedFigure) -> str:
    for match in SENTENCE.finditer(text):
        if f"{figure.value:g}" in match.group():
            return match.group().strip()
    return text.strip()


def _day_named(sentence: str, issued: date) -> str | None:
    """ "Le 2 septembre, ..." published 2024-09-04 -> "2024-09-02"; None if no day is named."""
    match = DAY_OF.search(sentence)
    if match is None or match.group("month").casefold() not in MONTHS:
        return None
    month = MONTHS.index(match.group("month").casefold()) + 1
    year = int(match.group("year") or (issued.year if month <= issued.month else issued.year - 1))
    return _date(str(year), str(month), match.group("day"))


def _date(year: str, month: str, day: str) -> str:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError as exc:
        raise ValueError(f"{day}/{month}/{year} is not a date") from exc
