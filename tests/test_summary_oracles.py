"""Each canned query that reads the build's summaries gives the rows of its live definition.

`queries/<name>.rq` reads the summary graph (graph/summary.py); `queries/live/<name>.rq` asks
the same question of the agreements themselves, as the catalogue did before the summaries.
Here both run on the seed store and on a store built from the 10x synthetic seeds
(bench/generate.py: 30 schools, 2,240 agreements), with no parameters, with every school (or
network, or institution) the parameters take, and with the contract's examples, and must
give the same rows in the same order, term for term (datatypes and language tags included).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_modules import load_generator
from pyoxigraph import NamedNode, Store

from graph.build import build
from graph.gate import Allow
from graph.pins import ALL
from passerelle.canned import load_queries, run

ROOT = Path(__file__).resolve().parent.parent
FAST = load_queries(ROOT / "queries")
LIVE = load_queries(ROOT / "queries" / "live")
PAS = "https://w3id.org/passerelle/ontology#"
ID = "https://w3id.org/passerelle/id/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# Parameter values beyond each entity of the graph: identifiers in each form `institution` takes.
INSTITUTION_FORMS = ["tu-darmstadt", ID + "institution/tu-darmstadt", "Q310695",
                     "http://www.wikidata.org/entity/Q310695", "05n911h24",
                     "https://ror.org/05n911h24", "no-such-institution"]
CONTRACT_EXAMPLES = {
    "partners": [{"school": "unidentified-school-003", "country": "DE",
                  "agreement_type": "BilateralAgreement", "network": "erasmus-plus",
                  "status": "active"},
                 {"school": "telecom-paris", "status": "suspended"},
                 {"school": "telecom-paris", "agreement_type": "DoubleDegree"},
                 {"school": "telecom-paris", "network": "athens", "country": "DE"}],
    "partners-by-facet": [{"school": "telecom-paris", "only": only}
                          for only in ("type", "network", "status")],
}


@pytest.fixture(scope="module")
def seed_store(seed_store_path) -> Store:
    return Store.read_only(str(seed_store_path / "oxigraph"))


@pytest.fixture(scope="module")
def store_x10(tmp_path_factory) -> Store:
    folder = tmp_path_factory.mktemp("x10")
    load_generator().generate(ROOT / "seeds", folder / "seeds", 10)
    # A generated folder's documents have no pins: taken as they are, as the benchmark does.
    built = build(folder / "seeds", folder / "store", Allow(accept=frozenset({ALL})))
    return Store.read_only(str(Path(built.build_dir) / "oxigraph"))


def test_every_live_definition_has_its_fast_query():
    assert set(LIVE) <= set(FAST)
    for name, live in LIVE.items():
        assert live.params == FAST[name].params, name
        assert live.description == FAST[name].description, name


def instances(store: Store, cls: str) -> list[str]:
    found = store.quads_for_pattern(None, RDF_TYPE, NamedNode(PAS + cls), None)
    return sorted({q.subject.value.rsplit("/", 1)[-1] for q in found})


def requests(name: str, store: Store) -> list[dict[str, str]]:
    """Every request to compare: each school (network, institution) alone, pairs of schools
    for shared-partners, and the contract's examples; no parameter where none is required."""
    query = FAST[name]
    names = {p.name for p in query.params}
    required = {p.name for p in query.params if p.required}
    schools = instances(store, "School")
    found: list[dict[str, str]] = [] if required else [{}]
    if names == {"school", "other"}:
        found += [{"school": a, "other": b} for a in schools for b in schools]
    elif "school" in names:
        found += [{"school": s} for s in schools]
    elif "network" in names:
        found += [{"network": n} for n in instances(store, "Network")]
    elif "institution" in names:
        found += [{"institution": i} for i in INSTITUTION_FORMS + schools[:3]]
    return found + CONTRACT_EXAMPLES.get(name, [])


def answer(store: Store, query, values: dict[str, str]) -> tuple:
    result = run(store, query, values)
    return result.variables, result.rows, result.truncated


@pytest.mark.parametrize("name", sorted(LIVE))
def test_fast_and_live_give_the_same_rows_on_the_seeds(name, seed_store):
    for values in requests(name, seed_store):
        assert answer(seed_store, FAST[name], values) == answer(seed_store, LIVE[name], values), \
            values


@pytest.mark.parametrize("name", sorted(LIVE))
def test_fast_and_live_give_the_same_rows_at_10x(name, store_x10):
    # The live queries are slow at this size (that is why the summaries exist): every
    # seventh request, which still covers each query's parameters and the unbound question.
    asked = requests(name, store_x10)
    asked = asked[::7] if name == "shared-partners" else asked[:1] + asked[1::7]
    for values in asked:
        assert answer(store_x10, FAST[name], values) == answer(store_x10, LIVE[name], values), \
            values
