"""Search: how names are compared and ranked (unit tests of each judgement), and /search over
the seeds.

Facts from the registry: TUM is "Technical University of Munich" (acronym TUM, alias "TU
München", Wikidata Q157808, ROR 02kkvpp62, country DE); Télécom Paris is Q2311820; École
polytechnique (l'X) is an institution; Erasmus+ is a network also written "ERASMUS+".
"""

from __future__ import annotations

import json
import shutil

import pytest
from pyoxigraph import Store

from passerelle.search_index import SEARCH_FILE, Entry, Index, fold, identifier_of, score
from passerelle.vocabulary import PAS

TUM = "https://w3id.org/passerelle/id/institution/tum"
JSON = {"Accept": "application/json"}


def test_fold_drops_accents_case_and_punctuation():
    assert fold("École  Polytechnique-Fédérale") == "ecole polytechnique federale"
    assert fold("TU München") == fold("tu munchen") == "tu munchen"
    assert fold("Erasmus+") == fold("ERASMUS +") == "erasmus"


def test_identifier_iris_become_what_people_type():
    assert identifier_of("http://www.wikidata.org/entity/Q157808") == "Q157808"
    assert identifier_of("https://ror.org/02kkvpp62") == "02kkvpp62"
    assert identifier_of("Technical University of Munich") == "Technical University of Munich"


@pytest.mark.parametrize(("query", "name", "expected"), [
    ("tum", "tum", 4),                      # the whole name
    ("technical", "technical university of munich", 3),  # the name starts with it
    ("univ mun", "technical university of munich", 2),   # each word starts a word
    ("nich", "technical university of munich", 1),       # inside a word
    ("berlin", "technical university of munich", 0),
])
def test_score_orders_equal_prefix_words_inside(query, name, expected):
    assert score(query, name) == expected


def index(*entries: Entry) -> Index:
    for e in entries:
        e.folded_label = fold(e.label)
    return Index({e.iri: e for e in entries})


def entry(iri: str, kind: str, label: str, *aliases: str) -> Entry:
    return Entry(iri, kind, label, {fold(n): n for n in (label, *aliases)})


def test_rank_prefers_better_match_then_own_label_then_kind_then_shorter():
    found = index(entry("a", "faculty", "Munich School"), entry("b", "institution", "Munich"),
                  entry("c", "institution", "Munich Institute"),
                  entry("d", "school", "Munich College"),
                  entry("e", "institution", "Polytechnic", "Munich Poly"))
    # "munich" equals b's label; then prefixes: own labels (school first, then the shorter
    # institution, then the faculty), then e's alias.
    assert [e.iri for e, _ in found.search("munich")] == ["b", "d", "c", "a", "e"]
    assert [e.iri for e, _ in found.search("munich", kind="school")] == ["d"]
    # A school is an institution: kind=institution keeps it.
    assert [e.iri for e, _ in found.search("munich", kind="institution")] == ["b", "d", "c", "e"]


def test_search_finds_tum_by_city_acronym_alias_qid_and_ror(client):
    for query in ("munich", "MUNICH", "TUM", "tu munchen", "Q157808",
                  "http://www.wikidata.org/entity/Q157808", "02kkvpp62",
                  "https://ror.org/02kkvpp62"):
        results = client.get("/search.json", query_string={"q": query}).get_json()["results"]
        assert results[0]["iri"] == TUM, query
    (tum,) = client.get("/search.json?q=munich").get_json()["results"]
    assert tum == {"iri": TUM, "url": "/id/institution/tum",
                   "label": "Technical University of Munich", "kind": "institution",
                   "id": "tum", "matched": "", "context": "Germany"}


def test_search_without_accents_and_by_kind(client):
    def labels(**params):
        body = client.get("/search", query_string=params, headers=JSON).get_json()
        return [(r["label"], r["kind"]) for r in body["results"]]

    assert labels(q="ecole polytechnique", limit=1) == [("École polytechnique", "institution")]
    assert labels(q="telecom paris", kind="school") == [("Télécom Paris", "school")]
    assert labels(q="Q2311820") == [("Télécom Paris", "school")]
    assert labels(q="erasmus") == [("Erasmus+", "network")]
    # DE is Germany's code (equal), Denmark starts with it, Sweden has it inside.
    assert labels(q="de", kind="country")[:3] == [("Germany", "country"), ("Denmark", "country"),
                                              ("Sweden", "country")]


def test_search_refuses_bad_arguments(client):
    assert client.get("/search.json?q=x&kind=city").status_code == 400
    assert client.get("/search.json?q=x&limit=0").status_code == 400
    assert client.get("/search.json", query_string={"q": "x" * 201}).status_code == 400
    assert client.get("/search.json?q=").get_json()["results"] == []


def test_search_page_lists_results_linked_to_their_pages(client):
    page = client.get("/search?q=munich", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<a href="/id/institution/tum">Technical University of Munich</a>' in page.text
    assert "1 result for <q>munich</q>" in page.text


def test_the_build_saves_the_index_it_reads_from_its_store(seed_build):
    store = Store.read_only(str(seed_build.build_dir / "oxigraph"))
    saved = Index.load(seed_build.build_dir / SEARCH_FILE)
    assert saved.entries == Index.read(store).entries
    tum = saved.entries[TUM]
    assert (tum.kind, tum.label) == ("institution", "Technical University of Munich")
    assert {"Q157808", "02kkvpp62", "TUM", "TU München"} <= set(tum.names.values())
    # One entry per school, network and country the store holds (a school is not counted
    # again as an institution).
    for kind in ("School", "Network", "Country"):
        count = f"SELECT (COUNT(DISTINCT ?e) AS ?n) {{ ?e a <{PAS}{kind}> }}"
        expected = int(next(iter(store.query(count, use_default_graph_as_union=True)))[0].value)
        assert sum(e.kind == kind.lower() for e in saved.entries.values()) == expected


def test_a_server_searches_the_index_its_build_saved(seed_build, make_app, tmp_path):
    build = shutil.copytree(seed_build.build_dir, tmp_path / "build")
    entries = json.loads((build / SEARCH_FILE).read_text("utf-8"))
    tum = next(e for e in entries if e["iri"] == TUM)
    tum["names"]["only in the saved index"] = "Only In The Saved Index"
    (build / SEARCH_FILE).write_text(json.dumps(entries), "utf-8")
    found = make_app(STORE=build).test_client().get("/search.json?q=only+in+the+saved")
    assert [r["iri"] for r in found.get_json()["results"]] == [TUM]
    # Without the file (a remote store, an older build) the index is read from the store.
    (build / SEARCH_FILE).unlink()
    client = make_app(STORE=build).test_client()
    assert client.get("/search.json?q=only+in+the+saved").get_json()["results"] == []
    assert [r["iri"] for r in client.get("/search.json?q=munich").get_json()["results"]] \
        == [TUM]
