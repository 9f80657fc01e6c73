"""Build-time answers of the canned queries: computed once when a build is made, read per request.

The data changes only when a build is published, yet the catalogue is asked the same
questions again and again. So the build (`compute`, after the store is loaded and validated)
runs every canned query that does not call out (no SERVICE) for the questions asked most:

- the broadest question, every parameter left out, when the query requires none;
- each value of one parameter of a type in `ENUMERATED` (each school, each network, read
  from the graph; the header's example first), the other parameters left out: for each
  such parameter of a query whose other parameters are all optional. Which ones is read
  from the queries' headers, never from their names, so a new query is covered as it is.

Each answer keeps its first `STORED_ROWS` rows (the server's default row cap: a whole page
of the default size is in the file) and whether more follow, in ``answers.sqlite`` in the
build directory (`ANSWERS_FILE`): one table keyed by the query's name, its text's digest (an
edited query is never answered from an older text's rows), the bound terms in canonical
order and the chunk: each answer is cut in chunks of `CHUNK_ROWS` rows, so that a page reads
only the chunks it spans, not the whole answer (at 100x a broad answer's 10,000 rows are
megabytes of JSON). A request whose page lies within the stored rows is answered from the
file (`Answers.page`), its JSON spliced from the stored rows' bytes; any other runs on the
engine as before.

The build gives this stage a time budget (`budget`): a quarter of the time the build took
before it, at least `BUDGET_S`, so that it grows with the data as the rest of the build does
(at 1000x the broad questions alone take 13–22 s each on the engine). Broad questions first
(they are the slowest to ask live: every row sorted before the first page), then the
per-value ones, whole queries, the least total time first (`least_total_first`), by
`WORKERS` threads on the working store in memory (a build of at most `IN_MEMORY_QUADS`) or
processes on the built store. What the budget leaves out is not stored and simply runs on
the engine; the build's metadata says how many keys were stored and skipped.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from multiprocessing import TimeoutError, get_context
from multiprocessing.pool import Pool, ThreadPool
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Store, parse_query_results

from passerelle import limits
from passerelle.canned import (
    ENTITY_TYPES,
    CannedQuery,
    Parameter,
    ParameterError,
    bind,
    job,
    result_of,
)
from passerelle.results import QUERY_ERRORS, Rows, json_bindings, json_document, rows
from passerelle.vocabulary import RDF_TYPE

ANSWERS_FILE = "answers.sqlite"
STORED_ROWS = limits.ROW_CAP
# Parameter types whose values are enumerated from the graph: a few hundred at 100x. An
# institution parameter would be thousands of values for one query, a country every country
# of the world: left to the engine.
ENUMERATED = ("school", "network")
# The least wall time the build gives this stage. 100x: 36-45 s before it, 60 s cap; in
# memory every question but the 300 per-school schools-sharing-partners is answered in 6.8 s
# on a quiet machine (those would take 17 s more: a few dozen are stored).
BUDGET_S = 10.0
BUDGET_SHARE = 0.25  # of the build's time before this stage, when that is more than BUDGET_S
WORKERS = 2  # processes or threads answering the questions
# A build of at most this many quads is answered from its working store in memory, by
# threads: the same quads, read 3-4x faster than from the built store on disk (100x, 1.1
# million quads, in one run: a school's partners 10.1 -> 4.1 ms, partner overlap 24.5 -> 5.7
# ms, countries 7.5 -> 1.8 ms), and pyoxigraph lets go of the GIL while it evaluates (2
# threads: 1.6x one). Past it (1000x: 9.2 million) the summary nodes in memory would pass the
# build's memory bound: WORKERS processes read the built store.
IN_MEMORY_QUADS = 3_000_000
CHUNK = 25  # values per task: few enough that the budget is checked often
SAMPLED = 3  # each per-value query's first values, timed in the build's process
CHUNK_ROWS = 200  # rows per stored chunk: the HTML page's and a paged client's page
FEW_QUESTIONS = 100  # at most this many (the seeds: 61) are answered in the build's process

SCHEMA = """
CREATE TABLE answers (
  query TEXT NOT NULL,    -- the canned query's name
  digest TEXT NOT NULL,   -- of its text: the rows are those of this text
  key TEXT NOT NULL,      -- the bound terms, name=N-Triples term, by name, joined by '&'
  first_row INTEGER NOT NULL, -- the chunk's first row: 0, CHUNK_ROWS... (none stored: 0)
  rows INTEGER NOT NULL,  -- rows stored of the whole answer (at most STORED_ROWS)
  more INTEGER NOT NULL,  -- 1 when the answer had more rows than were stored
  vars TEXT NOT NULL,     -- the result's columns, a JSON array
  body BLOB NOT NULL,     -- the chunk's rows: one SPARQL 1.1 JSON results binding a line
  PRIMARY KEY (query, digest, key, first_row)
) WITHOUT ROWID
"""


COLUMNS = ["query", "digest", "key", "first_row", "rows", "more", "vars", "body"]


@lru_cache(maxsize=256)
def digest(sparql: str) -> str:
    """What ties stored rows to the text that gave them."""
    return hashlib.sha256(sparql.encode("utf-8")).hexdigest()[:16]


def key_of(bound: Mapping[str, NamedNode | Literal]) -> str:
    """The canonical key of bound terms: ``name=<term>`` pairs in name order (N-Triples
    spelling, so an IRI and a literal of the same text differ)."""
    return "&".join(f"{name}={bound[name]}" for name in sorted(bound))


@dataclass
class Stats:
    """What `compute` stored, for the build's metadata."""

    stored: int = 0
    skipped: int = 0  # keys the budget left to the engine
    by_query: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"stored": self.stored, "skipped": self.skipped, "by_query": self.by_query}


