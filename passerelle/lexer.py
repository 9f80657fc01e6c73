"""What a SPARQL text says, read without parsing it: linear scans, no Flask.

pyoxigraph parses and runs a query in one call and exposes no parse tree, so the questions
the server (and the query process) must answer before running a text are answered here by
scanning it once, left to right, as a lexer would:

- `blank_opaque`: the text with comments, literals and IRIs blanked out, so that a keyword
  is only found where it is one;
- `network_keywords`: SERVICE or LOAD used as keywords (a courtesy check: the protection is
  the query process's sandbox, `passerelle.sandbox`);
- `has_dataset_clause`: the query names its own dataset (FROM), so the union default graph
  must not replace it;
- `keyword`: the pattern of a keyword where it is one (not part of a variable or a name),
  for the other readers (the query form, where group patterns open, USING clauses).

Every function is linear in the text's length, whatever the text holds: they run on text a
client sent (the old regex took 72 s on 100 KB of unterminated quotes).
"""

from __future__ import annotations

import re


def keyword(*words: str) -> str:
    # A keyword, not part of a variable (?from), a prefixed name (ex:where, where:x) or a
    # longer word: the characters that continue those names may not touch it.
    return r"(?<![\w:?$.\-])(?:" + "|".join(words) + r")(?![\w:\-])"


# A variable token, ?x or $x, as SPARQL's VAR1/VAR2 spell it (the readers that find where a
# variable stands: `passerelle.inline`, `passerelle.remote_store`). Not after a backslash:
# ``ex:a\?x`` is a prefixed name whose local part escapes the ``?`` (PN_LOCAL_ESC).
VARIABLE = r"(?<!\\)[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+"
_FROM = re.compile(keyword("FROM"), re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9_]+")
_NETWORK_WORDS = {"SERVICE", "LOAD"}
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Where a comment, a literal, an IRI or an escape may start.
_SPECIAL = re.compile(r"[#'\"<\\]")
_LINE_END = re.compile(r"[\n\r]|\Z")
# The inside of an IRI reference (SPARQL's IRIREF), \u and \U escapes included.
_IRI_BODY = re.compile(r'(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*')
_SHORT_BODY = {quote: re.compile(rf"(?:[^{quote}\\\n\r]|\\.)*") for quote in "'\""}
_LONG_BODY = {quote: re.compile(rf"(?:[^{quote}\\]|\\.|{quote}(?!{quote}{quote}))*", re.DOTALL)
              for quote in "'\""}
def blank_opaque(text: str) -> str:
    """The text with comments, literals and IRIs replaced by spaces (same length).

    One pass, left to right, as a lexer reads: linear in the text's length whatever it
    holds (unterminated literals, thousands of quotes or angle brackets). A literal left
    open blanks the rest of its line (a long one, the rest of the text): the query does not
    parse anyway. An escaped character outside literals (``ex:a\\#b``) is part of a name.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL.search(text, i)
        if special is None:
            out.append(text[i:])
            break
        out.append(text[i:special.start()])
        i = special.start()
        if text[i] == "\\":  # an escaped character of a name: kept, never a comment or quote
            out.append(text[i:i + 2])
            i += 2
            continue
        end = _opaque_end(text, i)
        if end is None:  # "<" as an operator
            out.append("<")
            i += 1
        else:
            out.append(" " * (end - i))
            i = end
    return "".join(out)



def _opaque_end(text: str, start: int) -> int | None:
    """Where the comment, literal or IRI that starts at ``start`` ends (None: a "<" that
    starts no IRI). Each pattern is matched once from a fixed start, its alternatives
    starting with distinct characters: its cost is the length it covers. An IRI's scan
    stops at the next "<", so two never cover the same text."""
    char = text[start]
    if char == "#":
        return _LINE_END.search(text, start).start()
    if char == "<":
        end = _IRI_BODY.match(text, start + 1).end()
        return end + 1 if text.startswith(">", end) else None
    if text.startswith(char * 3, start):
        end = _LONG_BODY[char].match(text, start + 3).end()
        return min(end + 3, len(text))  # left open: to the end of the text
    end = _SHORT_BODY[char].match(text, start + 1).end()
    return end + 1 if text.startswith(char, end) else end  # left open: to the line's end



def decode_codepoints(text: str) -> str:
    """The text with its ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes decoded (SPARQL allows them
    anywhere; one regex pass, linear)."""
    def decode(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else match.group()

    return _CODEPOINT.sub(decode, text)



def has_dataset_clause(query: str) -> bool:
    """True when the query has FROM or FROM NAMED (only its dataset clause can)."""
    return _FROM.search(blank_opaque(query)) is not None



def network_keywords(text: str) -> set[str]:
    """SERVICE and LOAD (upper case) where they stand as keywords.

    Outside comments, literals and IRIs, in the text as written and with its ``\\u``
    escapes decoded, a word holding SERVICE or LOAD (any case: pyoxigraph reads
    ``trueSERVICE`` as ``true SERVICE``) counts unless it is a variable (``?service``), the
    local part of a prefixed name (``ex:service``) or a prefix (``service:x``). This is a
    courtesy, not the protection: it answers a clear 400 before
    a query is run; the query processes have no network whatever the text says
    (`passerelle.sandbox`), so a spelling it misses fails there, with the same 400.
    Linear in the text's length.
    """
    found = set()
    for version in {text, decode_codepoints(text)}:
        blanked = blank_opaque(version)
        for match in _WORD.finditer(blanked):
            word = match.group().upper()
            keywords = {keyword for keyword in _NETWORK_WORDS if keyword in word}
            if not keywords:
                continue
            start, end = match.span()
            before = blanked[start - 1] if start > 0 else " "
            after = blanked[end] if end < len(blanked) else " "
            if before in "?$:" or after == ":":
                continue
            found |= keywords
    return found
