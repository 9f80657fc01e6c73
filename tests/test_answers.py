"""The build's canned answers (passerelle/answers.py): what is stored, that it is what the
engine answers, and when a request is answered from the file.

The oracle: on the seed build and on a build of the 10x synthetic seeds (bench/generate.py:
30 schools), every stored answer equals, term for term, the rows the engine gives for the
same query and bound terms (and whether more follow). The seeds hold three schools
(telecom-paris, estp, unidentified-school-003) and eleven networks (seeds/networks.toml):
read by hand in seeds/sources.toml and seeds/networks.toml.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from bench_modules import load_generator
from pyoxigraph import NamedNode, QueryResultsFormat, Store

from graph.build import build
from graph.gate import Allow
from graph.pins import ALL
from passerelle import answers, canned
from passerelle.builddir import BuildDir, StoreLink
from passerelle.results import rows
from passerelle.store import open_store
from server import create_app

ROOT = Path(__file__).resolve().parent.parent
QUERIES = canned.load_queries(ROOT / "queries")
SCHOOL = "https://w3id.org/passerelle/id/institution/"
SCHOOLS = ("estp", "telecom-paris", "unidentified-school-003")  # in IRI order
NETWORKS = 11
READ_ONLY = {"ADMIN_TOKEN": None, "SERVICE_ALLOWLIST": frozenset(), "TESTING": True,
             "BASE_URL": "http://localhost"}


def engine(store, query: canned.CannedQuery, bound: dict, offset: int, size: int
           ) -> canned.CannedResult:
    """The result the engine gives, as the query process would."""
    work = canned.job(query, bound, size, offset)
    return canned.result_of(query, bound, rows(store.query(work.query, **work.options()),
                                               offset, size), size)


def from_file(stored: answers.Answers, query: canned.CannedQuery, bound: dict, offset: int,
              size: int) -> canned.CannedResult | None:
    page = stored.page(query, bound, offset, size)
    return None if page is None else canned.result_of(query, bound, page, size)


def stored_keys(directory: Path, name: str) -> list[str]:
    with sqlite3.connect(directory / answers.ANSWERS_FILE) as database:
        return [key for (key,) in database.execute(
            "SELECT key FROM answers WHERE query = ? AND first_row = 0 ORDER BY key", (name,))]


def every_question(store) -> list[tuple[canned.CannedQuery, dict]]:
    broad, per_value = answers.questions(store, QUERIES.values())
    return broad + [(query, bound) for query, bounds in per_value for bound in bounds]


def assert_every_answer_is_the_engines(directory: Path) -> int:
    """Each question's stored page equals the engine's, term for term and in the bytes of
    its JSON; returns how many were compared."""
    store = Store.read_only(str(directory / "oxigraph"))
    stored = answers.Answers.of_build(directory)
    compared = 0
    for query, bound in every_question(store):
        result = from_file(stored, query, bound, 0, answers.STORED_ROWS - 1)
        if result is None:  # a question the budget left out, or an answer past the stored rows
            continue
        expected = engine(store, query, bound, 0, answers.STORED_ROWS - 1)
        assert result == expected, (query.name, answers.key_of(bound))
        assert canned.serialize(result, QueryResultsFormat.JSON) \
            == canned.serialize(expected, QueryResultsFormat.JSON)
        compared += 1
    return compared


@pytest.fixture(scope="module")
def seed_dir(seed_build) -> Path:
    return Path(seed_build.build_dir)


@pytest.fixture(scope="module")
def x10_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("answers-x10")
    load_generator().generate(ROOT / "seeds", folder / "seeds", 10)
    built = build(folder / "seeds", folder / "store", Allow(accept=frozenset({ALL})))
    return Path(built.build_dir)


def test_every_stored_answer_is_the_engines_on_the_seeds(seed_dir):
    # 14 broad questions (no required parameter, no SERVICE) + 12 queries' schools (3 each)
    # + network-members' 11 networks: every one is stored at this size.
    store = Store.read_only(str(seed_dir / "oxigraph"))
    assert len(every_question(store)) == 14 + 12 * 3 + NETWORKS
    assert assert_every_answer_is_the_engines(seed_dir) == 14 + 12 * 3 + NETWORKS


def test_every_stored_answer_is_the_engines_at_10x(x10_dir):
    # 30 schools: the questions are many enough to be answered in worker processes. On a
    # busy machine the budget may leave some to the engine: every one stored is compared.
    store = Store.read_only(str(x10_dir / "oxigraph"))
    assert len(every_question(store)) == 14 + 12 * 30 + NETWORKS
    stored = json.loads((x10_dir / "build.json").read_text())["answers"]["stored"]
    assert assert_every_answer_is_the_engines(x10_dir) == stored > 0


def all_chunks(path: Path) -> dict[tuple, tuple]:
    with sqlite3.connect(path) as database:
        return {tuple(row[:4]): tuple(row[4:]) for row in database.execute(
            "SELECT * FROM answers")}


def test_the_built_store_read_by_processes_gives_the_working_stores_answers(x10_dir, tmp_path):
    # The 10x build (110,000 quads) answered from its working store in memory, by threads;
    # the same questions asked of the store it wrote, by worker processes, give the same
    # chunks, byte for byte.
    assert "answers" in json.loads((x10_dir / "build.json").read_text())["timings"]
    path = tmp_path / answers.ANSWERS_FILE
    stats = answers.compute(x10_dir / "oxigraph", QUERIES.values(), path, budget_s=300)
    assert (stats.stored, stats.skipped) == (14 + 12 * 30 + NETWORKS, 0)
    from_disk, in_memory = all_chunks(path), all_chunks(x10_dir / answers.ANSWERS_FILE)
    assert in_memory and set(in_memory) <= set(from_disk)  # a busy machine may store fewer
    assert {key: from_disk[key] for key in in_memory} == in_memory


def test_a_build_past_the_memory_bound_answers_after_the_load(seed_build, tmp_path,
                                                               monkeypatch):
    monkeypatch.setattr(answers, "IN_MEMORY_QUADS", 12926)  # the seeds: 12,927 quads
    built = build(ROOT / "seeds", tmp_path / "store", Allow(accept=frozenset({ALL})))
    stages = list(built.dataset.timings)
    assert stages.index("load") < stages.index("answers")
    assert all_chunks(Path(built.build_dir) / answers.ANSWERS_FILE) \
        == all_chunks(Path(seed_build.build_dir) / answers.ANSWERS_FILE)
    monkeypatch.setattr(answers, "IN_MEMORY_QUADS", 12927)
    built = build(ROOT / "seeds", tmp_path / "store", Allow(accept=frozenset({ALL})))
    stages = list(built.dataset.timings)
    assert stages.index("answers") < stages.index("load")


def test_each_query_is_asked_for_its_header_example_first(seed_dir):
    store = Store.read_only(str(seed_dir / "oxigraph"))
    _, per_value = answers.questions(store, [QUERIES["schools-sharing-partners"],
                                             QUERIES["network-members"]])
    schools, networks = ([answers.key_of(bound) for bound in bounds] for _, bounds in per_value)
    # telecom-paris, the example, before estp, which comes first by IRI.
    assert schools == [f"school=<{SCHOOL}{s}>" for s in
                       ("telecom-paris", "estp", "unidentified-school-003")]
    assert networks[0] == "network=<https://w3id.org/passerelle/id/network/erasmus-plus>"
    assert len(networks) == len(set(networks)) == NETWORKS


def test_an_example_the_graph_lacks_leaves_the_order_as_it_is():
    first, second = {"school": NamedNode(SCHOOL + "a")}, {"school": NamedNode(SCHOOL + "b")}
    assert answers.example_first([first, second], {"school": NamedNode(SCHOOL + "z")}) \
        == [first, second]
    assert answers.example_first([first, second], None) == [first, second]
    assert answers.example_first([first, second], second) == [second, first]


def test_a_required_school_parameter_stores_one_answer_per_school(seed_dir):
    assert stored_keys(seed_dir, "partners") == [f"school=<{SCHOOL}{s}>" for s in SCHOOLS]


def test_an_optional_school_parameter_stores_the_broad_question_and_each_school(seed_dir):
    assert stored_keys(seed_dir, "countries") == ["", *(f"school=<{SCHOOL}{s}>"
                                                      for s in SCHOOLS)]


def test_two_required_parameters_and_a_remote_call_store_nothing(seed_dir):
    assert stored_keys(seed_dir, "shared-partners") == []  # school and other, both required
    assert stored_keys(seed_dir, "wikidata-enrichment") == []  # SERVICE


def test_the_build_says_what_it_stored(seed_build):
    metadata = json.loads((Path(seed_build.build_dir) / "build.json").read_text())
    assert metadata["answers"]["stored"] == 14 + 12 * 3 + NETWORKS
    assert metadata["answers"]["skipped"] == 0
    assert metadata["answers"]["by_query"]["partners"] == 3
    assert "answers" in metadata["timings"]


def test_the_budget_is_a_quarter_of_the_build_before_it_and_never_less_than_the_floor():
    assert answers.budget(0.7) == answers.BUDGET_S == 10.0  # the seeds
    assert answers.budget(36.0) == 10.0  # 100x: within its 60 s
    assert answers.budget(480.0) == 120.0  # 1000x: the broad questions need minutes


def test_per_value_queries_are_asked_whole_the_least_total_time_first():
    schools = [{"school": NamedNode(SCHOOL + str(i))} for i in range(297)]
    networks = [{"network": NamedNode(SCHOOL + str(i))} for i in range(8)]
    sampled = [answers.Sampled(QUERIES["partner-overlap"], schools, 0.013),  # 3.9 s
               answers.Sampled(QUERIES["network-members"], networks, 0.4),  # 3.2 s
               answers.Sampled(QUERIES["countries"], schools, 0.005),  # 1.5 s
               answers.Sampled(QUERIES["partners"], schools, 0.005),  # 1.5 s: by name
               answers.Sampled(QUERIES["documents"], [], 2.0)]  # every value sampled
    asked, left = answers.least_total_first(sampled)
    assert [query.name for query, _ in asked] == [
        "documents", "countries", "partners", "network-members", "partner-overlap"]
    assert [len(rest) for _, rest in asked] == [0, 297, 297, 8, 297]
    assert left == []


def test_a_query_whose_total_no_longer_fits_the_time_left_is_not_started():
    schools = [{"school": NamedNode(SCHOOL + str(i))} for i in range(300)]
    sampled = [answers.Sampled(QUERIES["schools-sharing-partners"], schools, 0.1),  # 30 s
               answers.Sampled(QUERIES["countries"], schools, 0.005),  # 1.5 s
               answers.Sampled(QUERIES["partner-overlap"], schools, 0.013)]  # 3.9 s
    asked, left = answers.least_total_first(sampled, room=5.5)
    assert [query.name for query, _ in asked] == ["countries", "partner-overlap"]
    assert [query.name for query, _ in left] == ["schools-sharing-partners"]
    # What the first ones take is no longer there for the next.
    asked, left = answers.least_total_first(sampled, room=5.3)
    assert [query.name for query, _ in asked] == ["countries"]
    assert [query.name for query, _ in left] == ["partner-overlap", "schools-sharing-partners"]


@pytest.fixture(scope="module")
def five_rows(seed_dir, tmp_path_factory) -> answers.Answers:
    """The seed build's answers with only five rows kept of each."""
    path = tmp_path_factory.mktemp("five") / answers.ANSWERS_FILE
    answers.compute(seed_dir / "oxigraph", [QUERIES["partners"]], path, stored_rows=5)
    return answers.Answers(path)


