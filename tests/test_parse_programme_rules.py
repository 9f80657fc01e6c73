"""The programme-rules parser on seed 002 (Télécom Paris, "Offre de formations à l'international").

Expected values were read by hand in seeds/002_ddf2075022a4b4d3.txt with ``cat -n``: each
route's heading, the sentence stating its rule (whose first line is the origin), and the
section heading above it ("diplômante" line 20, "non-diplômante" line 57, "Stages" line 86).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.parse.programme_rules import language_code, parse_programme_rules, sentences
from graph.records import Origin

SEED = Path(__file__).resolve().parent.parent / "seeds" / "002_ddf2075022a4b4d3.txt"
SEED_LINES = 171  # cat -n: 170 numbered lines of text, then the blank line 171 before EOF


@pytest.fixture(scope="module")
def document():
    return parse_programme_rules(SEED, "telecom-paris-study-abroad")


@pytest.fixture(scope="module")
def rules(document):
    return {rule.key: rule for rule in document.programmes}


def test_the_eleven_routes_in_page_order(document):
    assert [rule.key for rule in document.programmes] == [
        "mobility-requirement",
        "apprentice-minimum",
        "exchange",
        "double-degree",
        "master-abroad",
        "one-semester",
        "two-semesters",
        "summer-internship",
        "first-year-internship",
        "summer-stay",
        "final-internship",
    ]


# (key, origin line, label, audience, min, max, ECTS, awards a degree), one row per route:
# "au moins un semestre académique" (line 10), "minimale de 9 semaines" (9 * 7 = 63 days,
# sentence from line 11), "échange de 6 mois à un an" (line 17, under "formations
# non-diplômantes"), "inférieure à 18 mois" (line 31), "varie de 12 à 24 mois" (sentence
# from line 45), "30 crédits ECTS" (sentence from line 65), "60 crédits ECTS" (line 77),
# "(1 à 3 mois)" in the heading of line 93, the Formation Humaine internship (sentence from
# line 95), the summer between 2A and 3A (sentence from line 99), "D'une durée de six mois"
# (sentence from 109).
EXPECTED_RULES = [
    ("mobility-requirement", 10, "Expérience internationale", "élèves ingénieurs",
     None, None, None, None),
    ("apprentice-minimum", 11, "Expérience internationale minimale des apprentis (FISEA)",
     "étudiants en apprentissage (FISEA)", "P63D", None, None, None),
    ("exchange", 17, "Échange (formation non-diplômante)", "", "P6M", "P1Y", None, False),
    ("double-degree", 31, "Double Diplôme ingénieur (DD)", "", "P18M", None, None, True),
    ("master-abroad", 45, "Master à l'étranger", "", "P12M", "P24M", None, True),
    ("one-semester", 65, "Un semestre à l'étranger", "", None, None, 30, False),
    ("two-semesters", 77, "2 semestres à l'étranger", "", None, None, 60, False),
    ("summer-internship", 93, "Stages d\u2019Été (1 à 3 mois)", "", "P1M", "P3M", None, None),
    ("first-year-internship", 95, "Stage de Formation Humaine (1re année)", "élèves-ingénieurs",
     None, None, None, None),
    ("summer-stay", 99, "Séjour à l'étranger entre la 2A et la 3A", "", None, None, None, None),
    ("final-internship", 109, "Stages de fin d\u2019études", "", "P6M", "P6M", None, None),
]  # fmt: skip


@pytest.mark.parametrize("expected", EXPECTED_RULES, ids=[row[0] for row in EXPECTED_RULES])
def test_each_route_rule(rules, expected):
    key = expected[0]
    rule = rules[key]
    actual = (
        rule.key, rule.origin.line, rule.label, rule.audience, rule.min_duration,
        rule.max_duration, rule.ects, rule.awards_degree,
    )  # fmt: skip
    assert actual == expected


# (key, mandatory, counts towards, the lines that say so), each read by hand:
# - mandatory: 9 "fait partie intégrante du cursus"; 12 "est requise"; 89-91 "Parmi les
#   stages obligatoires ... : le stage de formation humaine ... et le stage ingénieur";
#   108 "un stage « projet » doit être effectué"; 99 "vous avez la possibilité" (not).
# - counts towards the mobility requirement ("Expérience internationale"): the three ways of
#   the formation à l'étranger of lines 16 (double degree, degree courses: double degree and
#   master), 17 (exchange) and 18 (research or company internship: the final internship);
#   59-61 (one or two full semesters); 96-97 "compter parmi la Formation à l'étranger"; 100
#   "validé dans le cadre de votre mobilité obligatoire"; 111-112 "dans le cadre de la
#   mobilité internationale obligatoire".
MOBILITY = ("mobility-requirement",)
EXPECTED_MANDATORY_AND_COUNTS = [
    ("mobility-requirement", True, ()),
    ("apprentice-minimum", True, ()),
    ("exchange", None, MOBILITY),
    ("double-degree", None, MOBILITY),
    ("master-abroad", None, MOBILITY),
    ("one-semester", None, MOBILITY),
    ("two-semesters", None, MOBILITY),
    ("summer-internship", None, ()),
    ("first-year-internship", True, MOBILITY),
    ("summer-stay", False, MOBILITY),
    ("final-internship", True, MOBILITY * 2),  # line 111 and line 18 both say so
]


def test_what_is_mandatory_and_what_counts_as_the_international_experience(document):
    assert [(r.key, r.mandatory, r.counts_towards) for r in document.programmes] == \
        EXPECTED_MANDATORY_AND_COUNTS


def test_conditions_each_with_its_line(document):
    conditions = [(r.key, c.origin.line, c.kind, c.statement)
                  for r in document.programmes for c in r.conditions]
    assert conditions == [
        # Lines 50-51: "Si la formation est hors-partenaires, les coûts sont à votre charge."
        ("master-abroad", 50, "costs-borne-by-student",
         "outside the partner network, the costs are the student's"),
        # Lines 70-71: "doivent obligatoirement valider un stage d'ingénieur, soit avant leur
        # mobilité internationale, soit à leur retour."
        ("one-semester", 70, "also-requires",
         "the student must also validate an engineering internship (stage d\u2019ingénieur), "
         "before the mobility or on return"),
        # Lines 101-102: "Le projet doit être validé par la Direction de la Formation
        # Initiale (DFI) et la Direction des Relations Internationales (DRI)."
        ("summer-stay", 101, "approval-required",
         "the project must be approved by Direction de la Formation Initiale (DFI) et la "
         "Direction des Relations Internationales (DRI)"),
    ]


def test_notes_keep_what_the_fields_cannot_say(rules):
    assert rules["mobility-requirement"].note == (
        "at least one academic semester abroad; the page gives no length in months"
    )
    # Line 73: "ne peut excéder une durée de 24 semaines"; lines 77-78: "environ 30 crédits
    # de cours et 30 crédits de projet"; line 81: "n'excédant pas 24 semaines".
    assert rules["one-semester"].note == (
        "the engineering internship, when taken on return as the last requirement, "
        "may not exceed 24 weeks"
    )
    assert rules["two-semesters"].note == (
        "about 30 ECTS of courses and 30 of final project, thesis or internship; "
        "a free internship after return may not exceed 24 weeks"
    )
    assert rules["double-degree"].note == ""


def test_the_figures_and_no_partner(document):
    # Lines 28-29: "partir en DD dans une quarantaine d'établissements à travers le monde."
    # (The other figure is the news item of line 164: tests/test_parse_news.py.)
    figure, news = document.figures
    assert (news.origin.line, news.measure) == (164, "incoming-international-engineering-students")
    assert (figure.origin.line, figure.measure, figure.value, figure.qualifier) == (
        28, "double-degree-institutions", 40, "about",
    )  # fmt: skip
    assert figure.label.startswith("L\u2019École offre l\u2019opportunité")
    assert figure.label.endswith("d\u2019établissements à travers le monde.")
    assert document.rows == []
    assert document.memberships == []


def test_every_line_is_accounted_exactly_once(document):
    assert sorted(outcome.line for outcome in document.lines) == list(range(1, SEED_LINES + 1))
    assert not [o for o in document.lines if o.outcome in ("error", "warning")]


def test_line_outcomes_of_rules_headings_and_narrative(document):
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    assert outcome[20] == ("mapped", "section heading: the routes below have awards_degree=True")
    # A route's heading says the whole rule; each sentence what it states.
    assert outcome[22] == ("mapped", "programme double-degree: min P18M, awards a degree, "
                                     "counts towards mobility-requirement")
    assert outcome[31] == outcome[32] == ("mapped", "programme double-degree: min P18M")
    assert outcome[11] == (
        "mapped", "programme mobility-requirement: mandatory, for élèves ingénieurs; programme "
        "apprentice-minimum: min P63D, mandatory, for étudiants en apprentissage (FISEA); "
        "programme apprentice-minimum: mandatory",
    )  # fmt: skip
    assert outcome[16] == ("mapped", "programme double-degree: counts towards "
                                     "mobility-requirement; programme master-abroad: counts "
                                     "towards mobility-requirement")
    assert outcome[17][1].startswith("programme exchange: min P6M, max P1Y, awards no degree, "
                                     "counts towards mobility-requirement")
    assert outcome[18] == ("mapped", "programme final-internship: counts towards "
                                     "mobility-requirement")
    assert outcome[28] == ("mapped", "figure double-degree-institutions=40 (about)")
    for line in (50, 51):
        assert outcome[line] == ("mapped", "programme master-abroad: condition "
                                           "costs-borne-by-student: outside the partner "
                                           "network, the costs are the student's")
    for line in (89, 90, 91):
        assert outcome[line] == ("mapped", "programme final-internship: mandatory; programme "
                                           "first-year-internship: mandatory")
    assert outcome[95] == outcome[96] == outcome[97] == (
        "mapped", "programme first-year-internship: mandatory, counts towards "
        "mobility-requirement, for élèves-ingénieurs")
    assert outcome[103][1] == outcome[104][1] == (
        "programme summer-stay: note: preferred: les stages en laboratoire ou en entreprise "
        "et les séjours d\u2019études (ex : Summer School)")
    assert outcome[108] == ("mapped", "programme final-internship: mandatory")
    assert outcome[111] == outcome[112] == (
        "mapped", "programme final-internship: counts towards mobility-requirement")
    # Narrative: what states no rule. Line 14 introduces the list of lines 16-18; line 88
    # says internships abroad are possible, a sentence of its own before line 89's rule.
    narrative = sorted(o.line for o in document.lines if o.detail.startswith("narrative"))
    assert narrative == [14, 24, 25, 26, 30, 33, 34, 35, 36, 44, 47, 48, 69, 88, 144, 145,
                         146, 147]
    assert outcome[86] == ("skipped", "navigation: section heading")
    assert outcome[151] == ("skipped", "contact")
    assert outcome[162] == ("skipped", "news")


def test_a_rule_counting_towards_a_rule_the_page_lacks_is_an_error(tmp_path):
    page = tmp_path / "offre.md"
    page.write_text(
        "#### Stages de fin d\u2019études\n"
        "\n"
        "D\u2019une durée de six mois, ce stage peut se dérouler en laboratoire. Ce stage peut\n"
        "s\u2019effectuer à l\u2019étranger dans le cadre de la mobilité internationale "
        "obligatoire.\n",
        encoding="utf-8",
    )
    document = parse_programme_rules(page, "no-requirement")
    assert document.programmes == []
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    error = ("error", "programme final-internship: counts towards mobility-requirement, "
                      "which the page does not state")
    assert outcome[1] == outcome[3] == outcome[4] == error


def test_an_optional_fact_left_out_leaves_the_rule(tmp_path):
    page = tmp_path / "offre.md"
    page.write_text(
        "Master à l'étranger\n"
        "\n"
        "Il s\u2019agit de formation diplômante dont la durée des études varie de 12 à 24 mois.\n",
        encoding="utf-8",
    )
    [rule] = parse_programme_rules(page, "short").programmes
    assert (rule.key, rule.min_duration, rule.max_duration, rule.conditions,
            rule.counts_towards, rule.mandatory) == ("master-abroad", "P12M", "P24M", (), (), None)


def test_wrapped_links_are_skipped_on_every_line_and_the_wrong_path_is_noted(document):
    detail = {o.line: o.detail for o in document.lines if o.outcome == "skipped"}
    for first, last in ((38, 40), (53, 55)):  # "⇒ ... [Partenariats](...strategie-" + rest
        for line in range(first, last + 1):
            assert "navigation: link 'Partenariats'" in detail[line]
            assert "/fr/international/strategie-internationale/partenariats" in detail[line]
            assert (
                "not the partner page's path /fr/international/strategie/partenariats"
                in (detail[line])
            )
            assert f"wrapped over lines {first}-{last}" in detail[line]
    # Ten photos on lines 114-142, each "[Stage FH ...](https://www.telecom-paris.fr/wp-content-"
    # then "EvDsK19/...jpg)", with a blank line between them (116, 119, ... 140).
    photo_lines = [line for line in range(114, 143) if line % 3 != 2]
    assert len(photo_lines) == 20
    for line in photo_lines:
        assert detail[line].startswith("image link: 'Stage FH ")
        assert "wp-content-EvDsK19/uploads/2019/03/" in detail[line]


def test_a_malformed_duration_is_an_error_naming_it_and_the_other_routes_stay(tmp_path):
    page = tmp_path / "offre.md"
    page.write_text(
        "## Formation Académique diplômante (FAE)\n"
        "\n"
        "Double Diplôme ingénieur (DD)\n"
        "\n"
        "La durée à l\u2019étranger ne pourra pas être inférieure à l8 mois pour bénéficier\n"
        "du diplôme de l\u2019université d\u2019accueil.\n"
        "\n"
        "Master à l'étranger\n"
        "\n"
        "Il s\u2019agit de formation diplômante dont la durée des études varie de 12 à 24 mois.\n",
        encoding="utf-8",
    )
    document = parse_programme_rules(page, "bad")
    assert [(r.key, r.min_duration, r.max_duration) for r in document.programmes] == [
        ("master-abroad", "P12M", "P24M")
    ]
    outcome = {o.line: (o.outcome, o.detail) for o in document.lines}
    error = ("error", "programme double-degree: min months: 'l8' is not a number")
    assert outcome[3] == outcome[5] == outcome[6] == error
    assert outcome[10] == ("mapped", "programme master-abroad: min P12M, max P24M")
    assert outcome[8] == ("mapped", "programme master-abroad: min P12M, max P24M, awards a degree")
    assert sorted(outcome) == list(range(1, 11))


def test_a_document_cut_after_a_route_heading_reports_the_missing_rule(tmp_path):
    page = tmp_path / "offre.md"
    page.write_text("## Formation académique non-diplômante\n\nUn semestre à l'étranger\n")
    document = parse_programme_rules(page, "cut")
    assert document.programmes == []
    [heading] = [o for o in document.lines if o.line == 3]
    assert heading.outcome == "error"
    assert heading.detail.startswith("programme one-semester: no sentence matches ")
    assert "crédits ECTS" in heading.detail


def test_languages_become_iso_codes_and_an_unknown_one_is_named():
    assert language_code("English") == "en"
    with pytest.raises(ValueError, match="'Klingonese' is not a language"):
        language_code("Klingonese")


def test_a_sentence_does_not_end_after_e_g():
    block = [Origin("x", 1, "Short programmes (e.g. Summer Schools) attract students. Next.")]
    assert [s.text for s in sentences(block)] == [
        "Short programmes (e.g. Summer Schools) attract students.", "Next."]
