"""A canned query's answer as the HTML table shows it: names, not IRIs.

Each IRI of ours is shown by its name and links to its page here (the IRI in the link's
title); a country code by the country's name; numbers are marked to be right-aligned. Where
the answer has a label column beside an IRI column (``partner`` and ``partnerLabel``), the
IRI column shows that label and the label column is not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from passerelle import names

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int",
                             "nonNegativeInteger", "positiveInteger")}


@dataclass(frozen=True)
class Cell:
    text: str
    iri: str | None = None  # the link's target (the view turns it into a local URL)
    title: str | None = None
    number: bool = False


def table(variables: tuple[str, ...], rows: tuple[tuple, ...], store
          ) -> tuple[list[str], list[list[Cell]], set[int]]:
    """The headers, the rows of cells, and which columns hold numbers."""
    named = {c.variable: c for c in names.named_columns(variables, rows)}
    repeated = {f"{c.variable}Label" for c in named.values()
                if c.label_column is None and not c.codes}
    shown = [i for i, v in enumerate(variables) if v not in repeated]
    wanted = [names.iri_of(c, row[variables.index(v)]) for v, c in named.items() for row in rows]
    found = names.lookup(store, [iri for iri in wanted if iri]) if named else {}
    body = []
    for row in rows:
        given = dict(zip(variables, row, strict=True))
        body.append([_cell(variables[i], row[i], named.get(variables[i]), given, found)
                     for i in shown])
    numbers = {j for j in range(len(shown)) if body and all(
        row[j].number or not row[j].text for row in body) and any(row[j].text for row in body)}
    return [variables[i] for i in shown], body, numbers


def _cell(variable: str, value, column, given: dict, found: dict) -> Cell:
    if value is None:
        return Cell("")
    if column is not None:
        iri = names.iri_of(column, value)
        label = given.get(f"{variable}Label")
        name = found.get(iri)
        if column.codes:  # a country code: the country's name, linked when the graph has it
            return Cell(name.label, iri, value.value) if name else Cell(value.value)
        text = (label.value if isinstance(label, Literal) and label.value else
                name.label if name else value.value)
        return Cell(text, iri, iri)
    if isinstance(value, NamedNode):
        return Cell(value.value, value.value)
    if isinstance(value, Literal) and value.datatype.value in NUMERIC:
        return Cell(value.value, number=True)
    return Cell(value.value)
