"""The landing page, the dataset's IRI, its licence and how to cite it, over the seeds.

The counts are the `counts` query's, checked by hand in test_catalogue.py (3 schools, 193
institutions, 32 faculties, 224 agreements, 47 countries, 11 networks, 5 documents); the
documents and their pages are seeds/sources.toml's five entries.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import rdflib
import yaml
from rdflib import Namespace, URIRef
from server_fixtures import READ_ONLY

from passerelle.answers import ANSWERS_FILE
from server import create_app
from server.meta import LICENCE

ROOT = Path(__file__).resolve().parent.parent
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
DCTERMS = Namespace("http://purl.org/dc/terms/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = URIRef("https://w3id.org/passerelle/id/dataset")


def counts(page: str) -> dict[str, str]:
    section = page.split('class="counts"', 1)[1].split("</ul>", 1)[0]
    return {name: number for number, name in
            re.findall(r"<strong>([0-9,]+)</strong> ([a-z]+)</a>", section)}


def test_landing_page_counts_what_the_graph_holds(client, seed_store_path):
    page = client.get("/", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert counts(page.text) == {"schools": "3", "institutions": "193", "faculties": "32",
                                 "agreements": "224", "countries": "47", "networks": "11",
                                 "documents": "5"}
    build = json.loads((seed_store_path / "build.json").read_text())
    assert f"Build <code>{build['build_id']}</code>" in page.text
    assert f'<time datetime="{build["built_at"]}">' in page.text


def test_landing_page_links_each_document_to_its_page(client):
    page = client.get("/", headers=BROWSER).text
    sources = tomllib.loads((ROOT / "seeds" / "sources.toml").read_text())["source"]
    for source in sources:
        assert f'href="/id/source/{source["id"]}"' in page, source["id"]
        if "url" in source:
            assert f'<a href="{source["url"]}" rel="nofollow">' in page, source["id"]


def test_landing_page_lists_the_schools_and_the_ways_in(client):
    page = client.get("/", headers=BROWSER).text
    schools = page.split('id="schools"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<a href="(/id/institution/[^"]+)">', schools) == [
        "/id/institution/unidentified-school-003", "/id/institution/telecom-paris",
        "/id/institution/estp"]
    for target in ("/search", "/queries", "/editor", "/dump.nq", "/dump.trig",
                   "/.well-known/void", "/id/dataset", "/openapi.json"):
        assert f'href="{target}"' in page, target


def test_landing_page_states_the_licence_and_how_to_cite(client):
    page = client.get("/", headers=BROWSER).text
    assert f'<a href="{LICENCE.url}" rel="license">{LICENCE.name}</a>' in page
    assert "stay their publishers'" in page
    citation = page.split('<blockquote class="citation">', 1)[1].split("</blockquote>", 1)[0]
    assert "https://w3id.org/passerelle/id/dataset" in citation


def test_citation_file_matches_the_licence_and_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["license"] == LICENCE.spdx
    assert cff["version"] == pyproject["project"]["version"]
    assert cff["identifiers"][0]["value"] == str(DATASET)


def test_void_and_service_description_carry_the_licence(client):
    void = rdflib.Graph().parse(data=client.get("/.well-known/void",
                                                headers={"Accept": "text/turtle"}).text,
                                format="turtle")
    assert void.value(DATASET, DCTERMS.license) == URIRef(LICENCE.url)
    description = rdflib.Graph().parse(data=client.get("/sparql", headers={
        "Accept": "text/turtle"}).text, format="turtle")
    (service,) = description.subjects(rdflib.RDF.type, SD.Service)
    assert description.value(service, DCTERMS.license) == URIRef(LICENCE.url)


def test_the_dataset_iri_dereferences(client):
    described = client.get("/id/dataset", headers={"Accept": "text/turtle"})
    assert described.status_code == 200 and described.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=described.text, format="turtle")
    assert graph.value(DATASET, DCTERMS.license) == URIRef(LICENCE.url)
    browser = client.get("/id/dataset", headers=BROWSER)
    assert (browser.status_code, browser.location) == (303, "/")


def test_canned_query_forms_suggest_entities_and_list_agreement_types(client):
    # partners: school (school), country (country), network (network) get the search's
    # suggestions; agreement_type lists the 12 concepts of the ontology's pas:AgreementTypes.
    page = client.get("/queries/partners", headers=BROWSER).text
    fields = dict(re.findall(r'<input name="([a-z_]+)"[^>]*data-search-kind="([a-z]+)"', page))
    assert fields == {"school": "school", "country": "country", "network": "network"}
    select = page.split('<select name="agreement_type">', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option>([A-Za-z]+)</option>", select)
    assert options == ["BilateralAgreement", "CotutelleFrameworkAgreement", "DoctoralAgreement",
                       "DoctoralCotutelle", "DoctoralExchange", "DoubleDegree",
                       "EngineeringDoubleDegree", "Exchange", "FrameworkAgreement",
                       "MasterDoubleDegree", "ResearchFrameworkAgreement", "TypeNotStated"]
    institution = client.get("/queries/institution", headers=BROWSER).text
    assert re.search(r'<input name="institution"[^>]*data-search-kind="institution"',
                     institution)


def test_landing_page_shows_the_build_history(client, seed_store_path):
    # The session's store is a first build: one entry, nothing published before it to compare.
    build = json.loads((seed_store_path / "build.json").read_text())
    page = client.get("/", headers=BROWSER).text
    history = page.split('id="history"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td><code>([0-9T]+)</code></td><td>([^<]+)</td>\s*"
                      r'<td class="num">([0-9]+)</td><td class="num">([0-9]*)</td>', history)
    assert rows == [(build["build_id"], build["built_at"], "5", "224")]


def test_a_panel_stopped_by_the_budget_leaves_the_page_standing(seed_store_path, tmp_path):
    # A budget no query process can meet: every panel's query is stopped, the page still
    # answers, says which panels were stopped, and is not kept by the answer cache. On a
    # copy of the build without its stored answers, which would answer the panels without
    # a query process (passerelle/answers.py).
    shutil.copytree(seed_store_path.resolve(), tmp_path / "build",
                    ignore=shutil.ignore_patterns(ANSWERS_FILE))
    app = create_app({**READ_ONLY, "STORE": tmp_path / "build", "QUERY_TIMEOUT": 0.0001,
                      "MIN_QUERY_TIMEOUT": 0.0001})
    page = app.test_client().get("/", headers=BROWSER)
    assert page.status_code == 200 and page.headers.get("ETag") is None
    assert page.text.count("This panel's query was stopped") == 2  # schools, documents
    assert "The counts' query was stopped" in page.text
    assert counts(page.text) == {}  # no number shown where none was counted
