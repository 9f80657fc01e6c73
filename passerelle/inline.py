"""Parameters written into a query's text as constants, where the lexer finds their variable.

pyoxigraph 0.5's planner does not use ``substitutions`` (SEP-0007) when it orders joins: a
bound school joined with an rdf:type pattern took 1,300 ms substituted, 67 ms with a VALUES
block and 5 ms with the IRI written in the query. So a canned query's parameters are written
in as constants. Safely: only a typed term (`passerelle.canned.to_term`), serialised by
pyoxigraph (``str(NamedNode)``, ``str(Literal)`` escape as SPARQL wants), ever goes in, and
only where the scan of `passerelle.lexer.blank_opaque` (comments, literals and IRIs blanked)
finds the variable token ``?x`` or ``$x``: never text from a request.

`Template.of` reads the query once (at load) and records, for each place a parameter's
variable stands, how a constant is written there, with SPARQL's grammar and scopes:

- in a pattern or an expression: the term itself;
- projected by the outer SELECT: ``(TERM AS ?x)``, which keeps the column;
- projected by a subquery: left out (the outer query has the constant written in too, so
  the join on it was the identity; an ``AS`` there would rebind a variable in scope);
- a key of GROUP BY or ORDER BY: ``(TERM)`` (a bare constant is not a key there);
- inside a subquery that does not project it (without ``*``): nothing, the variable there is
  another one, as with substitutions.

A parameter with a place that cannot take a constant stays a substitution, as before
(`Template.substituted` says where and why): the variable as the target of ``AS`` (BIND, a
projection or GROUP BY expression), in a VALUES variable list, in an outer ``SELECT *`` (its
column would be lost) or in a subquery that projects parameters only (its projection would be
empty). A parameter left out keeps its variable, unbound, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from passerelle.lexer import VARIABLE, blank_opaque, keyword

# A variable (not an escaped "?" of a prefixed name: ex:a\?b), a brace, a parenthesis, "*",
# or a keyword that changes what a variable after it is.
_TOKEN = re.compile(r"[{}()*]|" + VARIABLE + "|"
                    + keyword("SELECT", "AS", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET",
                              "VALUES"), re.IGNORECASE)
# How a constant is written where the variable stood.
TERM, PROJECTED, DROPPED, KEY = "term", "projected", "dropped", "key"


@dataclass
class _Scope:
    """The parameters visible in a group: all of them in the outer query; in a subquery,
    those its SELECT projects (all, with ``*``) of the ones visible around it."""

    parent: _Scope | None = None
    projected: set[str] = field(default_factory=set)
    star: bool = False

    def sees(self, name: str) -> bool:
        if self.parent is None:
            return True
        return (self.star or name in self.projected) and self.parent.sees(name)


@dataclass
class _Clause:
    """A SELECT clause being read: the scope of its query, its projection items so far."""

    scope: _Scope
    outer: bool
    position: int
    parentheses: int = 0
    items: int = 0  # variables and (expression AS ?x) at its top level
    parameter_items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    start: int
    end: int
    name: str
    how: str
    scope: _Scope


@dataclass(frozen=True)
class _Refusal:
    name: str
    position: int
    reason: str
    scope: _Scope


@dataclass(frozen=True)
class Template:
    """A query, the places where each parameter's constant goes, and the parameters that
    stay substituted because one of their places cannot take a constant (`fill`)."""

    text: str
    places: tuple[tuple[int, int, str, str], ...]  # (start, end, name, how), in text order
    substituted: Mapping[str, str] = field(default_factory=dict)  # name -> why

    @classmethod
    def of(cls, text: str, names: set[str] | frozenset[str]) -> Template:
        """The template of a query whose parameters are ``names``."""
        places, refusals, clauses = _scan(text, set(names))
        substituted = {}
        for refusal in refusals:
            if refusal.scope.sees(refusal.name):
                substituted.setdefault(refusal.name, f"line {_line(text, refusal.position)}: "
                                                     f"?{refusal.name} {refusal.reason}")
        for clause in clauses:
            visible = [name for name in clause.parameter_items if clause.scope.sees(name)]
            if not clause.outer and visible and len(visible) == clause.items:
                listed = " ".join("?" + name for name in visible)
                for name in visible:
                    substituted.setdefault(name, f"line {_line(text, clause.position)}: the "
                                                 f"subquery projects only parameters ({listed})"
                                                 ": with constants it would project nothing")
        return cls(text, tuple((p.start, p.end, p.name, p.how) for p in places
                               if p.scope.sees(p.name) and p.name not in substituted),
                   substituted)

    def fill(self, bound: Mapping[str, NamedNode | Literal]
             ) -> tuple[str, dict[str, NamedNode | Literal]]:
        """The query with each bound parameter's term written in (a parameter left out keeps
        its variable, unbound), and the bound terms that stay substitutions. Only IRIs and
        literals are written in: a blank node is not a constant (ValueError)."""
        pieces, done = [], 0
        for start, end, name, how in self.places:
            term = bound.get(name)
            if term is None:
                continue
            if not isinstance(term, NamedNode | Literal):
                raise ValueError(f"?{name}: only an IRI or a literal can be written in, "
                                 f"not {term!r}")
            pieces.append(self.text[done:start])
            pieces.append(_written(term, self.text[start:end], how))
            done = end
        pieces.append(self.text[done:])
        return "".join(pieces), {name: term for name, term in bound.items()
                                 if name in self.substituted}


def _written(term: NamedNode | Literal, variable: str, how: str) -> str:
    if how == PROJECTED:
        return f"({term} AS {variable})"
    if how == KEY:
        return f"({term})"
    if how == DROPPED:
        return ""
    return str(term)


def _scan(text: str, names: set[str]) -> tuple[list[_Place], list[_Refusal], list[_Clause]]:
    """One pass over the blanked text: each parameter variable's place, what is refused,
    and every SELECT clause (to check what a subquery still projects)."""
    blanked = blank_opaque(text)
    places: list[_Place] = []
    refusals: list[_Refusal] = []
    clauses: list[_Clause] = []
    outer = _Scope()
    frames: list[_Scope] = []  # the scope of each open brace, innermost last
    parentheses: list[int] = [0]  # the open parentheses of each brace level
    clause: _Clause | None = None
    modifiers: _Scope | None = None  # after a query's WHERE: its GROUP BY, ORDER BY ...
    keys = values = False  # reading GROUP BY / ORDER BY keys; a VALUES variable list
    previous = ""
    for match in _TOKEN.finditer(blanked):
        token = match.group()
        word = token.upper()
        at = match.start()
        if token[0] in "?$":
            name = token[1:]
            if clause is not None and (clause.parentheses == 0 or previous == "AS"):
                clause.scope.projected.add(name)
            if name in names:
                scope = (clause.scope if clause is not None
                         else modifiers or (frames[-1] if frames else outer))
                if previous == "AS":
                    refusals.append(_Refusal(name, at, "is the target of AS: a constant "
                                             "cannot be bound to a value", scope))
                elif values:
                    refusals.append(_Refusal(name, at, "is a variable of a VALUES block: "
                                             "a constant cannot be one", scope))
                else:
                    how = _how(clause, keys, parentheses[-1])
                    places.append(_Place(match.start(), match.end(), name, how, scope))
                    if clause is not None and how in (PROJECTED, DROPPED):
                        clause.parameter_items.append(name)
            if clause is not None and clause.parentheses == 0 and previous != "AS":
                clause.items += 1
        elif token == "(":
            if clause is not None:
                clause.parentheses += 1
            else:
                parentheses[-1] += 1
        elif token == ")":
            if clause is not None:
                clause.parentheses -= 1
                if clause.parentheses == 0:
                    clause.items += 1  # (expression AS ?x)
            else:
                parentheses[-1] -= 1
        elif token == "*" and clause is not None and clause.parentheses == 0:
            clause.scope.star = True
            if clause.outer and names:
                refusals.append(_Refusal(sorted(names)[0], at, "is a parameter of a "
                                         "SELECT * query: list the columns, so that a "
                                         "parameter's column stays", outer))
        elif word == "SELECT":
            inner = outer if not frames else _Scope(parent=frames[-1])
            clause = _Clause(inner, outer=not frames, position=at)
            clauses.append(clause)
            modifiers, keys = None, False
        elif word in ("GROUP", "ORDER"):
            keys = True
        elif word in ("HAVING", "LIMIT", "OFFSET"):
            keys = False
        elif word == "VALUES":
            values, keys = True, False
        elif token == "{":
            if clause is not None and clause.parentheses == 0:
                frames.append(clause.scope)  # the WHERE of the SELECT just read
                clause = None
            elif clause is not None:
                frames.append(clause.scope)  # EXISTS in a projected expression
            else:
                frames.append(frames[-1] if frames else outer)
            parentheses.append(0)
            modifiers, keys, values = None, False, False
        elif token == "}" and frames:
            closed = frames.pop()
            parentheses.pop()
            # After the WHERE of a query come its modifiers, in its scope; after any other
            # group, the enclosing group goes on.
            enclosing = frames[-1] if frames else outer
            modifiers = closed if closed is not enclosing else None
            keys = False
        previous = word
    return places, refusals, clauses


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _how(clause: _Clause | None, keys: bool, parentheses: int) -> str:
    if clause is not None and clause.parentheses == 0:
        return PROJECTED if clause.outer else DROPPED
    if clause is None and keys and parentheses == 0:
        return KEY
    return TERM


@lru_cache(maxsize=512)
def template(text: str, names: frozenset[str]) -> Template:
    """`Template.of`, once per text and set of bound names (the pages' fixed queries)."""
    return Template.of(text, names)


def fill(text: str, bound: Mapping[str, NamedNode | Literal]
         ) -> tuple[str, dict[str, NamedNode | Literal]]:
    """The text with the bound terms written in, and those that stay substitutions."""
    return template(text, frozenset(bound)).fill(bound)