def test_a_page_within_the_stored_rows_is_read_from_the_file(seed_dir, five_rows):
    store = Store.read_only(str(seed_dir / "oxigraph"))
    bound = {"school": NamedNode(SCHOOL + "telecom-paris")}
    result = from_file(five_rows, QUERIES["partners"], bound, 1, 3)  # rows 2-4; 5 says more
    expected = engine(store, QUERIES["partners"], bound, 1, 3)
    assert result == expected
    assert len(result.rows) == 3 and result.truncated
    assert canned.serialize(result, QueryResultsFormat.JSON) \
        == canned.serialize(expected, QueryResultsFormat.JSON)  # spliced from stored rows


@pytest.fixture(scope="module")
def chunks_of_seven(seed_dir, tmp_path_factory) -> Path:
    """The seed build's partners, 50 rows kept of each answer, in chunks of 7 rows."""
    path = tmp_path_factory.mktemp("seven") / answers.ANSWERS_FILE
    answers.compute(seed_dir / "oxigraph", [QUERIES["partners"]], path, stored_rows=50,
                    chunk_rows=7)
    return path


def test_an_answer_is_stored_in_chunks_of_rows(chunks_of_seven):
    with sqlite3.connect(chunks_of_seven) as database:
        chunks = {key.removeprefix(f"school=<{SCHOOL}").removesuffix(">"):
                  [(first, stored, more, len(body.split(b"\n")))
                   for first, stored, more, body in database.execute(
                       "SELECT first_row, rows, more, body FROM answers WHERE key = ? "
                       "ORDER BY first_row", (key,))]
                  for (key,) in database.execute("SELECT DISTINCT key FROM answers")}
    # telecom-paris: 100 partners, 50 kept (more follow): chunks of 7 from rows 0 to 49, the
    # last holding row 49 alone. estp: its 7 partners, one full chunk.
    assert chunks["telecom-paris"] == [(start, 50, 1, 7) for start in range(0, 49, 7)] \
        + [(49, 50, 1, 1)]
    assert chunks["estp"] == [(0, 7, 0, 7)]


