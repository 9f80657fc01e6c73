"""Linked-data pages under /id/ (HTML, Turtle, JSON-LD) and the query page, over the seeds.

Facts checked by hand in the documents: TU Darmstadt is listed by Télécom Paris (000 line
19) and by the 003 school (003 line 56); 000 line 20 names a faculty of TUM; ESTP names
seven partners on 004 line 17; 000 tags 14 partners "Athens" (lines 20, 35, 39, 41, 96,
116, 121, 131, 161, 165, 174, 179, 189, 250); 002 line 31 sets the double degree's stay
abroad to at least 18 months.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from pyoxigraph import NamedNode, Store
from rdflib.compare import isomorphic

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/passerelle/id/"
PAS = rdflib.Namespace("https://w3id.org/passerelle/ontology#")
DARMSTADT = rdflib.URIRef(ID + "institution/tu-darmstadt")
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
TELECOM_LIST = "telecom-paris-partnerships"


@pytest.fixture(scope="module")
def store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


def seed_line(prefix: str, number: int) -> str:
    (path,) = (ROOT / "seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()[number - 1]


def agreement_rows(page: str) -> list[str]:
    table = page.split('<table class="agreements">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.DOTALL)


def turtle(client, path: str) -> rdflib.Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_an_institution_page_shows_who_lists_it_and_the_source_lines(client):
    page = client.get("/id/institution/tu-darmstadt", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    listed_by = page.text.split("Listed as a partner by:", 1)[1].split("</p>", 1)[0]
    assert re.findall(r'href="(/id/institution/[^"]+)"', listed_by) == \
        ["/id/institution/telecom-paris", "/id/institution/unidentified-school-003"]
    rows = agreement_rows(page.text)
    assert len(rows) == 2
    assert str(escape(seed_line("000", 19))) in rows[0]
    assert str(escape(seed_line("003", 56))) in rows[1]
    assert 'href="/id/country/de"' in page.text


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_rdf_by_accept_turtle_and_json_ld_say_the_same(client):
    graph = turtle(client, "/id/institution/tu-darmstadt")
    assert (DARMSTADT, PAS.country, rdflib.URIRef(ID + "country/de")) in graph
    line_19 = rdflib.URIRef(f"{ID}agreement/{TELECOM_LIST}/line-19")
    assert (line_19, PAS.partnerInstitution, DARMSTADT) in graph  # links in are there too
    json_ld = client.get("/id/institution/tu-darmstadt",
                         headers={"Accept": "application/ld+json"})
    assert json_ld.mimetype == "application/ld+json"
    assert isomorphic(graph, rdflib.Graph().parse(data=json_ld.text, format="json-ld"))
    by_format = client.get("/id/institution/tu-darmstadt?format=jsonld", headers=BROWSER)
    assert by_format.mimetype == "application/ld+json"


def test_unknown_iris_are_404_as_json_or_html(client):
    response = client.get("/id/institution/no-such-school")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    page = client.get("/id/institution/no-such-school", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert f"{ID}institution/no-such-school" in page.text
    assert client.get("/id/institution/a%20b").status_code == 404  # not even an IRI


def test_an_unacceptable_format_is_406(client):
    response = client.get("/id/institution/tu-darmstadt", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_an_agreement_page_keeps_its_verbatim_line(client):
    path = f"/id/agreement/{TELECOM_LIST}/line-19"
    graph = turtle(client, path)
    agreement = rdflib.URIRef(ID + path.removeprefix("/id/"))
    assert graph.value(agreement, PAS.sourceLine).toPython() == 19
    assert str(graph.value(agreement, PAS.sourceText)) == seed_line("000", 19)
    page = client.get(path, headers=BROWSER)
    assert str(escape(seed_line("000", 19))) in page.text


def test_a_school_page_lists_its_agreements(client):
    page = client.get("/id/institution/estp", headers=BROWSER)
    rows = agreement_rows(page.text)
    assert len(rows) == 7  # the seven names of 004 line 17
    assert all(str(escape(seed_line("004", 17))) in row for row in rows)


def test_a_faculty_page_names_its_institution_and_agreement(client, store):
    line_20 = NamedNode(f"{ID}agreement/{TELECOM_LIST}/line-20")
    (quad,) = store.quads_for_pattern(line_20, NamedNode(str(PAS.partnerFaculty)), None, None)
    path = "/id/" + quad.object.value.removeprefix(ID)
    graph = turtle(client, path)
    assert (rdflib.URIRef(quad.object.value), PAS.facultyOf,
            rdflib.URIRef(ID + "institution/tum")) in graph
    page = client.get(path, headers=BROWSER)
    assert 'href="/id/institution/tum"' in page.text
    assert str(escape(seed_line("000", 20))) in page.text


def test_a_network_page_lists_the_agreements_under_it(client):
    page = client.get("/id/network/athens", headers=BROWSER)
    lines = sorted(int(n) for n in re.findall(r'#L(\d+)">line \1</a> of', "".join(
        agreement_rows(page.text))))
    assert lines == [20, 35, 39, 41, 96, 116, 121, 131, 161, 165, 174, 179, 189, 250]


def test_a_programme_page(client, store):
    (solution,) = store.query(
        "SELECT ?p WHERE { ?p a <https://w3id.org/passerelle/ontology#Programme> ; "
        "<https://w3id.org/passerelle/ontology#sourceLine> 31 }",
        use_default_graph_as_union=True)
    path = "/id/" + solution["p"].value.removeprefix(ID)
    graph = turtle(client, path)
    programme = rdflib.URIRef(solution["p"].value)
    assert str(graph.value(programme, PAS.minDuration)) in ("P18M", "P1Y6M")
    assert graph.value(programme, PAS.offeredBy) == rdflib.URIRef(ID + "institution/telecom-paris")
    assert client.get(path, headers=BROWSER).status_code == 200


# --- the query page -------------------------------------------------------------------------


def test_the_query_page_is_a_plain_form_without_yasgui(app, client, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "YASGUI_DIR", str(tmp_path))  # npm install did not run
    page = client.get("/editor", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "yasgui.min.js" not in page.text
    assert '<form id="plain-query-form" method="get" action="http://localhost/sparql">' \
        in page.text
    textarea = page.text.split('name="query"', 1)[1].split("</textarea>", 1)[0]
    assert "PREFIX pas: &lt;https://w3id.org/passerelle/ontology#&gt;" in textarea
    assert 'data-sparql="PREFIX pas: &lt;https://w3id.org/passerelle/ontology#&gt;' in page.text
    assert client.get("/vendor/yasgui/yasgui.min.js").status_code == 404


def test_the_query_page_mounts_yasgui_when_npm_installed_it(app, client, monkeypatch, tmp_path):
    (tmp_path / "yasgui.min.js").write_text("/* stand-in for the npm build */\n")
    monkeypatch.setitem(app.config, "YASGUI_DIR", str(tmp_path))
    page = client.get("/editor", headers=BROWSER)
    assert '<script src="/vendor/yasgui/yasgui.min.js" defer></script>' in page.text
    served = client.get("/vendor/yasgui/yasgui.min.js")
    assert served.status_code == 200 and served.text == "/* stand-in for the npm build */\n"


def test_an_example_fills_the_editor_without_its_header(client):
    page = client.get("/editor?example=schools-sharing-partners", headers=BROWSER)
    textarea = page.text.split('name="query"', 1)[1].split("</textarea>", 1)[0]
    source = (ROOT / "queries" / "schools-sharing-partners.rq").read_text(encoding="utf-8")
    body = "".join(line for line in source.splitlines(keepends=True)
                   if not line.startswith("#+")).lstrip("\n")
    assert textarea.split(">", 1)[1] == str(escape(body))


def test_no_inline_script_style_or_handler_on_any_page(client):
    for path in ("/", "/editor", "/search?q=munich", "/queries",
                 "/queries/schools-sharing-partners", "/id/institution/tu-darmstadt",
                 "/id/institution/no-such-school"):
        page = client.get(path, headers=BROWSER).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [], path
        assert "<style" not in page and " style=" not in page, path
        assert re.search(r"\son[a-z]+=", page) is None, path


def test_a_browser_asking_sparql_without_a_query_gets_the_query_page(client):
    page = client.get("/sparql", headers=BROWSER)
    assert page.status_code == 200 and 'id="plain-query-form"' in page.text


def test_entity_page_shows_asserted_facts_not_inferred_copies(client):
    # TUM (registry): its acronym "TUM" is asserted as pas:acronym; OWL-RL also infers it as
    # schema:alternateName (pas:acronym is a sub-property). The page shows it once; the
    # inferred "listed by" links, in our own vocabulary, stay.
    page = client.get("/id/institution/tum", headers={"Accept": "text/html"}).get_data(True)
    assert "https://schema.org/alternateName" not in page
    assert "alternateName" not in page
    assert "listed by" in page
