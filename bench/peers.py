"""The HTTP side of the benchmark: start each server on loopback, load it with wrk, stop it.

`passerelle serve` runs on granian (server/wsgi.py); the other Python servers (Passerelle
with server/caching.py, the rdflib baseline bench/rdflib_endpoint.py, the trivial route
bench/apps.py) run on granian's command line with the same settings (workers, blocking
threads, access log), so that every Python server stands on the same HTTP stack. The
native peer is ``oxigraph serve-read-only`` on the same store directory. The load generator
is wrk (Debian package), with bench/mix.lua cycling through the same queries for every
server. Everything binds 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from passerelle.builddir import StoreLink
from server.wsgi import ACCESS_LOG_FORMAT, BLOCKING_THREADS, THREADS, default_workers

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 300  # the rdflib baseline parses the whole dump before it answers
WRK_TIMEOUT = "10s"  # a request still unanswered after this counts as a timeout
SPARQL_JSON = "application/sparql-results+json"
@dataclass
class Server:
    """How to start one server, and where it answers."""

    name: str
    command: list[str]
    ready_path: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def granian(name: str, app_factory: str, ready_path: str, env: dict[str, str]) -> Server:
    """A server for a WSGI app factory on granian, with the settings `passerelle serve`
    gives its read-only workers (server/wsgi.py)."""
    port = free_port()
    command = [str(BIN / "granian"), "--interface", "wsgi", "--factory", "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(default_workers()),
               "--blocking-threads", str(BLOCKING_THREADS), "--no-ws", "--access-log",
               "--access-log-fmt", ACCESS_LOG_FORMAT, "--log-level", "warning"]
    return Server(name, [*command, app_factory], ready_path, env, port)


def passerelle(store: Path) -> Server:
    port = free_port()
    command = [str(BIN / "passerelle"), "serve", "--store", str(store), "--port", str(port)]
    # wrk's connections all come from one address but stand for many researchers: the
    # per-client share (server/client_shares.py) is lifted to every query slot, as oxigraph
    # has none.
    every_slot = {"PASSERELLE_QUERIES_PER_CLIENT": str(default_workers() * THREADS)}
    return Server("passerelle serve", command, "/healthz", every_slot, port)


def oxigraph(store: Path) -> Server:
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location",
               str(StoreLink(store).pinned().store_dir), "--bind", f"127.0.0.1:{port}",
               "--union-default-graph"]
    return Server("oxigraph serve-read-only", command, "/query?query=ASK%7B%7D", {}, port)


def start(server: Server) -> float:
    """Start the server in its own process group; seconds until it answered its ready path."""
    env = {**os.environ, "PASSERELLE_ADMIN_TOKEN": "", **server.env}
    began = time.perf_counter()
    server.process = subprocess.Popen(server.command, cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      start_new_session=True)
    while time.perf_counter() - began < READY_TIMEOUT_S:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base + server.ready_path, timeout=5) as answer:
                if answer.status == 200:
                    return time.perf_counter() - began
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    stop(server)
    raise RuntimeError(f"{server.name} did not answer within {READY_TIMEOUT_S} s")


def stop(server: Server) -> None:
    """Stop the server's process group (only what start() started), then reap it."""
    if server.process is None or server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def etags(server: Server, paths: list[str], accept: str) -> list[str]:
    """The ETag each path answers with ("" where none), for revalidating clients."""
    found = []
    for path in paths:
        request = urllib.request.Request(server.base + path, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=600) as answer:
            found.append(answer.headers.get("ETag", ""))
    return found


def wrk(server: Server, paths: list[str], connections: int, seconds: int,
        accept: str = SPARQL_JSON, tags: list[str] | None = None) -> dict:
    """Load the server with wrk for ``seconds`` over ``connections`` connections."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for path, tag in zip(paths, tags or [""] * len(paths), strict=True):
            listing.write(f"{path}\t{tag}\n")
    threads = min(2, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", WRK_TIMEOUT, "-s", str(ROOT / "bench" / "mix.lua"), server.base,
               "--", listing.name, accept]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True,
                              timeout=seconds + 120)
    finally:
        os.unlink(listing.name)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    seconds_run = summary["duration_us"] / 1e6
    ok = summary["requests"] - summary["status_errors"]
    return {"connections": connections, "requests": summary["requests"],
            "ok_per_s": round(ok / seconds_run, 1),
            "p50_ms": round(summary["p50_us"] / 1000, 2),
            "p99_ms": round(summary["p99_us"] / 1000, 2),
            "errors": {k: summary[k] for k in ("connect_errors", "read_errors", "write_errors",
                                                "status_errors", "timeouts") if summary[k]}}
