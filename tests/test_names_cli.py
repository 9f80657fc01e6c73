"""The command line's edges (issue 16): `serve` says where to look and when the port is
taken; `query --list`, `query NAME --help`, country names, tables with names."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from server_fixtures import free_port, stop, wait_until_up

from passerelle.cli import main, server_url

ROOT = Path(__file__).resolve().parent.parent


def test_a_taken_port_is_refused_in_one_line(seed_store_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--store", str(seed_store_path),
                                           "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot listen on 127.0.0.1 port {port}: Address already "
                             f"in use (is another server running there? choose another port: "
                             f"--port {port + 1}, or make run PORT={port + 1})\n")


def test_serve_prints_the_url_to_open(seed_store_path, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    code = "import sys; from passerelle.cli import main; main(sys.argv[1:])"
    log = tmp_path / "server.log"
    with open(log, "wb") as errors:
        process = subprocess.Popen([sys.executable, "-c", code, "serve", "--store",
                                    str(seed_store_path), "--port", str(port), "--workers", "1"],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
                                   start_new_session=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "serve printed nothing within 20 s"
        first = process.stdout.readline().decode()
        assert first == (f"Passerelle: serving {seed_store_path} at http://127.0.0.1:{port}/ "
                         "(Ctrl-C to stop)\n")
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
    finally:
        stop(process)
        process.stdout.close()


def test_the_url_of_an_address_for_every_interface_is_one_a_browser_opens():
    assert server_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert server_url("::", 8000) == "http://[::1]:8000/"
    assert server_url("192.0.2.7", 80) == "http://192.0.2.7:80/"


# --- passerelle query --------------------------------------------------------------------------

def run(args: list[str], columns: int = 100):
    return CliRunner().invoke(main, args, env={"COLUMNS": str(columns)})


def test_query_list_names_every_query_with_its_title_and_parameters():
    from passerelle.canned import load_queries

    result = run(["query", "--list"])
    assert result.exit_code == 0
    catalogue = load_queries(ROOT / "queries")
    for name, query in catalogue.items():
        assert f"{name}  {query.title}\n" in result.output
    assert "partners  Partners of a school\n    parameters: school, country?, agreement_type?, " \
           "network?, status?\n" in result.output


def test_query_help_lists_parameters_types_and_the_values_the_store_holds(seed_store_path):
    result = run(["query", "partners", "--help", "--store", str(seed_store_path)], columns=200)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "partners: Partners of a school"
    assert ("school (school, required): accepts a school: its id (e.g. telecom-paris) or its "
            "full IRI under id/institution/.") in lines
    assert f"    In {seed_store_path}: estp, telecom-paris, unidentified-school-003." in lines
    assert "status (string, optional): accepts one of: active, suspended, in negotiation." \
        in lines
    assert "DE (Germany)" in result.output and "PL (Poland)" in result.output
    assert "  passerelle query partners --param school=telecom-paris" in lines
    # Plain --help still describes the command itself.
    assert run(["query", "--help"]).output.startswith("Usage: main query [OPTIONS] [NAME]")


def test_query_help_without_a_store_says_how_to_list_the_values(tmp_path):
    result = run(["query", "partners", "--help", "--store", str(tmp_path / "none")], 300)
    assert result.exit_code == 0
    assert f"(no store at {tmp_path / 'none'}: build it to list the values it holds)" \
        in result.output


def test_the_table_shows_names_and_fits_the_terminal(seed_store_path):
    result = run(["query", "partner-overlap", "--store", str(seed_store_path)], columns=60)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["school", "otherSchool", "shared", "union", "jaccard"]
    assert max(len(line) for line in lines) <= 60
    assert lines[2].startswith("Télécom Paris ") and lines[2].endswith("21    187   0.1123")
    assert "…" in lines[2] and "https://" not in result.output  # a long name, cut to fit
    wide = run(["query", "partner-overlap", "--store", str(seed_store_path)], columns=200)
    assert "Unidentified school (publisher of document 003)" in wide.output


def test_country_names_in_english_or_french_are_taken_where_codes_are(seed_store_path):
    by_code = run(["query", "partners", "--param", "school=telecom-paris", "--param",
                   "country=DE", "--store", str(seed_store_path)], columns=200)
    assert by_code.exit_code == 0 and "Technical University of Darmstadt" in by_code.output
    for name in ("Germany", "Allemagne", "allemagne"):
        by_name = run(["query", "partners", "--param", "school=telecom-paris", "--param",
                       f"country={name}", "--store", str(seed_store_path)], columns=200)
        assert by_name.output == by_code.output, name
    unknown = run(["query", "partners", "--param", "school=telecom-paris", "--param",
                   "country=Atlantis", "--store", str(seed_store_path)])
    assert unknown.exit_code == 2 and "'Atlantis' is not an ISO 3166-1 alpha-2 code" \
        in unknown.output


def test_a_country_name_binds_the_country_of_the_graph(seed_store_path):
    from pyoxigraph import NamedNode, Store

    from passerelle.canned import ParameterError, load_queries, to_term

    store = Store.read_only(str(seed_store_path / "oxigraph"))
    country = load_queries(ROOT / "queries")["partners"].parameter("country")
    germany = NamedNode("https://w3id.org/passerelle/id/country/de")
    assert to_term(country, "Allemagne", store) == germany
    assert to_term(country, "de", store) == germany
    assert to_term(country, "https://w3id.org/passerelle/id/country/de", store) == germany
    # Iceland is a country, but none of the seeds' partners is there.
    with pytest.raises(ParameterError, match="^parameter 'country': no country 'Islande' in "
                                             "the graph$"):
        to_term(country, "Islande", store)


def test_the_cli_writes_csv_with_names_and_flat_json(seed_store_path):
    import json

    command = ["query", "partners", "--param", "school=estp", "--store", str(seed_store_path)]
    as_csv = run([*command, "--format", "csv"])
    assert as_csv.output.splitlines()[0] == ("partner,partnerLabel,country,countryLabel,"
                                             "countryCode,faculties,types,networks,status")
    records = json.loads(run([*command, "--format", "objects"]).output)
    assert len(records) == 7  # ESTP's seven partners (004 line 17)
    dresden = next(r for r in records if r["partner"].endswith("/tu-dresden"))
    assert (dresden["partnerLabel"], dresden["countryLabel"], dresden["countryCode"]) == \
        ("Technical University of Dresden", "Germany", "DE")
