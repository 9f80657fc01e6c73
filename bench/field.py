"""At the scale of the field (100x): one school's questions, uncached, against oxigraph.

``field_comparison(store, seconds)`` serves the store with `passerelle serve` and with
``oxigraph serve-read-only`` and, with wrk at CONNECTIONS connections, cycles over every
school for each workload below: Passerelle answers with its canned query, oxigraph with the
plain SPARQL a researcher would write for the same question (``HAND_WRITTEN``). Every
Passerelle request is distinct, so that no answer cache helps: each carries its own ``limit=``
(far above the rows of the answer, so the answer is the same), and each ad-hoc query its own
comment line. It also times every canned query once per distinct request over HTTP
(``uncached_medians``), with the example parameters of its header.
"""

from __future__ import annotations

import statistics
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

from pyoxigraph import NamedNode

from bench import peers
from passerelle import canned, vocabulary
from passerelle.builddir import StoreLink

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
DISTINCT_LIMITS = 20  # requests per school before a URL repeats: 20 x 300 schools at 100x
UNCACHED_RUNS = 5
ID = vocabulary.ID + "institution/"
PREFIXES = vocabulary.sparql_prefixes("pas", "rdfs")
# The question, the canned query that answers it, and the SPARQL one would write by hand
# for oxigraph (no summaries: what the tool a user would pick answers from the data).
HAND_WRITTEN = {
    "partners of a school": ("partners", PREFIXES + """
SELECT ?partner ?partnerLabel ?country WHERE {
  ?agreement pas:school <{school}> ; pas:partnerInstitution ?partner .
  ?partner rdfs:label ?partnerLabel ; pas:country ?country .
} GROUP BY ?partner ?partnerLabel ?country ORDER BY ?partnerLabel"""),
    "partner overlap of a school": ("partner-overlap", PREFIXES + """
SELECT ?other ?shared ((?mine + ?theirs - ?shared) AS ?union) WHERE {
  { SELECT ?other (COUNT(DISTINCT ?p) AS ?shared) WHERE {
      <{school}> pas:hasPartnerInstitution ?p . ?other pas:hasPartnerInstitution ?p .
      FILTER(?other != <{school}>) } GROUP BY ?other }
  { SELECT (COUNT(DISTINCT ?p) AS ?mine) WHERE { <{school}> pas:hasPartnerInstitution ?p } }
  { SELECT ?other (COUNT(DISTINCT ?p) AS ?theirs) WHERE { ?other pas:hasPartnerInstitution ?p }
    GROUP BY ?other }
} ORDER BY DESC(?shared / (?mine + ?theirs - ?shared))"""),
    "countries of a school": ("countries", PREFIXES + """
SELECT ?country (COUNT(DISTINCT ?partner) AS ?partners) WHERE {
  ?agreement pas:school <{school}> ; pas:partnerInstitution ?partner .
  ?partner pas:country ?country .
} GROUP BY ?country ORDER BY DESC(?partners)"""),
}
AD_HOC = "ad-hoc /sparql (partners of a school)"
PASSERELLE, OXIGRAPH = "passerelle serve", "oxigraph serve-read-only"


def schools(store: Path) -> list[str]:
    """The ids of the schools of the store."""
    opened = StoreLink(store).pinned().open()
    quads = opened.quads_for_pattern(None, NamedNode(canned.RDF_TYPE),
                                     NamedNode(canned.PAS + "School"), None)
    return sorted({q.subject.value.removeprefix(ID) for q in quads})


def workloads(ids: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """For each workload: Passerelle's paths and oxigraph's, cycling over every school."""
    found = {}
    for question, (name, sparql) in HAND_WRITTEN.items():
        ours = [f"/queries/{name}.json?" + urlencode({"school": school, "limit": 1000 + n})
                for n in range(DISTINCT_LIMITS) for school in ids]
        theirs = ["/query?query=" + quote(sparql.replace("{school}", ID + school))
                  for school in ids]
        found[question] = (ours, theirs)
    texts = [ad_hoc_text(n, school) for n in range(DISTINCT_LIMITS) for school in ids]
    found[AD_HOC] = (["/sparql?query=" + quote(text) for text in texts],
                     ["/query?query=" + quote(text) for text in texts[:len(ids)]])
    return found


def ad_hoc_text(number: int, school: str) -> str:
    """The ad-hoc workload's query about one school, made distinct by its number (a comment:
    the same question, another text, so that no answer cache holds it)."""
    plain = HAND_WRITTEN["partners of a school"][1]
    return f"# request {number}\n" + plain.replace("{school}", ID + school)


def field_comparison(store: Path, seconds: int) -> dict:
    """Each workload on Passerelle and on oxigraph at CONNECTIONS connections, and every
    canned query's uncached median over HTTP."""
    ids = schools(store)
    loads = workloads(ids)
    results = {"schools": len(ids), "connections": CONNECTIONS, "workloads": {}}
    for server, side in ((peers.passerelle(store), 0), (peers.oxigraph(store), 1)):
        try:
            peers.start(server)
            if side == 0:
                results["uncached_ms"] = uncached_medians(server)
            for question, paths in loads.items():
                # Warm up on the first round of schools, then load with the others: for
                # Passerelle those are other URLs, so that none is answered from its cache.
                warm = paths[side][:len(ids)]
                timed = paths[side][len(ids):] if side == 0 else paths[side]
                peers.wrk(server, warm, 4, 5)
                row = peers.wrk(server, timed, CONNECTIONS, seconds)
                results["workloads"].setdefault(question, {})[server.name] = row
        finally:
            peers.stop(server)
    for rows in results["workloads"].values():
        ours, theirs = rows.get(PASSERELLE), rows.get(OXIGRAPH)
        if ours and theirs and theirs["ok_per_s"]:
            rows["ratio"] = round(ours["ok_per_s"] / theirs["ok_per_s"], 2)
    return results


def uncached_medians(server: peers.Server) -> dict[str, dict]:
    """Each local canned query with its header's examples, UNCACHED_RUNS distinct requests
    one after the other: the median milliseconds of the whole request."""
    found = {}
    for name, query in canned.load_queries(ROOT / "queries").items():
        if "federated" in query.tags:
            continue
        values = {p.name: p.example for p in query.params if p.example}
        timings = []
        for run in range(UNCACHED_RUNS):
            url = f"{server.base}/queries/{name}.json?" + urlencode({**values,
                                                                      "limit": 9000 + run})
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=60) as answer:
                    answer.read()
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            timings.append((time.perf_counter() - began) * 1000)
        found[name] = {"params": values, "status": status,
                       "median_ms": round(statistics.median(timings), 1)}
    return found