def questions(store, queries: Iterable[CannedQuery]
              ) -> tuple[list[tuple[CannedQuery, dict]], list[tuple[CannedQuery, list[dict]]]]:
    """The questions to precompute: each broad one (a query and its bound terms), and each
    query with the bound terms of every value of one enumerated parameter. Terms are bound
    by `canned.bind`, as a request's are (defaults included), so that both give one key."""
    broad, per_value = [], []
    for query in queries:
        if query.calls_out:
            continue
        required = {p.name for p in query.params if p.required}
        if not required:
            broad.append((query, bind(query, {}, store)))
        for parameter in query.params:
            if parameter.type in ENUMERATED and required <= {parameter.name}:
                bounds = example_first(list(_bound_each(query, parameter, store)),
                                       _example(query, parameter, store))
                if bounds:
                    per_value.append((query, bounds))
    return broad, per_value


def example_first(bounds: list[dict], example: dict | None) -> list[dict]:
    """The bound terms with the header's example first (the query's first values are the
    first stored, `compute`): the value the catalogue's form fills in, the editor binds and
    the API description shows, the question a visitor asks first. Unchanged when the
    example is not among them."""
    if example is None or example not in bounds:
        return bounds
    return [example, *(bound for bound in bounds if bound != example)]


def _example(query: CannedQuery, parameter: Parameter, store) -> dict | None:
    if parameter.example is None:
        return None
    try:
        return bind(query, {parameter.name: parameter.example}, store)
    except ParameterError:  # an example this graph lacks (a build of other documents)
        return None


def _bound_each(query: CannedQuery, parameter: Parameter, store) -> Iterable[dict]:
    for node in instances(store, parameter.type):
        try:
            yield bind(query, {parameter.name: node.value}, store)
        except ParameterError:  # an entity whose IRI a request could not name
            continue


def instances(store, kind: str) -> list[NamedNode]:
    """The entities a parameter of that type takes (`canned.ENTITY_TYPES`), in IRI order."""
    _, classes = ENTITY_TYPES[kind]
    found = {quad.subject for cls in classes
             for quad in store.quads_for_pattern(None, NamedNode(RDF_TYPE), NamedNode(cls), None)
             if isinstance(quad.subject, NamedNode)}
    return sorted(found, key=lambda node: node.value)


def answer(store, query: CannedQuery, bound: Mapping, stored_rows: int = STORED_ROWS,
           chunk_rows: int = CHUNK_ROWS) -> list[tuple]:
    """The stored rows of the table for one question, a chunk each: the query's first rows
    for these terms, without the columns a result leaves out (`canned.result_of`), each row
    written as `write_results` writes it in JSON (so that a page's JSON is spliced from
    these bytes, `written`)."""
    work = job(query, bound, stored_rows)
    page = result_of(query, bound, rows(store.query(work.query, **work.options()), 0,
                                        stored_rows), stored_rows)
    lines = [binding.encode("utf-8") for binding in json_bindings(page.variables, page.rows)]
    head = (query.name, digest(query.sparql), key_of(bound))
    tail = (len(lines), int(page.truncated), json.dumps(list(page.variables)))
    # A JSON dump never holds a raw line break (one in a string is written \n).
    return [(*head, start, *tail, b"\n".join(lines[start:start + chunk_rows]))
            for start in range(0, max(1, len(lines)), chunk_rows)]


def budget(build_s: float) -> float:
    """Wall seconds for this stage in a build that took ``build_s`` before it."""
    return max(BUDGET_S, BUDGET_SHARE * build_s)


