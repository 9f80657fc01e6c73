"""The W3C Entity Reconciliation API (v0.2, as OpenRefine speaks it), without HTTP.

server/reconcile.py reads requests and writes answers; everything in between is here, over
the build's name index (graph/build.py writes it as ``names.json``): the service manifest,
a batch of queries answered by the build's own name matcher (passerelle/matching.py), the
suggest services and an entity's preview. An entity's identifier is its path under
https://w3id.org/passerelle/id/ ("institution/tum", "faculty/nus-soc"); each candidate
carries its Wikidata QID and ROR ID.

A candidate's ``match`` is true exactly when the build would resolve the query's name to it;
its ``score`` (0-100) is the matcher's evidence (name 100, folded words 95, a misspelling 85,
an acronym 80, initials 70, a partial overlap less, a disagreeing country 30 less).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape

import pycountry

from passerelle import vocabulary
from passerelle.countries import country_in_any_language
from passerelle.matching import FACULTY, Candidate, Named, NameIndex
from passerelle.normalise import normalise_name

ID_SPACE = vocabulary.ID
SCHEMA_SPACE = vocabulary.PAS
TYPES = {"School": "School (publishes a source of the graph)",
         "Institution": "Institution", "Faculty": "Faculty"}
PROPERTIES = {"country": "Country (ISO 3166-1 alpha-2 code or name, any language)"}
WIKIDATA = "http://www.wikidata.org/entity/"

# Bounds on one request: a batch larger than OpenRefine's (10 by default) is refused, not
# cut; a name longer than any institution's is refused; at most MAX_LIMIT candidates.
MAX_QUERIES = 100
MAX_QUERY_CHARS = 300
DEFAULT_LIMIT, MAX_LIMIT = 5, 25
SUGGESTIONS = 10


class QueryError(ValueError):
    """A request the API cannot answer: what is wrong with it, for a 400."""


class OutOfTime(Exception):
    """The batch was not answered within its time budget (the server answers 503)."""


@dataclass(frozen=True)
class Service:
    """The name index of one build and the URLs the manifest announces."""

    names: NameIndex

    def manifest(self, root: str) -> dict:
        """The service manifest; ``root`` is the service's absolute URL without a slash."""
        return {
            "versions": ["0.2"],
            "name": "Passerelle: institutions and faculties of the partnership graph",
            "identifierSpace": ID_SPACE,
            "schemaSpace": SCHEMA_SPACE,
            "documentation": f"{root}/queries",
            "defaultTypes": [{"id": key, "name": name} for key, name in TYPES.items()],
            "view": {"url": f"{root}/id/{{{{id}}}}"},
            "preview": {"url": f"{root}/reconcile/preview?id={{{{id}}}}",
                        "width": 400, "height": 160},
            "suggest": {kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
                        for kind in ("entity", "type", "property")},
            "batchSize": 10,
        }

    def reconcile(self, batch: object, seconds: float | None = None) -> dict:
        """A query batch ({"q0": {"query": ..., "type": ..., "properties": [...]}}) ->
        its result batch ({"q0": {"result": [candidates]}}).

        With ``seconds``, OutOfTime when the batch is not answered by then (checked before
        each query: the matcher runs in the server's process, where nothing can stop it)."""
        if not isinstance(batch, dict) or not batch:
            raise QueryError("queries must be a JSON object of queries, such as "
                             '{"q0": {"query": "TU Delft"}}')
        if len(batch) > MAX_QUERIES:
            raise QueryError(f"{len(batch)} queries in one batch; at most {MAX_QUERIES}")
        deadline = None if seconds is None else time.monotonic() + seconds
        answered = {}
        for key, query in batch.items():
            if deadline is not None and time.monotonic() > deadline:
                raise OutOfTime(f"{len(answered)} of the {len(batch)} queries were answered "
                                f"within the time budget of {seconds:g} s; send smaller "
                                "batches")
            answered[key] = {"result": self._answer(key, query)}
        return answered

    def _answer(self, key: str, query: object) -> list[dict]:
        if not isinstance(query, dict) or not isinstance(query.get("query"), str):
            raise QueryError(f"query {key!r} has no \"query\" string")
        name = query["query"].strip()
        if len(name) > MAX_QUERY_CHARS:
            raise QueryError(f"query {key!r} is longer than {MAX_QUERY_CHARS} characters")
        types = _types(key, query.get("type"))
        limit = _limit(key, query.get("limit", DEFAULT_LIMIT))
        country = _country(key, query.get("properties") or [])
        decision = self.names.resolve(name, country, shown=MAX_LIMIT)
        wanted = [c for c in decision.candidates if types & set(self._types_of(c.id))]
        return [self._candidate(c, c.id == decision.match) for c in wanted[:limit]]

    def _candidate(self, candidate: Candidate, match: bool) -> dict:
        entry = self.names.entries[candidate.id]
        result = {"id": entity_id(entry), "name": entry.label,
                  "type": [{"id": t, "name": t} for t in self._types_of(entry.id)],
                  "score": round(candidate.score * 100, 1), "match": match,
                  "description": self.description(entry),
                  "features": [{"id": f"evidence-{candidate.evidence}", "value": True},
                               {"id": "country-agrees", "value": not candidate.why_not
                                .startswith("in ")}]}
        if candidate.why_not:
            result["why_not"] = candidate.why_not
        result.update(_identifiers(entry))
        return result

    def _types_of(self, entry_id: str) -> list[str]:
        entry = self.names.entries[entry_id]
        if entry.kind == FACULTY:
            return ["Faculty"]
        return ["Institution", "School"] if entry.school else ["Institution"]

    def description(self, entry: Named) -> str:
        """Country, parent or system, Wikidata QID and ROR ID: enough to tell namesakes apart."""
        parts = []
        country = self.names.country_of(entry)
        if country:
            found = pycountry.countries.get(alpha_2=country)
            parts.append(getattr(found, "common_name", None) or found.name if found else country)
        for relation, other in (("faculty of", entry.parent), ("campus of", entry.part_of)):
            if other in self.names.entries:
                parts.append(f"{relation} {self.names.entries[other].label}")
        if entry.wikidata:
            parts.append(f"Wikidata {entry.wikidata}")
        if entry.ror:
            parts.append(f"ROR {entry.ror}")
        return " · ".join(parts)

    def entry(self, identifier: str) -> Named | None:
        kind, _, slug = identifier.partition("/")
        entry = self.names.entries.get(slug)
        if entry is None or kind != ("faculty" if entry.kind == FACULTY else "institution"):
            return None
        return entry

    def preview(self, identifier: str, root: str) -> str | None:
        """A small HTML card for OpenRefine's preview frame (no script, no style attribute)."""
        entry = self.entry(identifier)
        if entry is None:
            return None
        links = [f'<a href="{escape(root)}/id/{escape(entity_id(entry))}">Passerelle page</a>']
        if entry.wikidata:
            links.append(f'<a href="{WIKIDATA}{escape(entry.wikidata)}">{escape(entry.wikidata)}'
                         "</a>")
        if entry.ror:
            links.append(f'<a href="{escape(entry.ror)}">{escape(entry.ror)}</a>')
        other = [n for n in entry.names if n != entry.label][:4]
        kinds = ", ".join(self._types_of(entry.id))
        return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                f"<title>{escape(entry.label)}</title></head><body>"
                f"<p><strong>{escape(entry.label)}</strong> ({escape(kinds)})</p>"
                f"<p>{escape(self.description(entry))}</p>"
                + (f"<p>Also: {escape('; '.join(other))}</p>" if other else "")
                + f"<p>{' · '.join(links)}</p></body></html>")

    def suggest_entities(self, prefix: str, type_id: str | None = None) -> list[dict]:
        """Entities one of whose names, or a word of it, starts with the prefix."""
        wanted = normalise_name(prefix)
        if not wanted:
            return []
        found = []
        for entry in self.names.entries.values():
            if type_id and type_id not in self._types_of(entry.id):
                continue
            if any(_starts(normalise_name(n), wanted) for n in (*entry.names, *entry.acronyms)):
                found.append(entry)
        found.sort(key=lambda e: (not normalise_name(e.label).startswith(wanted), e.label))
        return [{"id": entity_id(e), "name": e.label, "description": self.description(e),
                 "notable": [{"id": t, "name": t} for t in self._types_of(e.id)]}
                for e in found[:SUGGESTIONS]]


