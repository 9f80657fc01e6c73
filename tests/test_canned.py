"""Canned queries: the `#+` header, typed parameters bound as terms (never spliced), the row
cap, and the shipped queries on the store built from the seeds.

Expected rows of schools-sharing-partners were counted by hand from the documents: for
each partner of 003 (the table), is it also in 000 (Télécom Paris's list) or named on 004
line 17 (ESTP's prose), at institution level (a faculty counts for its institution)?
"""

from __future__ import annotations

from collections import Counter
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Store, parse_query_results

from passerelle.canned import (
    CannedQueryError,
    Parameter,
    ParameterError,
    bind,
    load_queries,
    load_query,
    run,
    serialize,
    to_term,
)

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
TELECOM, ESTP, SCHOOL_003 = (ID + "institution/" + s
                             for s in ("telecom-paris", "estp", "unidentified-school-003"))
COLUMNS = ("school", "schoolLabel", "otherSchool", "otherSchoolLabel", "partner",
           "partnerLabel", "country", "types", "otherTypes")

PARTNERS_IN_COUNTRY = """\
#+ title: Institutions of a country
#+ description: The institutions of one country.
#+ params:
#+   - name: country
#+     type: country
#+     required: true
#+     description: Where they are.
#+   - name: kind
#+     type: string
#+     default: university
#+     allowed: [university, school]
#+ tags: [institutions]

PREFIX pas: <https://w3id.org/passerelle/ontology#>
SELECT ?country ?kind ?institution WHERE {
  ?institution pas:country ?country ; pas:category ?kind .
}
ORDER BY ?institution
"""


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


@pytest.fixture(scope="module")
def sharing():
    return load_query(QUERIES / "schools-sharing-partners.rq")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def plain(result) -> list[dict]:
    return [{var: (term.value if term is not None else None)
             for var, term in zip(result.variables, row, strict=True)} for row in result.rows]


# --- the header -------------------------------------------------------------------------


def test_the_header_becomes_a_frozen_dataclass(tmp_path):
    query = load_query(write(tmp_path, "institutions-of-a-country.rq", PARTNERS_IN_COUNTRY))
    assert query.name == "institutions-of-a-country"
    assert query.title == "Institutions of a country"
    assert query.description == "The institutions of one country."
    assert query.tags == ("institutions",)
    assert query.params == (
        Parameter("country", "country", required=True, description="Where they are."),
        Parameter("kind", "string", default="university", allowed=("university", "school")),
    )
    assert query.sparql == PARTNERS_IN_COUNTRY  # the file, comments and all
    as_dict = query.to_dict()
    assert [p["name"] for p in as_dict["params"]] == ["country", "kind"]
    assert as_dict["params"][1]["allowed"] == ["university", "school"]
    with pytest.raises(FrozenInstanceError):
        query.title = "changed"


BODY = "SELECT ?x WHERE { ?x ?p ?o }\n"


@pytest.mark.parametrize("text, complaint", [
    ("#+ description: no title\n" + BODY, "title"),
    (BODY, "no #\\+ header"),
    ("#+ title: T\n#+ tittle: typo\n" + BODY, "unknown header keys"),
    ("#+ title: T\n#+ params: [{name: x, type: uri}]\n" + BODY, "type 'uri' is not one of"),
    ("#+ title: T\n#+ params: [{name: 'x y', type: iri}]\n" + BODY, "not a SPARQL variable"),
    ("#+ title: T\n#+ params: [{name: x, type: iri, sample: 1}]\n" + BODY, "a parameter is"),
    ("#+ title: T\n#+ params: [{name: y, type: iri}]\n" + BODY, "projection"),
    ("#+ title: T\n#+ params: [{name: x, type: iri}, {name: x, type: iri}]\n" + BODY,
     "declared twice"),
    ("#+ title: T\n#+ params: [{name: x, type: iri, required: maybe}]\n" + BODY,
     "true or false"),
    ("#+ title: T\n#+ params: [{name\n" + BODY, "not valid YAML"),
    ("#+ title: T\nCONSTRUCT WHERE { ?x ?p ?o }\n", "must be a SELECT"),
    ("#+ title: T\nSELECT ?x WHERE { ?x ?p }\n", None),  # pyoxigraph says where
])
def test_unusable_files_are_refused_naming_the_file(tmp_path, text, complaint):
    path = write(tmp_path, "broken.rq", text)
    with pytest.raises(CannedQueryError, match=complaint) as refused:
        load_query(path)
    assert str(path) in str(refused.value)


