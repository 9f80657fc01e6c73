"""ETags, 304s and the answer cache (server/caching.py): fast, and never stale after a rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_fixtures import READ_ONLY

from graph.build import build
from server import caching, create_app

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CANNED = "/queries/schools-sharing-partners.json"


def cached_app(store: Path):
    app = create_app({**READ_ONLY, "STORE": store})
    caching.register(app)  # a no-op once create_app registers it
    return app


@pytest.fixture(scope="module")
def client(seed_store_path):
    return cached_app(seed_store_path).test_client()


def hits(client) -> int:
    return client.application.extensions["passerelle-caching"].hits


def test_an_answer_has_a_weak_etag_and_may_be_kept_a_minute(client):
    response = client.get(CANNED)
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in response.headers["Vary"]


def test_a_client_that_has_the_answer_gets_a_304_without_a_body(client):
    tag = client.get(CANNED).headers["ETag"]
    again = client.get(CANNED, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes(client):
    first = client.get("/queries/schools-sharing-partners.csv")
    before = hits(client)
    second = client.get("/queries/schools-sharing-partners.csv")
    assert hits(client) == before + 1
    assert second.data == first.data and second.headers["Content-Type"] == \
        first.headers["Content-Type"]
    # The other hooks still run on a cached answer: CORS and security headers are there.
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert second.headers["X-Content-Type-Options"] == "nosniff"


def test_each_format_has_its_own_etag(client):
    as_json = client.get(CANNED, headers={"Accept": "application/json"}).headers["ETag"]
    as_csv = client.get(CANNED, headers={"Accept": "text/csv"}).headers["ETag"]
    assert as_json != as_csv


def test_errors_and_health_are_not_cached(client):
    assert "ETag" not in client.get("/queries/schools-sharing-partners?nope=1").headers
    assert "ETag" not in client.get("/healthz").headers


def test_a_rebuild_changes_every_etag(tmp_path):
    store = tmp_path / "store"
    build(SEEDS, store)
    client = cached_app(store).test_client()
    before = client.get(CANNED).headers["ETag"]
    build(SEEDS, store)  # same data, new build: answers must be revalidated, not trusted
    after = client.get(CANNED, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
