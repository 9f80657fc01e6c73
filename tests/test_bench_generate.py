"""The benchmark's synthetic seeds (bench/generate.py): deterministic, and shaped as designed.

Scale 2 is the real seeds plus 3 synthetic schools listing 224 agreements between them, so
the whole build runs on it in a second or two.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bench_modules import load_generator
from pyoxigraph import Store

from graph.build import assemble, build
from graph.gate import Allow, Refused
from graph.manifest import load_manifest
from graph.parse import PARSERS
from graph.pins import ALL, changes

ROOT = Path(__file__).resolve().parent.parent
PAS = "https://w3id.org/passerelle/ontology#"


generator = load_generator()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "x2"
    generator.generate(ROOT / "seeds", out, 2)
    return out


@pytest.fixture(scope="module")
def dataset(folder):
    return assemble(folder)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_the_same_arguments_give_the_same_bytes(folder, tmp_path):
    generator.generate(ROOT / "seeds", tmp_path / "again", 2)
    generator.generate(ROOT / "seeds", tmp_path / "other-seed", 2, seed=1)
    assert contents(tmp_path / "again") == contents(folder)
    assert contents(tmp_path / "other-seed") != contents(folder)


def test_scale_two_doubles_the_seeds_schools_and_agreements(folder, dataset):
    # The seeds: 3 schools (Télécom Paris, ESTP, the unidentified publisher of 003) and
    # 224 agreements (109 + 108 + 7, tests/test_build.py). Scale 2 adds as many.
    assert dataset.report.entities["schools"] == 6
    assert dataset.report.entities["agreements"] == 448
    assert len(list((folder / "synthetic").iterdir())) == 3
    assert not dataset.report.of_outcome("error")


def test_a_generated_folder_builds_once_accepted_whole(folder, tmp_path):
    # The synthetic documents are new entries without pins: refused, each named, until
    # --accept all, which pins them; the copied real documents are as pinned.
    seeds = tmp_path / "x2"
    shutil.copytree(folder, seeds)
    with pytest.raises(Refused) as refused:
        build(seeds, tmp_path / "store")
    assert "3 document(s) not as pinned" in str(refused.value)
    assert str(refused.value).count(": new, no pin yet (") == 3
    result = build(seeds, tmp_path / "store", Allow(accept=frozenset({ALL})))
    sources = load_manifest(seeds, set(PARSERS))
    synthetic = [s.id for s in sources if s.path.parent.name == "synthetic"]
    assert len(synthetic) == 3
    assert [change.source.id for change in result.verdict.accepted] == synthetic
    assert [line.split(": ")[1].split(" (")[0] for line in result.verdict.summary()] == synthetic
    assert changes(load_manifest(seeds, set(PARSERS))) == []


def select(store: Store, query: str) -> list[tuple]:
    return [tuple(t.value for t in row) for row in store.query(
        f"PREFIX pas: <{PAS}> {query}", use_default_graph_as_union=True)]


def test_the_synthetic_lists_have_the_shapes_of_the_seeds(dataset):
    store = dataset.store
    statuses = {s.split("#")[1]
                for (s,) in select(store, "SELECT DISTINCT ?s { ?a pas:status ?s }")}
    assert statuses == {"Active", "Suspended", "InNegotiation"}
    most_types = select(store, """SELECT (MAX(?n) AS ?m) { SELECT ?a (COUNT(?t) AS ?n)
        { ?a pas:agreementType ?t } GROUP BY ?a }""")
    assert int(most_types[0][0]) >= 3  # the generator writes up to three types per agreement
    faculty_agreements = select(store, """SELECT (COUNT(DISTINCT ?a) AS ?n) {
        ?a pas:partnerFaculty ?f ; pas:school ?s FILTER(CONTAINS(STR(?s), "/school-")) }""")
    assert int(faculty_agreements[0][0]) > 0
    # Institutions shared between schools: some are partners of at least three of the six.
    shared = select(store, """SELECT ?i { ?s pas:hasPartnerInstitution ?i }
        GROUP BY ?i HAVING (COUNT(DISTINCT ?s) >= 3)""")
    assert shared


def test_every_iso_country_has_an_institution(dataset):
    # One synthetic institution per ISO 3166-1 country comes first in the pool: 249 codes.
    countries = select(dataset.store,
                       "SELECT DISTINCT ?c { ?i a pas:Institution ; pas:country ?c }")
    assert len(countries) == 249