def test_the_file_name_must_be_a_url_name(tmp_path):
    with pytest.raises(CannedQueryError, match="file name"):
        load_query(write(tmp_path, "Schools_Sharing.rq", PARTNERS_IN_COUNTRY))


def test_every_shipped_query_loads_and_answers_on_the_seeds(store):
    queries = load_queries(QUERIES)
    assert "schools-sharing-partners" in queries
    for query in queries.values():
        assert query.title and query.description, query.name
        if "federated" in query.tags:
            continue  # it calls Wikidata through SERVICE; test_catalogue.py runs it on loopback
        required = [p.name for p in query.params if p.required and p.default is None]
        if required:  # it cannot run without a value: it must say so
            with pytest.raises(ParameterError, match=required[0]):
                run(store, query, {})
        else:
            assert run(store, query, {}).rows, f"{query.name} answers nothing on the seeds"


# --- parameter values become typed terms ----------------------------------------------------


@pytest.mark.parametrize("kind, raw, expected", [
    ("school", "telecom-paris", TELECOM),
    ("school", ESTP, ESTP),
    ("school", "unidentified-school-003", SCHOOL_003),
    ("institution", "tu-darmstadt", ID + "institution/tu-darmstadt"),  # 000 l.19, 003 l.56
    ("institution", "telecom-paris", TELECOM),  # a school is an institution too
    ("country", "DE", ID + "country/de"),
    ("country", "de", ID + "country/de"),
    ("country", ID + "country/de", ID + "country/de"),
    ("network", "erasmus-plus", ID + "network/erasmus-plus"),
    ("network", ID + "network/athens", ID + "network/athens"),
    ("agreement-type", "Exchange", PAS + "Exchange"),
    ("agreement-type", "exchange", PAS + "Exchange"),
    ("agreement-type", "pas:BilateralAgreement", PAS + "BilateralAgreement"),
    ("agreement-type", PAS + "EngineeringDoubleDegree", PAS + "EngineeringDoubleDegree"),
    ("iri", "http://www.wikidata.org/entity/Q2311820", "http://www.wikidata.org/entity/Q2311820"),
])
def test_values_become_named_nodes(store, kind, raw, expected):
    assert to_term(Parameter("p", kind), raw, store) == NamedNode(expected)


def test_values_become_literals(store):
    assert to_term(Parameter("p", "string"), "L'Aquila", store) == Literal("L'Aquila")
    assert to_term(Parameter("p", "integer"), "+007", store) == Literal("7", datatype=XSD_INTEGER)


@pytest.mark.parametrize("kind, raw", [
    ("school", "tu-darmstadt"),  # an institution, but it publishes no list: not a school
    ("school", "no-such-school"),
    ("school", 'estp" } ; ?s ?p ?o'),
    ("school", "estp> . ?s ?p ?o . <x"),
    ("school", "estp\n"),
    ("school", "https://example.org/institution/estp"),
    ("institution", "../telecom-paris"),
    ("country", "DEU"),
    ("country", "XX"),  # the shape of a code, but no such country in the graph
    ("network", "athens }"),
    ("agreement-type", "Erasmus+"),  # a network, not an agreement type
    ("agreement-type", "pas:Exchange>"),
    ("iri", "http://example.org/a b"),
    ("iri", "http://example.org/>"),
    ("iri", "http://example.org/\n"),
    ("iri", "no scheme"),
    ("string", 'a"b'),
    ("string", "a}b"),
    ("string", "line\nbreak"),
    ("string", "x" * 201),
    ("integer", "4.2"),
    ("integer", "1e3"),
    ("integer", "9" * 19),
    ("integer", "12 || true"),
])
def test_hostile_or_wrong_values_are_refused_naming_the_parameter(store, kind, raw):
    with pytest.raises(ParameterError, match="parameter 'where'") as refused:
        to_term(Parameter("where", kind), raw, store)
    assert refused.value.name == "where"


