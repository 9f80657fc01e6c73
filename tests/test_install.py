"""A non-editable install (a wheel in a fresh virtual environment) builds and serves.

The wheel must carry the ontology, the canned queries and the seeds: the installed
``passerelle build`` and ``passerelle serve`` run from a folder outside the repository and
must find them inside the package. Slow-ish (a wheel build, a fresh environment, a build and
a server start: about 20 s), and part of ``make test``.

The fresh environment gets its dependencies from the one running the tests (a ``.pth`` file
naming its site-packages, added after the install), so the test needs no package index at
run time beyond the wheel build's own setuptools.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from server_fixtures import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project's wheel installed (not editable)."""
    folder = tmp_path_factory.mktemp("install")
    wheels, venv = folder / "wheels", folder / "venv"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(wheels), str(ROOT)], check=True, timeout=300, cwd=folder,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    (wheel,) = wheels.glob("passerelle-*.whl")
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                   check=True, timeout=300, capture_output=True)
    target = subprocess.run([str(python), "-c", "import sysconfig; "
                             "print(sysconfig.get_paths()['purelib'])"], check=True,
                            capture_output=True, text=True, timeout=60).stdout.strip()
    ours = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(target) / "dependencies-of-the-test-run.pth").write_text("\n".join(ours) + "\n")
    return venv


def _environment() -> dict[str, str]:
    # Nothing of the checkout on the path: the installed package must stand alone.
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "PASSERELLE_"))}


def test_the_installed_package_finds_its_data_inside_itself(installed, tmp_path):
    done = subprocess.run([str(installed / "bin" / "python"), "-c",
                           "import passerelle.paths as p, graph, server\n"
                           "print(p.DATA); print(graph.__file__); print(server.__file__)"],
                          cwd=tmp_path, env=_environment(), capture_output=True, text=True,
                          timeout=60, check=True)
    data, graph_file, server_file = done.stdout.split()
    assert Path(data).name == "_data" and Path(data).is_relative_to(installed)
    assert Path(graph_file).is_relative_to(installed)
    assert Path(server_file).is_relative_to(installed)


def test_the_installed_command_builds_and_serves(installed, tmp_path, seed_build):
    store, log = tmp_path / "store", tmp_path / "serve.log"
    command = str(installed / "bin" / "passerelle")
    built = subprocess.run([command, "build", "--store", str(store)], cwd=tmp_path,
                           env=_environment(), capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    metadata = json.loads((store / "build.json").read_text(encoding="utf-8"))
    assert metadata["triples"] == seed_build.triples  # the same seeds, found in the package
    port = free_port()
    with open(log, "w") as output:
        server = subprocess.Popen([command, "serve", "--store", str(store), "--port",
                                   str(port), "--workers", "1"], cwd=tmp_path,
                                  env=_environment(), stdout=output, stderr=output)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", server, log, limit=60)
        with urllib.request.urlopen(f"{base}/queries/schools.json", timeout=30) as answer:
            served = json.load(answer)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from passerelle.canned import load_queries, run
    from passerelle.store import open_store

    expected = run(open_store(seed_build.store).store, load_queries(ROOT / "queries")["schools"],
                   {})
    assert served["meta"]["rows"] == len(expected.rows)
    assert len(served["results"]["bindings"]) == len(expected.rows)
