"""What a build adds, removes and changes against the published store, agreement by agreement.

An agreement is known by its document, its school and its partner(s), not by its IRI: the
IRI carries the line number, and a line inserted above would otherwise make every later
agreement look removed and added again. Under one key, agreements with the same terms
(types, networks, status) are the same agreement wherever their line went; what is left
pairs up as changed. Then the same line of the same document read as another partner (a
name the registry now resolves) is that agreement changed too. The rest is added or removed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.rdf import ID, PAS

# One row per agreement, from any store that holds a build's graphs (the working store, the
# published one, a remote one). Restricted to one graph, so that the inferred graph's
# copies of a type do not count as agreements of their own.
AGREEMENTS_QUERY = f"""
PREFIX pas: <{PAS}>
SELECT ?document ?school ?line ?status
       (GROUP_CONCAT(DISTINCT STR(?partner); SEPARATOR=" ") AS ?partners)
       (GROUP_CONCAT(DISTINCT STR(?type); SEPARATOR=" ") AS ?types)
       (GROUP_CONCAT(DISTINCT STR(?network); SEPARATOR=" ") AS ?networks)
WHERE {{
  GRAPH ?g {{
    ?agreement a pas:Agreement ; pas:school ?school ; pas:status ?status ;
               pas:sourceLine ?line ; pas:partnerInstitution|pas:partnerFaculty ?partner ;
               <http://www.w3.org/ns/prov#wasDerivedFrom> ?document .
    OPTIONAL {{ ?agreement pas:agreementType ?type }}
    OPTIONAL {{ ?agreement pas:network ?network }}
  }}
}}
GROUP BY ?agreement ?document ?school ?line ?status
"""


@dataclass(frozen=True, order=True)
class Agreement:
    """One agreement, named by slugs: school and partners by registry id, the rest by name."""

    document: str
    school: str
    partners: tuple[str, ...]
    types: tuple[str, ...]
    networks: tuple[str, ...]
    status: str
    line: int

    def to_row(self) -> list:
        """As the build directory keeps it (passerelle.builddir, agreements.jsonl)."""
        return [self.document, self.school, list(self.partners), list(self.types),
                list(self.networks), self.status, self.line]

    @classmethod
    def from_row(cls, row: list) -> Agreement:
        document, school, partners, types, networks, status, line = row
        return cls(document, school, tuple(partners), tuple(types), tuple(networks), status,
                   line)

    @property
    def key(self) -> tuple:
        return self.document, self.school, self.partners

    @property
    def terms(self) -> tuple:
        return self.types, self.networks, self.status

    def describe(self) -> str:
        return f"{self.document}:{self.line} {self.school} - {', '.join(self.partners)}: " \
               f"{self.describe_terms()}"

    def describe_terms(self) -> str:
        return f"{', '.join(self.types) or 'no type'}; " \
               f"{', '.join(self.networks) or 'no network'}; {self.status}"


def agreements(rows: Iterable[tuple]) -> list[Agreement]:
    """The agreements of AGREEMENTS_QUERY's rows (pyoxigraph terms, in the query's order)."""
    found = []
    for document, school, line, status, partners, types, networks in rows:
        found.append(Agreement(
            document=_slug(document.value), school=_slug(school.value),
            partners=_slugs(partners), types=_slugs(types), networks=_slugs(networks),
            status=_slug(status.value), line=int(line.value)))
    return sorted(found)


def _slug(iri: str) -> str:
    """The readable end of an IRI: "tu-darmstadt", "Exchange", "faculty/x" for a faculty."""
    if iri.startswith(PAS):
        return iri[len(PAS):]
    if iri.startswith(ID):
        kind, _, slug = iri[len(ID):].partition("/")
        return slug if kind in ("institution", "network", "source") else f"{kind}/{slug}"
    return iri


def _slugs(joined) -> tuple[str, ...]:
    """The slugs of a GROUP_CONCAT of IRIs (unbound when the agreement has none)."""
    return tuple(sorted(_slug(iri) for iri in joined.value.split())) if joined else ()


@dataclass
class AgreementDiff:
    published: int
    built: int
    added: list[Agreement] = field(default_factory=list)
    removed: list[Agreement] = field(default_factory=list)
    changed: list[tuple[Agreement, Agreement]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The diff as a reader reads it: a count line, then - removed, + added, ~ changed."""
        out = [f"agreements: {self.published} published, {self.built} in this build: "
               f"{len(self.added)} added, {len(self.removed)} removed, "
               f"{len(self.changed)} changed"]
        out += [f"- {a.describe()}" for a in self.removed]
        out += [f"+ {a.describe()}" for a in self.added]
        out += [f"~ {old.describe()} -> {_new_side(old, new)}" for old, new in self.changed]
        return out


def _new_side(old: Agreement, new: Agreement) -> str:
    partners = "" if new.partners == old.partners else f" {', '.join(new.partners)}"
    return f"line {new.line}{partners}: {new.describe_terms()}"


def compare(published: list[Agreement], built: list[Agreement]) -> AgreementDiff:
    """Which published agreements the build drops, which it adds, which it changes.

    Twice: by document, school and partner (other terms: changed); then what is left, by
    document, school and line: the same row read as another partner (a name the registry
    now resolves) is that row changed, not an agreement lost and another gained.
    """
    diff = AgreementDiff(len(published), len(built))
    before, after = _pair(published, built, lambda a: a.key, lambda a: a.terms, diff.changed)
    # Left from the first pass, no two agreements have the same partners and terms.
    removed, added = _pair(before, after, lambda a: (a.document, a.school, a.line),
                           lambda a: (a.partners, a.terms), diff.changed)
    diff.removed, diff.added, diff.changed = sorted(removed), sorted(added), sorted(diff.changed)
    return diff


def _pair(published: list[Agreement], built: list[Agreement], key, same,
          changed: list[tuple[Agreement, Agreement]]):
    """Pair agreements under the same key: the same (`same`) on both sides is one agreement,
    the rest pair up as changed (into `changed`); returns what is left on either side."""
    old, new = _by_key(published, key), _by_key(built, key)
    left_old, left_new = [], []
    for group in sorted(old.keys() | new.keys()):
        before, after = _unmatched(old.get(group, []), new.get(group, []), same)
        pairs = min(len(before), len(after))
        changed += zip(before[:pairs], after[:pairs], strict=True)
        left_old += before[pairs:]
        left_new += after[pairs:]
    return left_old, left_new


def _by_key(found: list[Agreement], key) -> dict[tuple, list[Agreement]]:
    grouped = defaultdict(list)
    for agreement in found:
        grouped[key(agreement)].append(agreement)
    return grouped


def _unmatched(before: list[Agreement], after: list[Agreement], same):
    """Both lists without the agreements the other side has too."""
    common = Counter(map(same, before)) & Counter(map(same, after))
    return _without(before, common.copy(), same), _without(after, common, same)


def _without(found: list[Agreement], common: Counter, same) -> list[Agreement]:
    kept = []
    for agreement in found:
        if common[same(agreement)] > 0:
            common[same(agreement)] -= 1
        else:
            kept.append(agreement)
    return kept