def test_binding_checks_names_requirements_defaults_and_allowed_values(tmp_path, store):
    query = load_query(write(tmp_path, "institutions.rq", PARTNERS_IN_COUNTRY))
    with pytest.raises(ParameterError, match="no such parameter") as unknown:
        bind(query, {"country": "DE", "contry": "FR"}, store)
    assert unknown.value.name == "contry"
    with pytest.raises(ParameterError, match="required") as missing:
        bind(query, {"country": ""}, store)  # an empty form field is a value left out
    assert missing.value.name == "country"
    with pytest.raises(ParameterError, match="not one of") as not_allowed:
        bind(query, {"country": "DE", "kind": "research-institute"}, store)
    assert not_allowed.value.name == "kind"
    assert bind(query, {"country": "DE"}, store) == {
        "country": NamedNode(ID + "country/de"), "kind": Literal("university")}


# --- schools-sharing-partners on the seeds ----------------------------------------------------

# 003 partners also in 000: Polytechnique Montréal, SJTU, Tongji, Brno, CTU, RWTH, Hannover,
# TU Berlin, TU Darmstadt, TUM, BME, PoliMi, PoliTo, Roma Tre, ITESM, Poznan, NUS, KAIST,
# UPM, UPV, NYCU: 21. Named on 004 line 17 and in 000: Imperial (l.200), PoliMi (l.131),
# Tongji (l.74): 3. Named on 004 line 17 and in 003: PoliMi (l.66), TU Dresden (l.57),
# Tongji (l.25): 3 ("University of California", 003 l.102, is not UC Berkeley or UCLA).
PAIRS = {(TELECOM, SCHOOL_003): 21, (ESTP, TELECOM): 3, (ESTP, SCHOOL_003): 3}


def test_each_pair_of_schools_comes_once_with_the_smaller_iri_first(store, sharing):
    result = run(store, sharing, {})
    assert result.variables == COLUMNS
    rows = plain(result)
    assert Counter((r["school"], r["otherSchool"]) for r in rows) == PAIRS
    assert len(rows) == 27 and not result.truncated


def test_partners_are_institutions_and_types_are_sorted_labels_per_side(store, sharing):
    rows = plain(run(store, sharing, {}))
    darmstadt = [r for r in rows if r["partner"] == ID + "institution/tu-darmstadt"]
    # 000 line 19 "(Double diplôme ingénieur et Erasmus+)"; 003 line 56 "Bilateral/Erasmus+":
    # Erasmus+ is a network, not a type.
    assert darmstadt == [{
        "school": TELECOM, "schoolLabel": "Télécom Paris", "otherSchool": SCHOOL_003,
        "otherSchoolLabel": darmstadt[0]["otherSchoolLabel"],
        "partner": ID + "institution/tu-darmstadt", "partnerLabel": darmstadt[0]["partnerLabel"],
        "country": "DE", "types": "engineering double degree",
        "otherTypes": "bilateral agreement"}]
    tongji = {(r["school"], r["otherSchool"]): (r["types"], r["otherTypes"])
              for r in rows if r["partner"] == ID + "institution/tongji"}
    # 000 line 74 "(Double diplôme ingénieur et Echange)", 003 line 25 "Bilateral", 004 line 17
    # names it without a type.
    assert tongji == {
        (TELECOM, SCHOOL_003): ("engineering double degree; exchange", "bilateral agreement"),
        (ESTP, TELECOM): ("type not stated", "engineering double degree; exchange"),
        (ESTP, SCHOOL_003): ("type not stated", "bilateral agreement"),
    }
    # 000 line 20 names a faculty of TUM (School of Computation, Information and Technology):
    # the agreement counts for TUM.
    assert any(r["partner"] == ID + "institution/tum" for r in rows)


