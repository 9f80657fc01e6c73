"""The project's one network client: Wikidata's SPARQL endpoint, through SPARQLWrapper.

Every request names the project in its User-Agent (the Wikimedia policy asks for it), has a
timeout, and is retried with exponential backoff on 429 and 5xx answers and on network
errors, honouring a Retry-After header. Values put into a query are serialised as SPARQL
terms by pyoxigraph and checked against their pattern first; QIDs read back are checked too.
"""

from __future__ import annotations

import re
import time
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from graph.errors import BuildError
from graph.link.crosswalk import QID

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = ("Passerelle/0.1 (https://w3id.org/passerelle; partnership graph identifier "
              "linker) SPARQLWrapper/2")
ENTITY = "http://www.wikidata.org/entity/"
# Label languages tried for a registry name, whose language the registry does not record.
LABEL_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "mul")
BARE_ROR_ID = re.compile(r"0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}")
ISO_CODE = re.compile(r"[A-Z]{2}")
MAX_WAIT_SECONDS = 60.0
HIT_VARIABLES = ("label", "name", "iso", "ror", "website")

PREFIXES = """PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# What every look-up reads about a matching ?item (bound by the query's own patterns).
DESCRIBE_ITEM = """
  OPTIONAL { ?item rdfs:label ?label FILTER(LANG(?label) = "en") }
  OPTIONAL { ?item wdt:P17/wdt:P297 ?iso }
  OPTIONAL { ?item wdt:P6782 ?ror }
  OPTIONAL { ?item wdt:P856 ?website }
"""


@dataclass(frozen=True)
class WikidataHit:
    """A Wikidata entity that may be an entry: its QID, a label, ISO countries, ROR IDs, sites."""

    qid: str
    label: str
    countries: tuple[str, ...]
    ror_ids: tuple[str, ...]
    websites: tuple[str, ...]


class WikidataClient:
    """SELECT queries against one endpoint, with a timeout and retries."""

    def __init__(self, endpoint: str = WIKIDATA_ENDPOINT, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 2.0):
        self.endpoint, self.timeout = endpoint, timeout
        self.retries, self.backoff = retries, backoff

    def select(self, query: str) -> list[dict[str, str]]:
        """The query's solutions as {variable: value}; raises BuildError once retries run out."""
        attempt = 0
        while True:
            try:
                return self._select_once(query)
            except (urllib.error.URLError, ConnectionError, TimeoutError,
                    EndPointInternalError) as error:
                if attempt == self.retries or not _worth_retrying(error):
                    raise BuildError(f"{self.endpoint} failed: {error}") from error
                time.sleep(self._wait(attempt, error))
                attempt += 1
            except SPARQLWrapperException as error:
                raise BuildError(f"{self.endpoint} refused the query: {error}") from error

    def _select_once(self, query: str) -> list[dict[str, str]]:
        sparql = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        sparql.setMethod(POST)
        sparql.setReturnFormat(JSON)
        sparql.setTimeout(int(self.timeout))
        sparql.setQuery(query)
        answer = sparql.queryAndConvert()
        return [{name: term["value"] for name, term in solution.items()}
                for solution in answer["results"]["bindings"]]

    def _wait(self, attempt: int, error: Exception) -> float:
        retry_after = getattr(error, "headers", None) and error.headers.get("Retry-After")
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), MAX_WAIT_SECONDS)
        return min(self.backoff * 2**attempt, MAX_WAIT_SECONDS)

    def by_ror(self, ror_id: str) -> list[WikidataHit]:
        """Entities whose ROR ID (P6782) is ``ror_id`` (bare, or with https://ror.org/)."""
        bare = ror_id.removeprefix("https://ror.org/")
        if not BARE_ROR_ID.fullmatch(bare):
            raise BuildError(f"{ror_id!r} is not a ROR ID")
        query = (f"{PREFIXES}SELECT ?item ?label ?iso ?ror ?website WHERE {{\n"
                 f"  VALUES ?wanted {{ {Literal(bare)} }}\n  ?item wdt:P6782 ?wanted .\n"
                 f"{DESCRIBE_ITEM}}}")
        return hits_from(self.select(query))

    def by_label(self, names: Iterable[str], country: str) -> list[WikidataHit]:
        """Entities with one of ``names`` as label or alias, in the country ``country`` (ISO)."""
        if not ISO_CODE.fullmatch(country):
            raise BuildError(f"{country!r} is not an ISO 3166-1 alpha-2 code")
        values = " ".join(str(Literal(name, language=lang))
                          for name in dict.fromkeys(names) for lang in LABEL_LANGUAGES)
        query = (f"{PREFIXES}SELECT ?item ?name ?label ?iso ?ror ?website WHERE {{\n"
                 f"  VALUES ?name {{ {values} }}\n  ?item rdfs:label|skos:altLabel ?name ;\n"
                 f"        wdt:P17/wdt:P297 {Literal(country)} .\n{DESCRIBE_ITEM}}}\nLIMIT 200")
        return hits_from(self.select(query))


def _worth_retrying(error: Exception) -> bool:
    """429 and 5xx answers, timeouts and refused connections may pass later; 4xx will not."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code == 429 or error.code >= 500
    return True


def hits_from(solutions: list[dict[str, str]]) -> list[WikidataHit]:
    """One hit per entity, gathering the values spread over several solutions; QIDs checked."""
    gathered: dict[str, dict[str, dict[str, None]]] = {}
    for solution in solutions:
        qid = solution.get("item", "").removeprefix(ENTITY)
        if not QID.fullmatch(qid):
            continue
        values = gathered.setdefault(qid, {key: {} for key in HIT_VARIABLES})
        for name, seen in values.items():
            if name in solution:
                seen[solution[name]] = None
    # The English label when there is one, else the name the entity was found by.
    return [WikidataHit(qid, next(iter({**v["label"], **v["name"]}), ""), tuple(v["iso"]),
                        tuple(v["ror"]), tuple(v["website"]))
            for qid, v in gathered.items()]
