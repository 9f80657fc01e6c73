"""The front door in a real browser (headless Chromium over the DevTools Protocol): the
landing page, the header search's autocomplete, with no console error and no CSP violation.

TUM is "Technical University of Munich" in the registry, Wikidata Q157808.
"""

from __future__ import annotations

import json

import pytest
from browser import console_problems, open_page
from server_fixtures import running_server


@pytest.fixture(scope="module")
def site(seed_store_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("front-door") / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        yield base


def test_landing_page_draws_without_errors(site, browser):
    open_page(browser, site + "/")
    assert browser.evaluate("document.querySelector('h1').textContent") == "Passerelle"
    assert browser.evaluate(
        "[...document.querySelectorAll('.counts strong')].map(e => e.textContent)") == \
        ["3", "193", "32", "224", "47", "11", "5"]
    assert console_problems(browser.events) == []


@pytest.mark.parametrize("typed", ["munich", "Q157808"])
def test_header_search_suggests_tum(site, browser, typed):
    open_page(browser, site + "/")
    browser.evaluate(f"""(() => {{
        const box = document.querySelector('header input[name=q]');
        box.focus(); box.value = {json.dumps(typed)};
        box.dispatchEvent(new Event('input', {{bubbles: true}}));
    }})()""")
    first = browser.wait_for(
        "(document.querySelector('header .suggestions li a') || {}).textContent")
    assert first == "Technical University of Munich"
    assert browser.evaluate(
        "document.querySelector('header .suggestions li a').getAttribute('href')") == \
        "/id/institution/tum"
    assert console_problems(browser.events) == []


def test_school_dashboard_draws_its_map_and_charts(site, browser):
    open_page(browser, site + "/id/institution/telecom-paris")
    # 40 partner countries, each a shape of world-atlas's 1:50m map (Singapore included).
    assert browser.wait_for("document.querySelectorAll('svg.world path.partner-country')"
                            ".length") == 40
    assert browser.evaluate("document.querySelectorAll('svg.world path.country').length") > 200
    assert browser.evaluate("[...document.querySelectorAll('svg.world path.partner-country')]"
                            ".every(p => p.getAttribute('d').length > 10)")
    # Bars: 11 agreement types (every type but "bilateral agreement", which only 003 uses),
    # 6 network values, 2 statuses, 2 other schools.
    assert browser.evaluate("[...document.querySelectorAll('svg.bars')].map("
                            "s => s.querySelectorAll('rect.bar').length)") == [11, 6, 2, 2]
    assert browser.evaluate("document.querySelector('#overlap svg.bars a')"
                            ".getAttribute('href')") == \
        "/queries/shared-partners?school=telecom-paris&other=unidentified-school-003"
    assert console_problems(browser.events) == []


def test_partners_table_sorts_by_a_clicked_column(site, browser):
    open_page(browser, site + "/id/institution/telecom-paris")
    first = "document.querySelector('#partners tbody tr td').textContent"
    assert browser.wait_for("!!document.querySelector('#partners th button.sort')")
    browser.evaluate("document.querySelector('#partners th button.sort').click()")
    ascending = browser.evaluate(first)
    browser.evaluate("document.querySelector('#partners th button.sort').click()")
    descending = browser.evaluate(first)
    names = browser.evaluate("[...document.querySelectorAll('#partners tbody tr')]"
                             ".map(r => r.cells[0].textContent.toLowerCase())")
    assert names == sorted(names, reverse=True) and ascending != descending
    assert console_problems(browser.events) == []


def test_institution_page_has_no_console_error(site, browser):
    open_page(browser, site + "/id/institution/tum")
    assert browser.wait_for("!!document.querySelector('#listed-by th button.sort')")
    assert console_problems(browser.events) == []


def test_a_canned_query_form_fills_the_school_it_suggests(site, browser):
    open_page(browser, site + "/queries/partners")
    browser.evaluate("""(() => {
        const box = document.querySelector('form.params input[name=school]');
        box.focus(); box.value = 'telecom';
        box.dispatchEvent(new Event('input', {bubbles: true}));
    })()""")
    # Only schools are suggested for a school parameter: Télécom Paris, not the
    # telecommunications faculties that "telecom" also finds.
    assert browser.wait_for("document.querySelectorAll('form.params .suggestions li').length"
                            ) == 1
    browser.evaluate("document.querySelector('form.params .suggestions li')"
                     ".dispatchEvent(new MouseEvent('mousedown', {bubbles: true}))")
    assert browser.evaluate("document.querySelector('form.params input[name=school]').value"
                            ) == "telecom-paris"
    assert console_problems(browser.events) == []
