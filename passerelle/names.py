"""Names for the IRIs and country codes in query answers: what a person reads instead.

An answer's IRI columns (``school``, ``partner``, ``country``...) are looked up in the store,
all of one page at once (one query, so a remote store is asked once too): each IRI's label
(``rdfs:label``, else the English ``skos:prefLabel``) and, for a country, its ISO 3166-1
code. A column of country codes (``country`` holding "DE") is named through the country's
IRI, ``id/country/de``. `named_columns` says which columns get a name beside them and under
which column names, so that the HTML tables, the CSV and the flat JSON agree; `with_names`
adds those columns to an answer (the IRIs stay where they were).

The store is anything with pyoxigraph's ``query`` (an embedded or a remote store).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from passerelle.vocabulary import BASE, ID, PAS, RDFS, SKOS

COUNTRY = ID + "country/"
LOOKUP_BATCH = 500  # IRIs per lookup query: the query text stays a few tens of KB
_CODE = re.compile(r"[A-Z]{2}")

LOOKUP = """
PREFIX rdfs: <""" + RDFS + """>
PREFIX skos: <""" + SKOS + """>
PREFIX pas: <""" + PAS + """>
SELECT ?iri ?label ?preferred ?code
WHERE {
  VALUES ?iri { %s }
  OPTIONAL { ?iri rdfs:label ?label }
  OPTIONAL { ?iri skos:prefLabel ?preferred FILTER(LANGMATCHES(LANG(?preferred), "en")) }
  OPTIONAL { ?iri pas:isoCode ?code }
}
"""


@dataclass(frozen=True)
class Name:
    """What to show for an IRI: its label, and its ISO code when it is a country."""

    label: str
    code: str | None = None


@dataclass(frozen=True)
class NamedColumn:
    """A column whose values get a name: the label column (and code column, for countries)
    added beside it, or None where the answer already has a column of that name."""

    variable: str
    label_column: str | None
    code_column: str | None
    codes: bool = False  # the column holds country codes, not IRIs


def lookup(store, iris: Iterable[str]) -> dict[str, Name]:
    """The name of each IRI that has a label in the store (the others are left out)."""
    wanted = sorted(set(iris))
    names: dict[str, Name] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        values = " ".join(str(NamedNode(iri)) for iri in wanted[start:start + LOOKUP_BATCH])
        found: dict[str, dict] = {}
        for solution in store.query(LOOKUP % values, use_default_graph_as_union=True):
            entry = found.setdefault(solution["iri"].value, {})
            for key in ("label", "preferred", "code"):
                term = solution[key]
                if term is not None:
                    entry.setdefault(key, []).append(term)
        for iri, entry in found.items():
            label = _best(entry.get("label", [])) or _best(entry.get("preferred", []))
            if label:
                codes = entry.get("code", [])
                names[iri] = Name(label, min(t.value for t in codes) if codes else None)
    return names


def _best(labels: list) -> str | None:
    """English first, then a label without language, then the first in order."""
    if not labels:
        return None
    rank = {"en": 0, None: 1}
    return min(labels, key=lambda t: (rank.get(t.language, 2), t.value)).value


def country_iri(code: str) -> str:
    return COUNTRY + code.lower()


def named_columns(variables: Sequence[str], rows: Iterable[Sequence]) -> list[NamedColumn]:
    """The columns to name: those holding our IRIs (entities, ontology terms; not Wikidata's
    or ROR's, which the store has no names for), and those named ``*country`` that hold
    two-letter codes. ``xLabel`` (and ``xCode`` for a column of countries) are the added
    columns' names, unless the answer already has them."""
    rows = list(rows)
    named = []
    for index, variable in enumerate(variables):
        values = [row[index] for row in rows if row[index] is not None]
        if not values:
            continue
        iris = all(isinstance(v, NamedNode) and v.value.startswith(BASE) for v in values)
        codes = (variable.lower().endswith("country")
                 and all(isinstance(v, Literal) and _CODE.fullmatch(v.value) for v in values))
        if not (iris or codes):
            continue
        countries = codes or all(v.value.startswith(COUNTRY) for v in values)
        label, code = f"{variable}Label", f"{variable}Code"
        named.append(NamedColumn(variable, None if label in variables else label,
                                 None if codes or not countries or code in variables else code,
                                 codes))
    return named


def iri_of(column: NamedColumn, value) -> str | None:
    """The IRI whose name a cell of this column shows."""
    if value is None:
        return None
    return country_iri(value.value) if column.codes else value.value


def with_names(variables: Sequence[str], rows: Sequence[Sequence], store
               ) -> tuple[list[str], list[tuple]]:
    """The answer with, right after each named column, its label column and, for a column
    of countries, its ISO code column (`named_columns`); a name the store lacks is unbound."""
    columns = {c.variable: c for c in named_columns(variables, rows)}
    wanted = [iri_of(column, row[variables.index(name)])
              for name, column in columns.items() for row in rows]
    found = lookup(store, [iri for iri in wanted if iri]) if columns else {}
    widened = []
    for name in variables:
        widened.append(name)
        column = columns.get(name)
        if column is not None:
            widened += [c for c in (column.label_column, column.code_column) if c]
    out = []
    for row in rows:
        cells = []
        for name, value in zip(variables, row, strict=True):
            cells.append(value)
            column = columns.get(name)
            if column is None:
                continue
            known = found.get(iri_of(column, value))
            if column.label_column:
                cells.append(Literal(known.label) if known else None)
            if column.code_column:
                cells.append(Literal(known.code) if known and known.code else None)
        out.append(tuple(cells))
    return widened, out