@pytest.mark.parametrize("school", ["telecom-paris", "estp"])
def test_every_page_across_chunks_is_the_engines_or_left_to_it(seed_dir, chunks_of_seven,
                                                                school):
    # Every page of sizes around a chunk's 7 rows, from every offset up to past the 50 stored
    # rows: read from the file whenever the stored rows hold it (and the row after it, or
    # the answer's end), and then equal to the engine's page, term for term and in its JSON
    # bytes; left to the engine (None) exactly when it reaches past the stored rows of an
    # answer that had more (telecom-paris' 100 partners), never for estp's 7 (all stored).
    store = Store.read_only(str(seed_dir / "oxigraph"))
    stored = answers.Answers(chunks_of_seven)
    query, bound = QUERIES["partners"], {"school": NamedNode(SCHOOL + school)}
    answered = 0
    for offset in range(0, 53):
        for size in (1, 6, 7, 8, 14, 15, 50):
            result = from_file(stored, query, bound, offset, size)
            if school == "telecom-paris" and offset + size > 50:
                assert result is None, (offset, size)
                continue
            expected = engine(store, query, bound, offset, size)
            assert result == expected, (offset, size)
            assert canned.serialize(result, QueryResultsFormat.JSON) \
                == canned.serialize(expected, QueryResultsFormat.JSON), (offset, size)
            answered += 1
    # telecom-paris: for each size s, offsets 0..50-s; estp: all 53 x 7.
    assert answered == (sum(51 - size for size in (1, 6, 7, 8, 14, 15, 50))
                        if school == "telecom-paris" else 53 * 7)


