"""The prose parser on seed 004 (ESTP, "International openness").

Expected values were read by hand in seeds/004_3891511229b6acc0.txt with ``cat -n``: 30 lines,
the last without a final newline; every paragraph is one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.parse.prose import parse_prose

SEED = Path(__file__).resolve().parent.parent / "seeds" / "004_3891511229b6acc0.txt"
SEED_LINES = 30

# Line 17, without its trailing no-break space.
EXAMPLES_SENTENCE = (
    "All partners are selected for their academic excellence and recognised research "
    "profile, including MIT, UC Berkeley, UCLA, Imperial College, Politecnico di Milano, "
    "Technische Universität Dresden, Tongji University, etc."
)


@pytest.fixture(scope="module")
def document():
    return parse_prose(SEED, "estp-international-openness")


def test_partners_named_as_examples_one_row_each(document):
    # Line 17: the seven names between "including" and "etc.", split on commas.
    assert [row.name for row in document.rows] == [
        "MIT",
        "UC Berkeley",
        "UCLA",
        "Imperial College",
        "Politecnico di Milano",
        "Technische Universität Dresden",
        "Tongji University",
    ]
    for row in document.rows:
        assert row.origin.line == 17
        assert row.country is None  # the page gives no country
        assert row.acronym is None and row.url is None and row.parent_line is None
        assert row.types == ("type-not-stated",)
        assert row.networks == ()
        assert row.agreement_text == EXAMPLES_SENTENCE


def test_figures(document):
    # Line 7: "In 1980, the school began to sign cooperation agreements"; line 13: "a network
    # of 87 partner universities worldwide".
    actual = [(f.origin.line, f.measure, f.value, f.qualifier, f.unit) for f in document.figures]
    assert actual == [
        (7, "first-agreements-year", 1980, "exact", "year"),
        (13, "partners", 87, "exact", "count"),
    ]
    assert document.figures[0].label == (
        "In 1980, the school began to sign cooperation agreements with universities abroad "
        "and to develop its students\u2019 international mobility."
    )
    assert document.figures[1].label.startswith("a network of 87 partner universities")


def test_programme_rules_of_lines_14_15_and_19(document):
    # 14: "English language proficiency and the acquisition of a second modern language".
    # 15: "a mandatory period of study abroad of one-semester for all engineering students and
    # 8 weeks for engineering apprentices (internships, academic exchanges, and research
    # projects in international partner laboratories)": 8 * 7 = 56 days, both mandatory.
    # 19: "courses delivered in English ... short programmes (e.g. Summer Schools) designed
    # to attract students from different countries", "Third Year options delivered in English".
    actual = [
        (r.origin.line, r.key, r.audience, r.min_duration, r.max_duration, r.mandatory,
         r.teaching_language)
        for r in document.programmes
    ]
    assert actual == [
        (14, "language-requirement", "", None, None, None, None),
        (15, "study-abroad-requirement", "all engineering students", None, None, True, None),
        (15, "apprentice-minimum", "engineering apprentices", "P56D", None, True, None),
        (19, "incoming-courses-in-english", "students from different countries", None, None,
         None, "en"),
    ]
    forms = ("may be: internships, academic exchanges, and research projects in international "
             "partner laboratories")
    assert document.programmes[1].note == (
        "one semester abroad; the page gives no length in weeks or months; " + forms
    )
    assert document.programmes[2].note == forms
    [condition] = document.programmes[0].conditions
    assert (condition.origin.line, condition.kind, condition.statement, condition.language) == (
        14, "language-requirement", "proficiency in English and a second modern language", "en")
    assert document.programmes[3].note == (
        "with an international pathway of short programmes (e.g. Summer Schools); "
        "Third Year options are delivered in English too")


def test_memberships_deduplicated_on_the_line_first_stating_them(document):
    # Line 7: "ERAMUS+ Charter, EUR-ACE accreditation and the Qualité FLE label"; line 21:
    # "(EUR-ACE, ERASMUS+, RICS, UFA, AUF, etc.)", of which EUR-ACE and ERASMUS+ repeat line 7.
    actual = [(m.origin.line, m.network) for m in document.memberships]
    assert actual == [
        (7, "erasmus-plus"),
        (7, "eur-ace"),
        (7, "qualite-fle"),
        (21, "rics"),
        (21, "ufa"),
        (21, "auf"),
    ]


def test_every_line_is_accounted_exactly_once(document):
    assert sorted(outcome.line for outcome in document.lines) == list(range(1, SEED_LINES + 1))
    assert not [o for o in document.lines if o.outcome in ("error", "warning")]


def test_line_outcomes(document):
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcome[1] == ("skipped", "navigation: skip link")
    assert outcome[3] == outcome[5] == ("skipped", "navigation: heading")
    assert outcome[30] == ("skipped", "logo alt text: repeats the networks of line 21")
    assert outcome[7] == (
        "mapped", "figure first-agreements-year=1980; networks erasmus-plus, eur-ace, qualite-fle",
    )  # fmt: skip
    assert outcome[21] == (
        "mapped",
        "networks rics, ufa, auf; networks already stated: eur-ace (line 7), erasmus-plus (line 7)",
    )
    assert outcome[14] == ("mapped", "programme language-requirement: condition "
                                     "language-requirement")
    assert outcome[19] == ("mapped", "programme incoming-courses-in-english: taught in en, "
                                     "for students from different countries")
    # Mapped: 7, 13, 14, 15, 17, 19, 21. Narrative: 11, 23, 24, 26, 28. Blank: the other 14
    # (30 lines, less the skip link, two headings, the logo line, 7 mapped and 5 narrative).
    mapped = sorted(line for line, (kind, _) in outcome.items() if kind == "mapped")
    assert mapped == [7, 13, 14, 15, 17, 19, 21]
    narrative = sorted(line for line, (_, detail) in outcome.items() if "narrative" in detail)
    assert narrative == [11, 23, 24, 26, 28]
    assert sum(detail == "blank" for _, detail in outcome.values()) == 14


def test_bad_values_keep_their_line_out_and_the_good_lines_stay(tmp_path):
    page = tmp_path / "openness.txt"
    page.write_text(
        "It boasts the ERAMUS+ Charter and the Qualité FLE label.\n"
        "  • a network of 8x7 partner universities worldwide\n"
        "It boasts the EUR-ACE accreditation and the XYZ label.\n"
        "All partners are selected for their excellence, including MIT, UC Berkeley, UCL",
        encoding="utf-8",
    )  # the last line is cut short, as in a truncated download
    document = parse_prose(page, "bad")
    assert [(m.origin.line, m.network) for m in document.memberships] == [
        (1, "erasmus-plus"),
        (1, "qualite-fle"),
    ]
    assert document.figures == [] and document.rows == []
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcome[2] == ("error", "partners: '8x7' is not a number")
    # EUR-ACE is kept out with the rest of its line: a line with an error gives nothing.
    assert outcome[3] == ("error", "unknown network 'XYZ label'")
    assert outcome[4] == (
        "error", "list of partners after 'including' is cut short: 'MIT, UC Berkeley, UCL'",
    )  # fmt: skip
    assert sorted(outcome) == [1, 2, 3, 4]
