"""Figures in news items: "135 étudiants internationaux ont intégré notre diplôme d'ingénieur"
on 000 line 273, 001 line 123 and 002 line 164 (the same item under "Dernières actualités"),
published 04/09/2024, about "Le 2 septembre"."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.parse.key_figures import parse_key_figures
from graph.parse.news import news_figures
from graph.parse.partner_list import parse_partner_list
from graph.parse.programme_rules import parse_programme_rules
from graph.records import Origin

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ITEM = ("  * #### [Bienvenue à nos 135 élèves ingénieurs internationaux !Ingénieurs, Partenariats "
        "internationaux — {date}{day}, 135 étudiants internationaux ont intégré notre diplôme "
        "d'ingénieur. Dans les [...]](https://www.telecom-paris.fr/bienvenue \"Bienvenue\")")


def item(date: str = "04/09/2024", day: str = "Le 2 septembre") -> Origin:
    return Origin("test", 7, ITEM.format(date=date, day=day))


@pytest.mark.parametrize(("parser", "seed", "line"), [
    (parse_partner_list, "000_321cffa3179d9234.txt", 273),
    (parse_key_figures, "001_76af7be450036bee.txt", 123),
    (parse_programme_rules, "002_ddf2075022a4b4d3.txt", 164),
])
def test_the_135_students_are_a_dated_figure_in_each_document(parser, seed, line):
    document = parser(SEEDS / seed, "test")
    [figure] = [f for f in document.figures if f.issued]
    assert (figure.origin.line, figure.measure, figure.value, figure.qualifier, figure.unit,
            figure.issued, figure.as_of) == (
        line, "incoming-international-engineering-students", 135, "exact", "count",
        "2024-09-04", "2024-09-02")
    assert figure.label == ("Le 2 septembre, 135 étudiants internationaux ont intégré notre "
                            "diplôme d'ingénieur.")
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcome[line] == ("mapped", "figure incoming-international-engineering-students=135 "
                                       "from a news item of 2024-09-04 (as of 2024-09-02)")
    # The other news items state no figure: still news.
    news = [o for o in document.lines if o.detail == "news"]
    assert news and all("135" not in o.text for o in news)


def test_a_day_in_a_later_month_than_the_news_is_of_the_year_before():
    [figure] = news_figures(item(date="10/01/2025", day="Le 30 décembre"))
    assert (figure.issued, figure.as_of) == ("2025-01-10", "2024-12-30")


def test_a_figure_with_no_named_day_keeps_only_its_publication_date():
    [figure] = news_figures(item(day="Cette année"))
    assert (figure.issued, figure.as_of) == ("2024-09-04", None)


def test_an_undated_item_with_a_figure_is_an_error():
    with pytest.raises(ValueError, match="has no date"):
        news_figures(Origin("test", 7, ITEM.replace(" — {date}", " ").format(day="Le 2 septembre")))


def test_an_impossible_date_is_an_error_naming_it():
    with pytest.raises(ValueError, match="31/02/2024 is not a date"):
        news_figures(item(date="31/02/2024"))


def test_a_news_item_without_a_known_figure_gives_none():
    origin = Origin("test", 8, "  * #### [Visite de la TU Berlin — 22/04/2024Cet échange [...]](u)")
    assert news_figures(origin) == []
