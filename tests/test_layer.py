"""The neutral layer (passerelle/): what it imports, and the build directory it owns."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from passerelle.builddir import BuildDir, StoreLink, StoreLinkError

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "passerelle"
ENTRY_POINT = "cli.py"  # the command line: it imports the build and the server, lazily
OUTSIDE = {"graph", "server", "flask", "werkzeug", "gunicorn"}


def _imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in LAYER.glob("*.py")
                                          if p.name != ENTRY_POINT))
def test_the_layer_imports_neither_the_build_nor_the_server(module):
    assert _imported_packages(LAYER / module) & OUTSIDE == set()


def test_the_import_check_sees_a_lazy_import_inside_a_function():
    # cli.py imports graph and server inside its commands: the walk must find them.
    assert {"graph", "server"} <= _imported_packages(LAYER / ENTRY_POINT)


def test_passerelle_query_runs_without_loading_flask(seed_store_path):
    script = ("import sys\n"
              "from passerelle.cli import main\n"
              "try:\n"
              "    main(['query', 'schools', '--format', 'json', '--store', sys.argv[1]])\n"
              "except SystemExit as exit:\n"
              "    assert exit.code in (0, None), exit.code\n"
              "print('flask' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script, str(seed_store_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(done.stdout)
    assert answer["meta"]["query"] == "schools" and answer["meta"]["truncated"] is False
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_a_pinned_build_stays_on_its_build_when_a_new_one_is_published(tmp_path):
    link = StoreLink(tmp_path / "store")
    first = link.new_build()
    link.publish(first)
    pinned = link.pinned()
    second = link.new_build()
    link.publish(second)
    assert pinned == first and link.pinned() == second
    assert link.target() == f"store.builds/{second.id}"


def test_publishing_keeps_the_previous_build_and_prunes_older_ones(tmp_path):
    link = StoreLink(tmp_path / "store")
    builds = []
    for _ in range(4):
        builds.append(link.new_build())
        link.publish(builds[-1])
    kept = sorted(p.name for p in link.builds_dir.iterdir() if p.is_dir())
    assert kept == [builds[2].id, builds[3].id]


def test_a_plain_directory_is_not_replaced_by_a_build(tmp_path):
    (tmp_path / "store").mkdir()
    with pytest.raises(StoreLinkError, match="is not a Passerelle store link"):
        StoreLink(tmp_path / "store").new_build()


def test_require_names_the_missing_store(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no store at .*store \(expected .*oxigraph\)"):
        StoreLink(tmp_path / "store").require()


def test_build_metadata_is_build_json_or_nothing(tmp_path):
    build = BuildDir(tmp_path)
    assert build.metadata == {}
    fresh = BuildDir(tmp_path)
    fresh.write_metadata({"build_id": "x", "triples": 3})
    assert BuildDir(tmp_path).metadata == {"build_id": "x", "triples": 3}
    assert (tmp_path / "build.json").is_file()


def test_the_build_history_is_read_from_the_metadata_latest_last(tmp_path):
    from passerelle.store import OpenStore

    entries = [{"build_id": str(n)} for n in range(5)]
    opened = OpenStore(tmp_path, store=None, writable=False, build={"history": entries})
    assert opened.history() == entries
    assert opened.history(2) == [{"build_id": "3"}, {"build_id": "4"}]
    assert OpenStore(tmp_path, store=None, writable=False).history(2) == []  # none kept


def test_the_build_runs_without_the_oracles():
    # owlrl and pyshacl are test dependencies (tests/oracles/): the build must not load them.
    script = ("import sys\n"
              "from passerelle.cli import main\n"
              "try:\n"
              "    main(['validate'])\n"
              "except SystemExit as exit:\n"
              "    assert exit.code in (0, None), exit.code\n"
              "print(sorted({'owlrl', 'pyshacl'} & set(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def _tiny_build(link: StoreLink, label: str) -> BuildDir:
    from pyoxigraph import Literal, NamedNode, Quad

    build = link.new_build()
    store = build.open(writable=True)
    store.add(Quad(NamedNode("urn:x"), NamedNode("urn:label"), Literal(label),
                   NamedNode("urn:graph")))
    store.flush()
    del store  # closed, so that the server opens it read-only
    return build


def test_a_request_keeps_the_build_it_started_with(tmp_path):
    from server import create_app
    from server.store import current_store

    link = StoreLink(tmp_path / "store")
    first = _tiny_build(link, "first")
    link.publish(first)
    app = create_app({"STORE": link.path, "ADMIN_TOKEN": None, "QUERY_PROCESSES": 1})
    with app.test_request_context("/"):
        assert current_store().directory == first.path
        second = _tiny_build(link, "second")
        link.publish(second)
        assert current_store().directory == first.path  # published meanwhile: not seen
    with app.test_request_context("/"):
        assert current_store().directory == second.path  # the next request sees it


PASSERELLE_IRI = "w3id.org/passerelle/"
VOCABULARY = LAYER / "vocabulary.py"


def _iris_spelled(path: Path) -> list[int]:
    """Lines where a string (not a docstring) spells one of Passerelle's own IRIs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and PASSERELLE_IRI in node.value and id(node) not in docstrings]


CODE = sorted(path for folder in ("graph", "server", "passerelle", "bench")
              for path in (ROOT / folder).rglob("*.py") if path != VOCABULARY)


@pytest.mark.parametrize("path", CODE, ids=lambda path: str(path.relative_to(ROOT)))
def test_our_iris_are_spelled_only_in_the_vocabulary(path):
    assert _iris_spelled(path) == []


def test_the_iri_check_sees_a_spelled_iri_but_not_a_docstring(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""About https://w3id.org/passerelle/id/x."""\n'
                      'X = "https://w3id.org/passerelle/id/"\n', encoding="utf-8")
    assert _iris_spelled(module) == [2]
    assert _iris_spelled(VOCABULARY)  # where they are spelled, it finds them