def test_a_given_school_comes_first_in_every_one_of_its_pairs(store, sharing):
    rows = plain(run(store, sharing, {"school": "unidentified-school-003"}))
    assert Counter(r["otherSchool"] for r in rows) == {TELECOM: 21, ESTP: 3}
    assert {r["school"] for r in rows} == {SCHOOL_003}
    (darmstadt,) = [r for r in rows if r["partner"] == ID + "institution/tu-darmstadt"]
    assert (darmstadt["types"], darmstadt["otherTypes"]) == \
        ("bilateral agreement", "engineering double degree")


def test_the_row_cap_keeps_the_first_rows_and_says_so(store, sharing):
    assert run(store, sharing, {}, row_cap=27).truncated is False  # exactly 27 rows
    capped = run(store, sharing, {}, row_cap=5)
    assert len(capped.rows) == 5 and capped.truncated
    assert capped.rows == run(store, sharing, {}).rows[:5]
    assert "truncated" in capped.to_table()


def test_json_is_sparql_results_led_by_meta(store, sharing):
    result = run(store, sharing, {"school": "estp"}, row_cap=4)
    document = result.to_json()
    assert list(document) == ["meta", "head", "results"]
    assert document["meta"] == {"query": "schools-sharing-partners",
                                "title": "Schools sharing partners",
                                "params": {"school": ESTP}, "rows": 4, "row_cap": 4,
                                "truncated": True}
    assert document["head"]["vars"] == list(COLUMNS)
    # A strict SPARQL results parser reads it, meta and all.
    parsed = parse_query_results(serialize(result, QueryResultsFormat.JSON),
                                 format=QueryResultsFormat.JSON)
    assert [s["school"] for s in parsed] == [NamedNode(ESTP)] * 4


def test_csv_is_sparql_csv(store, sharing):
    text = serialize(run(store, sharing, {}), QueryResultsFormat.CSV).decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 1 + 27 + 1  # header, rows, and the empty string after the last CRLF


# --- the CLI ----------------------------------------------------------------------------------


def test_the_cli_runs_a_canned_query_offline(seed_store_path):
    from click.testing import CliRunner

    from passerelle.cli import main

    runner = CliRunner()
    command = ["query", "schools-sharing-partners", "--store", str(seed_store_path)]
    as_csv = runner.invoke(main, [*command, "--param", "school=estp", "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.output.strip().splitlines()
    # The CSV keeps the columns and names the country code beside it (countryLabel).
    with_names = [*COLUMNS[:7], "countryLabel", *COLUMNS[7:]]
    assert lines[0] == ",".join(with_names) and len(lines) == 1 + 6  # ESTP's 3 + 3 pairs
    as_json = runner.invoke(main, [*command, "--format", "json", "--row-cap", "2"])
    assert as_json.exit_code == 0
    assert '"truncated": true' in as_json.stdout
    assert "truncated to the first 2 rows" in as_json.stderr
    # The table shows names: a label column beside its IRI column is not repeated.
    table = runner.invoke(main, command, env={"COLUMNS": "300"})
    assert table.output.splitlines()[0].split() == [c for c in COLUMNS
                                                    if not c.endswith("Label")]
    refused = runner.invoke(main, [*command, "--param", "school=nope"])
    assert refused.exit_code == 2 and "parameter 'school'" in refused.output


def test_a_query_calls_out_only_where_service_is_a_keyword(tmp_path):
    # Read once at load: the server checks endpoints, and the query process scans the text
    # again, only for such a query.
    assert load_query(QUERIES / "wikidata-enrichment.rq").calls_out
    assert not load_query(QUERIES / "partners.rq").calls_out
    mentioned = PARTNERS_IN_COUNTRY.replace("WHERE {", 'WHERE {\n  # no SERVICE here\n'
                                            '  BIND("SERVICE" AS ?word)', 1)
    assert not load_query(write(tmp_path, "mentions-service.rq", mentioned)).calls_out
