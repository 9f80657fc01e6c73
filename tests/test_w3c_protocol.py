"""The W3C SPARQL 1.1 Protocol and Service Description tests, run by the shared runner
(../shared/w3c-sparql11-tests/run_protocol_tests.py, reading the unmodified W3C manifests)
against real servers on loopback ports. Nothing is copied here: without ../shared the tests
skip, saying why.

Counts, from the manifests: protocol/manifest.ttl lists 34 tests, 14 of them updates (the 7
``update_*``, the 6 ``bad_update_*`` and ``bad_multiple_updates``: the runner sends those to
the update endpoint);
service-description/manifest.ttl lists 3. So an admin server passes 34 + 3 = 37, and a
read-only server passes 20 + 3 = 23 and skips the 14 update tests.

The runner has no authentication option, while an anonymous update must get a 401. So the
admin run sends its updates through `bearer_proxy`, which adds the token as any admin
client would; the server itself is unchanged and is checked to refuse the same update sent
without the proxy.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import NamedNode, RdfFormat, Store
from server_fixtures import ADMIN_TOKEN, bearer_proxy, post_update, running_server

W3C = Path(__file__).resolve().parents[2] / "shared" / "w3c-sparql11-tests"
RUNNER = W3C / "run_protocol_tests.py"
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

pytestmark = pytest.mark.skipif(not RUNNER.is_file(),
                                reason=f"W3C protocol tests not found at {W3C}")


def run_suites(query_url: str, *options: str) -> dict[str, str]:
    """Run the protocol and service-description suites; {test label: PASS|FAIL|SKIP}."""
    completed = subprocess.run(
        [sys.executable, str(RUNNER), query_url, "--suite", "protocol",
         "--suite", "service-description", *options],
        capture_output=True, text=True, timeout=300)
    outcomes = {label: outcome for outcome, label
                in re.findall(r"^(PASS|FAIL|SKIP) (\S+)", completed.stdout, re.MULTILINE)}
    failures = [line for line in completed.stdout.splitlines() if line.startswith("FAIL")]
    assert not failures, "\n".join(failures)
    return outcomes


def test_admin_server_passes_every_protocol_and_service_description_test(tmp_path):
    with running_server(tmp_path / "store", tmp_path / "server.log",
                        admin_token=ADMIN_TOKEN) as base:
        assert post_update(base, "CLEAR ALL") == 401
        with bearer_proxy(base, ADMIN_TOKEN) as proxy:
            outcomes = run_suites(base + "/sparql", "--update-endpoint", proxy + "/update")
    assert list(outcomes.values()) == ["PASS"] * 37


def protocol_data_store(directory: Path) -> Path:
    """A store holding the W3C data files in the graphs the manifest names (ut:graphData)."""
    manifest = rdflib.Graph().parse(W3C / "protocol" / "manifest.ttl")
    graphs = {(urllib.parse.urlparse(str(manifest.value(data, UT.graph))).path,
               str(manifest.value(data, rdflib.RDFS.label)))
              for data in manifest.objects(None, UT.graphData)}
    (directory / "oxigraph").mkdir(parents=True)
    store = Store(str(directory / "oxigraph"))
    for path, iri in sorted(graphs):
        store.load(path=path, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(iri))
    store.flush()
    del store  # closed before the server opens it read-only
    return directory


def test_read_only_server_passes_every_query_test(tmp_path):
    store = protocol_data_store(tmp_path / "store")
    with running_server(store, tmp_path / "server.log") as base:
        assert post_update(base, "CLEAR ALL") == 404  # no /update without an admin token
        outcomes = run_suites(base + "/sparql", "--setup", "none")
    skipped = {label for label, outcome in outcomes.items() if outcome == "SKIP"}
    assert len(skipped) == 14
    assert all("update" in label for label in skipped)
    assert list(outcomes.values()).count("PASS") == 23
