"""A build is repeatable, and a failed build says why and leaves the published store serving."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from oracles.shacl import violations

from graph.build import SHAPES, build
from graph.errors import BuildError
from graph.store import canonical_nquads
from passerelle.builddir import StoreLink
from passerelle.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    return copy


def test_two_builds_give_the_same_canonical_nquads(seed_build, tmp_path):
    again = build(SEEDS, tmp_path / "store")
    assert again.triples == seed_build.triples
    assert canonical_nquads(again.store) == canonical_nquads(seed_build.store)


def test_a_missing_document_fails_the_build_and_keeps_the_published_store(
        seed_build, seeds_copy, tmp_path):
    store = tmp_path / "store"
    store.symlink_to(seed_build.store.resolve())  # a published store to protect
    (seeds_copy / "003_6d956781d4f13613.txt").unlink()
    with pytest.raises(BuildError, match=r"003_6d956781d4f13613\.txt: .*document not found"):
        build(seeds_copy, store)
    assert store.resolve() == seed_build.store.resolve()


def test_an_empty_document_fails_the_build_naming_the_file(seeds_copy, tmp_path):
    (seeds_copy / "001_76af7be450036bee.txt").write_bytes(b"")
    with pytest.raises(BuildError, match=r"001_76af7be450036bee\.txt: document is empty"):
        build(seeds_copy, tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_a_publisher_missing_from_the_registry_is_named(seeds_copy, tmp_path):
    manifest = seeds_copy / "sources.toml"
    manifest.write_text(manifest.read_text().replace('publisher = "estp"', 'publisher = "nope"'))
    with pytest.raises(BuildError, match="names publisher 'nope', which is not in the registry"):
        build(seeds_copy, tmp_path / "store")


def test_a_shape_violation_names_the_offending_node():
    data = rdflib.Graph().parse(format="turtle", data="""
        @prefix pas: <https://w3id.org/passerelle/ontology#> .
        <https://w3id.org/passerelle/id/agreement/x/line-1> a pas:Agreement .""")
    found = violations(data, rdflib.Graph().parse(SHAPES))
    assert any(v.startswith("<https://w3id.org/passerelle/id/agreement/x/line-1>: path "
                            "<https://w3id.org/passerelle/ontology#school>") for v in found)
    # One per sh:minCount 1 of pash:Agreement: school, partner institution, type, status,
    # source text, source line, source document.
    assert len(found) == 7


def test_a_second_build_of_the_same_store_is_refused(tmp_path):
    store = tmp_path / "store"
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with StoreLink(store).build_lock():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(BuildError, match="another build of this store is running"):
            build(SEEDS, store)
    finally:
        release.set()
        holder.join()


def test_cli_build_prints_the_summary_and_fails_clearly(seeds_copy, tmp_path):
    runner = CliRunner()
    (seeds_copy / "004_3891511229b6acc0.txt").unlink()
    result = runner.invoke(main, ["build", "--seeds", str(seeds_copy),
                                  "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "build failed, the store is unchanged" in result.output
    assert "004_3891511229b6acc0.txt" in result.output


def test_cli_validate_checks_without_loading(tmp_path):
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "(not loaded: validate only)" in result.output
    assert "224 agreements" in result.output
