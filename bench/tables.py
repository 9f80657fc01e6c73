"""The benchmark's results as markdown tables: build, queries, HTTP, and the targets.

``markdown(results)`` takes what bench/run.py gathers (bench/results/latest.json) and writes
the tables the README quotes. ``python -m bench.tables latest.json`` prints them again.
"""

from __future__ import annotations

import json
import sys

# The build's stages in order (graph/build.py); gate, index and answers came later: older
# results lack them and show 0.
STAGES = ("parse", "resolve", "rdf", "report", "reason", "summarise", "validate", "gate", "load",
          "index", "answers")
PASSERELLE = "passerelle serve"
CACHED = "passerelle + caching"
OXIGRAPH = "oxigraph serve-read-only"
CEILING = "trivial route (ceiling)"
GIB = 1024


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        "# Passerelle benchmark", "",
        f"Run {results['started']} to {results.get('finished', '?')} with "
        f"`{results['command']}` on {machine['cpus']} cores ({machine['cpu']}), "
        f"{machine['ram_gib']} GiB RAM, {machine['os']}; load average "
        f"{_load(machine['load_average_start'])} at the start, "
        f"{_load(machine.get('load_average_end'))} at the end (the machine is shared).", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()) + ".", "",
    ]
    scales = results["scales"]
    lines += targets(scales) + build_table(scales) + growth_table(scales)
    lines += query_table(scales) + query_table(scales, "queries_full")
    for scale, result in scales.items():
        if "http" in result:
            lines += http_table(scale, result["http"])
        if "field" in result:
            lines += field_table(scale, result["field"])
    return "\n".join(lines) + "\n"


def _load(values) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "?"


def build_table(scales: dict) -> list[str]:
    lines = ["## Build", "",
             "Seconds per stage; peak resident memory of the build process (MiB), and of the "
             "build and its answer workers together (`passerelle.answers`: processes that "
             "run beside it during the answers stage of a build past 3 million quads; a "
             "smaller one answers in threads of its own; sampled every 0.2 s, shared pages "
             "counted in each); cold start of `passerelle serve` on the built store (seconds "
             "until it answered, median of 3).", "",
             "| scale | schools | agreements | quads | inferred | "
             + " | ".join(STAGES) + " | total | peak MiB | with workers | cold start |",
             "|" + "---|" * (len(STAGES) + 9)]
    for scale, result in scales.items():
        build = result["build"]
        stages = " | ".join(f"{build['stages_s'].get(s, 0):.2f}" for s in STAGES)
        entities = build["entities"]
        lines.append(f"| {scale}x | {entities['schools']} | {entities['agreements']} | "
                     f"{build['quads']} | {build['inferred']} | {stages} | {build['wall_s']} | "
                     f"{build['peak_mib']} | {build.get('total_peak_mib', '-')} | "
                     f"{result['cold_start_s']} |")
    largest = max(scales, key=int)
    peaks = scales[largest]["build"]["peak_mib_after_stage"]
    lines += ["", f"Peak memory so far after each stage at {largest}x (MiB): "
              + ", ".join(f"{s} {peaks[s]}" for s in STAGES if s in peaks) + "."]
    return [*lines, ""]


def growth_table(scales: dict) -> list[str]:
    """Time ratio of each stage from one scale to the next, against the agreements' ratio."""
    ordered = sorted(scales, key=int)
    pairs = list(zip(ordered, ordered[1:], strict=False))
    if not pairs:
        return []
    lines = ["How each stage grows: its time at one scale over its time at the previous one, "
             "beside the growth of the data. Ratios near the data's mean linear growth; on a "
             "shared machine a ratio can be off by half either way (stages of a second or "
             "less are mostly fixed costs).", "",
             "| from -> to | agreements | quads | " + " | ".join(STAGES) + " |",
             "|" + "---|" * (len(STAGES) + 3)]
    for low, high in pairs:
        a, b = scales[low]["build"], scales[high]["build"]
        ratio = b["entities"]["agreements"] / a["entities"]["agreements"]
        quads = b["quads"] / a["quads"]
        times = " | ".join(_ratio(a["stages_s"].get(s), b["stages_s"].get(s)) for s in STAGES)
        lines.append(f"| {low}x -> {high}x | {ratio:.1f} | {quads:.1f} | {times} |")
    return [*lines, ""]


def _ratio(before, after) -> str:
    if not before or after is None or before < 0.01:
        return "-"
    return f"{after / before:.1f}"


