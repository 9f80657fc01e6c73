"""The query page still works under its Content Security Policy, in a real browser.

Headless Chromium loads /sparql from a live server, YASGUI mounts from /vendor/yasgui/, the
test presses its run button, and the results table fills from a POST to this server's
/sparql. Chromium reports every CSP violation as a "security" log entry: there must be none.
"""

from __future__ import annotations

import pytest
from server_fixtures import running_server

from server.pages import YASGUI_FILES

pytestmark = pytest.mark.skipif(not (YASGUI_FILES / "yasgui.min.js").exists(),
                                reason="no YASGUI build (npm ci has not run)")


def test_yasgui_runs_a_query_under_the_csp_without_a_violation(seed_store_path, tmp_path,
                                                               browser):
    log = tmp_path / "server.log"
    with running_server(seed_store_path, log, workers=1) as base:
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=f"{base}/sparql")
        assert browser.wait_for("!!window.Yasgui && !document.getElementById('yasgui')"
                                ".hidden && !!document.querySelector('.yasqe_queryButton')")
        browser.evaluate("document.querySelector('.yasqe_queryButton').click()")
        # The default query counts the partners of each school: three schools publish.
        rows = browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length")
    assert rows == 3
    assert '"POST /sparql HTTP/1.1" 200' in log.read_text()
    violations = [event["params"]["entry"]["text"] for event in browser.events
                  if event.get("method") == "Log.entryAdded"
                  and event["params"]["entry"]["source"] == "security"]
    assert violations == []
