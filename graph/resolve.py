"""Resolve: the names of a document's partner rows become registry entities and agreements.

A name is looked up by exact alias, then by the web domain of its link, then by its words in
any order, then by acronym, always within the country the document gives; a name none of
these place goes to the name matcher (passerelle/matching.py: folded words in any language,
small misspellings, acronyms, the ROR record's names), which resolves it on strong evidence
only. A name that matches nothing with confidence becomes a new entity flagged in the
report with its best candidates and why each was not taken, never merged into a look-alike.
A contribution's faculty cell is looked up among the faculties of the partner's institution
the same way, and becomes a new faculty of it when none matches. Links are evidence to
check, not truth: a link whose country or domain contradicts the document or the registry
is reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pycountry

from graph.records import Origin, PartnerRow
from graph.registry import FACULTY, INSTITUTION, Entity, Registry
from passerelle.matching import Decision
from passerelle.normalise import name_key, normalise_name

# The id of an entity the registry lacks, created from a document's name.
NEW_PREFIX = "unregistered-"
# Country-code top-level domains that are sold worldwide and say nothing about a country.
GENERIC_CCTLDS = {"io", "ai", "me", "tv", "cc", "fm", "ly", "co"}
CCTLD_EXCEPTIONS = {"uk": "GB"}


@dataclass(frozen=True)
class Match:
    """What a row's name resolved to: an institution, maybe some of its faculties."""

    institution: str
    faculties: tuple[str, ...] = ()
    # alias | domain | words | acronym | new, or the matcher's evidence (passerelle.matching)
    method: str = "alias"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agreement:
    """One agreement, ready for RDF: who, with whom, what, and the line that says so."""

    origin: Origin
    school: str
    institution: str | None  # asserted when the row names the institution itself
    faculties: tuple[str, ...]
    types: tuple[str, ...]
    networks: tuple[str, ...]
    status: str
    agreement_text: str
    url: str | None
    note: str = ""


@dataclass
class Resolution:
    """The agreements of one document, the entities it added, and a note per row line."""

    agreements: list[Agreement] = field(default_factory=list)
    new_entities: dict[str, Entity] = field(default_factory=dict)
    notes: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (outcome, detail)


def resolve_rows(rows: list[PartnerRow], school: str, registry: Registry) -> Resolution:
    """Resolve every row of one document and assemble its agreements."""
    result = Resolution()
    matches: list[Match] = []
    at_line: dict[int, tuple[PartnerRow, Match]] = {}  # nested bullets name parents by line
    children: dict[int, list[PartnerRow]] = defaultdict(list)
    for row in rows:
        parent = at_line.get(row.parent_line) if row.parent_line else None
        match = resolve_name(row, registry, within=parent[1].institution if parent else None)
        if match.method == "new":
            result.new_entities.setdefault(match.institution, _new_entity(row, match.institution))
        if row.faculty:
            match = _with_faculty(row, match, registry, result)
        matches.append(match)
        at_line.setdefault(row.origin.line, (row, match))
        if row.parent_line:
            children[row.parent_line].append(row)
    for row, match in zip(rows, matches, strict=True):
        outcome, detail = _assemble(row, match, at_line, children, school, registry, result)
        _note(result, row.origin.line, outcome, detail)
    return result


def _note(result: Resolution, line: int, outcome: str, detail: str) -> None:
    """Several partners on one line (004's examples) share the line's note."""
    if line in result.notes:
        previous, earlier = result.notes[line]
        outcome = max(previous, outcome, key=("mapped", "warning", "error").index)
        detail = f"{earlier} | {detail}"
    result.notes[line] = (outcome, detail)


