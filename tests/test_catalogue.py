"""The research question catalogue (queries/*.rq) on the store built from the seeds.

Every expected value was worked out by hand from the documents, at institution level (a
faculty counts for its institution; each institution once), and the comment above each test
says how. The facts used throughout:

- 000 (Télécom Paris's list) names 100 partner institutions in 40 countries (the headings).
  Counted heading by heading: DE 7, AR 1, AT 1, BE 3, BR 11, CA 2, CN 4 (SPEIT is SJTU's
  institute, so SJTU once), CO 3, KR 2, HR 2, ES 4 (UPM and UPC once each, though each has
  two faculty lines), US 1, FI 2, GR 3, HU 1, IN 2, IT 7, JP 2, LB 4, MA 2, MX 1, NO 1, NL 1,
  PE 1, PL 3, PT 2, IR 1, CZ 2, RO 1, GB 1, RU 5, SG 2 (NUS's three lines once), SK 1, SE 1,
  CH 1, TW 2, TN 3, TR 3, UY 2, VN 2. The five Russian ones are suspended (line 204 says so),
  so 95 are active, in 39 countries.
- 003 (the unidentified school's table) has 108 rows, 108 distinct institutions in 30
  countries; Czech Technical University is "in process" (in negotiation), the rest active.
- 004 (ESTP) names 7 partners as examples: MIT, UC Berkeley, UCLA (US), Imperial (GB),
  Politecnico di Milano (IT), TU Dresden (DE), Tongji (CN).
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store
from server_fixtures import free_port

from passerelle.canned import ParameterError, load_queries, run

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ID = "https://w3id.org/passerelle/id/"
TELECOM, ESTP, SCHOOL_003 = (ID + "institution/" + s
                             for s in ("telecom-paris", "estp", "unidentified-school-003"))
OXIGRAPH = ROOT / ".venv" / "bin" / "oxigraph"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
PAS_ROR_ID = "https://w3id.org/passerelle/ontology#rorId"
WIKIDATA_SERVICE = "SERVICE <https://query.wikidata.org/sparql>"


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


@pytest.fixture(scope="module")
def catalogue():
    return load_queries(ROOT / "queries")


@pytest.fixture(scope="module")
def ask(store, catalogue):
    """ask(name, **params) -> the rows as dicts of plain values (None where unbound)."""
    def answer(name: str, **params: str) -> list[dict]:
        result = run(store, catalogue[name], params)
        return [{var: (term.value if term is not None else None)
                 for var, term in zip(result.variables, row, strict=True)}
                for row in result.rows]
    return answer


def ids(rows: list[dict], column: str) -> set[str]:
    """The id slugs in one IRI column (institution/tum -> tum)."""
    return {row[column].rsplit("/", 1)[1] for row in rows}


def items(cell: str) -> set[str]:
    return set(cell.split("; ")) if cell else set()


# Pairs of schools and their partner counts: Télécom Paris 100, 003 108, ESTP 7 (above).
# Shared, checked partner by partner of 003 against 000: Polytechnique Montréal, SJTU, Tongji,
# Brno, CTU Prague, RWTH, Hannover, TU Berlin, TU Darmstadt, TUM, BME, PoliMi, PoliTo, Roma
# Tre, Monterrey, Poznan, NUS, KAIST, UPM, UPV, NYCU = 21 (Tomsk Polytechnic is not Tomsk
# State; the bare "University of California" is not a campus). ESTP's 7 against 000: Imperial,
# PoliMi, Tongji = 3; against 003: PoliMi, TU Dresden, Tongji = 3.
# Union = a + b - shared; jaccard = shared / union to 4 decimals.
def test_partner_overlap(ask):
    rows = ask("partner-overlap")
    assert [(r["school"], r["otherSchool"], r["shared"], r["union"], r["jaccard"])
            for r in rows] == [
        (TELECOM, SCHOOL_003, "21", "187", "0.1123"),  # 21 / (100 + 108 - 21)
        (ESTP, TELECOM, "3", "104", "0.0288"),  # 3 / (7 + 100 - 3)
        (ESTP, SCHOOL_003, "3", "112", "0.0268"),  # 3 / (7 + 108 - 3)
    ]


# Recounted from the lists, active agreements only, each figure in the unit it names:
# - partners: 100 in 000, less the 5 suspended Russian ones = 95 (001 says "100 +": short);
#   their countries: 40 headings less Russia = 39 (001 says 39).
# - double degrees (any "double diplôme" wording): 41 lines of 000 (19, 20, 30, 45-49, 53,
#   54, 56, 57, 58, 66, 71, 73-75, 79, 81, 96, 99, 102, 106, 130, 146, 147, 152, 169, 173,
#   196, 207, 208, 211, 215, 229, 242-244, 254, 259), less the 3 suspended Russian ones
#   (207, 208, 211) = 38 programmes ("une quarantaine de programmes", 001 line 11, counts
#   programmes; USP's two schools, lines 56 and 57, are two). By institution (USP once):
#   DE 2 (Darmstadt, TUM), AR 1, BR 9 (ITA, PUC, UNICAMP, UFES, UFRJ, UFRGS, UFSCar, USP,
#   UFMG), CA 1, CN 4, CO 2, ES 3 (UPM, UPC, UPV), US 1 (master), IT 1, LB 2, MA 1, PE 1,
#   PL 1, RO 1, SG 1, SE 1, TN 3, UY 1, VN 1 = 37 institutions in 19 countries; 002 line 28
#   ("dans une quarantaine d'établissements") counts institutions. About 40: within 10 %.
# - Erasmus+: 37 lines of 000 (19-24, 35, 39-41, 90, 91, 96, 97, 99-102, 110, 115, 130-135,
#   161, 173-175, 179, 180, 195, 196, 229, 248, 249): "37 partenariats Erasmus" (001 line 21)
#   counted as partnerships (agreements) is exact. By institution (UPM, UPC and UPB have two
#   lines each): DE 6, AT 1, BE 3, HR 2, ES 4, FI 1, GR 1, IT 6, NO 1, PL 3, PT 2, RO 1,
#   SE 1, TR 2 = 34, in 14 countries against the 13 of 001: that one disagrees.
# - ESTP: 87 partner universities, of which 004 names 7.
def test_published_figures_check(ask):
    rows = ask("published-figures-check")
    assert [(r["school"], r["figure"], r["published"], r["unit"], r["computed"],
             r["consistent"], r["otherUnit"], r["otherComputed"], r["otherConsistent"])
            for r in rows] == [
        (ESTP, "partners", "87", "institutions", "7", "false", None, None, None),
        (TELECOM, "partners", "at least 100", "institutions", "95", "false", None, None, None),
        (TELECOM, "countries of partners", "39", "countries", "39", "true", None, None, None),
        (TELECOM, "double-degree programmes", "about 40", "agreements", "38", "true",
         "institutions", "37", "true"),
        (TELECOM, "countries of double-degree programmes", "19", "countries", "19", "true",
         None, None, None),
        (TELECOM, "Erasmus partnerships", "37", "agreements", "37", "true",
         "institutions", "34", "false"),
        (TELECOM, "countries of Erasmus partnerships", "13", "countries", "14", "false",
         None, None, None),
        (TELECOM, "institutions offering a double degree", "about 40", "institutions", "37",
         "true", None, None, None),
    ]
    assert all("active" in r["countingRule"] for r in rows)
    # Every row says its rule in words, starting with the unit the figure names; a row with
    # two readings says both.
    for row in rows:
        assert row["countingRule"].startswith(("partners:", "countries:", "programmes:",
                                               "partnerships:", "institutions"))
        assert ("read as institutions instead" in row["countingRule"]) == \
            (row["otherUnit"] is not None)
    # Percentages, nationalities, languages, the 1980 date: not recomputable, not rows.
    assert [r["figure"] for r in ask("published-figures-check", school="estp")] == ["partners"]


def test_shared_partners(ask):
    # The 21 institutions of test_partner_overlap, with each school's own types.
    rows = ask("shared-partners", school="telecom-paris", other="unidentified-school-003")
    assert ids(rows, "partner") == {
        "polytechnique-montreal", "sjtu", "tongji", "vut", "cvut", "rwth-aachen",
        "uni-hannover", "tu-berlin", "tu-darmstadt", "tum", "bme", "polimi", "polito",
        "uniroma3", "itesm", "put", "nus", "kaist", "upm", "upv", "nycu"}
    by_id = {r["partner"].rsplit("/", 1)[1]: r for r in rows}
    # 000 line 20: TUM's school (Double diplôme ingénieur, Erasmus+ et Athens); 003 line 58:
    # Bilateral/Erasmus+/GE3.
    assert (by_id["tum"]["types"], by_id["tum"]["otherTypes"], by_id["tum"]["country"]) == \
        ("engineering double degree", "bilateral agreement", "DE")
    # SJTU: SPEIT line 71 (double degree, exchange) and line 72 (cotutelle framework).
    assert items(by_id["sjtu"]["types"]) == {
        "cotutelle framework agreement", "engineering double degree", "exchange"}
    # ESTP names Imperial, PoliMi and Tongji with no agreement type (004 line 17).
    rows = ask("shared-partners", school="estp", other="telecom-paris")
    assert [(r["partnerLabel"], r["types"], r["otherTypes"]) for r in rows] == [
        ("Imperial College London", "type not stated", "exchange"),
        ("Politecnico di Milano", "type not stated", "type not stated"),
        ("Tongji University", "type not stated", "engineering double degree; exchange"),
    ]
    with pytest.raises(ParameterError, match="other"):
        ask("shared-partners", school="estp")


def test_partners_of_a_school_and_their_filters(ask):
    rows = ask("partners", school="telecom-paris")
    assert len(rows) == 100 and len({r["partner"] for r in rows}) == 100
    assert sum(r["status"] == "active" for r in rows) == 95
    # The Russian heading (000 lines 202-211): five lines, all suspended.
    assert ids(ask("partners", school="telecom-paris", status="suspended"), "partner") == {
        "nsu", "spbpu", "leti", "itmo", "tsu"}
    # The Brazil heading: 11 institutions (13 lines: USP has 3, one per faculty line).
    brazil = ask("partners", school="telecom-paris", country="BR")
    assert len(brazil) == 11 and {r["country"] for r in brazil} == {ID + "country/br"}
    # NUS, lines 215 (the parent line with its three faculties), 219 and 220.
    nus = next(r for r in rows if r["partner"] == ID + "institution/nus")
    assert items(nus["types"]) == {"double degree", "framework agreement", "exchange",
                                   "doctoral exchange"}
    assert items(nus["faculties"]) == {"NUS College of Design and Engineering",
                                       "NUS Faculty of Science", "NUS School of Computing"}
    # The double degrees counted for published-figures-check: 37 active + 3 suspended; a
    # broader type keeps the narrower ones.
    assert len(ask("partners", school="telecom-paris", agreement_type="DoubleDegree")) == 40
    assert len(ask("partners", school="telecom-paris", network="erasmus-plus")) == 34
    # 003's GE3 rows: ITBA, DTU, RWTH, TUM, CityU, PoliMi, Monterrey, KAIST, Drexel, Michigan.
    ge3 = ask("partners", school="unidentified-school-003", network="ge3")
    assert ids(ge3, "partner") == {"itba", "dtu", "rwth-aachen", "tum", "cityu-hk", "polimi",
                                   "itesm", "kaist", "drexel", "umich"}
    # Every filter at once: 003's German rows with both Bilateral and Erasmus+ (lines 50
    # Jena, 55 TU Berlin, 56 TU Darmstadt, 58 TUM with GE3 too, 60 FAU; line 54, Freiberg,
    # is Erasmus+ only).
    all_filters = ask("partners", school="unidentified-school-003", country="DE",
                      agreement_type="BilateralAgreement", network="erasmus-plus",
                      status="active")
    assert ids(all_filters, "partner") == {"uni-jena", "tu-berlin", "tu-darmstadt", "tum",
                                           "fau"}
    assert items(next(r for r in all_filters if r["partner"].endswith("/tum"))["networks"]) \
        == {"Erasmus+", "Global E3"}


def test_partners_by_country(ask):
    rows = {(r["school"], r["country"].rsplit("/", 1)[1]): (r["partners"], r["agreements"])
            for r in ask("partners-by-country")}
    assert sum(school == TELECOM for school, _ in rows) == 40
    assert sum(school == SCHOOL_003 for school, _ in rows) == 30
    # ESTP (004 line 17): three in the US, one each in GB, IT, DE, CN.
    assert {c: n for (s, c), n in rows.items() if s == ESTP} == {
        "us": ("3", "3"), "gb": ("1", "1"), "it": ("1", "1"), "de": ("1", "1"),
        "cn": ("1", "1")}
    # 000, by heading: Brazil 11 institutions on 13 agreement lines (USP 3: lines 55, 56,
    # 57); China 4 on 5 (SPEIT and SJTU); Spain 4 on 6 (UPM and UPC 2 each); Singapore 2
    # on 4 (NUS 3); Russia 5 on 5.
    assert rows[(TELECOM, "br")] == ("11", "13")
    assert rows[(TELECOM, "cn")] == ("4", "5")
    assert rows[(TELECOM, "es")] == ("4", "6")
    assert rows[(TELECOM, "sg")] == ("2", "4")
    assert rows[(TELECOM, "ru")] == ("5", "5")
    # 003's USA rows: 17.
    assert rows[(SCHOOL_003, "us")] == ("17", "17")


def test_double_degrees(ask):
    # The 40 of test_published_figures_check (37 active, 3 suspended). Level as written:
    # "Double diplôme" alone for ITA, UPM ETSIT, UPC ETSETB and NUS ("douple diplôme");
    # "Double diplôme master" for Columbia; "ingénieur" (or "Engineering Double Degree",
    # UPB) for the other 35.
    rows = ask("double-degrees")
    assert len(rows) == 40 and {r["school"] for r in rows} == {TELECOM}
    by_level = {}
    for row in rows:
        by_level.setdefault(row["level"], set()).add(row["partner"].rsplit("/", 1)[1])
    assert by_level["not stated"] == {"ita", "upm", "upc", "nus"}
    assert by_level["master"] == {"columbia"}
    assert len(by_level["engineering"]) == 35
    assert {r["partner"].rsplit("/", 1)[1] for r in rows if r["status"] == "suspended"} == \
        {"nsu", "spbpu", "tsu"}
    assert len({r["country"] for r in rows if r["status"] == "active"}) == 19
    assert ask("double-degrees", school="estp") == []


def test_network_members(ask):
    rows = ask("network-members")
    counts = {}
    for row in rows:
        key = (row["networkLabel"], row["school"].rsplit("/", 1)[1])
        counts[key] = counts.get(key, 0) + 1
    # 000's tags counted by institution: Erasmus+ 34 (see published figures), Athens 14,
    # EULiST 6, Brafitec 7 (UNICAMP, UFES, UFRJ, USP, UFMG, UFCG, UNESP), Arfitec 1 (UBA);
    # 003's cells: Erasmus+ 21, GE3 10. ESTP's networks go with no partner.
    assert counts == {
        ("Erasmus+", "telecom-paris"): 34, ("ATHENS", "telecom-paris"): 14,
        ("EULiST", "telecom-paris"): 6, ("BRAFITEC", "telecom-paris"): 7,
        ("ARFITEC", "telecom-paris"): 1, ("Erasmus+", "unidentified-school-003"): 21,
        ("Global E3", "unidentified-school-003"): 10}
    # The 14 "Athens" tags of 000 (SEEDS-NOTES checks them against the ATHENS members).
    athens = ask("network-members", network="athens")
    assert ids(athens, "partner") == {"tum", "tuwien", "uclouvain", "kuleuven", "upm",
                                      "polimi", "auth", "bme", "ntnu", "tudelft", "pw",
                                      "ist", "cvut", "itu"}
    assert {r["network"] for r in athens} == {ID + "network/athens"}
    # The six "EUList" tags; NTUA is there by its tag, not by the "Athens" in its name.
    assert ids(ask("network-members", network="eulist"), "partner") == {
        "uni-hannover", "lut", "ntua", "univaq", "vut", "stuba"}


def test_faculty_agreements(ask):
    # Faculties named in 000: TUM CIT, HPI, FIUBA, FCEN, UFRJ's 3, USP's 2, UFMG's 2, SPEIT,
    # Zagreb FER, UPM's 2, UPC's 2, UPV ETSIT, Aalto's 2, RIKEN AIP, LAU SoE, USJ ESIB, UL
    # FG, AGH CS, Warsaw ELKA, UPB's 2, NUS's 3, KTH EECS = 32 (NUS School of Computing is
    # on lines 215 and 220: one row), in 21 institutions. 003 and 004 name no faculty.
    rows = ask("faculty-agreements")
    assert len(rows) == 32 and {r["school"] for r in rows} == {TELECOM}
    assert len({r["institution"] for r in rows}) == 21
    soc = next(r for r in rows if r["faculty"] == ID + "faculty/nus-soc")
    assert soc["types"] == "doctoral exchange; double degree; framework agreement"
    assert soc["institution"] == ID + "institution/nus"
    assert ask("faculty-agreements", school="unidentified-school-003") == []


def test_agreements_not_active_quote_their_lines(ask):
    # 000 lines 207-211 (under "Les partenariats avec les universités russes sont
    # suspendus") and 003 line 30 ("in process").
    rows = ask("agreements-not-active")
    assert [(r["school"], r["partner"].rsplit("/", 1)[1], r["status"]) for r in rows] == [
        (TELECOM, "nsu", "suspended"), (TELECOM, "spbpu", "suspended"),
        (TELECOM, "leti", "suspended"), (TELECOM, "itmo", "suspended"),
        (TELECOM, "tsu", "suspended"), (SCHOOL_003, "cvut", "in negotiation")]
    lines_000 = (SEEDS / "000_321cffa3179d9234.txt").read_text(encoding="utf-8").splitlines()
    lines_003 = (SEEDS / "003_6d956781d4f13613.txt").read_text(encoding="utf-8").splitlines()
    assert [r["sourceText"] for r in rows] == [*lines_000[206:211], lines_003[29]]


def test_institution_by_any_identifier(ask, store):
    # NUS: 000 lines 215 (three faculties: double degree, framework), 219 (exchange), 220
    # (School of Computing: framework, doctoral exchange); 003 line 79 (Bilateral).
    expected = [
        (TELECOM, "double degree; framework agreement", "active",
         "NUS College of Design and Engineering; NUS Faculty of Science; "
         "NUS School of Computing"),
        (TELECOM, "exchange", "active", ""),
        (TELECOM, "doctoral exchange; framework agreement", "active", "NUS School of Computing"),
        (SCHOOL_003, "bilateral agreement", "active", ""),
    ]

    def rows(reference: str) -> list[tuple]:
        return [(r["school"], r["types"], r["status"], r["viaFaculty"])
                for r in ask("institution", institution=reference)]

    assert rows("nus") == expected
    assert rows(ID + "institution/nus") == expected
    # Its Wikidata and ROR identifiers, read from the graph (their curation is not ours to
    # pin), find it too, as bare ids and as IRIs.
    references = identifiers_of(store, ID + "institution/nus")
    assert len(references) == 4
    for reference in references:
        assert rows(reference) == expected, reference
    # TUM: 000 line 20 through its school CIT; 003 line 58 with Erasmus+ and GE3.
    tum = ask("institution", institution="tum")
    assert [(r["school"], r["networks"], r["viaFaculty"]) for r in tum] == [
        (TELECOM, "ATHENS; Erasmus+", "TUM School of Computation, Information and Technology"),
        (SCHOOL_003, "Erasmus+; Global E3", "")]
    assert ask("institution", institution="no-such-institution") == []


def identifiers_of(store: Store, iri: str) -> list[str]:
    """The QID, Wikidata IRI, ROR ID and ROR IRI the graph gives an institution."""
    references = []
    for link in (OWL_SAME_AS, PAS_ROR_ID):
        for quad in store.quads_for_pattern(NamedNode(iri), NamedNode(link), None, None):
            references += [quad.object.value, quad.object.value.rsplit("/", 1)[1]]
    return sorted(set(references))


def test_programmes(ask):
    # 002: double degree (at least 18 months, both degrees), master abroad (12 to 24 months,
    # both degrees), exchange (6 months to a year, line 17), one semester (30 ECTS) and two
    # (60 ECTS) without the host's degree, summer internships (1 to 3 months), the first-year
    # Formation Humaine internship, the summer stay between 2A and 3A, final internship (six
    # months), apprentices' minimum (9 weeks), the mobility rule itself. 004: the semester
    # abroad for all and apprentices' 8 weeks, the language requirement, courses in English.
    rows = {r["programme"].rsplit("/", 1)[1] + "@" + r["school"].rsplit("/", 1)[1]:
            (r["minDuration"], r["maxDuration"], r["ects"], r["awardsDegree"], r["mandatory"])
            for r in ask("programmes")}
    assert len(rows) == 15
    assert rows["double-degree@telecom-paris"] == ("P1Y6M", None, None, "true", None)
    assert rows["master-abroad@telecom-paris"] == ("P1Y", "P2Y", None, "true", None)
    # How long is an exchange? 002 line 17: "échange de 6 mois à un an".
    assert rows["exchange@telecom-paris"] == ("P6M", "P1Y", None, "false", None)
    assert rows["one-semester@telecom-paris"] == (None, None, "30", "false", None)
    assert rows["two-semesters@telecom-paris"] == (None, None, "60", "false", None)
    assert rows["summer-internship@telecom-paris"] == ("P1M", "P3M", None, None, None)
    # Mandatory: 002 lines 9, 89-91 and 108; 004 line 15. The summer stay is a possibility.
    assert rows["final-internship@telecom-paris"] == ("P6M", "P6M", None, None, "true")
    assert rows["first-year-internship@telecom-paris"][4] == "true"
    assert rows["mobility-requirement@telecom-paris"][4] == "true"
    assert rows["summer-stay@telecom-paris"][4] == "false"
    assert rows["apprentice-minimum@telecom-paris"] == ("P63D", None, None, None, "true")
    assert rows["apprentice-minimum@estp"] == ("P56D", None, None, None, "true")
    assert rows["study-abroad-requirement@estp"][4] == "true"
    # What counts as the international experience? Every route that counts towards the
    # mobility requirement ("Expérience internationale"): the ways of lines 16-18, the
    # semesters of 59-61, the internships of 96-97 and 111-112, the summer stay of 100.
    counting = sorted(r["programme"].rsplit("/", 1)[1] for r in ask("programmes")
                      if r["countsTowards"] == "Expérience internationale")
    assert counting == ["double-degree", "exchange", "final-internship",
                        "first-year-internship", "master-abroad", "one-semester",
                        "summer-stay", "two-semesters"]
    conditions = {r["programme"].rsplit("/", 1)[1]: r["conditions"] for r in ask("programmes")
                  if r["conditions"]}
    assert conditions == {
        "master-abroad": "outside the partner network, the costs are the student's",  # 50-51
        "one-semester": "the student must also validate an engineering internship (stage "
                        "d\u2019ingénieur), before the mobility or on return",  # 70-71
        "summer-stay": "the project must be approved by Direction de la Formation Initiale "
                       "(DFI) et la Direction des Relations Internationales (DRI)",  # 101-102
        "language-requirement": "proficiency in English and a second modern language",  # 004:14
    }
    assert len(ask("programmes", school="estp")) == 4


def test_each_condition_keeps_its_line(store):
    rows = store.query("""
        PREFIX pas: <https://w3id.org/passerelle/ontology#>
        SELECT ?kind ?line WHERE { ?programme pas:condition ?c . ?c pas:conditionKind ?kind ;
                                   pas:sourceLine ?line } ORDER BY ?line""",
                       use_default_graph_as_union=True)
    assert [(row[0].value.rsplit("#", 1)[1], int(row[1].value)) for row in rows] == [
        ("LanguageRequirement", 14), ("CostsBorneByStudent", 50), ("AlsoRequires", 70),
        ("ApprovalRequired", 101)]


def test_identifiers(ask):
    # Institutions: 100 + 108 + 7 partners, less those two lists share (21 + 3 + 3), plus
    # the 2 that all three share (PoliMi, Tongji) = 190 partners, and the 3 schools = 193.
    rows = ask("identifiers")
    assert len(rows) == 193 and len({r["institution"] for r in rows}) == 193
    by_id = {r["institution"].rsplit("/", 1)[1]: r for r in rows}
    assert by_id["unidentified-school-003"]["country"] is None
    assert by_id["unidentified-school-003"]["wikidata"] is None
    assert by_id["telecom-paris"]["country"] == "FR"
    # Télécom Paris's QID is in stored Wikipedia pages (SEEDS-NOTES), its ROR record in
    # seeds/identifiers.
    assert by_id["telecom-paris"]["wikidata"] == "http://www.wikidata.org/entity/Q2311820"
    assert by_id["telecom-paris"]["ror"] == "https://ror.org/01naq7912"
    assert all(r["wikidata"] is None or r["wikidata"].startswith(
        "http://www.wikidata.org/entity/Q") for r in rows)


def test_countries(ask):
    # 000 has 40 countries, 003 30, of which 7 are not in 000 (AU, CL, CY, DK, EE, FR, HK);
    # ESTP's 5 are all in 000: 47. US: Columbia (000), 17 rows of 003, MIT, UC Berkeley,
    # UCLA (004) = 21 by 3 schools. DE: 000's 7, 003's 13 of which 5 are in 000 (RWTH,
    # Hannover, TU Berlin, TU Darmstadt, TUM), TU Dresden (also in 003) = 15. CN: 000's 4,
    # 003's 11 (SJTU, Tongji shared) = 13. France: 003's 13 rows only.
    rows = {r["country"].rsplit("/", 1)[1]: (r["countryLabel"], r["schools"], r["partners"])
            for r in ask("countries")}
    assert len(rows) == 47
    assert rows["us"] == ("United States", "3", "21")
    assert rows["de"] == ("Germany", "3", "15")
    assert rows["cn"] == ("China", "3", "13")
    assert rows["fr"] == ("France", "1", "13")
    estp = ask("countries", school="estp")
    assert {r["country"].rsplit("/", 1)[1]: r["partners"] for r in estp} == {
        "us": "3", "gb": "1", "it": "1", "de": "1", "cn": "1"}
    assert {r["schools"] for r in estp} == {"1"}
    telecom = ask("countries", school="telecom-paris")
    assert len(telecom) == 40
    assert sum(int(r["partners"]) for r in telecom) == 100


@pytest.fixture
def wikidata_stand_in(store):
    """A real SPARQL endpoint on loopback (the oxigraph server) holding a few Wikidata-shaped
    statements about NUS, under its QID as the graph has it; yields the endpoint's URL."""
    if not OXIGRAPH.exists():
        pytest.skip(f"the oxigraph server is not installed at {OXIGRAPH}")
    qid = next(r for r in identifiers_of(store, ID + "institution/nus") if r.startswith("http"))
    statements = f"""
        <{qid}> <http://www.wikidata.org/prop/direct/P6782> "01tgyzw49" ;
            <http://www.wikidata.org/prop/direct/P571>
                "1905-07-03T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>,
                "1980-08-08T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
            <http://www.wikidata.org/prop/direct/P856> <https://nus.edu.sg/> .
        <http://www.wikidata.org/entity/Q1> <http://www.wikidata.org/prop/direct/P6782> "x" ;
            <http://www.wikidata.org/prop/direct/P571>
                "1900-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ."""
    base = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen([str(OXIGRAPH), "serve", "--bind", base.removeprefix("http://")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _put(base + "/store?default", statements.encode("utf-8"))
        yield base + "/query"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _put(url: str, turtle: bytes, limit: float = 20) -> None:
    """PUT the statements once the server answers (it takes a moment to start)."""
    deadline = time.monotonic() + limit
    while True:
        request = urllib.request.Request(url, data=turtle, method="PUT",
                                         headers={"Content-Type": "text/turtle"})
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_wikidata_enrichment_joins_what_the_endpoint_answers(store, catalogue,
                                                             wikidata_stand_in):
    # The query as shipped, with only its endpoint pointed at the stand-in: NUS gets the year
    # of its earliest inception (1905) and its website; Q1 is none of our institutions, and
    # institutions the endpoint knows nothing about are not rows.
    text = catalogue["wikidata-enrichment"].sparql
    assert text.count(WIKIDATA_SERVICE) == 1
    answer = store.query(text.replace(WIKIDATA_SERVICE, f"SERVICE <{wikidata_stand_in}>"),
                         use_default_graph_as_union=True)
    rows = [tuple(s[v].value if s[v] is not None else None for v in
                  ("institution", "founded", "website")) for s in answer]
    assert rows == [(ID + "institution/nus", "1905", "https://nus.edu.sg/")]


# --- the front door's queries (issue 15) -----------------------------------------------------


def test_partner_overlap_of_one_school_pairs_it_with_every_other(ask):
    # The same pairs as above, each school of the pair first when it is the one asked about.
    assert [(r["school"], r["otherSchool"], r["shared"], r["union"], r["jaccard"])
            for r in ask("partner-overlap", school="estp")] == [
        (ESTP, TELECOM, "3", "104", "0.0288"), (ESTP, SCHOOL_003, "3", "112", "0.0268")]
    assert [(r["otherSchool"], r["shared"])
            for r in ask("partner-overlap", school="unidentified-school-003")] == [
        (TELECOM, "21"), (ESTP, "3")]


# The registry's 192 institutions (schools included) plus the unidentified publisher of 003;
# its 32 faculties; 109 + 108 + 7 agreements; 11 networks in seeds/networks.toml; 5 documents.
# Countries: every institution's country, the same 47 the partner-countries query lists.
def test_counts(ask):
    (row,) = ask("counts")
    assert row == {"schools": "3", "institutions": "193", "faculties": "32",
                   "agreements": "224", "countries": "47", "networks": "11", "documents": "5"}
    assert len(ask("countries")) == 47


def test_documents_link_each_page(ask):
    rows = {r["document"].rsplit("/", 1)[1]: r for r in ask("documents")}
    assert set(rows) == {"telecom-paris-partnerships", "telecom-paris-key-figures",
                         "telecom-paris-study-abroad", "unidentified-partner-table",
                         "estp-international-openness"}
    partnerships = rows["telecom-paris-partnerships"]
    assert partnerships["url"] == \
        "https://www.telecom-paris.fr/fr/international/strategie/partenariats"
    assert (partnerships["publisher"], partnerships["agreements"]) == (TELECOM, "109")
    assert rows["unidentified-partner-table"]["url"] is None  # 003 names no page
    assert [r["agreements"] for r in ask("documents", school="estp")] == ["7"]


def test_schools_largest_lists_first(ask):
    assert [(r["school"], r["country"], r["partners"], r["countries"], r["agreements"])
            for r in ask("schools")] == [
        (SCHOOL_003, None, "108", "30", "108"), (TELECOM, "FR", "100", "40", "109"),
        (ESTP, "FR", "7", "5", "7")]


# Télécom Paris (000): 100 partners in 40 countries, 109 lines, 5 of them suspended (Russia);
# 40 partners with a double degree of some level (37 active + 3 suspended Russian ones);
# 34 Erasmus+ partners (listed above); networks Erasmus+, ATHENS, BRAFITEC, EULiST, ARFITEC;
# 32 faculties (every faculty of the registry is named by 000); documents 000, 001, 002.
# ESTP (004): 7 partners in 5 countries, no double degree, network or faculty named.
def test_school_profile(ask):
    (telecom,) = ask("school-profile", school="telecom-paris")
    assert telecom == {"partners": "100", "countries": "40", "agreements": "109",
                       "activeAgreements": "104", "doubleDegreePartners": "40",
                       "erasmusPartners": "34", "networks": "5", "faculties": "32",
                       "documents": "3"}
    (estp,) = ask("school-profile", school="estp")
    assert estp == {"partners": "7", "countries": "5", "agreements": "7",
                    "activeAgreements": "7", "doubleDegreePartners": "0",
                    "erasmusPartners": "0", "networks": "0", "faculties": "0",
                    "documents": "1"}


# Networks: 000 lines by network (Erasmus+ 37 lines, ATHENS 14, BRAFITEC 8, EULiST 6, ARFITEC 1;
# a line may name two), and the 52 of its 109 lines that name none.
def test_partners_by_facet(ask):
    rows = ask("partners-by-facet", school="telecom-paris", only="network")
    assert [(r["valueLabel"], r["partners"], r["agreements"]) for r in rows] == [
        ("no network", "49", "52"), ("Erasmus+", "34", "37"), ("ATHENS", "14", "14"),
        ("BRAFITEC", "7", "8"), ("EULiST", "6", "6"), ("ARFITEC", "1", "1")]
    status = ask("partners-by-facet", school="telecom-paris", only="status")
    assert [(r["valueLabel"], r["partners"], r["agreements"]) for r in status] == [
        ("active", "95", "104"), ("suspended", "5", "5")]
    estp = ask("partners-by-facet", school="estp")
    assert [(r["facet"], r["valueLabel"], r["partners"]) for r in estp] == [
        ("network", "no network", "7"), ("status", "active", "7"),
        ("type", "type not stated", "7")]
