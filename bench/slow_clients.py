"""Slow clients against the real app, on two serving stacks: who still gets answered?

    python -m bench.slow_clients --store var/store [--stack gunicorn|granian] [--slow 200]

Starts the app on a free loopback port (gunicorn as `passerelle serve` runs it, or granian if
installed: ``pip install granian``), opens ``--slow`` connections that send one byte of a
request line and then nothing, then ``--stalled`` GET /dump.nq that never read, and sends
``--probes`` requests for /healthz one after another, each allowed 1 s. Prints how many
were answered within 1 s and their p50/p99, as one JSON line. Nothing here runs in `make
test`; it is the measurement behind the choice of serving stack (README, "Security and
limits").
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


def start(stack: str, store: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "PASSERELLE_STORE": str(store)}
    if stack == "gunicorn":
        command = [sys.executable, "-c", "import sys; from pathlib import Path; "
                   "from server.wsgi import serve; serve(Path(sys.argv[1]), port=int(sys.argv[2]), "
                   "workers=int(sys.argv[3]))", str(store), str(port), str(workers)]
    else:
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
                   "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                   "--blocking-threads", "8", "--http1-header-read-timeout", "5000",
                   "--no-access-log", "server:create_app"]
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


def probe(port: int) -> float | None:
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        answer.read()
        connection.close()
    except OSError:
        return None
    took = time.monotonic() - started
    return took if answer.status == 200 and took <= 1 else None


def measure(stack: str, store: Path, slow: int, stalled: int, probes: int,
            workers: int) -> dict:
    port = free_port()
    server = start(stack, store, port, workers)
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
        time.sleep(1)
        times = [probe(port) for _ in range(probes)]
        answered = sorted(t for t in times if t is not None)
        return {"stack": stack, "slow_header_connections": slow, "stalled_dumps": stalled,
                "probes": probes, "answered_within_1s": len(answered),
                "p50_ms": round(1000 * answered[len(answered) // 2], 1) if answered else None,
                "p99_ms": round(1000 * answered[min(len(answered) - 1,
                                                    int(0.99 * len(answered)))], 1)
                if answered else None}
    finally:
        for sock in held:
            sock.close()
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--stack", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--stalled", type=int, default=40)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(measure(args.stack, args.store, args.slow, args.stalled, args.probes,
                             args.workers)))


if __name__ == "__main__":
    main()
