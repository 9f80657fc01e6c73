"""/reconcile over HTTP: the W3C Entity Reconciliation API v0.2 as OpenRefine speaks it.

Requests and answers are checked against the shapes of the specification (0.2: the service
manifest, the query batch sent as the ``queries`` form field or query parameter, the result
batch, suggest and preview); candidates come from the build's own name matcher, so each
name must match here exactly as it resolved in the build.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from server_fixtures import running_server
from test_contribution import CSV, EXPECTED, NEW

from graph.parse.partner_csv import parse_partner_csv

TUM = {"id": "institution/tum", "name": "Technical University of Munich",
       "wikidata": "Q157808", "ror": "https://ror.org/02kkvpp62"}


def ask(client, batch: dict, method: str = "post") -> dict:
    queries = json.dumps(batch)
    if method == "post":
        response = client.post("/reconcile", data={"queries": queries})
    else:
        response = client.get("/reconcile", query_string={"queries": queries})
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert_result_batch(result, batch)
    return result


def assert_result_batch(result: dict, batch: dict) -> None:
    """The spec's reconciliation-result-batch: one {"result": [...]} per query key, each
    candidate with id, name and score; type a list of {id, name}; match a boolean;
    features a list of {id, value} with a boolean or number value."""
    assert set(result) == set(batch)
    for answer in result.values():
        assert set(answer) == {"result"}
        for candidate in answer["result"]:
            assert isinstance(candidate["id"], str) and isinstance(candidate["name"], str)
            assert isinstance(candidate["score"], int | float)
            assert isinstance(candidate["match"], bool)
            assert all(set(t) == {"id", "name"} for t in candidate["type"])
            assert all(isinstance(f["id"], str) and isinstance(f["value"], bool | int | float)
                       for f in candidate["features"])


def country(code: str) -> list[dict]:
    return [{"pid": "country", "v": code}]


def test_the_manifest_has_what_the_spec_requires(client):
    response = client.get("/reconcile")
    assert response.status_code == 200 and response.mimetype == "application/json"
    manifest = response.get_json()
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/passerelle/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/passerelle/ontology#"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["School", "Institution", "Faculty"]
    assert manifest["view"] == {"url": "http://localhost/id/{{id}}"}
    assert manifest["preview"] == {"url": "http://localhost/reconcile/preview?id={{id}}",
                                   "width": 400, "height": 160}
    assert manifest["suggest"]["entity"] == {"service_url": "http://localhost",
                                             "service_path": "/reconcile/suggest/entity"}


def test_an_unseen_spelling_matches_with_its_wikidata_and_ror_ids(client):
    result = ask(client, {"q0": {"query": "Munich Technical University", "type": "Institution",
                                 "properties": country("Allemagne")}})
    best = result["q0"]["result"][0]
    assert {key: best[key] for key in TUM} == TUM
    assert (best["match"], best["score"], best["type"]) == \
        (True, 95.0, [{"id": "Institution", "name": "Institution"}])
    assert best["description"] == "Germany · Wikidata Q157808 · ROR https://ror.org/02kkvpp62"
    assert {"id": "evidence-folded", "value": True} in best["features"]


def test_the_query_batch_is_read_from_a_get_parameter_too(client):
    batch = {"q0": {"query": "Technische Universiteit Delft", "properties": country("NL")}}
    assert ask(client, batch, method="get") == ask(client, batch)
    assert ask(client, batch)["q0"]["result"][0]["id"] == "institution/tudelft"


def test_a_look_alike_is_a_candidate_never_a_match(client):
    result = ask(client, {"q0": {"query": "University of California, San Diego",
                                 "properties": country("US")}})
    candidates = {c["id"]: c for c in result["q0"]["result"]}
    assert not any(c["match"] for c in candidates.values())
    system = candidates["institution/university-of-california"]
    assert system["why_not"].startswith("a university system, not one of its campuses")
    assert system["wikidata"] == "Q184478"  # seeds/registry.toml, from its ROR record


def test_weak_evidence_without_a_country_is_no_match(client):
    (kth, *_) = ask(client, {"q0": {"query": "KTH"}})["q0"]["result"]
    assert (kth["id"], kth["match"], kth["score"]) == ("institution/kth", False, 80.0)
    (kth, *_) = ask(client, {"q0": {"query": "KTH", "properties": country("Suède")}}
                    )["q0"]["result"]
    assert (kth["id"], kth["match"]) == ("institution/kth", True)


def test_the_type_narrows_the_candidates(client):
    name = "Universidad de Buenos Aires, Facultad de Ingeniería"
    result = ask(client, {"q0": {"query": name, "type": "Faculty", "properties": country("AR")},
                          "q1": {"query": name, "type": "Institution",
                                 "properties": country("AR")}})
    assert [(c["id"], c["match"]) for c in result["q0"]["result"]] == \
        [("faculty/uba-fiuba", True), ("faculty/uba-fcen", False)]
    # The university is not its faculty; ITBA shares "Buenos Aires" only.
    assert [(c["id"], c["match"]) for c in result["q1"]["result"]] == \
        [("institution/uba", False), ("institution/itba", False)]
    # Schools only: ESTP (its ROR names say Paris) stays, HEC Paris (no school here) goes.
    school = ask(client, {"q0": {"query": "Telecom Paris", "type": "School"}})
    assert [(c["id"], c["match"]) for c in school["q0"]["result"]] == \
        [("institution/telecom-paris", True), ("institution/estp", False)]
    anyone = ask(client, {"q0": {"query": "Telecom Paris"}})
    assert "institution/hec-paris" in {c["id"] for c in anyone["q0"]["result"]}


def test_limit_caps_the_candidates(client):
    result = ask(client, {"q0": {"query": "Tomsk University", "limit": 1,
                                 "properties": country("RU")}})
    assert len(result["q0"]["result"]) == 1


def test_every_row_of_the_contribution_matches_as_it_resolved_in_the_build(client):
    # The same matcher: a registered institution the build resolved by its name is the
    # reconciliation's match; a row that became a new institution matches nothing.
    rows = [r for r in parse_partner_csv(CSV, "csv").rows
            if not r.faculty and not r.url]  # faculty cells and links are the build's extras
    batch = {f"q{r.origin.line}": {"query": r.name, "properties": country(r.country)}
             for r in rows}
    result = ask(client, batch)
    for row in rows:
        expected, _ = EXPECTED[row.origin.line]
        matches = [c["id"] for c in result[f"q{row.origin.line}"]["result"] if c["match"]]
        assert matches == ([] if expected.startswith(NEW) else [f"institution/{expected}"]), \
            row.name


@pytest.mark.parametrize(("queries", "detail"), [
    ("not json", "queries is not JSON"),
    (json.dumps({"q0": {"query": "x", "type": "Person"}}), "unknown type(s) Person"),
    (json.dumps({"q0": {"query": "x", "properties": [{"pid": "P17", "v": "FR"}]}}),
     "unknown property 'P17'"),
    (json.dumps({"q0": {"query": "x", "properties": country("Atlantis")}}),
     "'Atlantis' is not a country code or name"),
    (json.dumps({"q0": {"query": "x", "limit": 0}}), "limit must be a positive number"),
    (json.dumps({"q0": {"type": "School"}}), 'query \'q0\' has no "query" string'),
    (json.dumps({f"q{n}": {"query": "x"} for n in range(101)}),
     "101 queries in one batch; at most 100"),
    (json.dumps({"q0": {"query": "x" * 301}}), "longer than 300 characters"),
])
def test_a_bad_query_is_a_400_in_the_one_error_shape(client, queries, detail):
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["title"] == "Bad reconciliation query" and detail in error["detail"]


def test_preview_is_a_small_html_card_under_the_pages_policy(client):
    response = client.get("/reconcile/preview", query_string={"id": "institution/tum"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert "<strong>Technical University of Munich</strong> (Institution)" in page
    assert '<a href="http://www.wikidata.org/entity/Q157808">Q157808</a>' in page
    assert "<script" not in page and "style=" not in page
    assert client.get("/reconcile/preview?id=faculty/tum").status_code == 404


def test_suggest_entities_types_and_properties(client):
    tomsk = client.get("/reconcile/suggest/entity?prefix=tomsk").get_json()["result"]
    assert [e["id"] for e in tomsk] == ["institution/tpu", "institution/tsu"]
    faculties = client.get("/reconcile/suggest/entity?prefix=school%20of%20comp&type=Faculty")
    # "School of Computer Engineering (ETSIINF)", "NUS School of Computing", "TUM School of
    # Computation...": a label that starts with the prefix comes first.
    assert [e["id"] for e in faculties.get_json()["result"]] == \
        ["faculty/upm-etsiinf", "faculty/nus-soc", "faculty/tum-cit"]
    types = client.get("/reconcile/suggest/type?prefix=fac").get_json()["result"]
    assert types == [{"id": "Faculty", "name": "Faculty"}]
    (prop,) = client.get("/reconcile/suggest/property?prefix=coun").get_json()["result"]
    assert prop["id"] == "country"
    assert client.get("/reconcile/suggest/nothing").status_code == 404


def test_a_store_without_a_name_index_answers_503(admin_client):
    response = admin_client.get("/reconcile")
    assert response.status_code == 503
    assert "no name index" in response.get_json()["error"]["detail"]


# --- Over a real socket, as OpenRefine sends it ---------------------------------------------

def test_openrefine_requests_over_http(seed_store_path, tmp_path):
    """gunicorn on a loopback port: the manifest by GET, then a batch as a form POST."""
    with running_server(seed_store_path, tmp_path / "server.log") as base:
        with urllib.request.urlopen(base + "/reconcile", timeout=20) as response:
            manifest = json.load(response)
        assert manifest["versions"] == ["0.2"] and manifest["name"].startswith("Passerelle")
        batch = {"q0": {"query": "Politechnico di Torino", "type": "Institution",
                        "type_strict": "should", "limit": 3,
                        "properties": [{"pid": "country", "v": "Italie"}]},
                 "q1": {"query": "Universidad Complutense de Madrid", "type": "Institution",
                        "type_strict": "should", "limit": 3,
                        "properties": [{"pid": "country", "v": "ES"}]}}
        body = urllib.parse.urlencode({"queries": json.dumps(batch)}).encode("ascii")
        request = urllib.request.Request(
            base + "/reconcile", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.headers.get_content_type() == "application/json"
            result = json.load(response)
    assert_result_batch(result, batch)
    polito = result["q0"]["result"][0]  # identifiers: seeds/registry.toml
    assert (polito["id"], polito["match"], polito["wikidata"], polito["ror"]) == \
        ("institution/polito", True, "Q392897", "https://ror.org/00bgk9508")
    assert [c["match"] for c in result["q1"]["result"]] == [False]


def test_a_batch_is_answered_within_the_requests_time_budget(make_app):
    # 100 queries take some 0.1 s on the seed build; a budget of 1 ms stops the batch
    # between two queries (the matcher cannot be stopped inside one).
    client = make_app(MIN_QUERY_TIMEOUT=0.001).test_client()
    batch = {f"q{n}": {"query": f"Technical University number {n}"} for n in range(100)}
    response = client.post("/reconcile?timeout=0.001", data={"queries": json.dumps(batch)})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    error = response.get_json()["error"]
    assert error["title"] == "Reconciliation timeout"
    assert "of the 100 queries were answered within the time budget of 0.001 s" \
        in error["detail"]
    assert client.post("/reconcile", data={"queries": json.dumps(batch)}).status_code == 200


def test_a_body_over_a_megabyte_is_a_413(client):
    batch = json.dumps({"q0": {"query": "x" * 1_000_001}})
    response = client.post("/reconcile", data={"queries": batch})
    assert response.status_code == 413
