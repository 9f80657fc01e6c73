"""The graph in a remote SPARQL 1.1 store: where it is, how to talk to it, how to load it.

A store location is a directory (the embedded pyoxigraph store, `passerelle.builddir`) or the URL
of a SPARQL 1.1 query endpoint. For a URL, `endpoint_from` gathers the rest from options
and the environment (options win):

- ``PASSERELLE_STORE_UPDATE_URL``: the SPARQL Update endpoint (default: the query URL);
- ``PASSERELLE_STORE_GSP_URL``: a Graph Store Protocol endpoint; when set, graphs are
  loaded with PUT/POST of N-Triples there, otherwise with INSERT DATA through the update
  endpoint;
- ``PASSERELLE_STORE_USER``, ``PASSERELLE_STORE_PASSWORD``, ``PASSERELLE_STORE_AUTH``
  (``basic``, the default, or ``digest``): credentials for every request;
- ``PASSERELLE_STORE_TIMEOUT``: seconds a query may take (default 60);
- ``PASSERELLE_STORE_DATASET``: what a query without FROM runs on. ``named`` (the default):
  the graphs of the published build, named in every request (``default-graph-uri``,
  ``named-graph-uri``), the same on every store and never a graph being loaded. ``union``:
  the store's own default graph, which must then be the union of all its graphs (Virtuoso,
  GraphDB and Neptune by default, ``oxigraph serve --union-default-graph``, Fuseki with
  ``tdb2:unionDefaultGraph``); faster where naming graphs is costly (Oxigraph evaluates a
  list of default graphs several times slower than its union), but a query running while
  a build loads sees the staging graphs too.

Loading a build into such a store is the build's work (`graph.remote`); reading it, and the
metadata of the build it publishes, is here.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPResponse

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)
from SPARQLWrapper import CONSTRUCT, DESCRIBE, INSERT, JSON, POST, SELECT, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from passerelle import remote_terms, vocabulary

BUILD_GRAPH = NamedNode(vocabulary.BUILD_GRAPH)
METADATA = NamedNode(vocabulary.METADATA)
AUTH_SCHEMES = ("basic", "digest")
DEFAULT_TIMEOUT = 60.0
WRITE_TIMEOUT = 3600  # seconds; a load or a switch of a large graph takes long

ENVIRONMENT = {
    "PASSERELLE_STORE_UPDATE_URL": "update_url",
    "PASSERELLE_STORE_GSP_URL": "gsp_url",
    "PASSERELLE_STORE_USER": "user",
    "PASSERELLE_STORE_PASSWORD": "password",
    "PASSERELLE_STORE_AUTH": "auth",
    "PASSERELLE_STORE_TIMEOUT": "timeout",
    "PASSERELLE_STORE_DATASET": "dataset",
}
DATASETS = ("named", "union")


class RemoteStoreError(OSError):
    """The remote store could not be reached, refused a request or answered an error."""


@dataclass(frozen=True)
class Endpoint:
    """Where a remote store answers queries and takes writes, and how to authenticate."""

    query_url: str
    update_url: str
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    timeout: float = DEFAULT_TIMEOUT
    dataset: str = "named"


def is_url(location: object) -> bool:
    """True when a store location names a remote endpoint rather than a directory."""
    return str(location).startswith(("http://", "https://"))


def endpoint_from(location: str, environ: Mapping[str, str] = os.environ,
                  **options: str | float | None) -> Endpoint:
    """The endpoint at ``location``: options (None: not given) over environment variables.

    Raises ValueError for a location that is not an http(s) URL, an unknown option or
    authentication scheme, or a timeout that is not a positive number.
    """
    if not is_url(location):
        raise ValueError(f"{location!r} is not the http(s) URL of a SPARQL endpoint")
    settings = {key: environ[name] for name, key in ENVIRONMENT.items() if environ.get(name)}
    unknown = set(options) - set(ENVIRONMENT.values())
    if unknown:
        raise ValueError(f"unknown remote store options: {sorted(unknown)}")
    settings.update({key: value for key, value in options.items() if value is not None})
    auth = str(settings.get("auth", "basic")).lower()
    if auth not in AUTH_SCHEMES:
        raise ValueError(f"authentication {auth!r} is not one of {', '.join(AUTH_SCHEMES)}")
    dataset = str(settings.get("dataset", "named")).lower()
    if dataset not in DATASETS:
        raise ValueError(f"store dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    try:
        timeout = float(settings.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as exc:
        raise ValueError(f"the store timeout must be a number of seconds: {exc}") from exc
    if timeout <= 0:
        raise ValueError(f"the store timeout must be positive, not {timeout}")
    return Endpoint(query_url=location, update_url=settings.get("update_url") or location,
                    gsp_url=settings.get("gsp_url"), user=settings.get("user"),
                    password=settings.get("password"), auth=auth, timeout=timeout,
                    dataset=dataset)


# ---- Talking to the store ------------------------------------------------------------------

def query(endpoint: Endpoint, text: str, form: str = SELECT, default_graphs: Iterable[str] = (),
          named_graphs: Iterable[str] = (), timeout: float | None = None) -> HTTPResponse:
    """POST a query of that form; the open HTTP response: SPARQL JSON results for SELECT and
    ASK, Turtle for CONSTRUCT and DESCRIBE. The caller reads and closes it.

    Raises SyntaxError when the store says the query is malformed (HTTP 400), TimeoutError
    when it does not answer in time, RemoteStoreError for any other failure.
    """
    wrapper = _wrapper(endpoint, timeout or endpoint.timeout)
    wrapper.setReturnFormat(TURTLE if form in (CONSTRUCT, DESCRIBE) else JSON)
    wrapper.setOnlyConneg(True)  # no format=/output= parameters, which some stores refuse
    for graph in default_graphs:
        wrapper.addParameter("default-graph-uri", graph)
    for graph in named_graphs:
        wrapper.addParameter("named-graph-uri", graph)
    _set_text(wrapper, text, form)
    return _send(wrapper, endpoint.query_url).response


def update(endpoint: Endpoint, text: str) -> None:
    """POST a SPARQL update to the update endpoint (errors as for `query`)."""
    wrapper = _wrapper(endpoint, WRITE_TIMEOUT)
    _set_text(wrapper, text, INSERT)
    _send(wrapper, endpoint.update_url).response.close()


def _set_text(wrapper: SPARQLWrapper, text: str, form: str) -> None:
    # SPARQLWrapper guesses the form from the text, and its guess reads comments (it skips
    # only every other line of a comment block): say it, since it picks the endpoint (query
    # or update) and the Accept header from it.
    wrapper.setQuery(text)
    wrapper.queryType = form


def select_rows(endpoint: Endpoint, text: str, **dataset: Iterable[str]) -> list[tuple]:
    """A SELECT query's rows, each a tuple of terms (None where unbound)."""
    return [tuple(solution) for solution in read_results(query(endpoint, text, **dataset))]