def query_table(scales: dict, key: str = "queries") -> list[str]:
    scales = {s: r for s, r in scales.items() if key in r}
    if not scales:
        return []
    names = sorted({n for r in scales.values() for n in r[key]})
    header = " | ".join(f"{s}x p50 / p95 / p99" for s in scales)
    what = ("the first page (200 rows at most, as the HTML page and a paged client's first "
            "request)" if key == "queries" else "the whole answer (up to the 10,000-row cap)")
    lines = [f"## Canned queries in process: {what}", "",
             "Milliseconds, pyoxigraph on the built store (passerelle.canned.run), no HTTP; the "
             "rows kept in parentheses. As served: from the build's stored answers where they "
             "hold the page (marked \"file\"), else the engine; then the engine alone, the "
             "query run every time.", "",
             f"| query | {header} |", "|---|" + "---|" * len(scales)]
    for name in names:
        cells = [_latency(r[key].get(name, {})) for r in scales.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _latency(result: dict) -> str:
    if "p50_ms" not in result:
        return result.get("skipped") or result.get("error", "-")
    served = f"{result['p50_ms']:.1f} / {result['p95_ms']:.1f} / {result['p99_ms']:.1f} " \
             f"({result['rows']})"
    engine = result.get("engine")
    if result.get("source") != "answers" or not engine:
        return served
    return f"file {served}; engine {engine['p50_ms']:.1f} / {engine['p95_ms']:.1f} / " \
           f"{engine['p99_ms']:.1f}"


def http_table(scale: str, http: dict) -> list[str]:
    rows = http["servers"]
    peer = {r["connections"]: r for r in rows if r["server"] == OXIGRAPH}
    ceiling = {r["connections"]: r for r in rows if r["server"] == CEILING}
    lines = [f"## HTTP at {scale}x", "",
             f"The same {len(http['queries'])} canned queries (those without required parameters "
             "or remote calls), cycled by wrk; requests answered per second (2xx/3xx), latency "
             "p50 and p99 in ms, and throughput as a ratio to oxigraph serve-read-only and to "
             "the trivial route measured in this run.", "",
             "| server | workload | clients | req/s | p50 | p99 | x oxigraph | x ceiling | "
             "errors |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["connections"]
        lines.append(f"| {r['server']} | {r['workload']} | {c} | {r['ok_per_s']} | "
                     f"{r['p50_ms']} | {r['p99_ms']} | {_times(r, peer.get(c))} | "
                     f"{_times(r, ceiling.get(c))} | {_errors(r['errors'])} |")
    return [*lines, ""]


def field_table(scale: str, field: dict) -> list[str]:
    """One school's questions, cycled over every school, uncached: bench/field.py."""
    lines = [f"## One school's questions at {scale}x, uncached", "",
             f"Cycling over the {field['schools']} schools with wrk, {field['connections']} "
             "connections, every Passerelle request a distinct URL (no answer cache helps); "
             "oxigraph serve-read-only answers the SPARQL one would write by hand "
             "(bench/field.py). Requests answered per second, latency p50 / p99 in ms.", "",
             "| question | passerelle req/s | p50 / p99 | oxigraph req/s | p50 / p99 | ratio |",
             "|---|---|---|---|---|---|"]
    for question, rows in field["workloads"].items():
        ours, theirs = rows.get(PASSERELLE, {}), rows.get(OXIGRAPH, {})
        lines.append(f"| {question} | {ours.get('ok_per_s', '-')} | {ours.get('p50_ms', '-')}"
                     f" / {ours.get('p99_ms', '-')} | {theirs.get('ok_per_s', '-')} | "
                     f"{theirs.get('p50_ms', '-')} / {theirs.get('p99_ms', '-')} | "
                     f"{rows.get('ratio', '-')} |")
    lines += ["", "Every canned query over HTTP, uncached (distinct requests, one at a time), "
              "median of 5, ms:", "",
              "| query | median ms | status |", "|---|---|---|"]
    for name, row in sorted(field.get("uncached_ms", {}).items()):
        lines.append(f"| {name} | {row['median_ms']} | {row['status']} |")
    return [*lines, ""]


def _times(row: dict, reference: dict | None) -> str:
    if not reference or not reference["ok_per_s"]:
        return "-"
    return f"{row['ok_per_s'] / reference['ok_per_s']:.2f}"


def _errors(errors: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in errors.items()) or ""


def targets(scales: dict) -> list[str]:
    """Each target of issue 6 with the figure measured in this run."""
    lines = ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += _throughput_targets(scales.get("1", {}).get("http"))
    hundred = scales.get("100")
    if hundred:
        slow = {n: q["p50_ms"] for n, q in hundred["queries"].items() if "p50_ms" in q}
        worst = max(slow.items(), key=lambda item: item[1]) if slow else ("-", 0)
        over = sorted(n for n, p50 in slow.items() if p50 > 5)
        lines.append(f"| in-process p50 of every canned query <= 5 ms at 100x (first page) | "
                     f"{len(slow) - len(over)} of {len(slow)} within; slowest {worst[0]} "
                     f"{worst[1]:.0f} ms | {_met(not over and slow)} |")
        lines += _field_targets(hundred.get("field"))
        wall = hundred["build"]["wall_s"]
        lines.append(f"| build at 100x <= 60 s | {wall} s | {_met(wall <= 60)} |")
    thousand = scales.get("1000")
    if thousand:
        slow = {n: q["p50_ms"] for n, q in thousand["queries"].items() if "p50_ms" in q}
        over = sorted(n for n, p50 in slow.items() if p50 > 50)
        lines.append(f"| in-process p50 of every canned query <= 50 ms at 1000x (first page) | "
                     f"{len(slow) - len(over)} of {len(slow)} within"
                     + (f"; over: {', '.join(over)}" if over else "") + f" | {_met(not over)} |")
        peak = max(thousand["build"]["peak_mib"], thousand["build"].get("total_peak_mib", 0))
        lines.append(f"| build at 1000x, peak memory <= 4 GiB (reasoning, validation and the "
                     f"answer workers included) | {peak / GIB:.2f} GiB, "
                     f"{thousand['build']['wall_s']} s, "
                     f"{thousand['build']['quads']} quads | {_met(peak <= 4 * GIB)} |")
    colds = {s: r["cold_start_s"] for s, r in scales.items()}
    lines.append("| cold start of `passerelle serve` <= 2 s | " +
                 ", ".join(f"{v} s at {s}x" for s, v in colds.items()) +
                 f" | {_met(all(v <= 2 for v in colds.values()))} |")
    return [*lines, ""]


FIELD_TARGETS = {"partners of a school": 1.5, "partner overlap of a school": 1.5,
                 "countries of a school": 1.5, "ad-hoc /sparql (partners of a school)": 0.8}


def _field_targets(field: dict | None) -> list[str]:
    if not field:
        return []
    lines = []
    medians = {n: r["median_ms"] for n, r in field.get("uncached_ms", {}).items()}
    over = sorted(n for n, ms in medians.items() if ms > 20)
    lines.append(f"| uncached HTTP median of every canned query <= 20 ms at 100x | "
                 f"{len(medians) - len(over)} of {len(medians)} within"
                 + (f"; over: {', '.join(over)}" if over else "") + f" | {_met(not over)} |")
    for question, target in FIELD_TARGETS.items():
        ratio = field["workloads"].get(question, {}).get("ratio")
        lines.append(f"| {question}, 100x uncached, {field['connections']} connections: >= "
                     f"{target}x oxigraph | {ratio if ratio is not None else '-'}x | "
                     f"{_met(ratio is not None and ratio >= target)} |")
    return lines


def _throughput_targets(http: dict | None) -> list[str]:
    if not http:
        return []
    rows = http["servers"]
    peer = {r["connections"]: r["ok_per_s"] for r in rows if r["server"] == OXIGRAPH}
    ceiling = {r["connections"]: r["ok_per_s"] for r in rows if r["server"] == CEILING}
    lines = []
    for server in (PASSERELLE, CACHED):
        for workload in ("canned route", "revalidating"):
            ours = {r["connections"]: r["ok_per_s"] for r in rows
                    if r["server"] == server and r["workload"] == workload}
            if not ours:
                continue
            vs_peer = {c: v / max(peer[c], 0.1) for c, v in ours.items()}
            vs_top = {c: v / max(ceiling[c], 0.1) for c, v in ours.items()}
            what = f"{server}, canned queries at 1x ({workload})"
            lines.append(f"| {what}: throughput >= 1.5x oxigraph | "
                         + ", ".join(f"{v:.2f}x at {c}" for c, v in vs_peer.items())
                         + f" | {_met(all(v >= 1.5 for v in vs_peer.values()))} |")
            lines.append(f"| {what}: >= 80 % of the trivial route | "
                         + ", ".join(f"{v:.0%} at {c}" for c, v in vs_top.items())
                         + f" | {_met(all(v >= 0.8 for v in vs_top.values()))} |")
    return lines


def _met(condition) -> str:
    return "yes" if condition else "**no**"


if __name__ == "__main__":
    print(markdown(json.loads(open(sys.argv[1], encoding="utf-8").read())))
