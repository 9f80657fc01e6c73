"""Names, not IRIs, in the pages; the source in view; the ontology; error pages (issue 16).

Facts read by hand in the seeds and the registry: Télécom Paris lists TU Darmstadt on 000
line 19 (registry label "Technical University of Darmstadt", country DE, "Germany"); 000
line 1 is the page title, skipped as navigation; 004 (ESTP) lists its partners on line 17;
AGH University of Krakow (Poland) is a double-degree partner of Télécom Paris; of ESTP's seven
partners (004 line 17) one is German, TU Dresden.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from pyoxigraph import Store
from rdflib.compare import isomorphic
from server_fixtures import READ_ONLY

from passerelle import canned
from server import create_app

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TELECOM_LIST = "telecom-paris-partnerships"


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


def seed_lines(prefix: str) -> list[str]:
    (path,) = (ROOT / "seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def table_rows(page: str, css_class: str) -> list[str]:
    table = page.split(f'<table class="{css_class}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.DOTALL)


def headers_of(page: str) -> list[str]:
    head = page.split('<table class="results">', 1)[1].split("</thead>", 1)[0]
    return re.findall(r"<th[^>]*>([^<]*)</th>", head)


# --- error pages ----------------------------------------------------------------------------

def test_an_unknown_route_is_a_page_for_browsers_and_json_for_clients(client):
    page = client.get("/no-such-thing", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>Not Found</h1>" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    api = client.get("/no-such-thing", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.get_json()["error"]["status"] == 404
    assert client.get("/no-such-thing").get_json()["error"]["title"] == "Not Found"  # */*


def test_a_400_and_a_405_are_pages_for_browsers(client):
    bad = client.get("/sparql", query_string={"query": "SELECT * WHERE {"}, headers=BROWSER)
    assert bad.status_code == 400 and bad.mimetype == "text/html"
    assert "<h1>Query syntax error</h1>" in bad.text
    wrong = client.put("/sparql", headers=BROWSER)
    assert wrong.status_code == 405 and wrong.mimetype == "text/html"
    assert "POST" in wrong.headers["Allow"]


def test_an_unexpected_error_is_a_500_page_for_browsers(seed_store_path, monkeypatch):
    app = create_app({**READ_ONLY, "TESTING": False, "STORE": seed_store_path})

    def broken(store):
        raise RuntimeError("a bug")

    monkeypatch.setattr("server.ontology.ontology_triples", broken)
    page = app.test_client().get("/ontology", headers=BROWSER)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "<h1>Internal Server Error</h1>" in page.text
    assert "a bug" not in page.text  # what failed inside stays in the log
    api = app.test_client().get("/ontology")
    assert api.status_code == 500 and api.get_json()["error"]["status"] == 500


# --- the ontology -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ontology_file() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "passerelle.ttl", format="turtle")


def test_every_term_of_the_ontology_has_its_anchor_on_the_page(client, ontology_file):
    page = client.get("/ontology", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    terms = {str(s).removeprefix(PAS) for s in ontology_file.subjects()
             if str(s).startswith(PAS)}
    assert {"Agreement", "hasPartnerInstitution", "EngineeringDoubleDegree", "Active"} <= terms
    anchors = set(re.findall(r'<article class="term[^"]*" id="([^"]+)"', page.text))
    assert anchors == terms
    agreement = page.text.split('id="Agreement"', 1)[1].split("</article>", 1)[0]
    definition = ontology_file.value(rdflib.URIRef(PAS + "Agreement"),
                                     rdflib.URIRef("http://www.w3.org/2004/02/skos/core#definition"))
    assert f"<p>{escape(str(definition))}</p>" in agreement
    assert '<a href="/ontology#school">school</a> <small>(rdfs:domain)</small>' in agreement
    chain = page.text.split('id="hasPartnerInstitution"', 1)[1].split("</article>", 1)[0]
    assert ('<a href="/ontology#hasAgreement">has agreement</a> then '
            '<a href="/ontology#partnerInstitution">partner institution</a>') in chain


def test_the_ontology_is_turtle_for_rdf_clients(client, ontology_file):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    served = rdflib.Graph().parse(data=response.text, format="turtle")
    assert isomorphic(served, ontology_file)
    assert client.get("/ontology").mimetype == "text/turtle"  # */*: RDF, not HTML
    assert client.get("/ontology?format=jsonld").mimetype == "application/ld+json"


def test_pas_terms_on_entity_pages_link_to_the_ontology(client):
    page = client.get(f"/id/agreement/{TELECOM_LIST}/line-19", headers=BROWSER)
    assert '<a href="/ontology#Agreement">Agreement</a>' in page.text
    assert 'href="/ontology#EngineeringDoubleDegree"' in page.text
    assert "https://w3id.org/passerelle/ontology#" not in re.sub(r"<code>[^<]*</code>", "",
                                                                   page.text)


# --- the source viewer ------------------------------------------------------------------------

def test_the_source_page_shows_every_line_with_its_fate(client):
    page = client.get(f"/id/source/{TELECOM_LIST}", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    rows = table_rows(page.text, "source-lines")
    lines = seed_lines("000")
    assert len(rows) == len(lines) == 280
    for number, (row, text) in enumerate(zip(rows, lines, strict=True), start=1):
        assert f'<a href="#L{number}">{number}</a>' in row
        assert f"<code>{escape(text)}</code>" in row
    assert 'id="L19" class="mapped"' in page.text
    assert ('agreement: <a href="/id/agreement/telecom-paris-partnerships/line-19">Agreement '
            'with Technical University of Darmstadt (telecom-paris-partnerships, line 19)</a>'
            ) in rows[18]
    assert "skipped: navigation: page title" in rows[0]
    assert 'href="https://www.telecom-paris.fr/fr/international/strategie/partenariats"' \
        in page.text
    # One figure: the news item of line 273 (135 international students, 2024-09-04).
    assert "109 agreements, 1 figure, 0 programme rules" in page.text


def test_figures_and_programme_rules_are_beside_their_lines(client, store):
    page = client.get("/id/source/estp-international-openness", headers=BROWSER)
    rows = table_rows(page.text, "source-lines")
    assert len(rows) == len(seed_lines("004"))
    made = [(i + 1, kind) for i, row in enumerate(rows)
            for kind in re.findall(r'<span class="fact">([a-z ]+): ', row)]
    query = """PREFIX pas: <https://w3id.org/passerelle/ontology#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?line ?type WHERE {
      ?x prov:wasDerivedFrom <https://w3id.org/passerelle/id/source/estp-international-openness> ;
         pas:sourceLine ?line ; a ?type .
      VALUES ?type { pas:Agreement pas:PublishedFigure pas:Programme } }"""
    kinds = {"Agreement": "agreement", "PublishedFigure": "figure", "Programme": "programme rule"}
    expected = sorted((int(s["line"].value), kinds[s["type"].value.removeprefix(PAS)])
                      for s in store.query(query, use_default_graph_as_union=True))
    assert sorted(made) == expected
    assert [kind for _, kind in expected].count("agreement") == 7  # seven partners, line 17


def test_the_agreement_page_links_to_its_line_and_back(client):
    agreement = client.get(f"/id/agreement/{TELECOM_LIST}/line-19", headers=BROWSER)
    assert f'<a href="/id/source/{TELECOM_LIST}#L19">line 19</a>' in agreement.text
    partner = client.get("/id/institution/tu-darmstadt", headers=BROWSER)
    assert f'<a href="/id/source/{TELECOM_LIST}#L19">line 19</a> of' in partner.text


def test_the_source_is_still_rdf_for_rdf_clients_and_404_when_unknown(client):
    turtle = client.get(f"/id/source/{TELECOM_LIST}", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (rdflib.URIRef(f"{ID}source/{TELECOM_LIST}"),
            rdflib.URIRef(PAS + "seedFile"), rdflib.Literal("000_321cffa3179d9234.txt")) in graph
    missing = client.get("/id/source/no-such-document", headers=BROWSER)
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert client.get("/id/source/..%2Fbuild", headers=BROWSER).status_code == 404


def test_without_the_line_record_the_page_shows_the_lines_facts_came_from(
        seed_store_path, tmp_path):
    # A copy of the build without its lines/ folder: a store that keeps no line record.
    import shutil

    copy = tmp_path / "build"
    shutil.copytree(seed_store_path.resolve(), copy, ignore=shutil.ignore_patterns("lines"))
    app = create_app({**READ_ONLY, "STORE": copy})
    page = app.test_client().get(f"/id/source/{TELECOM_LIST}", headers=BROWSER)
    rows = table_rows(page.text, "source-lines")
    # One line per agreement (000 names no two partners on one line), and line 273, the news
    # item whose figure is the 135 international students.
    assert len(rows) == 110
    assert "keeps no record of the document's lines" in page.text
    assert f"<code>{escape(seed_lines('000')[18])}</code>" in rows[0]


# --- canned-query tables --------------------------------------------------------------------

def test_partners_are_names_linked_to_their_pages(client):
    page = client.get("/queries/partners", query_string={"school": "telecom-paris"},
                      headers=BROWSER)
    assert page.status_code == 200
    assert headers_of(page.text) == ["partner", "country", "faculties", "types", "networks",
                                     "status"]  # partnerLabel is shown in partner's link
    assert ('<a href="/id/institution/tu-darmstadt" title="https://w3id.org/passerelle/id/'
            'institution/tu-darmstadt">Technical University of Darmstadt</a>') in page.text
    assert ('<a href="/id/country/de" title="https://w3id.org/passerelle/id/country/de">'
            'Germany</a>') in page.text
    links = re.findall(r'<td[^>]*><a href="[^"]*"[^>]*>([^<]*)</a>', page.text)
    assert links and not [text for text in links if text.startswith("http")]
    assert '<div class="table-scroll">' in page.text


def test_overlap_shows_school_names_and_right_aligned_numbers(client):
    page = client.get("/queries/partner-overlap", headers=BROWSER)
    assert headers_of(page.text) == ["school", "otherSchool", "shared", "union", "jaccard"]
    first = table_rows(page.text, "results")[0]
    assert ">Télécom Paris</a>" in first
    assert ">Unidentified school (publisher of document 003)</a>" in first
    assert re.findall(r'<td class="num">([0-9.]+)</td>', first) == ["21", "187", "0.1123"]


def test_country_codes_are_shown_as_country_names(client):
    page = client.get("/queries/double-degrees", query_string={"school": "telecom-paris"},
                      headers=BROWSER)
    agh = next(row for row in table_rows(page.text, "results") if "AGH University" in row)
    assert '<a href="/id/country/pl" title="PL">Poland</a>' in agh


def test_long_answers_are_paged_with_visible_links(client):
    first = client.get("/queries/partners", query_string={"school": "telecom-paris",
                                                          "limit": "40"}, headers=BROWSER)
    assert len(table_rows(first.text, "results")) == 40
    (link,) = re.findall(r'<a rel="next" href="([^"]+)">', first.text)
    assert link.replace("&amp;", "&") in first.headers["Link"]
    assert "offset=40" in link and "limit=40" in link and 'rel="prev"' not in first.text
    second = client.get(link.replace("&amp;", "&").removeprefix("http://localhost"),
                        headers=BROWSER)
    assert "Rows 41–80" in second.text
    assert re.search(r'<a rel="prev" href="[^"]*offset=0', second.text)


# --- the editor ------------------------------------------------------------------------------

def test_open_in_the_editor_carries_the_forms_values(client, store):
    page = client.get("/queries/partners", query_string={"school": "estp", "country": "DE"},
                      headers=BROWSER)
    (link,) = re.findall(r'<a href="([^"]+)">open in the editor</a>', page.text)
    editor = client.get(link.replace("&amp;", "&"), headers=BROWSER)
    text = str(editor.text.split('name="query"', 1)[1].split(">", 1)[1]
               .split("</textarea>", 1)[0])
    import html

    text = html.unescape(text)
    assert "#+" not in text
    assert "<https://w3id.org/passerelle/id/institution/estp>" in text
    rows = list(store.query(text, use_default_graph_as_union=True))
    assert [s["partner"].value for s in rows] == [f"{ID}institution/tu-dresden"]  # 004 line 17


def test_every_example_runs_as_written_and_answers_the_canned_rows(store):
    for query in canned.load_queries(ROOT / "queries").values():
        if "SERVICE" in query.sparql:
            continue  # federated: never run here
        text = canned.editor_text(query, {}, store)
        assert "#+" not in text
        required = {p.name: p.example for p in query.params if p.required}
        expected = canned.run(store, query, required)
        solutions = store.query(text, use_default_graph_as_union=True)
        got = [tuple(s[v] for v in expected.variables) for s in solutions]
        assert sorted(map(str, got)) == sorted(map(str, expected.rows)), query.name
        assert expected.rows, f"{query.name}: its examples give no rows"


def test_a_value_the_query_cannot_take_is_left_unbound_in_the_editor(store):
    query = canned.load_queries(ROOT / "queries")["partners"]
    text = canned.editor_text(query, {"country": "Atlantis"}, store)
    assert "VALUES (?country)" not in text and "VALUES (?school)" in text


# --- CSV with names, flat JSON ----------------------------------------------------------------

def csv_table(response) -> list[dict]:
    import csv
    import io

    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_csv_keeps_the_iris_and_adds_names_and_country_codes(client):
    response = client.get("/queries/partners.csv", query_string={"school": "telecom-paris"})
    assert response.text.splitlines()[0] == ("partner,partnerLabel,country,countryLabel,"
                                             "countryCode,faculties,types,networks,status")
    darmstadt = next(r for r in csv_table(response)
                     if r["partner"] == f"{ID}institution/tu-darmstadt")
    assert (darmstadt["partnerLabel"], darmstadt["country"], darmstadt["countryLabel"],
            darmstadt["countryCode"]) == ("Technical University of Darmstadt",
                                          f"{ID}country/de", "Germany", "DE")
    codes = csv_table(client.get("/queries/double-degrees.csv",
                                 query_string={"school": "telecom-paris"}))
    agh = next(r for r in codes if r["partnerLabel"] == "AGH University of Krakow")
    assert (agh["country"], agh["countryLabel"]) == ("PL", "Poland")
    assert list(agh)[:6] == ["school", "schoolLabel", "partner", "partnerLabel", "country",
                             "countryLabel"]


def test_flat_json_is_an_array_of_records_with_the_csv_columns(client):
    import json

    flat = client.get("/queries/countries.json", query_string={"shape": "objects"})
    assert flat.status_code == 200 and flat.mimetype == "application/json"
    records = json.loads(flat.text)
    sparql = client.get("/queries/countries.json").get_json()
    assert len(records) == len(sparql["results"]["bindings"]) == sparql["meta"]["rows"]
    # What pandas.read_json needs of records: one flat object per row, the same keys in
    # every one, scalar values; numbers as JSON numbers.
    assert {tuple(r) for r in records} == {("country", "countryCode", "countryLabel",
                                            "schools", "partners")}
    for record, binding in zip(records, sparql["results"]["bindings"], strict=True):
        assert record["country"] == binding["country"]["value"]
        assert record["partners"] == int(binding["partners"]["value"])
        assert record["countryCode"] == record["country"].rsplit("/", 1)[1].upper()
    germany = next(r for r in records if r["countryCode"] == "DE")
    assert germany["countryLabel"] == "Germany" and isinstance(germany["schools"], int)
    overlap = json.loads(client.get("/queries/partner-overlap.json?shape=objects").text)
    assert overlap[0]["jaccard"] == 0.1123 and overlap[0]["shared"] == 21
    assert overlap[0]["schoolLabel"] == "Télécom Paris"


def test_flat_json_pages_like_the_rest_and_refuses_other_shapes(client):
    first = client.get("/queries/partners.json", query_string={
        "school": "telecom-paris", "shape": "objects", "limit": "10"})
    assert len(first.get_json()) == 10 and 'rel="next"' in first.headers["Link"]
    assert "shape=objects" in first.headers["Link"]
    assert first.headers["X-Passerelle-Truncated"] == "true"
    wrong = client.get("/queries/countries.csv", query_string={"shape": "objects"})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["detail"] == \
        "shape=objects is a shape of JSON; this answer is csv"
    assert client.get("/queries/countries.json?shape=rows").status_code == 400
