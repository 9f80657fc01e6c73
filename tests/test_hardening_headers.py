"""Security headers, pages without inline script, and an admin token that never reaches a log.

The CSP forbids inline script; that only keeps the pages working if they have none, so the
rendered HTML is read too: every <script> must load a file, no element may carry an on*
handler or a javascript: link.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest
from server_fixtures import ADMIN_TOKEN, post_update, running_server

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
HTML_PAGES = ["/", "/sparql", "/queries", "/queries/schools-sharing-partners",
              "/queries/schools-sharing-partners?school=nope", "/id/institution/estp",
              "/id/institution/no-such-thing"]
OTHER_ANSWERS = ["/sparql?query=ASK%7B%7D", "/healthz", "/queries.json", "/no-such-route",
                 "/id/institution/estp?format=ttl", "/.well-known/void", "/openapi.json"]


class ScriptFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.blocked: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        if tag == "script":
            self._in_inline_script = not named.get("src")
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                    "javascript:"):
                self.blocked.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.blocked.append(f"inline script: {data.strip()[:60]}")


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_a_csp_without_inline_script_and_have_none(client, path):
    response = client.get(path, headers=BROWSER)
    assert response.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1)
                  for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["connect-src"] == "'self'"  # the editor can only query this server
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    finder = ScriptFinder()
    finder.feed(response.text)
    assert finder.blocked == []


@pytest.mark.parametrize("path", OTHER_ANSWERS)
def test_every_answer_says_nosniff_and_only_html_carries_the_csp(client, path):
    response = client.get(path)
    assert response.mimetype != "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_the_admin_token_never_reaches_the_log(tmp_path):
    log = tmp_path / "server.log"
    basic = base64.b64encode(f"{ADMIN_TOKEN}:x".encode()).decode()
    with running_server(tmp_path / "store", log, admin_token=ADMIN_TOKEN) as base:
        # Accepted, and the error paths: a syntax error, a refused LOAD, an update that
        # fails as it runs (CREATE of a graph that exists), a wrong token.
        assert post_update(base, "INSERT DATA { <http://s> <http://p> 1 }", ADMIN_TOKEN) == 204
        assert post_update(base, "INSERT DATA { <http://s> ", ADMIN_TOKEN) == 400
        assert post_update(base, "LOAD <http://127.0.0.1:9/x.ttl>", ADMIN_TOKEN) == 400
        assert post_update(base, "CREATE GRAPH <http://g>", ADMIN_TOKEN) == 204
        assert post_update(base, "CREATE GRAPH <http://g>", ADMIN_TOKEN) == 400
        assert post_update(base, "CLEAR ALL", ADMIN_TOKEN[::-1]) == 401
        # The token sent the wrong way, as HTTP Basic credentials: refused, and gunicorn's
        # access log would show the user name decoded from it unless told not to.
        for path in ("/update", "/sparql?query=ASK%7B%7D"):
            request = urllib.request.Request(base + path, data=b"CLEAR ALL", headers={
                "Authorization": f"Basic {basic}", "Content-Type": "application/sparql-update"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            refused.value.close()
    text = log.read_text()
    assert text.count("POST /update") == 7  # the access log is on...
    assert ADMIN_TOKEN not in text and ADMIN_TOKEN[::-1] not in text  # ...and never shows it
    assert basic not in text
