"""Fold an institution's name into the words that tell it apart, in any language.

"Munich Technical University", "Technische Universität München" minus the city's spelling,
and "TU Munich" all fold to the same words: the common words of institution names
(university, technical, polytechnic, institute, faculty, national, state ...) become one
concept whatever their language, the little words (of, de, di, der, the ...) go, and the
order of the rest stops mattering. Everything else in a name (the city, the founder, "State",
"System", "Berkeley") is kept word for word: those are what make two institutions two.

Small misspellings are measured here too (``close``), so that "Politechnico" is still
"Politecnico" and "Univeristy" still "University"; what to do with them is the matcher's
business (passerelle/matching.py).
"""

from __future__ import annotations

from functools import cache

from passerelle.normalise import normalise_name

# Concept -> its words in the languages of the registry's institutions (after
# normalise_name: no accents, lower case). A concept is written with a leading "~" so that
# it can never be mistaken for a word of a name.
CONCEPTS = {
    "~university": (
        "university", "universitat", "universitaet", "universite", "universidad", "universita",
        "universiteit", "universidade", "uniwersytet", "univerzita", "universitet",
        "universitatea", "univerza", "universitesi", "universiti", "universitas", "yliopisto",
        "egyetem", "sveuciliste", "uni", "univ"),
    "~technical": (
        "technical", "technische", "technischen", "tecnica", "tecnico", "technique", "techniques",
        "technological", "technology", "technologie", "technologique", "tecnologia",
        "tecnologico", "tecnologica", "tecnologie", "technologies", "teknik", "tekniska",
        "teknologi", "technicka", "techniczna", "tehnica", "tehnologie", "tech"),
    "~polytechnic": (
        "polytechnic", "polytechnical", "polytechnique", "polytechnische", "politecnico",
        "politecnica", "politecnic", "politechnika", "politehnica", "politehnika",
        "polytechnika", "politecnica", "poly"),
    "~institute": ("institute", "institut", "instituto", "istituto", "instytut", "institutet",
                   "inst"),
    "~school": ("school", "ecole", "escuela", "escola", "scuola", "schule"),
    "~faculty": ("faculty", "faculte", "facultad", "faculdade", "facolta", "fakultat",
                 "fakulteta", "fakulta", "wydzial"),
    "~college": ("college", "colegio", "collegio", "kolegium"),
    "~national": ("national", "nationale", "nacional", "nazionale", "nationaal", "narodowy",
                  "natl"),
    "~state": ("state", "estadual", "estatal", "statale", "staatliche", "etat", "estado"),
    "~federal": ("federal", "federale", "federalna"),
    "~catholic": ("catholic", "catolica", "catolico", "catholique", "katholieke",
                  "katholische", "cattolica", "katolicki", "katolicka"),
    "~pontifical": ("pontifical", "pontificia", "pontificio", "pontificale"),
    "~science": ("science", "sciences", "ciencia", "ciencias", "scienze", "scienza",
                 "wissenschaften", "sciencias"),
    "~engineering": ("engineering", "engineers", "ingenieria", "ingenieurs", "ingenieur",
                     "ingenierie", "ingegneria", "engenharia", "ingenieros"),
    "~applied": ("applied", "angewandte", "appliquees", "aplicadas", "applicate"),
    "~higher": ("higher", "superior", "superieure", "superieur", "superiore", "hogere"),
    "~saint": ("saint", "st", "sankt", "sainte", "ste"),
    "~economics": ("economics", "economic", "economie", "economia", "economiques",
                   "wirtschaft"),
    "~business": ("business", "commerce", "negocios", "affaires"),
    "~management": ("management", "gestion", "gestao"),
    "~republic": ("republic", "republica", "republique", "repubblica"),
}

# Short forms that stand for several concepts at once.
EXPANSIONS = {"tu": ("~technical", "~university"), "th": ("~technical", "~university")}

# Little words of names in the registry's languages, and "degli studi" of Italian names
# ("Università degli Studi di Milano" is the University of Milan).
STOPWORDS = frozenset(
    "of the and at in for on a an to "
    "de du des la le les l d et en au aux "
    "di da del della delle degli dei dell dello e studi "
    "do dos das "
    "el los las y "
    "der die das den dem und fur zu im an "
    "van voor het te "
    "w we im i".split())

WORD_CONCEPT = {word: concept for concept, words in CONCEPTS.items() for word in words}
# A word this long or longer that is one edit away from a concept's word is that concept
# ("politechnico", "univeristy"); shorter words are too easily another word.
FUZZY_CONCEPT_MIN = 7


def fold(name: str) -> tuple[str, ...]:
    """The name's folded words, sorted: concepts for common words, little words dropped.

    A Roman "I" closing a name is a number ("Claude Bernard Lyon I" is Lyon 1), not the
    Catalan "and".
    """
    words = normalise_name(name).split()
    if words and words[-1] == "i":
        words[-1] = "1"
    folded: list[str] = []
    for word in words:
        folded.extend(fold_word(word))
    return tuple(sorted(folded))


@cache
def fold_word(word: str) -> tuple[str, ...]:
    """One normalised word -> its concept(s), itself, or nothing (a little word)."""
    if word in STOPWORDS:
        return ()
    if word in EXPANSIONS:
        return EXPANSIONS[word]
    if word in WORD_CONCEPT:
        return (WORD_CONCEPT[word],)
    if len(word) >= FUZZY_CONCEPT_MIN:
        near = {concept for variant in (word, *deletions(word))
                for known, concept in _CONCEPT_DELETIONS.get(variant, ())
                if close(word, known)}
        if len(near) == 1:
            return (near.pop(),)
    return (word,)


def deletions(word: str) -> set[str]:
    """The word with one letter dropped, every way: two words one edit apart share one of
    these (or one is the other's), which finds near words by look-up instead of by scanning."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _concept_deletions() -> dict[str, set[tuple[str, str]]]:
    """A long concept word and each of its deletions -> (that word, its concept)."""
    table: dict[str, set[tuple[str, str]]] = {}
    for known, concept in WORD_CONCEPT.items():
        if len(known) >= FUZZY_CONCEPT_MIN:
            for variant in (known, *deletions(known)):
                table.setdefault(variant, set()).add((known, concept))
    return table


_CONCEPT_DELETIONS = _concept_deletions()


def distinctive(words: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """The words of a folded name that are not concepts: what names this one institution."""
    return frozenset(word for word in words if not word.startswith("~"))


def is_concept(word: str) -> bool:
    return word.startswith("~")


def close(left: str, right: str) -> bool:
    """One edit apart (a letter added, dropped, changed, or two neighbours swapped), for
    words of five letters or more; equal for shorter words, where one letter is a name."""
    if left == right:
        return True
    if min(len(left), len(right)) < 5 or abs(len(left) - len(right)) > 1:
        return False
    return _edits(left, right) <= 1


def _edits(left: str, right: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def initials(name: str) -> str:
    """The initials of a name's words, little words left out: "National Technical University
    of Athens" -> "ntua". Empty for names of fewer than three such words."""
    words = [w for w in normalise_name(name).split() if w not in STOPWORDS]
    return "".join(w[0] for w in words) if len(words) >= 3 else ""