def compute(source: Path | Store, queries: Iterable[CannedQuery], path: Path,
            budget_s: float = BUDGET_S, stored_rows: int = STORED_ROWS,
            chunk_rows: int = CHUNK_ROWS) -> Stats:
    """Answer the `questions` into the file at ``path``, on ``source``: the built store's
    directory, read by WORKERS processes, or a store in this process holding the same
    quads (`IN_MEMORY_QUADS`), read by WORKERS threads.

    Broad questions first, then the per-value ones, whole queries, the least total time first
    (each query's first values are timed here to know, `least_total_first`), until the
    budget is spent; here when the questions are few (starting workers would cost more
    than they save).
    """
    deadline = time.time() + budget_s
    _open_store(source)
    try:
        return _compute(source, queries, path, deadline, (stored_rows, chunk_rows))
    finally:
        _open_store(None)  # the build's process lets the store go


@contextmanager
def _workers(source: Path | Store) -> Iterator[Pool]:
    """WORKERS threads sharing the store given in memory, or WORKERS processes, each
    opening the built store read-only. Leaving stops them: a process is stopped; a thread
    cannot be, but each stops at the deadline, between questions."""
    if not isinstance(source, Store):
        with get_context("spawn").Pool(WORKERS, _open_store, (str(source),)) as pool:
            yield pool
        return
    pool = ThreadPool(WORKERS)
    try:
        yield pool
    finally:
        pool.close()
        pool.join()


def _compute(source: Path | Store, queries: Iterable[CannedQuery], path: Path,
             deadline: float, sizes: tuple[int, int]) -> Stats:
    broad, per_value = questions(_worker_store, queries)
    stats = Stats()
    database = sqlite3.connect(path)
    database.execute(SCHEMA)

    def keep(found: list[list[tuple]], left: int) -> None:
        for chunks in found:
            database.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chunks)
            stats.by_query[chunks[0][0]] = stats.by_query.get(chunks[0][0], 0) + 1
        stats.stored += len(found)
        stats.skipped += left

    tasks = [(query, [bound]) for query, bound in broad]
    if len(broad) + sum(len(bounds) for _, bounds in per_value) <= FEW_QUESTIONS:
        for query, bounds in tasks + per_value:  # here: starting processes would cost more
            keep(*_answer_all(query, bounds, sizes, deadline))
    else:
        with _workers(source) as pool:
            pending = [pool.apply_async(_answer_all, (*task, sizes, deadline))
                       for task in tasks]
            sampled = []  # each query's first values, timed here while the workers start
            for query, bounds in per_value:
                each = []
                for bound in bounds[:SAMPLED]:
                    began = time.perf_counter()
                    keep(*_answer_all(query, [bound], sizes, deadline))
                    each.append(time.perf_counter() - began)
                sampled.append(Sampled(query, bounds[SAMPLED:], statistics.median(each)))
            asked, left = least_total_first(sampled, (deadline - time.time()) * WORKERS)
            for _, rest in left:
                keep([], len(rest))
            for query, rest in asked:
                chunks = [rest[i:i + CHUNK] for i in range(0, len(rest), CHUNK)]
                tasks += [(query, chunk) for chunk in chunks]
                pending += [pool.apply_async(_answer_all, (query, chunk, sizes, deadline))
                            for chunk in chunks]
            for (_, bounds), result in zip(tasks, pending, strict=True):
                try:
                    keep(*result.get(timeout=max(0.0, deadline - time.time())))
                except TimeoutError:  # past the budget: the pool's exit stops the workers
                    # (a thread ends the question it is on: each checks the deadline)
                    keep([], len(bounds))
    database.commit()
    database.close()
    return stats


@dataclass(frozen=True)
class Sampled:
    """A per-value query once its first values were answered: the bound terms left, and the
    time one value took (the median of those timed)."""

    query: CannedQuery
    rest: list[dict]
    seconds_each: float

    @property
    def total(self) -> float:
        return self.seconds_each * len(self.rest)


Plan = list[tuple[CannedQuery, list[dict]]]


def least_total_first(sampled: Iterable[Sampled], room: float = math.inf) -> tuple[Plan, Plan]:
    """The per-value queries whose values left are asked, in that order, and those left to
    the engine. The least estimated total first (one value's time by the values left), so
    that the budget completes as many whole queries as it can: a query stored for some
    values only still sends every other request to the engine, so a dozen networks at half a
    second each come before 300 schools at 13 ms, though each network costs more. A query
    whose total no longer fits in ``room`` (the workers' seconds left) is not started: its
    few values would cost build time (at 100x, 300 schools at 0.1 s each for a 10 s stage;
    its example was asked with the first values)."""
    asked, left = [], []
    for each in sorted(sampled, key=lambda s: (s.total, s.query.name)):
        fits = each.total <= room
        room -= each.total if fits else 0
        (asked if fits else left).append((each.query, each.rest))
    return asked, left


