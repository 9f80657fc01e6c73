"""What the command line says about the canned queries: the list, and one query's help.

A query's help gives its title and description, then each parameter: whether it is
required, what it accepts (its type, in words), its description, the values the store holds
for it where they are few enough to list (schools, networks, countries, agreement types, or
the values the header allows), and a command that runs it with its examples. Text is wrapped
to the terminal's width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from pyoxigraph import NamedNode

from passerelle import names, vocabulary
from passerelle.vocabulary import PAS

RDF_TYPE = NamedNode(vocabulary.RDF_TYPE)
# Parameter types whose values the store can list: the class of their instances.
LISTED_CLASSES = {"school": PAS + "School", "network": PAS + "Network",
                  "country": PAS + "Country"}


def listing(queries: Iterable, width: int) -> str:
    """One entry per query: its name and title, then its parameters."""
    lines = []
    for query in queries:
        lines.append(f"{query.name}  {query.title}")
        if query.params:
            taken = ", ".join(p.name + ("" if p.required else "?") for p in query.params)
            lines += textwrap.wrap(f"parameters: {taken}", width, initial_indent="    ",
                                   subsequent_indent="    ")
    lines += ["", "(? optional) Details: passerelle query NAME --help"]
    return "\n".join(lines) + "\n"


def describe(query, store, store_name: str, width: int) -> str:
    """The help of one query; ``store`` None when none could be opened (values not listed)."""
    from passerelle.canned import PARAMETER_TYPES

    wrap = textwrap.TextWrapper(width=max(width, 40))
    indented = textwrap.TextWrapper(width=max(width, 40), initial_indent="    ",
                                    subsequent_indent="    ")
    lines = [f"{query.name}: {query.title}", "", *wrap.wrap(query.description), ""]
    if not query.params:
        lines.append("It takes no parameters.")
    else:
        lines.append("Parameters (give each as --param NAME=VALUE):")
    for parameter in query.params:
        accepts = ("one of: " + ", ".join(parameter.allowed) if parameter.allowed
                   else PARAMETER_TYPES[parameter.type])
        required = "required" if parameter.required else "optional"
        lines += ["", *wrap.wrap(f"{parameter.name} ({parameter.type}, {required}): "
                                 f"accepts {accepts}.")]
        if parameter.description:
            lines += indented.wrap(parameter.description)
        if parameter.default is not None:
            lines += indented.wrap(f"Default: {parameter.default}.")
        if store is None:
            if parameter.type in (*LISTED_CLASSES, "agreement-type"):
                lines += indented.wrap(f"(no store at {store_name}: build it to list the "
                                       "values it holds)")
        elif not parameter.allowed:
            found = values_in_graph(parameter.type, store)
            if found:
                lines += indented.wrap(f"In {store_name}: " + ", ".join(found) + ".")
    examples = " ".join(f"--param {p.name}={_quoted(p.example)}" for p in query.params
                        if p.required and p.example)
    lines += ["", "Example:", f"  passerelle query {query.name} {examples}".rstrip(), ""]
    return "\n".join(lines)


def values_in_graph(kind: str, store) -> list[str]:
    """The values a parameter of this type can take in the store, where they are few: the
    ids of schools and networks, countries as "code (name)", agreement types' local names.
    Empty for the other types (institutions are too many; search for them)."""
    if kind == "agreement-type":
        from passerelle.canned import agreement_types

        return sorted(agreement_types(store))
    if kind not in LISTED_CLASSES:
        return []
    quads = store.quads_for_pattern(None, RDF_TYPE, NamedNode(LISTED_CLASSES[kind]), None)
    iris = sorted({q.subject.value for q in quads if isinstance(q.subject, NamedNode)})
    if kind != "country":
        return [iri.rsplit("/", 1)[-1] for iri in iris]
    found = names.lookup(store, iris)
    return sorted(f"{found[i].code} ({found[i].label})" for i in iris
                  if i in found and found[i].code)


def _quoted(value: str) -> str:
    return f"'{value}'" if " " in value else value