def _assemble(row, match, at_line, children, school, registry, result) -> tuple[str, str]:
    """Add the row's agreement, if it states one; say what the row became."""
    line = row.origin.line
    warnings = list(match.warnings)
    if _states_agreement(row):
        units = [c for c in children[line] if not _states_agreement(c)]
        faculties = list(match.faculties)
        for unit in units:
            faculties.extend(at_line[unit.origin.line][1].faculties)
        result.agreements.append(Agreement(
            origin=row.origin, school=school,
            institution=None if match.faculties else match.institution,
            faculties=tuple(dict.fromkeys(faculties)),
            types=row.types or ("type-not-stated",), networks=row.networks,
            status=row.status, agreement_text=row.agreement_text, url=row.url, note=row.note))
        detail = f"agreement with {_describe(match, registry)}"
        if units:
            detail += f" (units on lines {', '.join(str(u.origin.line) for u in units)})"
    elif row.parent_line and _states_agreement(at_line[row.parent_line][0]):
        if not match.faculties:
            return "error", (f"unit of the agreement on line {row.parent_line} resolves to "
                             f"{_describe(match, registry)}, not to a faculty of that "
                             "agreement's institution: left out")
        detail = f"unit {_describe(match, registry)} of the agreement on line {row.parent_line}"
    elif children[line]:
        detail = f"institution {_describe(match, registry)}, heading of its units' agreements"
    else:
        warnings.append("the document names this partner without any agreement wording")
        result.agreements.append(Agreement(
            row.origin, school, None if match.faculties else match.institution, match.faculties,
            ("type-not-stated",), (), row.status, row.agreement_text, row.url))
        detail = f"agreement with {_describe(match, registry)}"
    return ("warning" if warnings else "mapped"), "; ".join([detail, *warnings])


def _states_agreement(row: PartnerRow) -> bool:
    return bool(row.types or row.networks)


def _describe(match: Match, registry: Registry) -> str:
    names = ", ".join(match.faculties) if match.faculties else match.institution
    how = "new, not in the registry" if match.method == "new" else f"by {match.method}"
    return f"{names} ({how})"


def resolve_name(row: PartnerRow, registry: Registry, within: str | None = None) -> Match:
    """Resolve one row's name; ``within`` is the institution of an enclosing bullet."""
    lookups = (  # method, registry index, keys
        ("alias", "alias", [normalise_name(n) for n in _spellings(row)]),
        ("domain", "domain", _registered_domain(_host(row.url), registry)),
        ("words", "key", [name_key(n) for n in _spellings(row)]),
        ("acronym", "acronym", [normalise_name(row.acronym or row.name)]),
    )
    rejected: list[str] = []
    for method, index, keys in lookups:
        # Units of the enclosing bullet's institution first, through the registry's
        # per-institution index: a name that thousands of faculties share costs no more.
        units = registry.lookup(index, keys, within) if within else []
        match = (within, tuple(units)) if units else \
            _choose(registry.lookup(index, keys), row, registry, rejected)
        if match:
            return Match(match[0], match[1], method, tuple(_link_warnings(row, match, registry)))
    decision = registry.names().resolve(row.name, row.country, row.acronym, within)
    if decision.match:
        found = registry.entities[decision.match]
        match = (found.parent, (found.id,)) if found.kind == FACULTY else (found.id, ())
        chosen = decision.chosen
        method = f"{decision.evidence}: {chosen.matched!r}" if chosen else decision.evidence
        return Match(match[0], match[1], method, tuple(_link_warnings(row, match, registry)))
    warnings = [f"no registry entry matches {row.name!r}: new entity, check it"]
    if rejected:
        warnings.append("rejected look-alikes in other countries: "
                        + ", ".join(dict.fromkeys(rejected)))
    if decision.candidates:
        warnings.append(candidates_text(decision))
    return Match(_new_id(row.name), (), "new", tuple(warnings))


def candidates_text(decision: Decision) -> str:
    """The best candidates of a name that did not resolve, and why each was not taken."""
    return "candidates not taken: " + " | ".join(
        f"{c.id} ({c.label}; {c.evidence} {c.score:.2f}): {c.why_not}"
        for c in decision.candidates)