def read_results(response: HTTPResponse, column_types: Mapping[str, str] | None = None
                 ) -> QuerySolutions | QueryBoolean:
    """SPARQL JSON results as pyoxigraph's QuerySolutions (or QueryBoolean for ASK).

    The body is read whole. Virtuoso labels blank nodes "nodeID://b10006", which is not a
    blank node label: such labels are replaced by labels derived from them, the same for
    the same node throughout the answer. ``column_types`` (variable name -> declared type):
    the literals of those columns as the embedded store spells them
    (`passerelle.remote_terms.normalise`).
    """
    with response:
        body = response.read()
    if b"nodeID://" in body or column_types:
        answer = json.loads(body)
        for row in answer.get("results", {}).get("bindings", []):
            for name, term in row.items():
                if term.get("type") == "bnode":
                    term["value"] = "b" + hashlib.sha256(term["value"].encode()).hexdigest()
                elif column_types and name in column_types:
                    row[name] = _normalised(term, column_types[name])
        body = json.dumps(answer).encode("utf-8")
    return parse_query_results(body, format=QueryResultsFormat.JSON)


def _normalised(term: dict, declared: str) -> dict:
    """A SPARQL JSON literal as `remote_terms.normalise` rewrites it (other terms unchanged)."""
    if term.get("type") not in ("literal", "typed-literal"):
        return term
    if "xml:lang" in term:
        literal = Literal(term["value"], language=term["xml:lang"])
    else:
        literal = Literal(term["value"], datatype=NamedNode(term.get("datatype",
                                                                     remote_terms.STRING)))
    literal = remote_terms.normalise(literal, declared)
    written = {"type": "literal", "value": literal.value}
    if literal.language is not None:
        written["xml:lang"] = literal.language
    elif literal.datatype.value != remote_terms.STRING:
        written["datatype"] = literal.datatype.value
    return written


