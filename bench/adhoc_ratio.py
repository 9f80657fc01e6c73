"""Ad-hoc /sparql against oxigraph serve-read-only, same store, same run, interleaved.

    python -m bench.adhoc_ratio STORE [--seconds 10] [--rounds 3] [--base DIR]

The workload of bench/field.py (AD_HOC: "partners of a school", each text distinct), at
field.CONNECTIONS connections. Every server starts once; the wrk runs go round-robin, so
that the others' load on a shared machine falls on each alike. ``--base DIR``: a second
Passerelle from another checkout (with its own .venv), for before/after in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote

from bench import field, peers
from bench.measure_build import processes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout to serve as 'before'")
    parser.add_argument("--threads", type=int, nargs="*", default=[],
                        help="also this checkout with this many query processes per worker")
    args = parser.parse_args()
    ids = field.schools(args.store)

    def paths(server: peers.Server, first: int, count: int) -> list[str]:
        # field.workloads' texts, numbered from ``first``: no request repeats one of
        # another round's, so that none is answered from a worker's answer cache.
        route = "/query?query=" if "oxigraph" in server.name else "/sparql?query="
        return [route + quote(field.ad_hoc_text(n, ids[n % len(ids)]))
                for n in range(first, first + count)]

    servers = [peers.passerelle(args.store), peers.oxigraph(args.store)]
    servers[0].name = "passerelle (this checkout)"
    if args.base:
        before = peers.passerelle(args.store)
        before.name = "passerelle (base)"
        before.command[0] = str(args.base / ".venv" / "bin" / "passerelle")
        servers.insert(1, before)
    for threads in args.threads:
        variant = peers.passerelle(args.store)
        variant.name = f"passerelle ({threads} query processes a worker)"
        variant.command = [sys.executable, "-c", "import sys; from server.wsgi import serve; "
                           "serve(sys.argv[1], port=int(sys.argv[2]), threads=int(sys.argv[3]))",
                           str(args.store), str(variant.port), str(threads)]
        servers.append(variant)
    # More distinct texts per run than a server answers in it (about 600 a second at most).
    per_run = 1000 * args.seconds
    try:
        for number, server in enumerate(servers):
            peers.start(server)
            # warm up at full concurrency, so that every query process has started
            peers.wrk(server, paths(server, 10**8 + number * per_run, per_run),
                      field.CONNECTIONS, 3)
        for round_ in range(args.rounds):
            for number, server in enumerate(servers):
                first = (round_ * len(servers) + number) * per_run
                cpu = session_cpu(server.process.pid)
                row = peers.wrk(server, paths(server, first, per_run), field.CONNECTIONS,
                                args.seconds)
                used = {name: round(session_cpu(server.process.pid).get(name, 0) - spent, 2)
                        for name, spent in cpu.items()}
                ok = row["ok_per_s"] * args.seconds
                row["cpu_ms_per_ok"] = round(sum(used.values()) * 1000 / max(ok, 1), 2)
                row["cpu_s"] = used
                print(json.dumps({"round": round_, "server": server.name, **row}), flush=True)
    finally:
        for server in servers:
            peers.stop(server)


def session_cpu(session: int) -> dict[str, float]:
    """CPU seconds (user + system, with reaped children) of every process in the session,
    summed by command name."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for pid, command, fields in processes():
        if int(fields[3]) != session:
            continue
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        name = "query" if b"query_process" in line else command
        found[name] = found.get(name, 0) + sum(int(f) for f in fields[11:15]) / tick
    return found


if __name__ == "__main__":
    main()
