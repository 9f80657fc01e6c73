"""The online linker against a real SPARQL endpoint on loopback.

`oxigraph serve-read-only` (the `oxigraph` wheel of the test extras) serves
tests/fixtures/wikidata-sample.ttl, a few Wikidata-shaped entities; the linker reaches it
through its one network client (SPARQLWrapper). Expected rows were worked out by hand from
that file and tests/fixtures/link-registry.toml: a label or alias match scores 1.0, a ROR ID
match 2.0, plus 0.3 for the country and 0.5 for a website on the entry's domain.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.link import accept, propose_online
from graph.link.review import read_review, write_review
from passerelle.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRY = FIXTURES / "link-registry.toml"


def oxigraph_command() -> str:
    beside_python = Path(sys.executable).with_name("oxigraph")
    found = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if found is None:
        pytest.skip("the `oxigraph` server (pip install oxigraph) is not installed")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not 200 for a bare GET
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph did not answer at {url}")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    command = oxigraph_command()
    location = tmp_path_factory.mktemp("wikidata-store")
    subprocess.run([command, "load", "--location", str(location),
                    "--file", str(FIXTURES / "wikidata-sample.ttl")],
                   check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([command, "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def online(endpoint, tmp_path_factory):
    review = tmp_path_factory.mktemp("online") / "review.tsv"
    summary = propose_online(REGISTRY, endpoint, review)
    return summary, review, {row.entry_id: row for row in read_review(review) if row.rank == 1}


def test_summary(online):
    summary, review, _ = online
    # Seven entries have an entity in the sample; four (the fictional institute, Potsdam and
    # the two faculties) have none and get a "no candidate" row each.
    assert (summary.entries, summary.entries_with_candidates, summary.rows) == (11, 7, 11)
    assert summary.without_candidates == ("institut-imaginaire",
                                          "universitat-potsdam", "hasso-plattner-institute",
                                          "tu-darmstadt-informatik")


def test_found_by_label_with_country_and_website(online):
    _, _, first = online
    row = first["tu-darmstadt"]
    assert (row.wikidata, row.ror, row.match, row.score) == (
        "Q310695", "https://ror.org/05n911h24", "label", 1.8)
    assert row.identifiers_from == ("Wikidata entity Q310695 (Technical University of "
                                    "Darmstadt, DE, tu-darmstadt.de); ROR ID from its P6782")


def test_found_by_ror_id(online):
    _, _, first = online
    row = first["tomsk-polytechnic-university"]
    assert (row.wikidata, row.match, row.score) == ("Q1466666", "ror-id", 2.3)


def test_online_finds_what_the_extract_lacks(online):
    _, _, first = online
    # Tomsk State University's ROR record is not in the reference extract; Wikidata has it.
    row = first["tomsk-state-university"]
    assert (row.wikidata, row.ror, row.score) == ("Q742494", "https://ror.org/02he2nc27", 1.3)


def test_country_keeps_homonyms_and_look_alikes_out(online):
    _, review, first = online
    rows = read_review(review)
    # One Concordia per country; Middle East University is in Jordan; the system's entity is
    # not UC Berkeley's.
    assert [r.wikidata for r in rows if r.entry_id == "concordia"] == ["Q326342"]
    assert [r.wikidata for r in rows if r.entry_id == "metu"] == ["Q756126"]
    assert [r.wikidata for r in rows if r.entry_id == "university-of-california"] == ["Q184478"]
    assert first["uc-berkeley"].wikidata == "Q168756"


def test_accepting_online_rows(online, tmp_path):
    _, review, _ = online
    rows = [row for row in read_review(review) if row.rank == 1]
    for row in rows:
        row.decision = "accept"
    reviewed = tmp_path / "reviewed.tsv"
    write_review(rows, reviewed)
    registry = tmp_path / "registry.toml"
    shutil.copyfile(REGISTRY, registry)
    assert accept(reviewed, registry) == 7
    tables = {t["id"]: t for t in tomllib.loads(registry.read_text())["institution"]}
    tomsk = tables["tomsk-polytechnic-university"]
    assert (tomsk["ror"], tomsk["wikidata"]) == ("https://ror.org/00a45v709", "Q1466666")
    assert tables["tomsk-state-university"]["identifiers_from"] == (
        "Wikidata entity Q742494 (Tomsk State University, RU, no website); "
        "ROR ID from its P6782")


def test_cli_online(endpoint, tmp_path):
    registry = tmp_path / "registry.toml"
    shutil.copyfile(REGISTRY, registry)
    review = tmp_path / "review.tsv"
    result = CliRunner().invoke(main, ["link", "--endpoint", endpoint, "--registry",
                                       str(registry), "--review", str(review)])
    assert result.exit_code == 0, result.output
    assert "11 entries lack identifiers, 7 have candidates; 11 rows" in result.output
    assert len(read_review(review)) == 11
