"""School dashboards and institution pages (the HTML of /id/institution/...), over the seeds.

Télécom Paris (000, 001, 002): 100 partners in 40 countries, 109 agreement lines of which 104
active, 40 double-degree partners, 34 Erasmus+ partners, 5 networks, 32 faculties named, 3
documents (test_catalogue.py counts each by hand); Brazil is its largest country (11
partners on 13 lines). Its overlap: 21 partners shared with the 003 school (Jaccard 0.1123),
3 with ESTP (0.0288). TUM: Wikidata Q157808, ROR 02kkvpp62; 000 names its School of
Computation, Information and Technology (line 20), 003 names TUM itself.
"""

from __future__ import annotations

import re

import pytest

from server.pages import natural_key

BROWSER = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def telecom(app) -> str:
    return app.test_client().get("/id/institution/telecom-paris", headers=BROWSER).text


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def test_natural_key_sorts_numbers_as_numbers():
    lines = ["line-100", "line-19", "line-9", "line-190", "line-20"]
    assert sorted(lines, key=natural_key) == ["line-9", "line-19", "line-20", "line-100",
                                              "line-190"]


def test_school_headline_counts(telecom):
    headline = telecom.split('class="counts headline"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<strong>([0-9]+)</strong> ([a-zA-Z+ -]+)</a>", headline) == [
        ("100", "partners"), ("40", "countries"), ("109", "agreements"), ("104", "active"),
        ("40", "double-degree partners"), ("34", "Erasmus+ partners"), ("5", "networks"),
        ("32", "faculties named"), ("3", "documents")]


def test_each_panel_links_its_query_and_its_sparql(telecom):
    for name, args in [("school-profile", ""), ("partners-by-country", ""),
                       ("partners-by-facet", "&amp;only=type"),
                       ("partners-by-facet", "&amp;only=network"),
                       ("partners-by-facet", "&amp;only=status"), ("partner-overlap", ""),
                       ("published-figures-check", ""), ("partners", ""), ("documents", "")]:
        query = f'href="/queries/{name}?school=telecom-paris{args}"'
        editor = f'href="/editor?example={name}&amp;school=telecom-paris{args}"'
        assert query in telecom and editor in telecom, (name, args)


def test_countries_panel_feeds_the_map(telecom):
    rows = re.findall(r'<tr data-numeric="([0-9]+)" data-value="([0-9]+)" '
                      r'data-href="([^"]+)">', section(telecom, "countries"))
    assert len(rows) == 40
    # Brazil is ISO 3166 numeric 076 (world-atlas's key), the map links to its partners.
    assert rows[0] == ("076", "11", "/queries/partners?school=telecom-paris&amp;country=BR")
    assert sum(int(value) for _, value, _ in rows) == 100


def test_facet_bars_link_to_the_partners_with_that_value(telecom):
    network = section(telecom, "by-network")
    assert re.findall(r'<tr data-value="([0-9]+)" data-label="([^"]+)" data-href="([^"]*)">',
                      network) == [
        ("49", "no network", ""),
        ("34", "Erasmus+", "/queries/partners?school=telecom-paris&amp;network=erasmus-plus"),
        ("14", "ATHENS", "/queries/partners?school=telecom-paris&amp;network=athens"),
        ("7", "BRAFITEC", "/queries/partners?school=telecom-paris&amp;network=brafitec"),
        ("6", "EULiST", "/queries/partners?school=telecom-paris&amp;network=eulist"),
        ("1", "ARFITEC", "/queries/partners?school=telecom-paris&amp;network=arfitec")]
    assert ('data-href="/queries/partners?school=telecom-paris&amp;agreement_type='
            'EngineeringDoubleDegree"') in section(telecom, "by-type")
    assert 'data-href="/queries/partners?school=telecom-paris&amp;status=suspended"' in \
        section(telecom, "by-status")


