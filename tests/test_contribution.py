"""A fourth school from a contribution CSV, with no new code.

tests/fixtures/contribution/ecole-exemple-partners.csv is a list of our own making: 56 rows
(57 lines of records after the header; the last record's note spans two lines) naming
registry institutions the ways schools write them (word order, other languages, misspellings,
acronyms, French country names), look-alike traps, and institutions the registry lacks. Each
row's expected resolution below was worked out by hand from seeds/registry.toml and the ROR
records of seeds/identifiers/.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Store

from graph.build import assemble, build
from graph.errors import BuildError
from graph.gate import Allow
from graph.link.review import read_review
from graph.parse.partner_csv import parse_partner_csv
from graph.registry import load_registry
from graph.resolve import resolve_rows
from passerelle.cli import main
from passerelle.matching import NAMES_FILE

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "contribution"
CSV = FIXTURE / "ecole-exemple-partners.csv"
SOURCE = "ecole-exemple-partners"
ID = "https://w3id.org/passerelle/id/"
NEW = "unregistered-"

# CSV line -> (partner institution, partner faculties); why, for the ones that need saying.
EXPECTED = {
    2: ("tum", ()),  # "Munich Technical University": word order
    3: ("uni-stuttgart", ()),  # "Univeristy of Stutgart": two misspellings
    4: ("uni-stuttgart", ()),  # "Uni Stuttgart"
    5: ("polito", ()),  # "Politechnico di Torino"
    6: ("tudelft", ()),  # "Technische Universiteit Delft": ROR label (nl)
    7: ("kth", ()),  # "KTH": ROR acronym, country "Suède"
    8: ("kth", ()),  # "Kungliga Tekniska högskolan": ROR label (sv), country "Sverige"
    9: ("upc", ()),  # "Catalonia Polytechnic University"
    10: ("upm", ()),  # "UPM"
    11: ("upm", ()),  # "Madrid Technical University", country "España"
    12: ("upv", ()),  # "Universidad Politécnica de Valencia": ROR label (es)
    13: ("epfl", ()),  # "Swiss Federal Institute of Technology in Lausanne": ROR alias
    14: ("ethz", ()),  # "Eidgenössische Technische Hochschule Zürich": ROR label (de)
    15: ("unistra", ()),  # "Université de Strasbourg"
    16: ("usp", ()),  # "Sao Paulo University"
    17: ("uni-peru", ()),  # "National Engineering University": only common words, in order
    18: ("lut", ()),  # "... University of Technology LUT": the acronym as a word
    19: ("auth", ()),  # "Aristotle University Thessaloniki"
    20: ("pw", ()),  # "Politechnika Warszawska": ROR label (pl), country "Polska"
    21: ("tuwien", ()),  # "Technische Universität Wien": ROR label (de)
    22: ("itu", ()),  # "İstanbul Teknik Üniversitesi"
    23: ("unifi", ()),  # "Universita degli Studi di Firenze"
    24: ("unige", ()),  # "Univ. of Genoa"
    25: ("kuleuven", ()),  # "Catholic University of Leuven"
    26: ("postech", ()),  # "Pohang University of Science & Technology (POSTECH)"
    27: ("ntu-singapore", ()),  # "Nanyang Technological Univ."
    28: ("ist", ()),  # "Instituto Superior Técnico de Lisboa"
    29: ("cmu", ()),  # "Carnegie Melon University"
    30: ("penn-state", ()),  # "Pennsylvania State Univ.", "Etats-Unis d'Amérique"
    31: ("virginia-tech", ()),  # "Virginia Polytechnic Institute & State University"
    32: ("imperial", ()),  # "Imperial College of London"
    33: ("polytechnique-montreal", ()),  # "Montreal Polytechnic"
    34: ("uniandes", ()),  # "University of Los Andes"
    35: ("sjtu", ()),  # "Shanghai Jiaotong University": ROR alias
    36: ("sapienza", ()),  # "Sapienza Università di Roma"
    37: ("uba", ("uba-fiuba",)),  # faculty cell "Faculty of Engineering"
    38: ("uba", (NEW + "uba-facultad-de-agronomia",)),  # a faculty the registry lacks
    39: ("tum", ("tum-cit",)),  # faculty cell, without "TUM"
    40: ("unizg", ("unizg-fer",)),  # faculty cell in Croatian: the faculty's ROR label
    # Below the bar: the registry and ROR give no Dutch name, and Antwerpen is two letters
    # from Antwerp: a new institution, to link by hand.
    41: (NEW + "universiteit-antwerpen", ()),
    42: (NEW + "faculty-of-engineering-of-the-university-of-porto", ()),  # not uporto
    43: ("university-of-california", ()),  # the system's own name
    44: (NEW + "university-of-california-san-diego", ()),  # not the system, not usandiego
    45: (NEW + "tomsk-state-university-of-control-systems-and-radioelectroni", ()),  # not tsu
    46: (NEW + "universidad-complutense-de-madrid", ()),  # not upm
    47: (NEW + "universitat-de-valencia", ()),  # not upv
    48: (NEW + "north-carolina-state-university", ()),  # not the UNC system
    49: (NEW + "michigan-state-university", ()),  # not umich
    50: (NEW + "saint-petersburg-state-university", ()),  # not leti, not spbpu
    51: (NEW + "technische-universitat-braunschweig", ()),  # not another German TU
    52: (NEW + "universidad-nacional-de-ingenieria", ()),  # Nicaragua's UNI, not Peru's
    53: (NEW + "ucl", ()),  # UCL in the UK is not UCLouvain
    54: (NEW + "hanoi-university-of-science", ()),  # not HUST
    55: (NEW + "universidad-de-chile", ()),  # absent from the registry
    56: (NEW + "universite-laval", ()),  # absent
    57: (NEW + "university-of-cape-town", ()),  # absent; its note spans lines 57-58
}


@pytest.fixture(scope="module")
def resolution():
    parsed = parse_partner_csv(CSV, SOURCE)
    return parsed, resolve_rows(parsed.rows, "ecole-exemple", load_registry(ROOT / "seeds"))


def test_the_fixture_has_at_least_forty_rows_drawn_from_the_registry():
    registered = [line for line, (institution, _) in EXPECTED.items()
                  if not institution.startswith(NEW)]
    assert len(EXPECTED) == 56 and len(registered) == 40


def test_every_row_resolves_as_worked_out_by_hand(resolution):
    _, resolved = resolution
    found = {a.origin.line: (a.institution or _parent(a.faculties[0]), a.faculties)
             for a in resolved.agreements}
    assert found == EXPECTED


def _parent(faculty: str) -> str:
    return {"uba-fiuba": "uba", "tum-cit": "tum", "unizg-fer": "unizg",
            NEW + "uba-facultad-de-agronomia": "uba"}[faculty]


def test_each_new_institution_is_reported_with_its_candidates(resolution):
    _, resolved = resolution
    outcome, detail = resolved.notes[46]
    assert outcome == "warning"
    assert "no registry entry matches 'Universidad Complutense de Madrid'" in detail
    assert "candidates not taken: upm (Technical University of Madrid; words 0.25): its " \
           "name 'Technical University of Madrid' differs in words" in detail
    outcome, detail = resolved.notes[48]
    assert "university-of-north-carolina (University of North Carolina; words 0.38): a " \
           "university system, not one of its campuses" in detail


def test_a_resolved_unseen_spelling_says_how(resolution):
    _, resolved = resolution
    assert resolved.notes[11] == (
        "mapped", "agreement with upm (by folded: 'Technical University of Madrid')")
    assert resolved.notes[3][1] == \
        "agreement with uni-stuttgart (by spelling: 'University of Stuttgart')"
    assert resolved.notes[2][1] == "agreement with tum (by domain)"  # its url: tum.de


def test_types_networks_status_and_notes_are_read(resolution):
    _, resolved = resolution
    by_line = {a.origin.line: a for a in resolved.agreements}
    assert (by_line[2].types, by_line[2].networks) == \
        (("double-degree", "exchange"), ("athens", "erasmus-plus"))
    assert (by_line[11].types, by_line[12].status, by_line[29].status) == \
        (("doctoral-cotutelle",), "suspended", "in-negotiation")
    assert (by_line[56].networks, by_line[56].note) == \
        (("fitec",), 'Programme "BCI", signed in 2024, renewed yearly')
    assert (by_line[57].types, by_line[57].note) == (
        ("type-not-stated",),
        "Contact made at a conference;\nagreement text not yet received")


# --- The fourth school, built with the seeds -----------------------------------------------

@pytest.fixture(scope="module")
def four_schools(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("four-schools") / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    shutil.copy(CSV, seeds / CSV.name)
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") +
                        (FIXTURE / "source-entry.toml").read_text(encoding="utf-8"),
                        encoding="utf-8")
    # A new entry has no pin yet: it is accepted by name, as `passerelle build --accept` does.
    return build(seeds, seeds.parent / "store", Allow(accept=frozenset({"ecole-exemple-partners"})))


def select(result, query: str) -> list[tuple]:
    store = Store.read_only(str(result.store / "oxigraph"))
    rows = store.query("PREFIX pas: <https://w3id.org/passerelle/ontology#>\n" + query,
                       use_default_graph_as_union=True)
    return [tuple(term.value for term in row) for row in rows]


def test_the_build_counts_a_fourth_school_and_its_agreements(four_schools):
    # Seeds: 224 agreements, 3 schools; the CSV: 56 rows, one agreement each. New: 16
    # institutions (lines 41-42, 44-57) and one faculty (line 38), plus the new publisher.
    entities = four_schools.dataset.report.entities
    assert entities["agreements"] == 224 + 56
    assert entities["schools"] == 4
    assert entities["new entities (not in the registry)"] == 17
    assert entities["faculties"] == 32 + 1
    per_school = dict(select(four_schools, """SELECT ?s (COUNT(?a) AS ?n) {
        ?a a pas:Agreement ; pas:school ?s } GROUP BY ?s"""))
    assert {s.removeprefix(ID + "institution/"): int(n) for s, n in per_school.items()} == {
        "telecom-paris": 109, "unidentified-school-003": 108, "estp": 7, "ecole-exemple": 56}


def test_every_line_of_the_csv_is_accounted_for(four_schools):
    lines = [line for line in four_schools.dataset.report.lines if line.source_id == SOURCE]
    assert [line.line for line in lines] == list(range(1, 59))
    outcomes = {line.line: line.outcome for line in lines}
    assert outcomes[1] == "skipped" and outcomes[58] == "mapped"
    assert sorted(n for n, o in outcomes.items() if o == "warning") == \
        [38, *range(41, 43), *range(44, 58)]
    assert "error" not in outcomes.values()


def test_the_new_publisher_is_a_school_with_its_country(four_schools):
    assert select(four_schools, """SELECT ?label ?country {
        <https://w3id.org/passerelle/id/institution/ecole-exemple> a pas:School ;
          <http://www.w3.org/2000/01/rdf-schema#label> ?label ; pas:country ?country }""") == \
        [("École Exemple", ID + "country/fr")]


def test_an_unknown_network_is_a_new_network_node(four_schools):
    assert select(four_schools, """SELECT ?label ?kind {
        <https://w3id.org/passerelle/id/network/fitec> a pas:Network ;
          <http://www.w3.org/2000/01/rdf-schema#label> ?label ; pas:networkKind ?kind }""") == \
        [("FITEC", "https://w3id.org/passerelle/ontology#UnclassifiedNetwork")]


def test_the_build_writes_every_name_for_the_reconciliation_service(four_schools):
    names = json.loads((four_schools.build_dir / NAMES_FILE).read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in names}
    assert by_id["kth"]["names"] == ["KTH Royal Institute of Technology",
                                     "Kungliga Tekniska högskolan",
                                     "Kuninkaallinen teknillinen korkeakoulu",
                                     "Royal Institute of Technology"]
    assert (by_id["kth"]["wikidata"], by_id["kth"]["ror"]) == \
        ("Q854280", "https://ror.org/026vcq606")
    assert by_id["ecole-exemple"]["school"] is True
    assert by_id[NEW + "ucl"]["country"] == "GB"


# --- The manifest entry of a school not yet in the registry --------------------------------

NEW_PUBLISHER = FIXTURE / "source-entry.toml"


@pytest.mark.parametrize(("change", "message"), [
    (('publisher = "ecole-exemple"\n', ""), "give it a publisher id"),
    (('label = "École Exemple"\n', ""), r"missing: label; unknown: none"),
    (('country = "FR"', 'country = "France"'), "country 'France' is not an ISO 3166-1 alpha-2"),
    (('website =', 'site ='), "missing: none; unknown: site"),
    (('publisher = "ecole-exemple"', 'publisher = "estp"'),
     "declares publisher 'estp' as new, but the registry has it"),
])
def test_a_bad_new_publisher_table_fails_the_build_naming_the_entry(tmp_path, change, message):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    shutil.copy(CSV, seeds / CSV.name)
    manifest = seeds / "sources.toml"
    entry = NEW_PUBLISHER.read_text(encoding="utf-8").replace(*change)
    manifest.write_text(manifest.read_text(encoding="utf-8") + entry, encoding="utf-8")
    with pytest.raises(BuildError, match=message):
        assemble(seeds)


# --- `passerelle link` for the new names, then a rebuild -----------------------------------

def test_linking_a_new_name_adds_it_to_the_registry_and_the_rebuild_resolves_it(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    shutil.copy(CSV, seeds / CSV.name)
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") +
                        (FIXTURE / "source-entry.toml").read_text(encoding="utf-8"),
                        encoding="utf-8")
    report, review = tmp_path / "report.json", tmp_path / "review.tsv"
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--seeds", str(seeds), "--store",
                                 str(tmp_path / "store"), "--report", str(report),
                                 "--accept", SOURCE])
    assert built.exit_code == 0, built.output
    proposed = runner.invoke(main, [
        "link", "--registry", str(seeds / "registry.toml"), "--review", str(review),
        "--ror-dump", str(FIXTURE / "ror-new-names.json"), "--new-names", str(report)])
    assert proposed.exit_code == 0, proposed.output
    rows = {row.entry_id: row for row in read_review(review) if row.rank == 1}
    complutense = rows[NEW + "universidad-complutense-de-madrid"]
    assert (complutense.ror, complutense.wikidata, complutense.match) == \
        ("https://ror.org/02p0gd045", "Q219694", "name")
    assert rows[NEW + "universite-laval"].ror == "https://ror.org/04sjchr03"
    # The reviewer accepts Complutense only.
    lines = review.read_text(encoding="utf-8").splitlines()
    lines = [("accept" + line) if line.startswith("\tinstitution\t" + complutense.entry_id +
                                                  "\t") and "\t1\t" in line else line
             for line in lines]
    review.write_text("\n".join(lines) + "\n", encoding="utf-8")
    accepted = runner.invoke(main, ["link", "--registry", str(seeds / "registry.toml"),
                                    "--accept", str(review)])
    assert accepted.exit_code == 0, accepted.output
    entry = next(e for e in tomllib.loads((seeds / "registry.toml").read_text("utf-8"))
                 ["institution"] if e["id"] == "universidad-complutense-de-madrid")
    assert (entry["label"], entry["country"], entry["aliases"], entry["wikidata"]) == \
        ("Universidad Complutense de Madrid", "ES", ["Universidad Complutense de Madrid"],
         "Q219694")
    rebuilt = build(seeds, tmp_path / "store")
    by_line = {line.line: line.detail for line in rebuilt.dataset.report.lines
               if line.source_id == SOURCE}
    assert by_line[46].endswith("-> agreement with universidad-complutense-de-madrid (by alias)")
    assert rebuilt.dataset.report.entities["new entities (not in the registry)"] == 16