def test_a_whole_stored_answer_is_served_as_it_was_stored(seed_dir):
    stored = answers.Answers.of_build(seed_dir)
    store = Store.read_only(str(seed_dir / "oxigraph"))
    query, bound = QUERIES["partners"], {"school": NamedNode(SCHOOL + "estp")}
    result = from_file(stored, query, bound, 0, 200)  # estp's 7 partners: the whole answer
    assert result.written is not None and len(result.rows) == 7 and not result.truncated
    assert canned.serialize(result, QueryResultsFormat.JSON) \
        == canned.serialize(engine(store, query, bound, 0, 200), QueryResultsFormat.JSON)


def test_a_page_past_the_stored_rows_falls_back_to_the_engine(seed_dir, five_rows):
    store = Store.read_only(str(seed_dir / "oxigraph"))
    query = QUERIES["partners"]
    bound = {"school": NamedNode(SCHOOL + "telecom-paris")}
    # Five rows stored, and more follow: the first five are a page that says more follow.
    assert from_file(five_rows, query, bound, 0, 5) == engine(store, query, bound, 0, 5)
    assert five_rows.page(query, bound, 0, 6) is None  # the sixth row is not stored
    assert five_rows.page(query, bound, 5, 1) is None
    assert five_rows.page(query, bound, 10, 20) is None
    result = canned.run(store, query, {"school": "telecom-paris"}, 20, 10, answers=five_rows)
    assert result.rows == canned.run(store, query, {"school": "telecom-paris"}, 20, 10).rows
    assert len(result.rows) == 20 and result.truncated  # telecom-paris has 100 partners


