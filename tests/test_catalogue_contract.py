"""The catalogue's contract: every queries/*.rq file against the table of issue 4.

Names, parameters and columns (in order) are what users rely on; this file holds that table
and checks each query against it: it parses (pyoxigraph), has a title and a description,
declares the parameters of the table and uses every one it declares, projects nothing but
its columns and the parameters it hides, runs on the seed store with and without its optional
parameters, and is served as JSON, CSV, HTML and in the OpenAPI document. A query tagged
``federated`` calls another endpoint with SERVICE: it is parsed here, never run (the network
is not ours to use in tests); test_catalogue.py runs it against a loopback stand-in.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from pyoxigraph import Store

from passerelle.canned import RESERVED_PARAMETERS, load_queries, run
from server.sparql_text import blank_opaque

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
FEDERATED = "federated"

# The issue's table: name -> columns, in order. wikidata-enrichment is issue 5's example;
# published-figures-check's last four columns (the unit each figure is counted in, and a
# second reading) and programmes' last three are issue 17's, added after the others so that
# those keep their place.
COLUMNS = {
    "schools-sharing-partners": ["school", "schoolLabel", "otherSchool", "otherSchoolLabel",
                                 "partner", "partnerLabel", "country", "types", "otherTypes"],
    "partner-overlap": ["school", "otherSchool", "shared", "union", "jaccard"],
    "shared-partners": ["partner", "partnerLabel", "country", "types", "otherTypes"],
    "partners": ["partner", "partnerLabel", "country", "faculties", "types", "networks",
                 "status"],
    "partners-by-country": ["school", "country", "countryLabel", "partners", "agreements"],
    "double-degrees": ["school", "partner", "partnerLabel", "country", "level", "status"],
    "network-members": ["network", "networkLabel", "school", "partner", "partnerLabel",
                        "country"],
    "faculty-agreements": ["school", "institution", "institutionLabel", "faculty",
                           "facultyLabel", "types"],
    "agreements-not-active": ["school", "partner", "partnerLabel", "status", "sourceText"],
    "published-figures-check": ["school", "figure", "published", "computed", "countingRule",
                                "consistent", "unit", "otherUnit", "otherComputed",
                                "otherConsistent"],
    "institution": ["school", "schoolLabel", "types", "networks", "status", "viaFaculty"],
    "programmes": ["school", "programme", "programmeLabel", "minDuration", "maxDuration",
                   "ects", "awardsDegree", "mandatory", "countsTowards", "conditions"],
    "identifiers": ["institution", "label", "country", "wikidata", "ror", "website"],
    "countries": ["country", "countryLabel", "schools", "partners"],
    "wikidata-enrichment": ["institution", "label", "wikidata", "founded", "website"],
    # Issue 15's front door: the landing page and the school dashboards read these.
    "counts": ["schools", "institutions", "faculties", "agreements", "countries", "networks",
               "documents"],
    "documents": ["document", "title", "publisher", "publisherLabel", "url", "retrieved",
                  "agreements"],
    "schools": ["school", "schoolLabel", "country", "partners", "countries", "agreements"],
    "school-profile": ["partners", "countries", "agreements", "activeAgreements",
                       "doubleDegreePartners", "erasmusPartners", "networks", "faculties",
                       "documents"],
    "partners-by-facet": ["facet", "value", "valueLabel", "partners", "agreements"],
}
# The parameters: name -> {parameter: required}.
PARAMETERS = {
    "schools-sharing-partners": {"school": False},
    "partner-overlap": {"school": False},
    "shared-partners": {"school": True, "other": True},
    "partners": {"school": True, "country": False, "agreement_type": False, "network": False,
                 "status": False},
    "partners-by-country": {"school": False},
    "double-degrees": {"school": False},
    "network-members": {"network": False},
    "faculty-agreements": {"school": False},
    "agreements-not-active": {},
    "published-figures-check": {"school": False},
    "institution": {"institution": True},
    "programmes": {"school": False},
    "identifiers": {},
    "countries": {"school": False},
    "wikidata-enrichment": {},
    "counts": {},
    "documents": {"school": False},
    "schools": {},
    "school-profile": {"school": True},
    "partners-by-facet": {"school": True, "only": False},
}
# A value for every parameter, chosen so that the query still has rows with all of them.
EXAMPLES = {
    "schools-sharing-partners": {"school": "telecom-paris"},
    "shared-partners": {"school": "telecom-paris", "other": "unidentified-school-003"},
    "partners": {"school": "unidentified-school-003", "country": "DE",
                 "agreement_type": "BilateralAgreement", "network": "erasmus-plus",
                 "status": "active"},
    "partners-by-country": {"school": "telecom-paris"},
    "double-degrees": {"school": "telecom-paris"},
    "network-members": {"network": "athens"},
    "faculty-agreements": {"school": "telecom-paris"},
    "published-figures-check": {"school": "telecom-paris"},
    "institution": {"institution": "tu-darmstadt"},
    "programmes": {"school": "estp"},
    "countries": {"school": "estp"},
    "partner-overlap": {"school": "estp"},
    "documents": {"school": "telecom-paris"},
    "school-profile": {"school": "estp"},
    "partners-by-facet": {"school": "telecom-paris", "only": "network"},
}
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.IGNORECASE)

CATALOGUE = load_queries(QUERIES)  # loading parses every query with pyoxigraph
LOCAL = sorted(name for name, q in CATALOGUE.items() if FEDERATED not in q.tags)


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


def required_only(name: str) -> dict[str, str]:
    query = CATALOGUE[name]
    return {k: v for k, v in EXAMPLES.get(name, {}).items() if query.parameter(k).required}


def test_every_file_is_in_the_table_and_every_entry_has_a_file():
    assert sorted(CATALOGUE) == sorted(COLUMNS) == sorted(PARAMETERS)


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_header_declares_the_parameters_of_the_table(name):
    query = CATALOGUE[name]
    assert query.title.strip() and len(query.description) > 80
    assert {p.name: p.required for p in query.params} == PARAMETERS[name]
    assert set(EXAMPLES.get(name, {})) == set(PARAMETERS[name])


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_every_declared_parameter_is_used(name):
    # Comments, literals and IRIs blanked out: a parameter must appear as a variable of the
    # WHERE clause, not only in the projection or in a comment.
    text = blank_opaque(CATALOGUE[name].sparql)
    where = text[re.search(r"\bWHERE\b", text, re.IGNORECASE).end():]
    for parameter in CATALOGUE[name].params:
        assert re.search(rf"[?$]{parameter.name}\b", where), parameter.name


@pytest.mark.parametrize("name", LOCAL)
def test_projects_its_columns_and_hidden_parameters_only(name, store):
    # The raw projection: the table's columns, then nothing but the parameters declared with
    # "column: false", which the query projects only so that they can be bound.
    query = CATALOGUE[name]
    projected = [v.value for v in store.query(query.sparql, use_default_graph_as_union=True)
                 .variables]
    hidden = {p.name for p in query.params if not p.column}
    assert projected[:len(COLUMNS[name])] == COLUMNS[name]
    assert set(projected[len(COLUMNS[name]):]) == hidden


@pytest.mark.parametrize("name", LOCAL)
def test_runs_on_the_seed_store_with_and_without_its_optional_parameters(name, store):
    query = CATALOGUE[name]
    for values in (required_only(name), EXAMPLES.get(name, {})):
        result = run(store, query, values)
        assert list(result.variables) == COLUMNS[name], values
        assert result.rows and not result.truncated, values


def test_only_federated_queries_call_other_endpoints():
    for name, query in CATALOGUE.items():
        calls_out = _SERVICE.search(blank_opaque(query.sparql)) is not None
        assert calls_out == (FEDERATED in query.tags), name
    assert FEDERATED in CATALOGUE["wikidata-enrichment"].tags


@pytest.mark.parametrize("name", LOCAL)
def test_served_as_json_csv_and_html(name, client):
    url = f"/queries/{name}"
    params = EXAMPLES.get(name, {})
    body = client.get(url + ".json", query_string=params).get_json()
    assert body["head"]["vars"] == COLUMNS[name]
    assert body["meta"]["rows"] == len(body["results"]["bindings"]) > 0
    response = client.get(url + ".csv", query_string=params)
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.text)))
    # The CSV keeps the documented columns and adds, right after an IRI or country-code
    # column x, its name: xLabel (and xCode for countries) where the query has none.
    added = [c for c in header if c not in COLUMNS[name]]
    assert [c for c in header if c in COLUMNS[name]] == COLUMNS[name]
    for column in added:
        source = column.removesuffix("Label").removesuffix("Code")
        assert column in (f"{source}Label", f"{source}Code") and source in COLUMNS[name]
        between = header[header.index(source) + 1:header.index(column)]
        assert all(c in (f"{source}Label", f"{source}Code") for c in between), column
    page = client.get(url, query_string=params, headers={"Accept": "text/html"})
    assert page.status_code == 200 and CATALOGUE[name].title in page.text


def test_listed_in_the_catalogue_and_the_openapi_document(client):
    listed = {q["name"]: q for q in client.get("/queries.json").get_json()["queries"]}
    assert set(listed) == set(COLUMNS)
    paths = client.get("/openapi.json").get_json()["paths"]
    for name in COLUMNS:
        declared = {p["name"] for p in paths[f"/queries/{name}"]["get"]["parameters"]}
        assert declared == set(PARAMETERS[name]) | RESERVED_PARAMETERS, name
        assert listed[name]["description"] == CATALOGUE[name].description
