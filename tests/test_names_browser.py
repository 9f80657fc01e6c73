"""The source viewer and the SPARQL editor in a real browser (headless Chromium, issue 16).

Under the pages' CSP (no inline script, nothing from outside), with no console error: a
source line is reached by its anchor; YASGUI's result links go to the local /id/ pages (the
IRI in their title), and an error the server answers is shown as its title and detail.
"""

from __future__ import annotations

import json

import pytest
from browser import console_problems, open_page
from server_fixtures import running_server


@pytest.fixture(scope="module")
def live(seed_store_path, tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("browser") / "server.log"
    with running_server(seed_store_path, log) as base:
        yield base


def test_a_source_line_is_reached_by_its_anchor(browser, live):
    open_page(browser, f"{live}/id/source/telecom-paris-partnerships#L19")
    target = browser.wait_for("document.querySelector(':target') && "
                              "document.querySelector(':target').id")
    assert target == "L19"
    link = browser.evaluate("document.querySelector('#L19 .fact a').getAttribute('href')")
    assert link == "/id/agreement/telecom-paris-partnerships/line-19"
    assert console_problems(browser.events) == []


def test_yasgui_result_links_go_to_local_pages(browser, live):
    open_page(browser, f"{live}/sparql?example=partners")
    assert browser.wait_for("!!document.querySelector('.yasqe_queryButton')")
    text = browser.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "#+" not in text and "id/institution/telecom-paris>" in text  # its example
    browser.evaluate("document.querySelector('.yasqe_queryButton').click()")
    links = browser.wait_for("""(function () {
        var found = Array.from(document.querySelectorAll('#yasgui .yasr_results a'));
        return found.length ? JSON.stringify(found.map(function (a) {
          return [a.getAttribute('href'), a.getAttribute('title')]; })) : null; })()""", 30)
    pairs = json.loads(links)
    # The first row (partners in label order): AGH University of Krakow, in Poland.
    assert ["/id/institution/agh", "https://w3id.org/passerelle/id/institution/agh"] in pairs
    assert ["/id/country/pl", "https://w3id.org/passerelle/id/country/pl"] in pairs
    assert not [href for href, _ in pairs if href.startswith("https://w3id.org/")]
    assert console_problems(browser.events) == []


def test_yasgui_shows_a_refusal_as_readable_text(browser, live):
    open_page(browser, f"{live}/sparql")
    assert browser.wait_for("!!document.querySelector('.yasqe_queryButton')")
    browser.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue("
                     "'SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')")
    browser.evaluate("document.querySelector('.yasqe_queryButton').click()")
    shown = browser.wait_for("document.querySelector('.query-error') && "
                             "document.querySelector('.query-error').innerText", 30)
    assert shown.startswith("Remote call refused (HTTP 400)")
    assert "does not contact other servers" in shown and '{"error"' not in shown
    # The browser logs the 400 itself; nothing else may be wrong.
    assert [p for p in console_problems(browser.events) if "status of 400" not in p] == []
