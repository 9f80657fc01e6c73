"""The key-figures parser on seed 001 (Télécom Paris, "Les chiffres clés de l'international").

Expected values were read by hand in seeds/001_76af7be450036bee.txt with ``cat -n``: each
figure sentence, the line it starts on, and the display tokens that repeat it below.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from graph.parse.key_figures import KEY_FIGURES, parse_key_figures
from graph.parse.programme_rules import PROGRAMME_FIGURES
from graph.parse.prose import PROSE_FIGURES
from passerelle.vocabulary import MEASURES

SEED = Path(__file__).resolve().parent.parent / "seeds" / "001_76af7be450036bee.txt"
SEED_LINES = 130  # cat -n: 129 numbered lines of text, then the blank line 130 before EOF


@pytest.fixture(scope="module")
def document():
    return parse_key_figures(SEED, "telecom-paris-key-figures")


def test_every_figure_of_the_page_with_its_value_qualifier_unit_and_line(document):
    # One tuple per number in the sentences of lines 11-12, 21, 31 ... 104-105; "100 +" is a
    # lower bound, "une quarantaine" an approximation, "%" a percentage.
    expected = [
        (11, "partners", 100, "at-least", "count"),
        (11, "partner-countries", 39, "exact", "count"),
        (11, "double-degree-programmes", 40, "about", "count"),
        (11, "double-degree-countries", 19, "exact", "count"),
        (21, "erasmus-partnerships", 37, "exact", "count"),
        (21, "erasmus-countries", 13, "exact", "count"),
        (31, "international-students-share", 45, "exact", "percent"),
        (39, "international-engineering-students-share", 37, "exact", "percent"),
        (47, "first-job-abroad-share", 20, "exact", "percent"),
        (55, "international-faculty-share", 38, "exact", "percent"),
        (63, "nationalities", 50, "exact", "count"),
        (74, "languages-taught", 10, "exact", "count"),
        (80, "engineering-tracks-in-english", 6, "exact", "count"),
        (86, "specialised-masters-in-english", 2, "exact", "count"),
        (92, "ip-paris-masters-in-english", 6, "exact", "count"),
        (98, "phd-tracks-in-english", 2, "exact", "count"),
        (104, "international-campuses", 1, "exact", "count"),
        # The news item of 04/09/2024 (tests/test_parse_news.py).
        (123, "incoming-international-engineering-students", 135, "exact", "count"),
    ]
    actual = [(f.origin.line, f.measure, f.value, f.qualifier, f.unit) for f in document.figures]
    assert actual == expected


def test_a_wrapped_sentence_is_one_label_starting_on_its_first_line(document):
    by_measure = {figure.measure: figure for figure in document.figures}
    assert by_measure["double-degree-countries"].label == (
        "100 + partenaires dans 39 pays proposant une quarantaine de programmes de "
        "double diplôme dans 19 pays"
    )
    campus = by_measure["international-campuses"]
    assert campus.label == (
        "1 campus international à Shanghai : SJTU Paris Elite Institute of Technology (SPEIT)"
    )
    assert campus.origin.text == (
        "1 campus international à Shanghai : SJTU Paris Elite Institute of Technology"
    )
    assert by_measure["international-students-share"].label == (
        "45 % d\u2019internationaux (tous diplômes)"
    )


def test_every_line_is_accounted_exactly_once(document):
    assert sorted(outcome.line for outcome in document.lines) == list(range(1, SEED_LINES + 1))


def test_outcomes_per_kind(document):
    # Mapped: the 13 sentence starts of the test above plus their wrapped lines 12 and 105.
    # Repeats: the token lines below each sentence: 4 for line 11 (14, 16, 18-19), 2 for
    # line 21, 3 for each percentage (31, 39, 47, 55), 2 for each of 63, 74, 80, 86, 92, 98,
    # and 3 for line 104 (107, 109-110): 4 + 2 + 3*4 + 2*6 + 3 = 33. And the news item of
    # line 123, which states a dated figure.
    outcomes = Counter(outcome.outcome for outcome in document.lines)
    assert outcomes == Counter({"mapped": 16, "skipped": SEED_LINES - 16})
    mapped = sorted(o.line for o in document.lines if o.outcome == "mapped")
    assert mapped == [11, 12, 21, 31, 39, 47, 55, 63, 74, 80, 86, 92, 98, 104, 105, 123]
    repeats = [o for o in document.lines if o.detail.startswith("repeated display: the figure")]
    assert len(repeats) == 33


def test_display_tokens_point_back_to_their_sentence(document):
    detail = {outcome.line: outcome.detail for outcome in document.lines}
    for line in (14, 16, 18, 19):  # "100", "+", and the two-line rest of line 11's sentence
        assert detail[line] == "repeated display: the figure of line 11"
    for line in (107, 109, 110):
        assert detail[line] == "repeated display: the figure of line 104"
    assert detail[12] == "sentence of line 11, continued"


def test_template_contact_and_news_lines_are_skipped_with_their_reason(document):
    detail = {outcome.line: outcome.detail for outcome in document.lines}
    assert detail[1] == "navigation: page title"
    assert detail[3] == "navigation: breadcrumb"
    assert detail[5] == "navigation: logo link"
    assert detail[29] == "empty list item"
    assert detail[70] == "navigation: section heading"  # "en anglais", the heading wrapped
    assert detail[114] == "contact"
    news = [line for line in range(116, 130) if detail[line] == "news"]
    # Line 123 is the news item with the 135 students: a figure (tests/test_parse_news.py).
    assert news == [116, 118, 119, 121, 122, 124, 125, 126, 128, 129]


def test_bad_values_are_errors_that_name_them_and_the_good_figures_stay(tmp_path):
    page = tmp_path / "figures.md"
    page.write_bytes(
        b"37 partenariats Erasmus dans 13 pays\n"
        b"\n"
        b"1OO + partenaires dans 39 pays\n"  # letter O for zero
        b"\n"
        b"12 laboratoires communs\n"  # a figure of no known measure
        b"\n"
        b"45 \xff d'internationaux (tous dipl\xf4mes)\n"  # Latin-1 bytes: not UTF-8
    )
    document = parse_key_figures(page, "bad")
    assert [(f.measure, f.value) for f in document.figures] == [
        ("erasmus-partnerships", 37),
        ("erasmus-countries", 13),
    ]
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcome[3] == ("error", "partners: '1OO' is not a number")
    assert outcome[5] == ("error", "no known measure in '12 laboratoires communs'")
    assert outcome[7][0] == "error" and "not valid UTF-8" in outcome[7][1]
    assert sorted(outcome) == list(range(1, 8))


def test_every_measure_the_parsers_emit_is_in_the_vocabulary():
    for phrase in KEY_FIGURES + PROGRAMME_FIGURES + PROSE_FIGURES:
        assert phrase.measure in MEASURES, phrase
