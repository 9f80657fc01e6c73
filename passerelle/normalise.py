"""One way to compare institution names, shared by the build (resolver, identifier linker)
and the server (reconciliation): part of the neutral layer, it imports neither.

Two names that differ only in case, accents, apostrophe or dash style, punctuation,
spacing (``normalise_name``) or word order (``name_key``) compare equal. Nothing here knows
about any particular institution: abbreviations, old names and translations are the
registry's aliases, not rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters that Unicode does not decompose into a base letter plus an accent, so that
# stripping combining marks alone would keep them apart from their plain spelling
# ("Łódź" -> "lodz", "Høgskole" -> "hogskole").
_UNDECOMPOSED = {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th",
                 "ı": "i"}


class _CharacterTable(dict):
    """str.translate table built lazily, one character at a time, then served from the dict.

    Accents (combining marks) and invisible format characters are dropped; "&" is a word
    ("Science & Technology" = "Science and Technology"); every other punctuation mark, symbol
    or space separates words.
    """

    def __missing__(self, code: int) -> str:
        char, category = chr(code), unicodedata.category(chr(code))
        if unicodedata.combining(char) or category == "Cf":  # accents, soft hyphens
            replacement = ""
        elif char == "&":
            replacement = " and "
        elif category[0] in "PSZ" or category == "Cc":
            replacement = " "
        else:
            replacement = _UNDECOMPOSED.get(char, char)
        self[code] = replacement
        return replacement


_TABLE = _CharacterTable()


def normalise_name(text: str) -> str:
    """Casefold, strip accents, read "&" as "and", turn punctuation into spaces, collapse spaces.

    Apostrophes and dashes of every style become a space, as does any other punctuation, so
    "Università dell’Aquila" and "Universita dell'Aquila" both give "universita dell aquila".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(decomposed.translate(_TABLE).split())


def name_key(text: str) -> str:
    """``normalise_name`` with its words sorted: equal for names that differ in word order."""
    return words_key(normalise_name(text))


def words_key(normalised: str) -> str:
    """``name_key`` of a name that is already normalised."""
    return " ".join(sorted(normalised.split()))


def acronyms_in(names: Iterable[str]) -> set[str]:
    """Words of three capitals or more written inside names: "TTK" in "TTK University of ..."."""
    return {word for name in names for word in re.findall(r"\w+", name)
            if len(word) >= 3 and word.isalpha() and word.isupper()}
