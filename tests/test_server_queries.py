"""`/queries`, `/queries/<name>[.json|.csv|...]` and `/openapi.json` over the seed store.

Row counts of schools-sharing-partners are the ones counted by hand in test_canned.py:
27 pairs without a school (21 Télécom Paris / 003, 3 ESTP / Télécom Paris, 3 ESTP / 003);
24 with the 003 school (21 + 3).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from pyoxigraph import QueryResultsFormat, parse_query_results

from passerelle.canned import CannedQueryError
from server import create_app, queries

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/passerelle/id/"
SCHOOL_003 = ID + "institution/unidentified-school-003"
COLUMNS = ["school", "schoolLabel", "otherSchool", "otherSchoolLabel", "partner",
           "partnerLabel", "country", "types", "otherTypes"]
URL = "/queries/schools-sharing-partners"
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_the_catalogue_is_json_by_default_and_html_for_browsers(client):
    listing = client.get("/queries")
    assert listing.status_code == 200 and listing.mimetype == "application/json"
    entries = {q["name"]: q for q in listing.get_json()["queries"]}
    sharing = entries["schools-sharing-partners"]
    assert sharing["title"] == "Schools sharing partners"
    assert [(p["name"], p["type"], p["required"]) for p in sharing["params"]] == \
        [("school", "school", False)]
    assert sharing["url"] == "http://localhost" + URL
    assert client.get("/queries.json").get_json() == listing.get_json()
    page = client.get("/queries", headers=BROWSER)
    assert page.mimetype == "text/html"
    assert f'href="{URL}"' in page.text and "Schools sharing partners" in page.text


def test_json_results_carry_meta_and_the_documented_columns(client):
    response = client.get(URL + ".json")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.headers["X-Passerelle-Truncated"] == "false"
    body = response.get_json()
    assert body["meta"]["truncated"] is False and body["meta"]["rows"] == 27
    assert body["head"]["vars"] == COLUMNS
    assert len(body["results"]["bindings"]) == 27


@pytest.mark.parametrize("url, headers", [
    (URL + ".csv", {}),
    (URL, {"Accept": "text/csv"}),
    (URL + "?format=csv", {"Accept": "application/sparql-results+json"}),
])
def test_csv_by_suffix_accept_or_format(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    # The country code column gets its name beside it (the IRI columns have theirs).
    assert rows[0] == [*COLUMNS[:7], "countryLabel", *COLUMNS[7:]] and len(rows) == 1 + 27


def test_xml_and_tsv_come_from_the_same_table(client):
    xml = client.get(URL + ".xml")
    assert xml.mimetype == "application/sparql-results+xml"
    solutions = parse_query_results(xml.data, format=QueryResultsFormat.XML)
    assert len(list(solutions)) == 27
    tsv = client.get(URL, headers={"Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines()[0] == "\t".join("?" + c for c in COLUMNS)


@pytest.mark.parametrize("value", ["unidentified-school-003", SCHOOL_003])
def test_a_school_by_id_or_iri_comes_first(client, value):
    body = client.get(URL + ".json", query_string={"school": value}).get_json()
    rows = body["results"]["bindings"]
    assert len(rows) == 24
    assert {r["school"]["value"] for r in rows} == {SCHOOL_003}
    assert body["meta"]["params"] == {"school": SCHOOL_003}


@pytest.mark.parametrize("query_string, parameter", [
    ({"school": 'estp" } ?s ?p ?o {'}, "school"),
    ({"school": "estp> . ?s ?p ?o . <x"}, "school"),
    ({"school": "estp\nUNION"}, "school"),
    ({"school": "http://example.org/a b"}, "school"),
    ({"school": "tu-darmstadt"}, "school"),  # an institution that publishes no list
    ({"schol": "estp"}, "schol"),
    ([("school", "estp"), ("school", "telecom-paris")], "school"),
])
def test_bad_values_get_400_naming_the_parameter(client, query_string, parameter):
    response = client.get(URL + ".json", query_string=query_string)
    assert response.status_code == 400
    error = error_of(response)
    assert error["title"] == "Invalid parameter"
    assert error["detail"].startswith(f"parameter {parameter!r}")


def test_unknown_query_and_format(client):
    assert error_of(client.get("/queries/no-such-query"))["status"] == 404
    assert error_of(client.get(URL, headers={"Accept": "image/png"}))["status"] == 406


def test_the_sparql_text_is_served_as_written(client):
    response = client.get(URL + ".rq")
    assert response.mimetype == "application/sparql-query"
    assert response.text == (ROOT / "queries" / "schools-sharing-partners.rq").read_text("utf-8")


def test_the_html_page_has_the_form_and_the_table(client):
    page = client.get(URL, query_string={"school": "estp"}, headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<input name="school" value="estp"' in page.text
    assert page.text.count("<tr>") == 1 + 6  # header + ESTP's 3 + 3 pairs (004 line 17)
    assert 'href="/id/institution/tongji"' in page.text  # entities link to their pages
    assert "Truncated" not in page.text


def test_a_bad_value_in_a_browser_shows_the_form_and_the_error(client):
    page = client.get(URL, query_string={"school": "nope"}, headers=BROWSER)
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "parameter &#39;school&#39;: no school &#39;nope&#39; in the graph" in page.text
    assert '<form method="get"' in page.text


def test_the_row_cap_is_visible_in_every_format(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ROW_CAP", 2)
    meta = client.get(URL + ".json").get_json()["meta"]
    assert (meta["truncated"], meta["rows"], meta["row_cap"]) == (True, 2, 2)
    csv_response = client.get(URL + ".csv")
    assert csv_response.headers["X-Passerelle-Truncated"] == "true"
    assert len(csv_response.text.strip().splitlines()) == 1 + 2
    page = client.get(URL, headers=BROWSER)
    assert "Rows 1–2; more\n  follow (at most 2 rows a page)." in page.text
    assert re.search(r'<a rel="next" href="[^"]*offset=2"', page.text)


def test_openapi_describes_every_canned_query_from_its_header(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    names = [q["name"] for q in client.get("/queries").get_json()["queries"]]
    for name in names:
        assert f"/queries/{name}" in document["paths"]
    operation = document["paths"][URL]["get"]
    assert operation["summary"] == "Schools sharing partners"
    (school,) = [p for p in operation["parameters"] if p["name"] == "school"]
    assert school["in"] == "query" and school["required"] is False
    assert school["x-passerelle-type"] == "school"
    assert "200" in operation["responses"] and "400" in operation["responses"]
    operation_ids = [op["operationId"] for path in document["paths"].values()
                     for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    _assert_references_resolve(document, document)


def _assert_references_resolve(node, document) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            target = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
        for value in node.values():
            _assert_references_resolve(value, document)
    elif isinstance(node, list):
        for value in node:
            _assert_references_resolve(value, document)


def test_a_broken_query_file_stops_the_app_naming_the_file(seed_store_path, tmp_path):
    (tmp_path / "no-title.rq").write_text("SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(CannedQueryError, match="no-title.rq"):
        create_app({"STORE": seed_store_path, "QUERIES_DIR": tmp_path, "ADMIN_TOKEN": None})


def test_an_html_page_shows_one_page_and_invites_narrowing_when_more_rows_follow(
        client, monkeypatch):
    # Without a school the seeds' answer has more rows than a page of 2: the page shows 2,
    # links to the next page without a limit (the next page is an HTML page of 2 too) and
    # names the parameter that narrows the answer; other formats are not cut to the page.
    monkeypatch.setattr(queries, "HTML_PAGE_ROWS", 2)
    # offset=0: a URL no other test asks for, so that no cached page answers it
    page = client.get(URL, query_string={"offset": "0"}, headers=BROWSER)
    assert page.text.count("<tr>") == 1 + 2
    assert "give school above\n  to narrow the answer" in page.text
    assert ('<a rel="next" href="http://localhost/queries/schools-sharing-partners?offset=2">'
            in page.text)
    assert client.get(URL + ".json").get_json()["meta"]["rows"] > 2  # not for other formats
    narrowed = client.get(URL, query_string={"school": "estp"}, headers=BROWSER)
    assert "to narrow the answer" not in narrowed.text