def suggest_from(table: dict[str, str], prefix: str) -> list[dict]:
    """Types or properties whose id or name starts with the prefix (any word of it)."""
    wanted = normalise_name(prefix)
    return [{"id": key, "name": name} for key, name in table.items()
            if not wanted or _starts(normalise_name(f"{key} {name}"), wanted)]


def entity_id(entry: Named) -> str:
    return f"{'faculty' if entry.kind == FACULTY else 'institution'}/{entry.id}"


def _starts(normalised: str, prefix: str) -> bool:
    return normalised.startswith(prefix) or f" {prefix}" in f" {normalised}"


def _identifiers(entry: Named) -> dict:
    found = {}
    if entry.wikidata:
        found["wikidata"] = entry.wikidata
    if entry.ror:
        found["ror"] = entry.ror
    return found


def _types(key: str, given: object) -> set[str]:
    if given is None or given == []:
        return set(TYPES)
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise QueryError(f"query {key!r}: type must be a type id or a list of them")
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise QueryError(f"query {key!r}: unknown type(s) {', '.join(unknown)}; known: "
                         f"{', '.join(TYPES)}")
    # A school is an institution: asking for institutions includes the schools.
    return set(names)


def _limit(key: str, given: object) -> int:
    if isinstance(given, bool) or not isinstance(given, int | float) or given < 1:
        raise QueryError(f"query {key!r}: limit must be a positive number")
    return min(int(given), MAX_LIMIT)


def _country(key: str, properties: object) -> str | None:
    """The query's country property ("country": a code, or a name in any language)."""
    if not isinstance(properties, list):
        raise QueryError(f"query {key!r}: properties must be a list of {{pid, v}}")
    country = None
    for item in properties:
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise QueryError(f"query {key!r}: each property needs a pid and a v")
        if item["pid"] not in PROPERTIES:
            raise QueryError(f"query {key!r}: unknown property {item['pid']!r}; known: "
                             f"{', '.join(PROPERTIES)}")
        value = item["v"]
        value = value.get("id") if isinstance(value, dict) else value
        text = value[0] if isinstance(value, list) and value else value
        if not isinstance(text, str) or len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query {key!r}: country must be a code or a name")
        country = country_in_any_language(text)
        if country is None:
            raise QueryError(f"query {key!r}: {text!r} is not a country code or name")
    return country
