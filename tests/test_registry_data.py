"""The curated data files seeds/registry.toml and seeds/networks.toml, read as plain TOML.

Shape checks (ids, references, countries, domains, ambiguous names), coverage of the partner
names of 003 and 004, and the modelling decisions that the build and its users rely on. The
expected names are copied from the documents; each test says where they come from.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pycountry
import pytest

from graph.link.ror import record_from_json
from graph.registry import load_registry, record_of
from passerelle.normalise import name_key, normalise_name
from passerelle.vocabulary import NETWORKS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PARTNER_LIST = SEEDS / "000_321cffa3179d9234.txt"
PARTNER_TABLE = SEEDS / "003_6d956781d4f13613.txt"
PROSE = SEEDS / "004_3891511229b6acc0.txt"

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
TRAILING_ACRONYM = re.compile(r"\s*\([^()]*\)$")
INSTITUTION_KINDS = {
    "university", "school", "research-institute", "business-school", "university-system",
}  # fmt: skip
NETWORK_KINDS = {
    "funding-programme", "mobility-programme", "exchange-consortium", "course-network",
    "university-alliance", "quality-label", "professional-body", "binational-university",
    "university-association",
}  # fmt: skip


@cache
def registry() -> dict:
    return tomllib.loads((SEEDS / "registry.toml").read_text(encoding="utf-8"))


@cache
def networks() -> list[dict]:
    return tomllib.loads((SEEDS / "networks.toml").read_text(encoding="utf-8"))["network"]


def institutions() -> list[dict]:
    return registry()["institution"]


def faculties() -> list[dict]:
    return registry()["faculty"]


def entities() -> list[dict]:
    return institutions() + faculties()


def entity(entity_id: str) -> dict:
    return next(e for e in entities() if e["id"] == entity_id)


def named(name: str) -> list[dict]:
    """The entries whose label or an alias is ``name`` once normalised (the resolver's view)."""
    wanted = normalise_name(name)
    return [
        e for e in entities()
        if wanted in {normalise_name(n) for n in [e["label"], *e.get("aliases", [])]}
    ]  # fmt: skip


def the(name: str) -> dict:
    """The one entry named ``name``; fails when the name is unknown or ambiguous."""
    found = named(name)
    assert len(found) == 1, f"{name!r} names {[e['id'] for e in found]}"
    return found[0]


def document_text(path: Path) -> str:
    """The document with markdown links replaced by their text and spaces collapsed."""
    text = MARKDOWN_LINK.sub(lambda link: link.group(1), path.read_text(encoding="utf-8"))
    return " ".join(text.split())


def link_hosts() -> set[str]:
    hrefs = (href for _, href in MARKDOWN_LINK.findall(PARTNER_LIST.read_text(encoding="utf-8")))
    return {urlsplit(href).hostname for href in hrefs if href.startswith("http")}


def alias_holders(name: str) -> list[dict]:
    """The entries that list ``name`` (normalised) among their aliases, labels left aside."""
    wanted = normalise_name(name)
    return [e for e in entities() if wanted in map(normalise_name, e["aliases"])]


def table_rows() -> list[tuple[int, str, str]]:
    """(line, country cell, name cell) of each data row of 003: header and blank lines left out."""
    lines = PARTNER_TABLE.read_text(encoding="utf-8").splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if line.strip() and cells[0] != "Country":
            rows.append((number, cells[0], cells[1]))
    return rows


# --- Shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [entities, networks], ids=["registry", "networks"])
def test_ids_are_unique_slugs(entries):
    # Institutions and faculties share one id space: the loader refuses an id used twice.
    ids = [entry["id"] for entry in entries()]
    assert [i for i in ids if not SLUG.match(i)] == []
    assert len(ids) == len(set(ids))


def test_every_reference_is_an_institution():
    institution_ids = {e["id"] for e in institutions()}
    assert {f["id"]: f["parent"] for f in faculties() if f["parent"] not in institution_ids} == {}
    part_of = {e["id"]: e["part_of"] for e in institutions() if "part_of" in e}
    assert part_of  # the campuses of the University of California have one
    assert {k: v for k, v in part_of.items() if v not in institution_ids} == {}


def test_institutions_have_a_country_code_and_a_kind():
    bad = [
        e["id"] for e in institutions()
        if pycountry.countries.get(alpha_2=e["country"]) is None
        or e["kind"] not in INSTITUTION_KINDS
    ]  # fmt: skip
    assert bad == []


def test_no_name_or_acronym_points_to_two_entities():
    """Labels, aliases and acronyms, normalised both ways the resolver compares names.

    The one allowed exception: an alias naming several faculties of one parent (000:110).
    """
    holders: dict[str, set[str]] = defaultdict(set)
    for e in entities():
        for name in {e["label"], *e.get("aliases", []), *e.get("acronyms", [])}:
            holders[normalise_name(name)].add(e["id"])
            holders["key:" + name_key(name)].add(e["id"])
    clashes = {
        name: ids for name, ids in holders.items()
        if len(ids) > 1 and len({entity(i).get("parent") for i in ids} - {None}) != 1
    }  # fmt: skip
    assert clashes == {}
    shared = {name: ids for name, ids in holders.items() if len(ids) > 1}
    assert set(map(frozenset, shared.values())) == {frozenset({"aalto-sci", "aalto-elec"})}


def test_aliases_and_acronyms_are_written_in_the_documents():
    """Each spelling occurs verbatim in a seed (links unwrapped): no invented wording."""
    seeds_text = " ".join(document_text(path) for path in sorted(SEEDS.glob("0*.txt")))
    spellings = {s for e in entities() for s in [*e["aliases"], *e["acronyms"]]}
    spellings |= {alias for n in networks() for alias in n["aliases"]}
    assert sorted(s for s in spellings if s not in seeds_text) == []


def records_cited_by(entry: dict) -> list[str]:
    """The entry's ROR ID and the records its identifiers_from names (an inactive one)."""
    return [entry.get("ror"), *re.findall(r"https://ror\.org/\w+", entry.get("identifiers_from",
                                                                             ""))]


def test_every_domain_has_evidence_and_one_owner():
    """A domain is a 000 link's host (or a parent domain of it), or one of the domains of the
    shipped ROR record that the entry cites (its domains and website hosts, as the linker reads
    them); no two entries share one."""
    hosts = link_hosts()
    records = json.loads((SEEDS / "identifiers" / "ror-records.json").read_text("utf-8"))
    ror_domains = {r["id"]: set(record_from_json(r).domains) for r in records}
    domains = [d for e in entities() for d in e["domains"]]
    assert len(domains) == len(set(domains))
    unseen = [(e["id"], d) for e in entities() for d in e["domains"]
              if not any(h == d or h.endswith("." + d) for h in hosts)
              and not any(d in ror_domains.get(ror, set()) for ror in records_cited_by(e))]
    assert unseen == []


# --- Coverage of 003 and 004 -----------------------------------------------------------------

# pycountry knows these two table cells under other names (Russian Federation, Türkiye).
COUNTRY_CELLS = {"Russia": "RU", "Turkey": "TR"}


def test_every_name_of_003_is_an_alias_of_one_institution_of_its_country():
    rows = table_rows()
    assert len(rows) == 108  # 113 lines - 2 leading blanks - header - 2 blanks (43, 83)
    found = {}
    for line, country, name in rows:
        holders = alias_holders(TRAILING_ACRONYM.sub("", name))
        assert len(holders) == 1, f"003:{line} {name!r} -> {[e['id'] for e in holders]}"
        code = COUNTRY_CELLS.get(country) or pycountry.countries.lookup(country).alpha_2
        assert holders[0]["country"] == code, f"003:{line} {name!r}"
        found[line] = holders[0]["id"]
    assert len(set(found.values())) == 108  # no institution appears twice in the table


def test_the_seven_names_of_004_are_aliases_of_seven_institutions():
    line_17 = PROSE.read_text(encoding="utf-8").splitlines()[16]
    names = ["MIT", "UC Berkeley", "UCLA", "Imperial College", "Politecnico di Milano",
             "Technische Universität Dresden", "Tongji University"]  # fmt: skip
    assert all(name in line_17 for name in names)
    ids = []
    for name in names:
        holders = alias_holders(name)
        assert len(holders) == 1, name
        ids.append(holders[0]["id"])
    assert ids == ["mit", "uc-berkeley", "ucla", "imperial", "polimi", "tu-dresden", "tongji"]


# --- Decisions ---------------------------------------------------------------------------------

# Names the documents write for one real-world entity (000 / 003 / 004 as noted).
SAME_ENTITY = [
    ("Universität RWTH Aachen", "Aachen University RWTH"),  # 000:23, 003:48
    ("TU Berlin", "Technical University of Berlin"),  # 000:21, 003:55
    ("TU Darmstadt", "Technical University of Darmstadt"),  # 000:19, 003:56
    ("Technische Universität Dresden", "Technical University of Dresden"),  # 004:17, 003:57
    ("Imperial College", "Imperial College London"),  # 004:17, 000:200
    ("National University of Singapore", "National University Singapore"),  # 000:219, 003:79
    ("École Polytechnique de Montréal", "Polytechnique Montreal"),  # 000:66, 003:11
    ("BME Budapest", "Budapest University of Technology and Economics"),  # 000:121, 003:63
    ("Università di Roma Tre", "Roma Tre University"),  # 000:134, 003:68
    ("Czech Technical University in Prague", "Czech Technical University"),  # 000:189, 003:30
    (
        "Instituto Tecnológico y de Estudios Superiores de Monterrey – Tecnológico de Monterrey",
        "ITESM Monterrey",
    ),  # 000:157, 003:73
    (
        "Korea Advanced Institute of Science and Technology",
        "KAIST- Korea Advanced Institute of Science & Technology",
    ),  # 000:86, 003:82
    ("Shanghai Jiao Tong University", "Shanghai Jiao Tong University"),  # 000:72, 003:23
    ("Tongji University", "Tongji University"),  # 000:74, 003:25, 004:17
]


@pytest.mark.parametrize("first, second", SAME_ENTITY)
def test_names_of_one_entity_give_one_entry(first, second):
    assert the(first)["id"] == the(second)["id"]


# Old names and misspellings -> the current entity's label; each carries a note saying so.
OLD_OR_GARBLED = [
    ("Lappeenranta University of Technology", "LUT University"),
    ("Université Catholique de Louvain-la-Neuve", "UCLouvain"),
    ("Instituto Supérior Téchnico de Lisboa", "Instituto Superior Técnico"),
    ("Universidad EIA – Escuela de Ingeniería de Antoquia", "Universidad EIA"),
    ("Novossibirsk State University", "Novosibirsk State University"),
    (
        "St.Petersburg Polytechnic University",
        "Peter the Great St. Petersburg Polytechnic University",
    ),
    ("National Yang Ming Chiao Tung University", "National Yang Ming Chiao Tung University"),
    ("Technical University of Bergakademie Freiberg", "TU Bergakademie Freiberg"),
    (
        "University of Electronic Technology and Science",
        "University of Electronic Science and Technology of China",
    ),
    ("Pohang University", "Pohang University of Science and Technology"),
    ("UDLAP", "Universidad de las Américas Puebla"),
    ("IIIT Pune", "Indian Institute of Information Technology, Pune"),
    ("Jacobs University Bremen", "Constructor University"),
    (
        "University of Applied Sciences Bielefeld",
        "Bielefeld University of Applied Sciences and Arts",
    ),
    ("Middle East University- METU", "Middle East Technical University"),
    ("Ecole Polytechnique Paris", "École polytechnique"),
]


@pytest.mark.parametrize("written, label", OLD_OR_GARBLED)
def test_old_and_garbled_names_are_aliases_with_a_note(written, label):
    found = the(written)
    assert found["label"] == label
    assert found.get("note")


def test_nycu_keeps_its_old_and_wrong_acronyms():
    # 000:238 "(NYCU, ex NCTU)"; 003:94 "(NYMU)", the acronym of a predecessor, wrongly used.
    assert set(the("National Yang Ming Chiao Tung University")["acronyms"]) == {
        "NYCU", "NCTU", "NYMU",
    }  # fmt: skip


# (faculty as written, its parent as written or labelled): the nested bullets of 000 and the
# lines naming a faculty with its university.
FACULTIES = [
    (
        "TU München, School of Computation, Information and Technology",
        "Technical University of Munich",
    ),  # 000:20; 003:58
    ("Universität Potsdam – Hasso Plattner Institute", "Universität Potsdam"),  # 000:24
    ("Facultad de Ingeniería", "Universidad de Buenos Aires"),  # 000:30
    ("Facultad de Ciencias Exactas y Naturales", "Universidad de Buenos Aires"),  # 000:31
    ("Escola Politécnica", "Universidade Federal do Rio de Janeiro"),  # 000:50
    ("Instituto de Matemática", "Universidade Federal do Rio de Janeiro"),  # 000:51
    ("Instituto de Computação", "Universidade Federal do Rio de Janeiro"),  # 000:52
    ("Universidade de São Paulo – Escola Politécnica", "Universidade de São Paulo"),  # 000:56
    (
        "Universidade de São Paulo – Escola de Engenharia de São Carlos",
        "Universidade de São Paulo",
    ),  # 000:57
    ("Escola de Engenharia", "Universidade Federal de Minas Gerais"),  # 000:59
    ("Instituto de Ciências Exatas", "Universidade Federal de Minas Gerais"),  # 000:60
    ("Shanghai Paris Elite Institute of technology", "Shanghai Jiao Tong University"),  # 000:71
    ("SJTU Paris Elite Institute of Technology", "Shanghai Jiao Tong University"),  # 001:104
    (
        "University of Zagreb, Faculty of Electrical Engineering and Computing",
        "University of Zagreb",
    ),  # 000:90
    ("Universidad Politécnica de Madrid, ETSIT", "Universidad Politécnica de Madrid"),  # 000:96
    ("Universidad Politécnica de Madrid, ETSIINF", "Universidad Politécnica de Madrid"),  # 000:97
    (
        "Universitat Politècnica de Catalunya, ETSETB",
        "Universitat Politècnica de Catalunya",
    ),  # 000:99
    (
        "Universitat Politècnica de Catalunya, EETAC",
        "Universitat Politècnica de Catalunya",
    ),  # 000:100
    (
        "Universidad Politécnica de Valencia, ETSIT",
        "Universitat Politècnica de València",
    ),  # 000:102; 003:87
    ("RIKEN Center for Advanced Intelligence Project", "RIKEN"),  # 000:141
    (
        "Lebanese American University – School of Engineering",
        "Lebanese American University",
    ),  # 000:145
    (
        "Université St Joseph, École supérieure d’ingénieurs de Beyrouth",
        "Université St Joseph",
    ),  # 000:146
    ("Université Libanaise, Faculté de Génie", "Université Libanaise"),  # 000:147
    ("AGH Faculty of Computer Science", "AGH University of Krakow"),  # 000:173
    (
        "Warsaw University of Technology, Faculty of Electronics and Information Technology",
        "Warsaw University of Technology",
    ),  # 000:174
    ("Faculty of Automatic Control and Computers", "University Politehnica of Bucharest"),
    (
        "Faculty of Electronics, Telecommunications and Information Technology",
        "University Politehnica of Bucharest",
    ),  # 000:195-196
    (
        "School of Electrical Engineering and Computer Science",
        "KTH Royal Institute of Technology",
    ),  # 000:229, known from kth.se
    ("School of Computing", "National University of Singapore"),  # 000:216
    (
        "National University of Singapore – School of Computing",
        "National University of Singapore",
    ),  # 000:220
    ("Faculty of Science", "National University of Singapore"),  # 000:217
    ("College of Design and Engineering", "National University of Singapore"),  # 000:218
]


@pytest.mark.parametrize("faculty, parent", FACULTIES)
def test_faculties_belong_to_their_institution(faculty, parent):
    unit = the(faculty)
    assert unit in faculties()
    assert unit["parent"] == the(parent)["id"]


def test_faculty_counts_of_the_nested_institutions():
    # Children as 000 nests them (UBA 2, UFRJ 3, USP 2, UFMG 2, UPM 2, UPC 2, UPB 2, NUS 3),
    # plus Aalto's two schools of line 110.
    counts = {p: sum(f["parent"] == p for f in faculties()) for p in
              ["uba", "ufrj", "usp", "ufmg", "upm", "upc", "upb", "nus", "aalto"]}  # fmt: skip
    assert counts == {"uba": 2, "ufrj": 3, "usp": 2, "ufmg": 2, "upm": 2, "upc": 2,
                      "upb": 2, "nus": 3, "aalto": 2}  # fmt: skip


def test_one_alias_names_both_aalto_schools():
    both = named("Aalto University, Schools of Science and Electrical Engineering")  # 000:110
    assert sorted(f["label"] for f in both) == [
        "Aalto University School of Electrical Engineering",
        "Aalto University School of Science",
    ]
    assert {f["parent"] for f in both} == {the("Aalto University")["id"]}


def test_the_two_etsit_are_different_schools_of_different_universities():
    madrid = the("Universidad Politécnica de Madrid, ETSIT")
    valencia = the("Universidad Politécnica de Valencia, ETSIT")
    assert madrid["id"] != valencia["id"]
    assert entity(valencia["parent"])["country"] == "ES"
    assert entity(valencia["parent"])["label"] == "Universitat Politècnica de València"


def test_upc_schools_sharing_a_link_stay_apart():
    # 000:99-100 give ETSETB and EETAC the same URL (telecombcn.upc.edu).
    etsetb = the("Universitat Politècnica de Catalunya, ETSETB")
    eetac = the("Universitat Politècnica de Catalunya, EETAC")
    assert etsetb["id"] != eetac["id"]
    assert eetac["domains"] == []


def test_russian_partners_are_seven_distinct_institutions():
    # 000:207-211 (suspended) and 003:77-78.
    names = ["Novossibirsk State University", "St.Petersburg Polytechnic University",
             "Saint Petersburg Electrotechnical University", "ITMO University",
             "Tomsk State University", "Tomsk Polytechnic University",
             "Moscow State University of Civil Engineering"]  # fmt: skip
    found = [the(name) for name in names]
    assert len({e["id"] for e in found}) == 7
    assert len({e["label"] for e in found}) == 7
    assert {e["country"] for e in found} == {"RU"}
    assert all(e in institutions() for e in found)


def test_university_of_california_contains_berkeley_and_ucla_not_san_diego():
    system = the("University of California")  # 003:102
    assert system["kind"] == "university-system"
    assert the("UC Berkeley")["part_of"] == system["id"]  # 004:17
    assert the("UCLA")["part_of"] == system["id"]
    san_diego = the("University of San Diego")  # 003:109
    assert "part_of" not in san_diego
    assert san_diego["kind"] == "university"


@pytest.mark.parametrize(
    "name", ["University of Illinois", "University of Maryland", "University of North Carolina"]
)
def test_bare_system_names_stay_systems_with_a_note(name):
    system = the(name)  # 003:104, 105, 107
    assert system["kind"] == "university-system"
    assert "campus" in system["note"]


def test_uni_is_peruvian_and_has_no_nicaraguan_domain():
    uni = the("Universidad Nacional de Ingeniería")  # 000:169, under Pérou; link uni.edu.ni
    assert uni["country"] == "PE"
    assert "uni.edu.ni" not in uni["domains"]


def test_seoul_national_university_takes_no_domain_from_its_link():
    assert "useoul.edu" not in the("Seoul National University")["domains"]  # 000:85


def test_a_university_link_given_for_a_faculty_gives_the_domain_to_the_university():
    # 000:90 FER -> unizg.hr; 000:229 KTH EECS -> kth.se; 000:96 UPM ETSIT -> upm.es.
    for faculty, domain in [
        ("University of Zagreb, Faculty of Electrical Engineering and Computing", "unizg.hr"),
        ("School of Electrical Engineering and Computer Science", "kth.se"),
        ("Universidad Politécnica de Madrid, ETSIT", "upm.es"),
    ]:
        unit = the(faculty)
        assert domain not in unit["domains"]
        assert domain in entity(unit["parent"])["domains"]
    assert the("TU München, School of Computation, Information and Technology")["domains"] == [
        "cit.tum.de"  # 000:20, the school's own site
    ]


def test_riken_is_a_research_institute():
    assert the("RIKEN")["kind"] == "research-institute"


def test_french_partners_of_003_are_french_institutions():
    names = ["Claude Bernard Lyon I", "Ecole Centrale Marseille", "Ecole Polytechnique Paris",
             "EmLyon", "Ecole Nationale Supérieure de Chimie de Montpellier",
             "EPF Graduate school of Engineering", "EPITA", "ESSCA", "HEC School of Management",
             "PSL Dauphine", "SKEMA (CERAM + ESC Lille School of Management) Business School",
             "SUP Biotech", "University of Strasbourg"]  # 003:34-47  # fmt: skip
    found = [the(name) for name in names]
    assert {e["country"] for e in found} == {"FR"}
    assert len({e["id"] for e in found}) == 13
    assert the("HEC School of Management")["label"] == "HEC Paris"
    assert the("PSL Dauphine")["label"] == "Université Paris Dauphine-PSL"


def test_publishing_schools_are_registered():
    assert the("Télécom Paris")["id"] == "telecom-paris"
    assert the("ESTP")["id"] == "estp"
    assert entity("estp")["label"] == "École spéciale des travaux publics"


# --- Networks ----------------------------------------------------------------------------------

# Every network spelling of the documents: 000 tags, 003 Agreement type cells, 004 lines 7
# and 21, the logo alt text of 004:30 ("eurace"), 001:21 ("partenariats Erasmus").
DOCUMENT_SPELLINGS = {
    "Erasmus+": "erasmus-plus", "Erasmus +": "erasmus-plus", "ERASMUS+": "erasmus-plus",
    "ERAMUS+": "erasmus-plus", "Erasmus": "erasmus-plus", "Athens": "athens",
    "Brafitec": "brafitec", "Arfitec": "arfitec", "GE3": "ge3", "EUList": "eulist",
    "EUR-ACE": "eur-ace", "eurace": "eur-ace", "RICS": "rics", "UFA": "ufa", "AUF": "auf",
    "Qualité FLE": "qualite-fle",
}  # fmt: skip


def test_networks_are_the_vocabulary_keys_with_known_kinds():
    assert sorted(n["id"] for n in networks()) == sorted(NETWORKS)
    assert [n["id"] for n in networks() if n["kind"] not in NETWORK_KINDS] == []
    fields = {"id", "label", "full_name", "kind", "run_by", "aliases", "note"}
    assert [n["id"] for n in networks() if set(n) != fields] == []


@pytest.mark.parametrize("spelling, network_id", sorted(DOCUMENT_SPELLINGS.items()))
def test_each_document_spelling_names_one_network(spelling, network_id):
    holders = {n["id"] for n in networks() if spelling in n["aliases"]}
    assert holders == {network_id}


def test_eur_ace_is_a_label_and_eulist_is_spelt_officially():
    by_id = {n["id"]: n for n in networks()}
    assert by_id["eur-ace"]["kind"] == "quality-label"
    assert by_id["eulist"]["label"] == "EULiST"
    assert "Erasmus Charter for Higher Education" in by_id["erasmus-plus"]["note"]


def test_an_entity_s_names_come_from_its_record_or_the_inactive_one_it_cites():
    # FER Zagreb keeps no ROR ID (its record 04e90ca47 is inactive); the record's names
    # ("Fakultet elektrotehnike i računarstva") still serve the name matcher.
    registry = load_registry(SEEDS)
    assert record_of(registry.entities["unizg-fer"]) == "https://ror.org/04e90ca47"
    assert record_of(registry.entities["tum"]) == "https://ror.org/02kkvpp62"
    assert record_of(registry.entities["enit"]) == ""  # no record at all
