"""What the server must know about a SPARQL text before pyoxigraph runs it.

pyoxigraph parses and runs a query in one call and exposes no parse tree, so three
questions are answered here:

- Would it reach the network? pyoxigraph evaluates ``SERVICE`` (and an update's ``LOAD``)
  with its own HTTP client. `check_no_network` refuses both unless a SERVICE names an
  allowlisted endpoint. It fails closed: a text where either keyword appears outside
  literals, IRIs and comments is refused outright when the allowlist is empty (the default),
  without parsing it; with an allowlist, it is parsed with rdflib to read the endpoints, and
  a text rdflib cannot parse (or one too long to parse quickly) is refused rather than
  trusted.
- Does a query name its own dataset (``FROM``)? Then the union default graph must not
  replace it (`has_dataset_clause`).
- How to apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update
  (`with_using`): pyoxigraph takes no dataset for updates, so the equivalent ``USING``
  clauses are written before the ``WHERE`` of each DELETE/INSERT operation.

The last two read the text with literals, IRIs and comments blanked out, so that a keyword
is only found where it is one.
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode

from passerelle.lexer import blank_opaque, keyword, network_keywords
from server.errors import ApiError

_FROM = re.compile(keyword("FROM"), re.IGNORECASE)
_USING_OR_WITH = re.compile(keyword("USING", "WITH"), re.IGNORECASE)
_MODIFY_PARTS = re.compile(r"[{}]|" + keyword("DELETE", "WHERE"), re.IGNORECASE)
# rdflib's parser is pure Python, run in the server's own process: only texts this short
# are given to it (a query that needs the allowlist is a short federated one).
MAX_CHECKED_LENGTH = 20_000


def has_dataset_clause(query: str) -> bool:
    """True when the query has FROM or FROM NAMED (only its dataset clause can)."""
    return _FROM.search(blank_opaque(query)) is not None


def with_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The update with USING / USING NAMED clauses for the protocol's using-(named-)graph-uri.

    Raises ApiError 400 when the update names its own dataset (USING or WITH: the protocol
    forbids both at once) or has a DELETE WHERE, whose short form has no place for USING.
    """
    if not default_graphs and not named_graphs:
        return update
    blanked = blank_opaque(update)
    if _USING_OR_WITH.search(blanked):
        raise ApiError(400, "Conflicting dataset",
                       "using-graph-uri / using-named-graph-uri cannot be combined with an "
                       "update that has its own USING or WITH clause")
    clauses = [f"USING {NamedNode(iri)}" for iri in default_graphs]
    clauses += [f"USING NAMED {NamedNode(iri)}" for iri in named_graphs]
    pieces, start, depth, previous = [], 0, 0, ""
    for match in _MODIFY_PARTS.finditer(blanked):
        token = match.group().upper()
        depth += {"{": 1, "}": -1}.get(token, 0)
        if token == "WHERE" and depth == 0:
            if previous == "DELETE":
                raise ApiError(400, "Unsupported update",
                               "DELETE WHERE cannot take using-graph-uri; write it as "
                               "DELETE { ... } WHERE { ... }")
            pieces += [update[start:match.start()], " ".join(clauses), " "]
            start = match.start()
        previous = token
    return "".join(pieces) + update[start:]


def check_no_network(text: str, *, update: bool, base_iri: str,
                     allowed_services: frozenset[str]) -> None:
    """Raise ApiError 400 if running the text would contact another server.

    A SERVICE is allowed only when its endpoint IRI (prefixes and base resolved) is in
    ``allowed_services``; a variable endpoint and LOAD are always refused.
    """
    keywords = network_keywords(text)
    if not update:
        keywords.discard("LOAD")  # not in the query grammar: pyoxigraph refuses it
    if not keywords:
        return
    if "LOAD" in keywords:
        raise ApiError(400, "Remote call refused",
                       "the update uses LOAD: this endpoint never loads data from elsewhere")
    if not allowed_services:
        raise ApiError(400, "Remote call refused",
                       "the text uses SERVICE: this endpoint does not contact other servers "
                       "(no SERVICE endpoint is allowlisted)")
    if len(text) > MAX_CHECKED_LENGTH:
        raise ApiError(400, "Remote call refused",
                       f"a text with SERVICE is checked for its endpoints only up to "
                       f"{MAX_CHECKED_LENGTH} characters; this one has {len(text)}")
    for operation, target in _network_calls(text, update, base_iri):
        if operation == "Load":
            raise ApiError(400, "Remote call refused",
                           f"LOAD {target.n3()}: this endpoint never loads data from elsewhere")
        if str(target) not in allowed_services:
            raise ApiError(400, "Remote call refused",
                           f"SERVICE {target.n3()}: this endpoint does not contact other "
                           "servers (only allowlisted SERVICE endpoints)")


def _network_calls(text: str, update: bool, base_iri: str) -> list[tuple[str, object]]:
    # rdflib is imported here, not at the top: it costs half a second and only texts that
    # mention SERVICE or LOAD need it, so the server starts without it.
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        if update:
            algebra = translateUpdate(parseUpdate(text), base=base_iri).algebra
        else:
            algebra = translateQuery(parseQuery(text), base=base_iri).algebra
    except Exception as exc:  # rdflib raises pyparsing, Exception and many more types
        raise ApiError(400, "Remote call refused",
                       "the text mentions SERVICE or LOAD and could not be checked for remote "
                       f"calls (rdflib: {exc}); this endpoint does not contact other servers"
                       ) from exc
    return _walk(algebra, [])


def _walk(node: object, found: list[tuple[str, object]]) -> list[tuple[str, object]]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            found.append((node.name, dict.get(node, "term")))
        elif node.name == "Load":
            found.append((node.name, dict.get(node, "iri")))
        children = dict.values(node)
    elif isinstance(node, dict):
        children = node.values()
    elif isinstance(node, list | tuple):
        children = node
    else:
        return found
    for child in children:
        _walk(child, found)
    return found
