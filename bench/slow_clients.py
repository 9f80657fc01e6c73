"""Slow clients against the real app, on two serving stacks: who still gets answered?

    python -m bench.slow_clients --store var/store [--stack granian|gunicorn] [--slow 200]

Starts the app on a free loopback port: ``granian`` is `passerelle serve` as it is
(server.wsgi.serve, its default workers and threads); ``gunicorn`` is what `passerelle serve`
ran before (gthread, 2 workers per core + 1, 8 threads each, no keep-alive; needs the
``bench`` extra: ``pip install -e '.[bench]'``). Opens ``--slow`` connections that send one
byte of a request line and then nothing, then ``--stalled`` GET /dump.nq that never read,
then ``--bodies`` POSTs whose body never comes, and sends ``--probes`` requests for
``--path`` one after another, each allowed 1 s; with ``--wrk S``, then 8 wrk clients on
``--path`` for S seconds. Prints
how many were answered within 1 s and their p50/p99, as one JSON line. Nothing here runs
in `make test`; it is the measurement behind the choice of serving stack (README,
"Security and limits").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(stack: str, store: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PASSERELLE_STORE": str(store)}
    env.pop("PASSERELLE_ADMIN_TOKEN", None)
    if stack == "gunicorn":
        from bench.peers import GUNICORN_TIMEOUT, GUNICORN_WORKERS
        from server.wsgi import THREADS

        command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                   "--workers", str(GUNICORN_WORKERS), "--worker-class", "gthread",
                   "--threads", str(THREADS), "--worker-connections", str(THREADS),
                   "--keep-alive", "0", "--timeout", str(GUNICORN_TIMEOUT),
                   f"server:create_app({{'QUERY_PROCESSES': {THREADS}, "
                   f"'SERVER_WORKERS': {GUNICORN_WORKERS}}})"]
    else:
        command = [sys.executable, "-c", "import sys; from pathlib import Path; "
                   "from server.wsgi import serve; serve(Path(sys.argv[1]), port=int(sys.argv[2]))",
                   str(store), str(port)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_up(port: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no server on port {port} after {limit} s")


def probe(port: int, path: str) -> float | None:
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        connection.close()
    except OSError:
        return None
    took = time.monotonic() - started
    return took if answer.status == 200 and took <= 1 else None


def measure(stack: str, store: Path, slow: int, stalled: int, probes: int,
            path: str, bodies: int = 0, wrk_seconds: int = 0) -> dict:
    port = free_port()
    server = start(stack, store, port)
    held = []
    try:
        wait_up(port)
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"G")
            held.append(sock)
        for _ in range(stalled):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /dump.nq HTTP/1.1\r\nHost: x\r\n\r\n")
            held.append(sock)
        for _ in range(bodies):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
            held.append(sock)
        time.sleep(1)
        times = [probe(port, path) for _ in range(probes)]
        answered = sorted(t for t in times if t is not None)
        load = others_under_attack(port, path, wrk_seconds) if wrk_seconds else {}
        return load | {"stack": stack, "slow_header_connections": slow, "stalled_dumps": stalled,
                "stalled_bodies": bodies, "probes": probes, "path": path,
                "answered_within_1s": len(answered),
                "p50_ms": round(1000 * answered[len(answered) // 2], 1) if answered else None,
                "p99_ms": round(1000 * answered[min(len(answered) - 1,
                                                    int(0.99 * len(answered)))], 1)
                if answered else None}
    finally:
        for sock in held:
            sock.close()
        server.terminate()
        server.wait(30)  # granian gives its workers 10 s (server.wsgi.WORKER_KILL_TIMEOUT)


def others_under_attack(port: int, path: str, seconds: int) -> dict:
    """wrk's figures for 8 other clients asking for path while the attack's sockets are held
    (keep ``seconds`` under granian's 5 s header timeout, which closes the slow ones)."""
    output = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "5s",
                             "--latency", f"http://127.0.0.1:{port}{path}"],
                            capture_output=True, text=True, timeout=seconds + 30).stdout
    figures = {"wrk_requests_per_s": None, "wrk_p99": None, "wrk_errors": None}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["wrk_requests_per_s"] = float(words[1])
        elif words[:1] == ["99%"]:
            figures["wrk_p99"] = words[1]
        elif "Socket errors" in line or "Non-2xx" in line:
            figures["wrk_errors"] = (figures["wrk_errors"] or "") + line.strip() + "; "
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--stack", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--stalled", type=int, default=40)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--bodies", type=int, default=0,
                        help="POSTs whose body never comes (a Content-Length never sent)")
    parser.add_argument("--path", default="/healthz", help="what the probes ask for")
    parser.add_argument("--wrk", type=int, default=0, metavar="SECONDS",
                        help="after the probes, 8 wrk clients on --path for SECONDS: their "
                        "p99 and requests/s under the attack")
    args = parser.parse_args()
    print(json.dumps(measure(args.stack, args.store, args.slow, args.stalled, args.probes,
                             args.path, args.bodies, args.wrk)))


if __name__ == "__main__":
    main()
