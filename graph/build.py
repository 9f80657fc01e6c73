"""The build: seeds -> parse -> resolve -> RDF -> reason -> summarise -> validate -> store
-> search index and canned answers (`passerelle.answers`).

`assemble(seeds_dir)` does everything but touch the published store: it returns a working
store (in memory) holding every quad the build would load but the summary nodes, which wait
in a file beside it (`Dataset.whole_store()` adds them), with the report, so tests and
benchmarks can call it; `build(seeds_dir, store_path)` also writes a fresh on-disk store and
swaps it in only when every stage passed.

Reasoning and validation run inside the working store (graph/materialise.py, graph/shacl.py),
as SPARQL, so that the build scales to thousands of schools; owlrl and pyshacl are the
references that tests compare them with (tests/oracles/). The quads of
each document go into the working store as they are made, so that no stage holds them all
as Python objects.
"""

from __future__ import annotations

import resource
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import rdflib
from pyoxigraph import Quad, RdfFormat, Store
from rdflib.compare import to_canonical_graph

from graph import gate, history, materialise, pins, rdf, remote, store, summary, validate
from graph.diff import AGREEMENTS_QUERY, Agreement, AgreementDiff, agreements, compare
from graph.errors import BuildError
from graph.manifest import Pin, Source, load_manifest
from graph.parse import PARSERS
from graph.records import ParsedDocument
from graph.registry import FACULTY, INSTITUTION, Entity, Network, Registry, load_registry
from graph.report import BuildReport
from graph.resolve import Resolution, resolve_rows
from graph.summary_file import NodeFile
from passerelle import answers
from passerelle.builddir import BuildDir, StoreLink, StoreLinkError, write_json
from passerelle.canned import load_queries
from passerelle.matching import NAMES_FILE
from passerelle.paths import ONTOLOGY_DIR, QUERIES_DIR
from passerelle.search_index import SEARCH_FILE, Index
from passerelle.vocabulary import package_version

ONTOLOGY = ONTOLOGY_DIR / "passerelle.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
INFERRED = "inferred"
ONTOLOGY_GRAPH = "ontology"  # the only graph with blank nodes (graph/store.py)
MANIFEST = "sources.toml"


@dataclass
class Dataset:
    """Everything a build would load (in ``store``), its report, and each stage's time."""

    store: Store
    report: BuildReport
    sources: list[Source]
    timings: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, int] = field(default_factory=dict)  # peak memory after each stage
    read: dict[str, Pin] = field(default_factory=dict)  # each document's pin, before parsing
    # Every institution and faculty with all its names, written as the build directory's
    # NAMES_FILE for the server's reconciliation service.
    names: list[dict] = field(default_factory=list)
    summarised: summary.Stats | None = None  # what the summary stage wrote
    answered: answers.Stats | None = None  # the canned answers stored (a local build only)
    # The summary nodes, written apart from the working store (graph/summary_file.py) until
    # the load puts them in the build's store.
    summary_nodes: NodeFile | None = None

    def whole_store(self) -> Store:
        """The working store with the summary nodes in it too, for a caller that reads every
        quad from it (a remote load, a count): as much memory again as the file holds."""
        self.load_summary_nodes(self.store)
        return self.store

    def load_summary_nodes(self, into: Store) -> None:
        """Load the summary nodes' file into ``into``, then let it go (once)."""
        if self.summary_nodes is not None:
            into.bulk_load(path=str(self.summary_nodes.path), format=RdfFormat.N_QUADS)
            self.summary_nodes.discard()
            self.summary_nodes = None

    def quad_count(self) -> int:
        """The quads of the working store and of the summary nodes, not yet loaded."""
        return len(self.store) + (0 if self.summary_nodes is None else self.summary_nodes.quads)

    def agreements(self) -> list[Agreement]:
        return agreements(tuple(row) for row in self.store.query(AGREEMENTS_QUERY))

    @property
    def quads(self) -> list[Quad]:
        return list(self.whole_store())

    def graph_sizes(self) -> dict[str, int]:
        # One count per graph: a GROUP BY over all graphs at once would hold every quad's
        # group key in memory (400 MB more at the 1000x benchmark's 4.6 million quads).
        # Counted by the store: counting them in Python took 2.5 times the time.
        sizes = {graph.value: int(next(self.store.query(
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))[0].value)
                 for graph in self.store.named_graphs()}
        return dict(sorted(sizes.items()))


@dataclass
class BuildResult:
    store: Path | str  # a URL for a remote store
    build_dir: Path | str  # the build id in a remote store
    triples: int
    dataset: Dataset
    verdict: gate.Verdict