def resolve_csv(tmp_path, rows: str):
    path = tmp_path / "list.csv"
    path.write_text("partner,country,faculty\n" + rows, encoding="utf-8")
    parsed = parse_partner_csv(path, "list")
    return resolve_rows(parsed.rows, "ecole-exemple", load_registry(ROOT / "seeds"))


def test_a_faculty_cell_beside_a_partner_that_is_a_faculty_wins_and_says_so(tmp_path):
    resolved = resolve_csv(tmp_path, "NUS School of Computing,SG,Faculty of Science\n")
    (agreement,) = resolved.agreements
    assert (agreement.institution, agreement.faculties) == (None, ("nus-science",))
    assert "the partner cell names the faculty nus-soc; the faculty cell 'Faculty of " \
           "Science' is taken instead" in resolved.notes[2][1]


def test_a_faculty_of_a_new_institution_is_a_new_faculty_of_it(tmp_path):
    resolved = resolve_csv(tmp_path, "Universidad de Chile,CL,Facultad de Ciencias\n")
    assert sorted(resolved.new_entities) == [
        NEW + "universidad-de-chile", NEW + "universidad-de-chile-facultad-de-ciencias"]
    faculty = resolved.new_entities[NEW + "universidad-de-chile-facultad-de-ciencias"]
    assert (faculty.kind, faculty.parent, faculty.label) == \
        ("faculty", NEW + "universidad-de-chile", "Facultad de Ciencias")


def test_a_rows_link_is_evidence_checked_like_the_lists_links(tmp_path):
    # tum.de resolves "TU Muenchen" (no spelling of the registry) by its domain; a link to
    # another country's host is reported, not trusted.
    path = tmp_path / "list.csv"
    path.write_text("partner,country,url\nTU Muenchen,DE,https://www.tum.de/en\n"
                    "Technical University of Munich,DE,https://www.tum.edu.pe\n",
                    encoding="utf-8")
    parsed = parse_partner_csv(path, "list")
    resolved = resolve_rows(parsed.rows, "ecole-exemple", load_registry(ROOT / "seeds"))
    assert [a.institution for a in resolved.agreements] == ["tum", "tum"]
    assert resolved.notes[2] == ("mapped", "agreement with tum (by domain)")
    outcome, detail = resolved.notes[3]
    assert outcome == "warning"
    assert "link host www.tum.edu.pe is under .pe (PE) but the partner is in DE" in detail
