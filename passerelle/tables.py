"""A canned query's answer as people read it, in a page or a terminal: names, not IRIs.

Each IRI of ours is shown by its name (the page links it to its page, the IRI in the link's
title); a country code by the country's name; numbers are right-aligned. Where the answer
has a label column beside an IRI column (``partner`` and ``partnerLabel``), the IRI column
shows that label and the label column is not repeated. `text_table` lays the same cells out
for a terminal of a given width.
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


MIN_COLUMN = 6  # characters: a column narrower than this says nothing


def text_table(headers: list[str], rows: list[list[Cell]], numbers: set[int],
               width: int) -> str:
    """The cells as aligned text at most ``width`` characters wide (where it can be): the
    widest columns are cut first, a cut cell ends with "…"."""
    texts = [[" ".join(cell.text.split()) for cell in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in texts)]) for i, h in enumerate(headers)]
    room = width - 2 * (len(headers) - 1)
    while sum(widths) > room and max(widths, default=0) > MIN_COLUMN:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    lines = [_line(headers, widths, numbers), "  ".join("-" * w for w in widths)]
    lines += [_line(row, widths, numbers) for row in texts]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _line(texts: list[str], widths: list[int], numbers: set[int]) -> str:
    cells = []
    for i, (text, size) in enumerate(zip(texts, widths, strict=True)):
        text = text if len(text) <= size else text[:size - 1] + "…"
        cells.append(text.rjust(size) if i in numbers else text.ljust(size))
    return "  ".join(cells)
