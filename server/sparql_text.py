"""What the server must know about a SPARQL text before pyoxigraph runs it, beyond the
linear scans of `passerelle.lexer` (re-exported here):

- May it reach the network? pyoxigraph evaluates ``SERVICE`` (and an update's ``LOAD``)
  with its own HTTP client. The protection is below SPARQL: query processes have no
  network (`passerelle.sandbox`), and the query process itself refuses a text whose
  SERVICE it sees, with a clear 400. `check_no_network` decides, when an allowlist is
  configured, whether a query may go to the processes that do have network: only a text
  rdflib parses, whose every SERVICE endpoint is allowlisted. For an update (admin only,
  run in the server process) it refuses SERVICE and LOAD with a clear 400; the protection
  is again below SPARQL: updates run on a thread without network (`server.updater`).
- How to apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update
  (`with_using`): pyoxigraph takes no dataset for updates, so the equivalent ``USING``
  clauses are written before the ``WHERE`` of each DELETE/INSERT operation.
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode

from passerelle.lexer import (
    blank_opaque,
    decode_codepoints,
    has_dataset_clause,
    keyword,
    network_keywords,
)
from server.errors import ApiError

__all__ = ["blank_opaque", "decode_codepoints", "has_dataset_clause", "network_keywords",
           "check_no_network", "with_using"]

_USING_OR_WITH = re.compile(keyword("USING", "WITH"), re.IGNORECASE)
_MODIFY_PARTS = re.compile(r"[{}]|" + keyword("DELETE", "WHERE"), re.IGNORECASE)
# rdflib's parser is pure Python, run in the server's own process: only texts this short
# are given to it (a query that needs the allowlist is a short federated one).
MAX_CHECKED_LENGTH = 4_000


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
                     allowed_services: frozenset[str]) -> bool:
    """Raise ApiError 400 if the text asks to contact another server; True when it may,
    because its every SERVICE endpoint (prefixes and base resolved, as rdflib reads them)
    is in ``allowed_services``: it must then run where the network is reachable.

    A variable endpoint and LOAD are always refused.
    """
    keywords = network_keywords(text)
    if not update:
        keywords.discard("LOAD")  # not in the query grammar: pyoxigraph refuses it
    if not keywords:
        return False
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
    return True


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