def _wrapper(endpoint: Endpoint, timeout: float) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(endpoint.query_url, updateEndpoint=endpoint.update_url,
                            agent="passerelle (SPARQLWrapper)")
    wrapper.setMethod(POST)  # never a URL that logs or caps the text
    wrapper.timeout = timeout  # setTimeout would round it down to whole seconds
    if endpoint.user is not None and endpoint.auth == "basic":
        wrapper.addCustomHttpHeader("Authorization", basic_authorization(endpoint))
    elif endpoint.user is not None:
        # SPARQLWrapper opens URLs with urllib's process-wide opener, which is where a
        # digest handler must go (its own setCredentials would tie it to one realm).
        urllib.request.install_opener(opener(endpoint))
    return wrapper


def _send(wrapper: SPARQLWrapper, url: str):
    try:
        return wrapper.query()
    except QueryBadFormed as exc:
        raise SyntaxError(f"{url} answered 400 Bad Request: {_message(exc)}") from exc
    except TimeoutError as exc:
        raise TimeoutError(f"{url} did not answer within {wrapper.timeout} s") from exc
    except (SPARQLWrapperException, urllib.error.URLError, OSError) as exc:
        raise RemoteStoreError(f"{url}: {_message(exc)}") from exc


def _message(exc: Exception) -> str:
    # SPARQLWrapper's message ends with the repr of the store's answer, the part worth
    # reading: show that text as the store wrote it.
    text = str(exc)
    if isinstance(exc, SPARQLWrapperException):
        _, _, answer = text.partition("\n\nResponse:\n")
        try:
            text = ast.literal_eval(answer).decode("utf-8", "replace").strip() or text
        except (ValueError, SyntaxError, AttributeError):
            pass  # no answer in the message: keep SPARQLWrapper's words
    return text if len(text) < 2000 else text[:2000] + "..."


def basic_authorization(endpoint: Endpoint) -> str:
    pair = f"{endpoint.user}:{endpoint.password or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def opener(endpoint: Endpoint) -> urllib.request.OpenerDirector:
    """A urllib opener that answers digest challenges with the endpoint's credentials."""
    if endpoint.user is None or endpoint.auth != "digest":
        return urllib.request.build_opener()
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(_passwords(endpoint)))


def _passwords(endpoint: Endpoint) -> urllib.request.HTTPPasswordMgrWithDefaultRealm:
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    for url in {endpoint.query_url, endpoint.update_url, endpoint.gsp_url} - {None}:
        passwords.add_password(None, url, endpoint.user, endpoint.password or "")
    return passwords


def digest_authorization(endpoint: Endpoint, request: urllib.request.Request,
                         timeout: float) -> str | None:
    """The Digest ``Authorization`` header for ``request``, answering the challenge that a
    request without a body to the same URL gets (None: no digest challenge came).

    urllib sends a request with its body first and answers the 401 after: with a large body
    (a Graph Store PUT of 500 KB), Virtuoso answers 401 and closes the connection before the
    body is sent, and the write fails with a broken pipe.
    """
    try:
        urllib.request.build_opener().open(urllib.request.Request(request.full_url),
                                           timeout=timeout).close()
        return None
    except urllib.error.HTTPError as exc:
        challenge = exc.headers.get("WWW-Authenticate", "") if exc.code == 401 else ""
        exc.close()
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() != "digest":
        return None
    fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(rest)))
    answer = urllib.request.HTTPDigestAuthHandler(_passwords(endpoint)).get_authorization(
        request, fields)
    return None if answer is None else f"Digest {answer}"


def read_metadata(endpoint: Endpoint) -> dict | None:
    """The metadata of the published build (written by `graph.remote.publish`), None when
    none was published."""
    rows = select_rows(endpoint, f"SELECT ?m WHERE {{ {BUILD_GRAPH} {METADATA} ?m }}",
                       default_graphs=[BUILD_GRAPH.value])
    if not rows:
        return None
    return json.loads(rows[0][0].value)
