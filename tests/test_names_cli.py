"""The command line's edges (issue 16): `serve` says where to look and when the port is
taken; `query --list`, `query NAME --help`, country names, tables with names."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from server_fixtures import free_port, wait_until_up

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
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "serve printed nothing within 20 s"
        first = process.stdout.readline().decode()
        assert first == (f"Passerelle: serving {seed_store_path} at http://127.0.0.1:{port}/ "
                         "(Ctrl-C to stop)\n")
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_url_of_an_address_for_every_interface_is_one_a_browser_opens():
    assert server_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert server_url("::", 8000) == "http://[::1]:8000/"
    assert server_url("192.0.2.7", 80) == "http://192.0.2.7:80/"