@contextmanager
def _timed(timings: dict[str, float], stage: str, peaks: dict[str, int] | None = None):
    """Add the stage's wall time to ``timings``; in ``peaks``, the process's peak memory so
    far (MiB) once the stage is done: the stage after which it jumps is the one that needed it."""
    start = time.perf_counter()
    yield
    timings[stage] = round(timings.get(stage, 0) + time.perf_counter() - start, 3)
    if peaks is not None:  # Linux counts ru_maxrss in KiB
        peaks[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def assemble(seeds_dir: Path, ontology: Path = ONTOLOGY, shapes: Path = SHAPES) -> Dataset:
    """Parse, resolve, convert, reason and validate; raise BuildError if anything fails."""
    sources = load_manifest(seeds_dir, set(PARSERS))
    registry = _with_new_publishers(load_registry(seeds_dir), sources, seeds_dir)
    _check_publishers(sources, registry, seeds_dir)
    working = Store()  # in memory: the rules and checks below write and read it many times
    dataset = Dataset(working, BuildReport(), sources)
    dataset.read = {source.id: pins.pin_of(source.path) for source in sources}
    dataset.report = _convert(sources, registry, dataset)
    with _timed(dataset.timings, "rdf", dataset.peak_mib):
        ontology_graph = _read_turtle(ontology)
        working.bulk_extend(_canonical_quads(ontology_graph, ONTOLOGY_GRAPH))
    with _timed(dataset.timings, "reason", dataset.peak_mib):
        rules = materialise.rules_from(ontology_graph)
        materialise.materialise(working, rules, rdf.graph_iri(INFERRED))
    with _timed(dataset.timings, "summarise", dataset.peak_mib):
        # The summary nodes go to a file: in the working store, they were half its quads
        # and the build's peak memory at 1000x (graph/summary_file.py).
        dataset.summary_nodes = NodeFile()
        dataset.summarised = summary.summarise(working, nodes=dataset.summary_nodes)
    with _timed(dataset.timings, "validate", dataset.peak_mib):
        validate.check(working, _read_turtle(shapes), dataset.summary_nodes)
    return dataset


def build(seeds_dir: Path, store_path: Path, allow: gate.Allow = gate.NOTHING) -> BuildResult:
    """Assemble the dataset and publish it as the store at store_path (a symlink), if the
    gate lets it (graph/gate.py: pins, errors, agreements lost); then write accepted pins."""
    link = StoreLink(store_path)
    try:
        with link.build_lock():
            dataset = assemble(seeds_dir)
            published = link.published()
            with _timed(dataset.timings, "gate", dataset.peak_mib):
                pins.check_unchanged(dataset.sources, dataset.read)
                built = dataset.agreements()
                verdict = gate.judge(dataset.sources, seeds_dir / MANIFEST, dataset.report,
                                     built, _published_agreements(published), allow,
                                     dataset.read)
            build_dir = link.new_build()
            try:
                # A small build is answered from its working store, in memory, before the
                # load; a large one from the built store, after (passerelle/answers.py).
                in_memory = dataset.quad_count() <= answers.IN_MEMORY_QUADS
                if in_memory:
                    _answer(dataset, dataset.whole_store(), build_dir)
                with _timed(dataset.timings, "load", dataset.peak_mib):
                    triples = store.write_store(build_dir, dataset, [rdf.graph_iri(ONTOLOGY_GRAPH)])
                with _timed(dataset.timings, "index", dataset.peak_mib):
                    Index.read(dataset.store).save(build_dir.path / SEARCH_FILE)  # the built store
                if not in_memory:
                    _answer(dataset, build_dir.store_dir, build_dir)
                metadata = _metadata(dataset, build_dir.id, triples)
                metadata["history"] = history.extended(_read_metadata(published), metadata,
                                                       verdict)
                build_dir.write_metadata(metadata)
                build_dir.write_report(dataset.report.to_dict())
                build_dir.write_agreements([agreement.to_row() for agreement in built])
                write_json(build_dir.path / NAMES_FILE, dataset.names)
                build_dir.write_document_lines(dataset.report.document_lines())
                link.publish(build_dir)
            except OSError as exc:  # disk full, permissions: the published store is untouched
                build_dir.discard()
                raise BuildError(f"cannot write the new store: {exc}", build_dir.path) from exc
            except BaseException:
                build_dir.discard()
                raise
            _write_pins(seeds_dir / MANIFEST, verdict)
    except StoreLinkError as exc:
        raise BuildError(exc.message, exc.path) from exc
    return BuildResult(store_path, build_dir.path, triples, dataset, verdict)


def _answer(dataset: Dataset, source: Path | Store, build_dir: BuildDir) -> None:
    """The canned answers stage, on ``source``: the working store with every quad the built
    store has (the ontology's blank nodes as canonical in both), or the built store."""
    with _timed(dataset.timings, "answers", dataset.peak_mib):
        dataset.answered = answers.compute(
            source, load_queries(QUERIES_DIR).values(), build_dir.path / answers.ANSWERS_FILE,
            answers.budget(sum(dataset.timings.values())))


def build_remote(seeds_dir: Path, endpoint: remote.Endpoint,
                 allow: gate.Allow = gate.NOTHING) -> BuildResult:
    """Assemble the dataset and publish it in a remote SPARQL 1.1 store (graph/remote.py):
    loaded under staging graph names, then switched in with one update request, if the
    gate lets it (as for `build`)."""
    dataset = assemble(seeds_dir)
    previous = remote.read_metadata(endpoint)
    pins.check_unchanged(dataset.sources, dataset.read)
    verdict = gate.judge(dataset.sources, seeds_dir / MANIFEST, dataset.report,
                         dataset.agreements(), _remote_agreements(endpoint, previous), allow,
                         dataset.read)
    with _timed(dataset.timings, "load"):
        staging = remote.stage(endpoint, dataset.whole_store())
    metadata = _metadata(dataset, staging.build_id, staging.triples)
    metadata["history"] = history.extended(previous, metadata, verdict)
    remote.publish(endpoint, staging, metadata)
    _write_pins(seeds_dir / MANIFEST, verdict)
    return BuildResult(endpoint.query_url, staging.build_id, staging.triples, dataset, verdict)


@dataclass
class Preview:
    """What a build of these seeds would change against the published one (`passerelle diff`)."""

    dataset: Dataset
    changes: list[pins.Change]  # documents not as pinned
    published: dict | None  # the published build's metadata, None when nothing is published
    diff: AgreementDiff | None

    def lines(self) -> list[str]:
        sources = self.dataset.sources
        out = [f"against build {self.published.get('build_id')} (built "
               f"{self.published.get('built_at')})" if self.published is not None
               else "nothing is published yet: every agreement would be new"]
        out.append(f"documents: {len(self.changes)} of {len(sources)} not as pinned"
                   + ("" if self.changes else " (all as accepted)"))
        out += [f"  {change.describe()}" for change in self.changes]
        errors = len(self.dataset.report.of_outcome("error"))
        out.append(f"errors in the report: {errors}")
        if self.diff is None:
            out.append(f"agreements: {len(self.dataset.agreements())} in this build")
        else:
            out += self.diff.lines()
        return out


def preview(seeds_dir: Path, store: Path | remote.Endpoint) -> Preview:
    """Assemble the seeds and compare them with the published store (a store link, or a
    remote store), writing nothing."""
    dataset = assemble(seeds_dir)
    if isinstance(store, remote.Endpoint):
        metadata = remote.read_metadata(store)
        before = _remote_agreements(store, metadata)
    else:
        published = StoreLink(store).published()
        metadata, before = _read_metadata(published), _published_agreements(published)
    diff = None if before is None else compare(before, dataset.agreements())
    return Preview(dataset, pins.changes(dataset.sources, dataset.read), metadata, diff)


def _published_agreements(published: BuildDir | None) -> list[Agreement] | None:
    """The agreements of the published build, None when nothing is published yet: as it
    wrote them down, or (a build from before it did) queried out of its store."""
    if published is None:
        return None
    rows = published.agreement_rows()
    if rows is not None:
        return [Agreement.from_row(row) for row in rows]
    try:
        opened = published.open()
    except OSError as exc:
        raise BuildError(f"cannot read the published store to compare with ({exc}); if it "
                         "is lost, remove the store link and build afresh", published.path
                         ) from exc
    return agreements(tuple(row) for row in opened.query(AGREEMENTS_QUERY))


def _remote_agreements(endpoint: remote.Endpoint, previous: dict | None):
    """The agreements of the published build's graphs (named: the store may also hold the
    staging graphs of a build that failed)."""
    if previous is None:
        return None
    return agreements(remote.select_rows(endpoint, AGREEMENTS_QUERY,
                                         named_graphs=list(previous.get("graphs", {}))))


def _read_metadata(published: BuildDir | None) -> dict | None:
    """build.json of the published build, None when nothing (or no build.json) is there."""
    if published is None or not published.metadata:
        return None
    return published.metadata


def _write_pins(manifest: Path, verdict: gate.Verdict) -> None:
    try:
        pins.write_pins(manifest, verdict.accepted)
    except OSError as exc:
        raise BuildError(f"the build is published, but the accepted pins could not be "
                         f"written ({exc.strerror}): the next build will ask again",
                         manifest) from exc


def _convert(sources: list[Source], registry: Registry, dataset: Dataset) -> BuildReport:
    """Parse and resolve every document, put its quads in the working store, report on it.

    The parsed documents and resolutions are dropped on return: only the report stays.
    """
    timings, peaks = dataset.timings, dataset.peak_mib
    with _timed(timings, "parse", peaks):
        parsed = {s.id: PARSERS[s.parser](s.path, s.id) for s in sources}
    with _timed(timings, "resolve", peaks):
        resolved = {s.id: resolve_rows(parsed[s.id].rows, s.school, registry) for s in sources}
    with _timed(timings, "rdf", peaks):
        _to_rdf(sources, parsed, resolved, registry, dataset.store)
        dataset.names = [named.to_dict() for named in registry.named()]
    with _timed(timings, "report", peaks):
        return _report(sources, parsed, resolved, registry)


def _with_new_publishers(registry: Registry, sources: list[Source], seeds_dir: Path) -> Registry:
    """The registry with the schools that sources declare ([source.new_publisher]) and the
    set of publishing schools."""
    added: dict[str, Entity] = {}
    for source in sources:
        declared = source.new_publisher
        if declared is None:
            continue
        if source.publisher in registry.entities:
            raise BuildError(f"source {source.id!r} declares publisher {source.publisher!r} as "
                             "new, but the registry has it: drop [source.new_publisher]",
                             seeds_dir / "sources.toml")
        entity = Entity(
            id=source.publisher, kind=INSTITUTION, label=declared.label,
            country=declared.country, category="school", website=declared.website,
            note=f"Publisher of source {source.id}, declared in sources.toml "
                 "([source.new_publisher]); not in the registry yet.")
        if added.get(entity.id, entity).label != entity.label:
            raise BuildError(f"publisher {entity.id!r} is declared twice with different "
                             "labels", seeds_dir / "sources.toml")
        added.setdefault(entity.id, entity)
    return registry.with_entities(list(added.values()), {s.school for s in sources})


def _check_publishers(sources: list[Source], registry: Registry, seeds_dir: Path) -> None:
    for source in sources:
        if source.publisher and source.publisher not in registry.entities:
            raise BuildError(f"source {source.id!r} names publisher {source.publisher!r}, "
                             "which is not in the registry", seeds_dir / "sources.toml")


def _to_rdf(sources, parsed, resolved, registry: Registry, working: Store) -> None:
    """Each document's quads into the working store, one document at a time.

    Every triple goes into one graph (see graph/rdf.py): registry schools are typed in the
    registry graph; a stand-in school, or an entity new to the registry, is described in the
    graph of the first document that names it.
    """
    registered = list(registry.entities.values())
    schools = {source.school for source in sources}
    for resolution in resolved.values():
        registry.entities.update(resolution.new_entities)
    for document in parsed.values():  # networks a contribution names that nobody describes
        for key, label in document.new_networks.items():
            registry.networks.setdefault(key, Network(
                key, label, "unclassified", note=f"Named by source {document.source_id}; "
                "not in seeds/networks.toml yet."))
    new_countries = {e.country for r in resolved.values() for e in r.new_entities.values()}
    working.bulk_extend(rdf.registry_quads(registry, registered, new_countries, "registry",
                                           schools))
    described = {entity.id for entity in registered}
    for source in sources:
        resolution = resolved[source.id]
        working.bulk_extend(rdf.source_quads(source, parsed[source.id], resolution.agreements,
                                             registry, source.school not in described))
        described.add(source.school)
        new = [e for e in resolution.new_entities.values() if e.id not in described]
        described.update(e.id for e in new)
        working.bulk_extend(rdf.entity_quads(new, registry, source.id))


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


def _metadata(dataset: Dataset, build_id: str, triples: int) -> dict:
    return {
        "version": package_version(),
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "triples": triples,
        "graphs": dataset.graph_sizes(),
        "agreements": dataset.report.entities.get("agreements"),
        "sources": [{"id": s.id, "file": s.path.name, **asdict(dataset.read[s.id])}
                    for s in dataset.sources],
        "timings": dataset.timings,
        "answers": None if dataset.answered is None else dataset.answered.to_dict(),
        "summary": None if dataset.summarised is None else {
            "quads": dataset.summarised.quads, "school_pairs": dataset.summarised.pairs,
            "school_pairs_in_all": dataset.summarised.all_pairs},
    }