def test_overlap_bars_open_the_shared_partners_of_each_pair(telecom):
    rows = re.findall(r'<tr data-value="([0-9.]+)" data-label="([^"]+)" data-href="([^"]+)">',
                      section(telecom, "overlap"))
    assert rows == [
        ("0.1123", "Unidentified school (publisher of document 003) (21 shared)",
         "/queries/shared-partners?school=telecom-paris&amp;other=unidentified-school-003"),
        ("0.0288", "École spéciale des travaux publics (3 shared)",
         "/queries/shared-partners?school=telecom-paris&amp;other=estp")]


def test_partners_table_lists_each_partner_once_with_its_country(telecom):
    table = section(telecom, "partners")
    assert "data-sortable" in table
    rows = re.findall(r'<tr><td><a href="(/id/institution/[^"]+)">', table)
    assert len(rows) == len(set(rows)) == 100
    assert re.search(r'<a href="/id/institution/tu-darmstadt">[^<]+</a></td>\s*<td>Germany</td>',
                     table)


def test_school_raw_triples_are_folded_and_sorted_as_numbers(telecom):
    raw = telecom.split('<details class="raw">', 1)[1]
    lines = [int(n) for n in re.findall(r"agreement/telecom-paris-partnerships/line-([0-9]+)"
                                        r'">', raw.split("</table>", 1)[0])]
    assert len(lines) == 109 and lines == sorted(lines) and lines[:3] == [19, 20, 21]


def test_published_figures_beside_the_computed_ones(telecom):
    figures = section(telecom, "figures")
    # 001's "37 partenariats Erasmus": 37 Erasmus+ lines of 000 (agrees), 34 institutions (does
    # not); its 39 countries of partners: 39 countries with an active partner.
    rows = [[" ".join(re.sub(r"<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", figures.split("<tbody>")[1], re.S)]
    assert rows[1][:4] == ["countries of partners", "39", "39 countries", "yes"]
    assert rows[4][:5] == ["Erasmus partnerships", "37", "37 agreements", "yes",
                           "34 institutions: does not agree"]


def test_institution_page_links_its_identifiers_out(client):
    page = client.get("/id/institution/tum", headers=BROWSER).text
    identifiers = section(page, "identifiers")
    assert "<code>Q157808</code>" in identifiers and "<code>02kkvpp62</code>" in identifiers
    for url in ("https://www.wikidata.org/wiki/Q157808",
                "https://scholia.toolforge.org/organization/Q157808",
                "https://ror.org/02kkvpp62"):
        assert f'href="{url}"' in identifiers, url
    assert re.findall(r"<dt>([A-Za-z ]+)</dt>", identifiers) == [
        "Country", "Website", "Acronym", "Also written", "Wikidata", "ROR"]
    assert '<a href="/id/country/de">Germany</a>' in identifiers
    assert "TU München" in identifiers
    assert 'href="/id/faculty/tum-cit"' in section(page, "faculties")
    listed = section(page, "listed-by")
    assert re.findall(r'<a href="(/id/institution/[^"]+)">', listed) == [
        "/id/institution/telecom-paris", "/id/institution/unidentified-school-003"]
    assert "TUM School of Computation, Information and Technology" in listed
    assert 'href="/queries/institution?institution=tum"' in listed


def test_other_entities_keep_their_plain_page_open(client):
    page = client.get("/id/network/erasmus-plus", headers=BROWSER).text
    assert '<details class="raw" open>' in page and 'class="dashboard"' not in page


def test_only_the_listed_library_files_are_served(client):
    assert client.get("/vendor/d3-geo/d3-geo.min.js").status_code == 200
    assert client.get("/vendor/world-atlas/countries-50m.json").status_code == 200
    assert client.get("/vendor/world-atlas/package.json").status_code == 404
    assert client.get("/vendor/d3-geo/d3-geo.js").status_code == 404
    assert client.get("/vendor/lodash/lodash.js").status_code == 404
