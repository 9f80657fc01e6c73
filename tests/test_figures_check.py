"""published-figures-check on a small hand-made graph: each judgement of its counting rule.

The seeds give one answer per figure (tests/test_catalogue.py); here each rule is pinned on
data built to tell the readings apart: two agreement lines with one institution, a suspended
agreement, a narrower double-degree type, a school with no agreement at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from graph import summary
from passerelle.canned import load_queries, run

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "passerelle.ttl"
ID = "https://w3id.org/passerelle/id/"

DATA = """
@prefix pas: <https://w3id.org/passerelle/ontology#> .
@prefix id: <https://w3id.org/passerelle/id/> .

id:institution\\/s a pas:School .
id:institution\\/t a pas:School .
id:institution\\/one pas:country id:country\\/de .
id:institution\\/two pas:country id:country\\/it .

# Two Erasmus+ lines with one institution (two of its faculties): two agreements.
id:a1 pas:school id:institution\\/s ; pas:status pas:Active ;
    pas:partnerInstitution id:institution\\/one ; pas:network id:network\\/erasmus-plus .
id:a2 pas:school id:institution\\/s ; pas:status pas:Active ;
    pas:partnerInstitution id:institution\\/one ; pas:network id:network\\/erasmus-plus .
# Suspended: counts for nothing.
id:a3 pas:school id:institution\\/s ; pas:status pas:Suspended ;
    pas:partnerInstitution id:institution\\/two ; pas:network id:network\\/erasmus-plus .
# A double degree by a narrower type.
id:a4 pas:school id:institution\\/s ; pas:status pas:Active ;
    pas:partnerInstitution id:institution\\/two ; pas:agreementType pas:EngineeringDoubleDegree .

id:f1 a pas:PublishedFigure ; pas:publishedBy id:institution\\/s ;
    pas:measure pas:ErasmusPartnershipCount ; pas:value 2.0 ; pas:qualifier "exact" .
id:f2 a pas:PublishedFigure ; pas:publishedBy id:institution\\/s ;
    pas:measure pas:ErasmusCountryCount ; pas:value 2.0 ; pas:qualifier "exact" .
id:f3 a pas:PublishedFigure ; pas:publishedBy id:institution\\/s ;
    pas:measure pas:DoubleDegreeProgrammeCount ; pas:value 10.0 ; pas:qualifier "about" .
id:f4 a pas:PublishedFigure ; pas:publishedBy id:institution\\/s ;
    pas:measure pas:PartnerCount ; pas:value 2.0 ; pas:qualifier "at-least" .
id:f5 a pas:PublishedFigure ; pas:publishedBy id:institution\\/t ;
    pas:measure pas:PartnerCount ; pas:value 5.0 ; pas:qualifier "exact" .
"""


@pytest.fixture(scope="module")
def store() -> Store:
    """The graph above, with the summaries a build would compute from it."""
    made = Store()
    made.load(path=ONTOLOGY, format=RdfFormat.TURTLE)
    made.load(DATA.encode(), format=RdfFormat.TURTLE)
    summary.summarise(made)
    return made


@pytest.fixture(scope="module")
def rows(store) -> dict[tuple[str, str], dict]:
    # The live definition (queries/live/): the judgements below are its counting rules.
    result = run(store, load_queries(ROOT / "queries" / "live")["published-figures-check"], {})
    answer = {}
    for row in result.rows:
        row = {var: (term.value if term is not None else None)
               for var, term in zip(result.variables, row, strict=True)}
        answer[(row["school"].removeprefix(ID + "institution/"), row["figure"])] = row
    return answer


def test_the_build_materialises_the_same_rows_the_canned_query_reads(store):
    live = run(store, load_queries(ROOT / "queries" / "live")["published-figures-check"], {})
    fast = run(store, load_queries(ROOT / "queries")["published-figures-check"], {})
    assert fast.rows == live.rows and len(fast.rows) == 5  # f1 to f5


def reading(row: dict) -> tuple:
    return (row["unit"], row["computed"], row["consistent"],
            row["otherUnit"], row["otherComputed"], row["otherConsistent"])


def test_partnerships_are_agreements_read_also_as_institutions(rows):
    # a1 and a2 are two partnerships with one institution; a3 is suspended.
    assert reading(rows[("s", "Erasmus partnerships")]) == (
        "agreements", "2", "true", "institutions", "1", "false")


def test_countries_count_once_and_only_active(rows):
    # a3's country (IT) is left out with it: DE alone.
    assert reading(rows[("s", "countries of Erasmus partnerships")]) == (
        "countries", "1", "false", None, None, None)


def test_programmes_take_narrower_double_degree_types_and_about_means_ten_percent(rows):
    # One programme (a4, an engineering double degree) against "about 10": not within 10 %.
    assert reading(rows[("s", "double-degree programmes")]) == (
        "agreements", "1", "false", "institutions", "1", "false")


def test_partners_are_institutions_at_least_is_reached(rows):
    # one (a1, a2) and two (a4): 2 institutions, "at least 2" reached.
    assert reading(rows[("s", "partners")]) == (
        "institutions", "2", "true", None, None, None)


def test_a_school_without_agreements_counts_zero(rows):
    assert reading(rows[("t", "partners")]) == ("institutions", "0", "false", None, None, None)
