"""What a SPARQL text says, read without parsing it: where its keywords are.

pyoxigraph parses and runs a query in one call and exposes no parse tree, so the questions
asked of a text before it runs (does it name SERVICE or LOAD, which form is it, where do
its group patterns open) are answered by reading it with its comments, literals and IRIs
blanked out (`blank_opaque`), so that a keyword is only found where it is one.
"""

from __future__ import annotations

import re

# Comments, string literals (long forms first) and IRI references, in the SPARQL grammar's
# terms. Scanning left to right, the first one that starts at a position wins, as in a lexer.
_OPAQUE = re.compile(r"""
      \#[^\n\r]*
    | '''(?:[^'\\]|\\.|'(?!''))*'''
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'
    | "(?:[^"\\\n\r]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
""", re.VERBOSE | re.DOTALL)
_NETWORK_KEYWORDS = re.compile(r"SERVICE|LOAD", re.IGNORECASE)


def keyword(*words: str) -> str:
    # A keyword, not part of a variable (?from), a prefixed name (ex:where, where:x) or a
    # longer word: the characters that continue those names may not touch it.
    return r"(?<![\w:?$.\-])(?:" + "|".join(words) + r")(?![\w:\-])"


def blank_opaque(text: str) -> str:
    """The text with comments, literals and IRIs replaced by spaces (same length)."""
    return _OPAQUE.sub(lambda match: " " * len(match.group()), text)


def network_keywords(text: str) -> set[str]:
    """SERVICE and LOAD (upper case) where pyoxigraph could read them as keywords.

    Outside comments, literals and IRIs, an occurrence is not a keyword only when it is part
    of a variable (?myservice), of a prefixed name (ex:service, service:x) or of a longer
    name (services). Anything else counts, even glued to a word before it: pyoxigraph reads
    "trueSERVICE" as true, SERVICE, and "?o.SERVICE" as ?o . SERVICE.
    """
    blanked = blank_opaque(text)
    found = set()
    for match in _NETWORK_KEYWORDS.finditer(blanked):
        start, end = match.span()
        while start > 0 and (blanked[start - 1].isalnum() or blanked[start - 1] == "_"):
            start -= 1
        before = blanked[start - 1] if start > 0 else " "
        after = blanked[end] if end < len(blanked) else " "
        if before in "?$:" or after == ":" or after.isalnum() or after == "_":
            continue
        found.add(match.group().upper())
    return found
