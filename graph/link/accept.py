"""Merge a reviewer's decisions into the registry, keeping its comments and layout (tomlkit).

An accepted row writes ``ror``, ``wikidata`` (when the row has one) and ``identifiers_from``
(the row's evidence, then the reviewer's reason), plus ``domains`` from the record when the
entry had none. A row accepted without a QID, or marked unresolved, writes ``unresolved``.
An identifier already in the registry is never replaced by a different one.

An accepted row for a build's new institution (``unregistered-...``, proposed with
``--new-names``) adds it to the registry: id without the prefix, the school's spelling as
label and alias, its country, and the identifiers, so that the next build resolves the name.
"""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit
from tomlkit.items import Table

from graph.errors import BuildError
from graph.link.crosswalk import QID
from graph.link.entries import FACULTY, INSTITUTION, NEW_PREFIX
from graph.link.review import ACCEPT, UNRESOLVED, ReviewRow, read_review

ROR_ID = re.compile(r"https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}")


def accept(review_path: Path, registry_path: Path) -> int:
    """Apply the accepted and unresolved rows of a review file; returns the entries changed."""
    decided = _decided_rows(read_review(review_path), review_path)
    registry = tomlkit.parse(registry_path.read_text(encoding="utf-8"))
    tables = {str(table["id"]): table
              for kind in (INSTITUTION, FACULTY) for table in registry.get(kind, [])}
    for entry_id, row in decided.items():
        table = tables.get(entry_id)
        if table is None and entry_id.startswith(NEW_PREFIX) and row.decision == ACCEPT:
            table = _new_institution(registry, tables, row, review_path)
        if table is None:
            raise BuildError(f"the review names {entry_id}, which the registry does not have",
                             review_path)
        if row.decision == ACCEPT:
            _write_identifiers(table, row, review_path)
        else:
            table["unresolved"] = row.reason
    registry_path.write_text(tomlkit.dumps(registry), encoding="utf-8")
    return len(decided)


def _new_institution(registry, tables: dict, row: ReviewRow, review_path: Path) -> Table:
    """A new [[institution]] for a build's new name, appended to the registry."""
    new_id = row.entry_id.removeprefix(NEW_PREFIX)
    if new_id in tables:
        raise BuildError(f"{row.entry_id}: the registry already has an entry {new_id!r}; add "
                         f"the spelling {row.entry_label!r} to its aliases instead", review_path)
    table = tomlkit.table()
    table["id"] = new_id
    table["label"] = row.entry_label
    table["country"] = row.entry_country
    table["aliases"] = [row.entry_label]
    table["note"] = ("Added by `passerelle link --accept` for a name a document used that the "
                     "registry lacked; check its label and kind.")
    registry.setdefault(INSTITUTION, tomlkit.aot()).append(table)
    tables[new_id] = table
    return registry[INSTITUTION][-1]


def _decided_rows(rows: list[ReviewRow], review_path: Path) -> dict[str, ReviewRow]:
    """The one accepted or unresolved row of each decided entry."""
    decided: dict[str, ReviewRow] = {}
    for row in rows:
        if row.decision not in (ACCEPT, UNRESOLVED):
            continue
        if row.entry_id in decided:
            raise BuildError(f"{row.entry_id} has more than one accepted or unresolved row",
                             review_path)
        if row.decision == UNRESOLVED and not row.reason:
            raise BuildError(f"{row.entry_id} is marked unresolved without a reason", review_path)
        if row.decision == ACCEPT and not ROR_ID.fullmatch(row.ror) and not row.wikidata:
            raise BuildError(f"{row.entry_id}: an accepted row needs a ROR ID or a QID",
                             review_path)
        if row.wikidata and not QID.fullmatch(row.wikidata):
            raise BuildError(f"{row.entry_id}: {row.wikidata!r} is not a Wikidata QID",
                             review_path)
        if row.ror and not ROR_ID.fullmatch(row.ror):
            raise BuildError(f"{row.entry_id}: {row.ror!r} is not a ROR ID", review_path)
        decided[row.entry_id] = row
    return decided


def _write_identifiers(table: Table, row: ReviewRow, review_path: Path) -> None:
    for key in ("ror", "wikidata"):
        value = getattr(row, key)
        if value and table.get(key) not in (None, value):
            raise BuildError(f"{row.entry_id} already has {key} = {table[key]}, the review "
                             f"proposes {value}", review_path)
    evidence = [row.identifiers_from]
    if row.ror:
        table["ror"] = row.ror
    if row.wikidata:
        table["wikidata"] = row.wikidata
    if not table.get("domains") and row.record_domains:
        table["domains"] = row.record_domains.split()
        evidence.append("domains from that record (the entry had none)")
    if not table.get("website") and row.record_website:
        table["website"] = row.record_website
        evidence.append("website from that record")
    if row.reason:
        evidence.append(row.reason)
    table["identifiers_from"] = "; ".join(evidence)
    if not row.wikidata and "wikidata" not in table:
        table["unresolved"] = f"no Wikidata QID: {row.note or 'the record has none'}"
    if not row.ror and "ror" not in table:
        table["unresolved"] = f"no ROR ID: {row.note or 'the record has none'}"