def _with_faculty(row: PartnerRow, match: Match, registry: Registry,
                  result: Resolution) -> Match:
    """A contribution row's faculty cell, looked up among the faculties of the row's
    institution (registered aliases first, then the matcher); a new faculty of it otherwise."""
    institution = match.institution
    found = registry.lookup("alias", [normalise_name(row.faculty)], institution) or \
        registry.lookup("key", [name_key(row.faculty)], institution)
    warnings = list(match.warnings)
    if match.faculties:
        warnings.append(f"the partner cell names the faculty {', '.join(match.faculties)}; "
                        f"the faculty cell {row.faculty!r} is taken instead")
    if len(found) != 1 and institution in registry.entities:
        decision = registry.names().resolve(row.faculty, within=institution)
        found = [decision.match] if decision.match else []
        if not found and decision.candidates:
            warnings.append(f"faculty {row.faculty!r}: " + candidates_text(decision))
    if len(found) == 1:
        return Match(institution, (found[0],), match.method, tuple(warnings))
    faculty_id = _new_id(f"{institution.removeprefix(NEW_PREFIX)} {row.faculty}")
    result.new_entities.setdefault(faculty_id, Entity(
        id=faculty_id, kind=FACULTY, label=row.faculty, parent=institution,
        note=f"Not in the registry: created from {row.origin.source_id} line "
             f"{row.origin.line}."))
    warnings.append(f"no faculty of {institution} matches {row.faculty!r}: new faculty "
                    f"{faculty_id}, check it")
    return Match(institution, (faculty_id,), match.method, tuple(warnings))


def _spellings(row: PartnerRow) -> list[str]:
    names = [row.name]
    if row.acronym:
        names.append(f"{row.name} ({row.acronym})")
    return names


def _choose(candidates, row, registry, rejected) -> tuple[str, tuple[str, ...]] | None:
    """Pick an institution (and faculties) among candidates, or None if none fits safely."""
    entities = [registry.entities[i] for i in candidates]
    fitting = []
    for entity in entities:
        if row.country and registry.country_of(entity.id) != row.country:
            rejected.append(f"{entity.id} ({registry.country_of(entity.id)})")
        else:
            fitting.append(entity)
    institutions = {registry.institution_of(e.id).id for e in fitting}
    if len(institutions) != 1:
        return None  # nothing, or several institutions: never merge on a guess
    (institution,) = institutions
    if any(e.kind == INSTITUTION for e in fitting):
        return institution, ()
    return institution, tuple(e.id for e in fitting)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.lower() if host else None


def _registered_domain(host: str | None, registry: Registry) -> list[str]:
    """The longest suffix of the host that the registry knows (cit.tum.de before tum.de)."""
    if not host:
        return []
    labels = host.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return next(([suffix] for suffix in suffixes if suffix in registry.by_domain), [])


def _link_warnings(row: PartnerRow, match, registry: Registry) -> list[str]:
    host = _host(row.url)
    if not host:
        return []
    warnings = []
    country = row.country or registry.entities[match[0]].country
    tld = host.rsplit(".", 1)[-1]
    link_country = _cctld_country(tld)
    if link_country and country and link_country != country:
        warnings.append(f"link host {host} is under .{tld} ({link_country}) but the partner is in "
                        f"{country}: link reported, not trusted")
    domains = [d for i in (*match[1], match[0]) for d in registry.entities[i].domains]
    if domains and not any(host == d or host.endswith("." + d) for d in domains):
        warnings.append(f"link host {host} is not on the matched record's domain(s) "
                        f"{', '.join(sorted(set(domains)))}: link reported, not trusted")
    return warnings


def _cctld_country(tld: str) -> str | None:
    if tld in CCTLD_EXCEPTIONS:
        return CCTLD_EXCEPTIONS[tld]
    if len(tld) != 2 or tld in GENERIC_CCTLDS:
        return None
    country = pycountry.countries.get(alpha_2=tld.upper())
    return country.alpha_2 if country else None


def _new_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-")[:60].rstrip("-")
    return f"{NEW_PREFIX}{slug}"


def _new_entity(row: PartnerRow, entity_id: str) -> Entity:
    return Entity(
        id=entity_id, kind=INSTITUTION, label=row.name, country=row.country,
        acronyms=(row.acronym,) if row.acronym else (),
        note=f"Not in the registry: created from {row.origin.source_id} line {row.origin.line}.")