_worker_store: Store | None = None


def _open_store(source: Path | str | Store | None) -> None:
    """The store the questions are asked of in this process: a built store's directory is
    opened read-only."""
    global _worker_store
    _worker_store = source if source is None or isinstance(source, Store) \
        else Store.read_only(str(source))


def _answer_all(query: CannedQuery, bounds: list[dict], sizes: tuple[int, int],
                deadline: float) -> tuple[list[list[tuple]], int]:
    """The stored rows of each question asked before the deadline, and how many were left
    (in a worker, or here)."""
    found = []
    for bound in bounds:
        if time.time() > deadline:
            break
        try:
            found.append(answer(_worker_store, query, bound, *sizes))
        except QUERY_ERRORS:
            # Not stored, left to the engine: a shortcut never stops a build publishing.
            continue
    return found, len(bounds) - len(found)


class Answers:
    """The answers file of one build, read by any thread of a server (one connection each)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    @classmethod
    def of_build(cls, directory: Path | None) -> Answers | None:
        """The build's answers, None when it has none (a build from before them) or they
        are laid out otherwise than this code reads them (a build from before the chunks:
        its questions run on the engine until the next build)."""
        if directory is None or not (Path(directory) / ANSWERS_FILE).is_file():
            return None
        found = cls(Path(directory) / ANSWERS_FILE)
        columns = [row[1] for row in found._database().execute("PRAGMA table_info(answers)")]
        return found if columns == COLUMNS else None

    def _database(self) -> sqlite3.Connection:
        database = getattr(self._local, "database", None)
        if database is None:  # read-only and immutable: no locks, the file never changes
            database = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
            self._local.database = database
        return database

    def page(self, query: CannedQuery, bound: Mapping, offset: int, size: int) -> Rows | None:
        """The page of ``size`` rows after ``offset`` of the stored answer, as the engine
        would give it (`passerelle.results.rows`), its JSON spliced from the stored rows'
        bytes (`Rows.written`), its terms read only when asked for (`StoredRows`); None
        when the file cannot tell: no such key, or the page reaches past the stored rows of
        an answer that had more. Only the chunks the page spans are read."""
        found = self._database().execute(
            "SELECT rows, more, vars, first_row, body FROM answers WHERE query = ?1 "
            "AND digest = ?2 AND key = ?3 AND first_row BETWEEN (SELECT max(first_row) "
            "FROM answers WHERE query = ?1 AND digest = ?2 AND key = ?3 AND first_row <= ?4) "
            "AND ?5 ORDER BY first_row",
            (query.name, digest(query.sparql), key_of(bound), offset, offset + size - 1)
        ).fetchall()
        if not found:
            return None
        stored, more, names = found[0][:3]
        if more and offset + size > stored:  # rows the file does not hold
            return None
        pieces = []  # the page's lines of each chunk: all of those between its first and last
        for index, (*_, first, body) in enumerate(found):
            if index == 0 and offset > first:
                body, first = body[_line_end(body, offset - first) + 1:], offset
            if index == len(found) - 1:
                body = body[:_line_end(body, offset + size - first)]
            if body:
                pieces.append(body)
        variables = tuple(json.loads(names))
        written = b"".join((_empty(variables)[:-3],
                            b"\n".join(pieces).replace(b"\n", b", "), b"]}}"))
        return Rows(variables, StoredRows(written, max(0, min(size, stored - offset))),
                    bool(more) or offset + size < stored, written=written)


def _line_end(body: bytes, lines: int) -> int:
    """Where the first ``lines`` (one or more) lines of the body end: the index of the line
    break after them, or the body's length when it has no more."""
    end = -1
    for _ in range(lines):
        end = body.find(b"\n", end + 1)
        if end < 0:
            return len(body)
    return end


@lru_cache(maxsize=256)
def _empty(variables: tuple[str, ...]) -> bytes:
    """The JSON `write_results` writes for no rows of these columns (``...[]}}``)."""
    return json.dumps(json_document(list(variables), []), ensure_ascii=False).encode("utf-8")


class StoredRows(Sequence):
    """The rows of a stored page, read from its JSON when first asked for: a JSON response
    written from the stored bytes never needs them as terms."""

    def __init__(self, body: bytes, count: int):
        self.body, self.count = body, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        return self._rows[index]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None

    @cached_property
    def _rows(self) -> tuple[tuple, ...]:
        solutions = parse_query_results(self.body, format=QueryResultsFormat.JSON)
        return rows(solutions, 0, self.count).rows
