"""The agreement vocabulary of the documents: wordings to type, network and status keys.

The partner pages write agreements in free text ("Double diplôme ingénieur et Erasmus+",
"Bilateral/GE3", "douple diplôme, accord cadre"). This module splits such a text into its
terms and maps each term, once normalised (case, accents, apostrophes, spaces), to the keys
of ``passerelle.vocabulary`` and ``graph.records``. A term it does not know is returned in
``unknown``, never dropped, so the parser can report it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graph.records import IN_NEGOTIATION
from passerelle.vocabulary import NETWORKS, without_broader

TYPE_NOT_STATED = "type-not-stated"

# Normalised wording -> agreement type key. Every wording met in the documents, plus the
# English glosses that 000 gives for its French terms (lines 11-15).
TYPE_PHRASES = {
    "double diplome ingenieur": "engineering-double-degree",
    "engineering double degree": "engineering-double-degree",
    "double diplome": "double-degree",
    "douple diplome": "double-degree",  # typo of 000, line 215
    "double degree": "double-degree",
    "double diplome master": "master-double-degree",
    "accord cadre": "framework-agreement",
    "framework agreement": "framework-agreement",
    "accord cadre recherche": "research-framework-agreement",
    "accord cadre de cotutelle": "cotutelle-framework",
    "cotutelle doctorat": "doctoral-cotutelle",
    "accord d'echange en doctorat": "doctoral-exchange",
    "doctorat": "doctoral-agreement",
    "echange": "exchange",
    "exchange": "exchange",
    "bilateral": "bilateral",
    # English and French wordings of the contribution format (graph/parse/partner_csv.py)
    "master double degree": "master-double-degree",
    "exchange agreement": "exchange",
    "accord d'echange": "exchange",
    "doctoral exchange": "doctoral-exchange",
    "research framework agreement": "research-framework-agreement",
    "cotutelle framework agreement": "cotutelle-framework",
    "cotutelle": "doctoral-cotutelle",
    "doctoral cotutelle": "doctoral-cotutelle",
    "bilateral agreement": "bilateral",
    "accord bilateral": "bilateral",
}

# Normalised name -> network key (networks, programmes and labels alike): the one table of
# networks, read the other way round.
NETWORK_PHRASES = {phrase: key for key, phrases in NETWORKS.items() for phrase in phrases}

# Normalised wording -> status key ("in process" is a state of the agreement, not a type).
STATUS_PHRASES = {
    "in process": IN_NEGOTIATION,
}

# Term separators. In the list of 000, " / " joins a French wording to its English gloss
# ("Double Diplôme / Engineering Double Degree"): reading both and keeping the narrower
# type gives the right answer. In the table of 003, a bare "/" joins terms ("Bilateral/GE3").
SEPARATORS = {
    "list": re.compile(r",|&|\s+et\s+|\s+/\s+", re.IGNORECASE),
    "table": re.compile(r",|&|\s+et\s+|/", re.IGNORECASE),
}

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class AgreementTerms:
    """What an agreement text says: type keys, network keys, a status key, unknown terms."""

    types: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    status: str | None = None
    unknown: tuple[str, ...] = ()

    def stated_types(self) -> tuple[str, ...]:
        """The types, or ("type-not-stated",) for an agreement that names no type."""
        return self.types or (TYPE_NOT_STATED,)


def normalise(term: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces, "Erasmus +" -> "erasmus+"."""
    decomposed = unicodedata.normalize("NFKD", term.translate(APOSTROPHES))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    spaced = " ".join(bare.casefold().split())
    return spaced.replace(" +", "+")


def network_key(phrase: str) -> str | None:
    """The network key for one network, programme or label name, or None if unknown."""
    return NETWORK_PHRASES.get(normalise(phrase))


def parse_agreement_text(text: str, separators: str = "list") -> AgreementTerms:
    """Split an agreement text into its terms and map each one to a vocabulary key.

    ``separators`` is "list" (000's parentheses) or "table" (003's cells, which also split
    on "/"). A broader type is dropped when a narrower one is present.
    """
    if separators not in SEPARATORS:
        raise ValueError(f"unknown separators {separators!r}: expected one of {list(SEPARATORS)}")
    types, networks, statuses, unknown = set(), set(), [], []
    for raw in SEPARATORS[separators].split(text):
        term = normalise(raw)
        if not term:
            continue
        if term in TYPE_PHRASES:
            types.add(TYPE_PHRASES[term])
        elif term in NETWORK_PHRASES:
            networks.add(NETWORK_PHRASES[term])
        elif term in STATUS_PHRASES:
            statuses.append(STATUS_PHRASES[term])
        else:
            unknown.append(raw.strip())
    return AgreementTerms(
        types=without_broader(types),
        networks=tuple(sorted(networks)),
        status=statuses[0] if statuses else None,
        unknown=tuple(unknown),
    )