def test_answers_laid_out_as_before_the_chunks_are_left_to_the_engine(seed_dir, tmp_path):
    # A build made before the chunks (one row per answer, its whole JSON in `body`), served
    # by this code: its questions run on the engine, none fails on the file.
    copy = tmp_path / "build"
    shutil.copytree(seed_dir, copy)
    (copy / answers.ANSWERS_FILE).unlink()
    with sqlite3.connect(copy / answers.ANSWERS_FILE) as database:
        database.execute("CREATE TABLE answers (query TEXT NOT NULL, digest TEXT NOT NULL, "
                         "key TEXT NOT NULL, rows INTEGER NOT NULL, more INTEGER NOT NULL, "
                         "body BLOB NOT NULL, PRIMARY KEY (query, key)) WITHOUT ROWID")
    assert answers.Answers.of_build(copy) is None
    assert answers.Answers.of_build(seed_dir) is not None
    opened = open_store(copy)
    assert opened.answers is None
    result = canned.run(opened.store, QUERIES["partners"], {"school": "estp"},
                        answers=opened.answers)
    assert len(result.rows) == 7  # estp's 7 partners, from the engine


def test_an_edited_query_is_not_answered_from_an_older_texts_rows(seed_dir):
    stored = answers.Answers.of_build(seed_dir)
    query = QUERIES["partners"]
    edited = canned.CannedQuery(query.name, query.title, query.sparql + "\n# edited\n",
                                params=query.params)
    bound = {"school": NamedNode(SCHOOL + "estp")}
    assert stored.page(query, bound, 0, 10) is not None
    assert stored.page(edited, bound, 0, 10) is None


def marked(directory: Path, name: str, key: str, text: str) -> None:
    """Replace one stored answer by one row whose first column is ``text``: a request that
    shows it was answered from this file."""
    with sqlite3.connect(directory / answers.ANSWERS_FILE) as database:
        variables = json.loads(database.execute(
            "SELECT vars FROM answers WHERE query = ? AND key = ?", (name, key)
        ).fetchone()[0])
        row = {variables[0]: {"type": "literal", "value": text}}
        database.execute("DELETE FROM answers WHERE query = ? AND key = ? AND first_row > 0",
                         (name, key))
        database.execute("UPDATE answers SET body = ?, rows = 1, more = 0 WHERE query = ? "
                         "AND key = ?", (json.dumps(row).encode(), name, key))


@pytest.fixture
def marked_copy(seed_dir, tmp_path) -> Path:
    """A copy of the seed build whose stored answer for estp's partners is a marker row."""
    copy = tmp_path / "build"
    shutil.copytree(seed_dir, copy)
    marked(copy, "partners", f"school=<{SCHOOL}estp>", "from the file")
    return copy


def test_a_read_only_store_answers_from_the_file(marked_copy):
    opened = open_store(marked_copy)
    result = canned.run(opened.store, QUERIES["partners"], {"school": "estp"},
                        answers=opened.answers)
    assert [row[0].value for row in result.rows] == ["from the file"]


def test_a_writable_store_never_reads_the_file(marked_copy):
    app = create_app({**READ_ONLY, "STORE": marked_copy, "ADMIN_TOKEN": "t" * 32})
    try:
        assert app.extensions["passerelle"].writable
        assert app.extensions["passerelle"].answers is None
        answer = app.test_client().get("/queries/partners.json?school=estp").get_json()
    finally:
        app.extensions["passerelle-executor"].close()
    partners = [row["partner"]["value"] for row in answer["results"]["bindings"]]
    assert len(partners) == 7 and "from the file" not in partners  # estp's 7 partners


def test_a_build_swap_serves_the_new_builds_answers(seed_dir, tmp_path):
    link = tmp_path / "store"
    builds = StoreLink(link).builds_dir
    first, second = builds / "1", builds / "2"
    for build_dir, text in ((first, "first build"), (second, "second build")):
        shutil.copytree(seed_dir, build_dir)
        marked(build_dir, "partners", f"school=<{SCHOOL}estp>", text)
        metadata = json.loads((build_dir / "build.json").read_text())
        BuildDir(build_dir).write_metadata({**metadata, "build_id": build_dir.name})
    link.symlink_to(first)
    app = create_app({**READ_ONLY, "STORE": link})
    client = app.test_client()
    try:
        def served() -> str:
            answer = client.get("/queries/partners.json?school=estp").get_json()
            return answer["results"]["bindings"][0]["partner"]["value"]

        assert served() == "first build"
        StoreLink(link).publish(BuildDir(second))
        assert served() == "second build"
    finally:
        app.extensions["passerelle-executor"].close()
