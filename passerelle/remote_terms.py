"""A remote store's terms read back as the embedded store writes them, by declared type.

Stores agree on what a value is but not always on how they spell it. Virtuoso 7.2, for one,
keeps an ``xsd:boolean`` as 1 or 0 and answers a comparison with ``"1"^^xsd:integer``; keeps
an ``xsd:duration`` as its number of months or of seconds (``"P6M"`` comes back as ``"6"``,
``"P56D"`` as ``"4.8384e+06"``); and its GROUP_CONCAT answers a simple literal where
Oxigraph keeps the language its items share (SPARQL 1.1 says the former, SPARQL 1.2 the
latter). Each such term is rewritten into the embedded store's spelling, but only where a
declaration says what the value is, never by guessing from the text:

- a canned query's column: the ``columns`` key of its header (`passerelle.canned`), for
  values a query computes or reads;
- a triple's object: the ``rdfs:range`` of its predicate in the build's ontology, for the
  quads that entity pages and dumps read (`passerelle.remote_store.RemoteStore`).

`DECLARED_TYPES` are the types that can be declared. A term that does not fit its declared
type is left as the store wrote it (a comparison then shows the difference): nothing here
turns one value into another.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode

from passerelle.vocabulary import XSD

BOOLEAN, DURATION, INTEGER, STRING = (XSD + name for name in ("boolean", "duration",
                                                              "integer", "string"))
# Declared type (as written in a header, or an ontology range) -> what it means.
DECLARED_TYPES = {
    "xsd:boolean": "true or false; a store may answer 1 or 0, as xsd:boolean or xsd:integer",
    "xsd:duration": "a duration; a store may answer its number of months (a whole number) or "
                    "of seconds (a decimal or double)",
    "@en": "a text in English (any @tag); a store may answer it without its language, as "
           "GROUP_CONCAT does in SPARQL 1.1",
}
_LANGUAGE = re.compile(r"@[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
_MONTHS = re.compile(r"[+-]?[0-9]+")
_SECONDS = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def declared_type(text: str) -> str:
    """The declared type a header names: ``xsd:boolean``, ``xsd:duration`` (or the full
    XSD IRI of either), or a language tag such as ``@en``. ValueError for anything else."""
    text = str(text).strip()
    if _LANGUAGE.fullmatch(text):
        return text.lower()
    full = XSD + text.removeprefix("xsd:") if text.startswith("xsd:") else text
    if full in (BOOLEAN, DURATION):
        return full
    raise ValueError(f"{text!r} is not a declared type: one of xsd:boolean, xsd:duration "
                     f"or a language tag such as @en")


def normalise(term, declared: str | None):
    """The term as the embedded store spells it, given its declared type (None: as it is).

    ``declared`` is a value of `declared_type`, or any IRI (an ontology range; those
    without a rule here leave the term alone).
    """
    if declared is None or not isinstance(term, Literal):
        return term
    if declared == BOOLEAN:
        return _boolean(term)
    if declared == DURATION:
        return _duration(term)
    if declared.startswith("@"):
        return _language(term, declared[1:])
    return term


def _boolean(term: Literal) -> Literal:
    # Virtuoso stores true and false as 1 and 0, and computes (?a = ?b) as an integer.
    if term.datatype.value not in (BOOLEAN, INTEGER) or term.language is not None:
        return term
    value = {"1": "true", "0": "false", "true": "true", "false": "false"}.get(term.value)
    return term if value is None else Literal(value, datatype=NamedNode(BOOLEAN))


def _duration(term: Literal) -> Literal:
    # Virtuoso stores a duration of years and months as its months (a whole number) and one
    # of days to seconds as its seconds (a double); an ISO 8601 spelling is left alone.
    if term.datatype.value != DURATION:
        return term
    if _MONTHS.fullmatch(term.value):
        return Literal(_months(int(term.value)), datatype=term.datatype)
    if _SECONDS.fullmatch(term.value):
        try:
            return Literal(_seconds(Decimal(term.value)), datatype=term.datatype)
        except InvalidOperation:
            return term
    return term


def _months(months: int) -> str:
    """The canonical xsd:duration of a number of months: P1Y6M, -P3M, PT0S."""
    if months == 0:
        return "PT0S"
    years, rest = divmod(abs(months), 12)
    text = (f"{years}Y" if years else "") + (f"{rest}M" if rest else "")
    return ("-" if months < 0 else "") + "P" + text


def _seconds(seconds: Decimal) -> str:
    """The canonical xsd:duration of a number of seconds: P56D, P1DT12H, PT1.5S, PT0S."""
    if seconds == 0:
        return "PT0S"
    minutes, rest = divmod(abs(seconds), 60)
    hours, minutes = divmod(int(minutes), 60)
    days, hours = divmod(hours, 24)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if rest:
        time += f"{rest.normalize():f}S"
    return ("-" if seconds < 0 else "") + "P" + (f"{days}D" if days else "") + \
        (f"T{time}" if time else "")


def _language(term: Literal, language: str) -> Literal:
    # A simple literal only: a text in another language, or a typed value, stays as it is.
    if term.language is not None or term.datatype.value != STRING:
        return term
    return Literal(term.value, language=language)
