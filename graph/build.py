"""The build: seeds -> parse -> resolve -> RDF -> reason -> validate -> store.

`assemble(seeds_dir)` does everything but touch a store and returns the quads and the
report, so tests and benchmarks can call it; `build(seeds_dir, store_path)` also loads a
fresh store and swaps it in only when every stage passed.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import rdflib
from pyoxigraph import Quad
from rdflib.compare import to_canonical_graph

from graph import rdf, reason, store, validate
from graph.errors import BuildError
from graph.manifest import Source, load_manifest
from graph.parse import PARSERS
from graph.records import ParsedDocument
from graph.registry import FACULTY, INSTITUTION, Registry, load_registry
from graph.report import BuildReport
from graph.resolve import Resolution, resolve_rows

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "passerelle.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"


@dataclass
class Dataset:
    """Everything a build would load, with its report and the time each stage took."""

    quads: list[Quad]
    report: BuildReport
    sources: list[Source]
    timings: dict[str, float] = field(default_factory=dict)

    def graph_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for quad in self.quads:
            sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
        return dict(sorted(sizes.items()))


@dataclass
class BuildResult:
    store: Path
    build_dir: Path
    triples: int
    dataset: Dataset


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 3)


def assemble(seeds_dir: Path, ontology: Path = ONTOLOGY, shapes: Path = SHAPES) -> Dataset:
    """Parse, resolve, convert, reason and validate; raise BuildError if anything fails."""
    timings: dict[str, float] = {}
    sources = load_manifest(seeds_dir, set(PARSERS))
    registry = load_registry(seeds_dir)
    _check_publishers(sources, registry, seeds_dir)
    with _timed(timings, "parse"):
        parsed = {s.id: PARSERS[s.parser](s.path, s.id) for s in sources}
    with _timed(timings, "resolve"):
        resolved = {s.id: resolve_rows(parsed[s.id].rows, s.school, registry) for s in sources}
    with _timed(timings, "rdf"):
        quads = _to_rdf(sources, parsed, resolved, registry)
        ontology_graph = _read_turtle(ontology)
        ontology_quads = _canonical_quads(ontology_graph, "ontology")
    with _timed(timings, "reason"):
        inferred = reason.infer(quads, ontology_graph, "inferred")
    with _timed(timings, "validate"):
        data = reason.to_rdflib(quads + inferred, rdflib.Graph()) + ontology_graph
        validate.check(data, _read_turtle(shapes))
    report = _report(sources, parsed, resolved, registry)
    return Dataset(quads + inferred + ontology_quads, report, sources, timings)


def build(seeds_dir: Path, store_path: Path) -> BuildResult:
    """Assemble the dataset and publish it as the store at store_path (a symlink)."""
    with store.build_lock(store_path):
        dataset = assemble(seeds_dir)
        build_dir = store.new_build_dir(store_path)
        try:
            with _timed(dataset.timings, "load"):
                triples = store.write_store(build_dir, dataset.quads)
            store.write_json(build_dir / "build.json", _metadata(dataset, build_dir, triples))
            store.write_json(build_dir / "report.json", dataset.report.to_dict())
            store.publish(store_path, build_dir)
        except BaseException:
            store.discard(build_dir)
            raise
    return BuildResult(store_path, build_dir, triples, dataset)


def _check_publishers(sources: list[Source], registry: Registry, seeds_dir: Path) -> None:
    for source in sources:
        if source.publisher and source.publisher not in registry.entities:
            raise BuildError(f"source {source.id!r} names publisher {source.publisher!r}, "
                             "which is not in the registry", seeds_dir / "sources.toml")


def _to_rdf(sources, parsed, resolved, registry: Registry) -> list[Quad]:
    registered = list(registry.entities.values())
    for resolution in resolved.values():
        registry.entities.update(resolution.new_entities)
    new_countries = {e.country for r in resolved.values() for e in r.new_entities.values()}
    quads = rdf.registry_quads(registry, registered, new_countries, "registry")
    for source in sources:
        resolution = resolved[source.id]
        quads += rdf.source_quads(source, parsed[source.id], resolution.agreements, registry)
        quads += rdf.entity_quads(list(resolution.new_entities.values()), registry, source.id)
    return quads


def _read_turtle(path: Path) -> rdflib.Graph:
    try:
        return rdflib.Graph().parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise BuildError(f"cannot read: {exc}", path) from exc


def _canonical_quads(graph: rdflib.Graph, name: str) -> list[Quad]:
    """The graph's triples with blank nodes relabelled canonically, so builds are repeatable."""
    target = rdf.graph_iri(name)
    return sorted((Quad(*map(rdf.from_rdflib, t), target) for t in to_canonical_graph(graph)),
                  key=str)


def _report(sources, parsed: dict[str, ParsedDocument], resolved: dict[str, Resolution],
            registry: Registry) -> BuildReport:
    report = BuildReport()
    for source in sources:
        report.add_document(parsed[source.id], resolved[source.id])
    entities = registry.entities.values()
    report.entities = {
        "institutions": sum(e.kind == INSTITUTION for e in entities),
        "schools": len({s.school for s in sources}),
        "faculties": sum(e.kind == FACULTY for e in entities),
        "agreements": sum(len(r.agreements) for r in resolved.values()),
        "new entities (not in the registry)": sum(len(r.new_entities) for r in resolved.values()),
    }
    return report


def _metadata(dataset: Dataset, build_dir: Path, triples: int) -> dict:
    try:
        package_version = version("passerelle")
    except PackageNotFoundError:
        package_version = "unknown"
    return {
        "version": package_version,
        "build_id": build_dir.name,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "triples": triples,
        "graphs": dataset.graph_sizes(),
        "sources": [{"id": s.id, "file": s.path.name, "sha256": s.sha256()}
                    for s in dataset.sources],
        "timings": dataset.timings,
    }
