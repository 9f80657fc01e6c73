"""ETags, 304s and a small answer cache for the read endpoints: the data only changes on rebuild.

A read-only server answers from one published build, so the answer to a GET is a function of
the build and of the request: its path, the arguments its route reads (not the host: the
URLs an answer names come from the configured base URL) and its ``Accept`` header (which
picks the format). Hence:

- the ETag is a hash of the build id (``build.json``), the code that answers (the package
  version, the row cap and the canned queries), and that request; it is known before the
  view runs, so a request whose ``If-None-Match`` matches gets a 304 at once, without
  running any query;
- a repeated request is answered from a bounded in-process cache of recent answers
  (least recently used first out; each worker has its own);
- answers carry ``Cache-Control: public, max-age=...`` and ``Vary: Accept``, so browsers and
  proxies may keep them a short while and then revalidate with the ETag.

A rebuild changes the build id, hence every ETag: no stale answer survives it. Nothing is
cached for an admin server (its store changes under ``/update``), for a store made without
the build (no build id), for anything but a 200 answer to a GET or HEAD, for ``/healthz``
(it must say how the server is now) or for streamed answers (the dumps, which get their ETag
but are not kept in memory).

Settings (config keys): ``CACHE_BYTES`` (answers kept per process, 32 MB), ``CACHE_ENTRY_BYTES``
(the largest answer kept, 1 MB), ``CACHE_MAX_AGE`` (seconds, 60).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request

from passerelle.vocabulary import package_version
from server.store import current_store

DEFAULT_BYTES = 32 * 1024 * 1024
DEFAULT_ENTRY_BYTES = 1024 * 1024
DEFAULT_MAX_AGE = 60
UNCACHED_PREFIXES = ("/healthz", "/update")
# The arguments each route reads (endpoint -> names); routes not listed keep them all.
READ_ARGUMENTS = {
    "pages.entity": frozenset({"format"}),
    "sparql.query": frozenset({"query", "default-graph-uri", "named-graph-uri", "format",
                               "timeout"}),
    "meta.void": frozenset({"format"}),
    "meta.dump": frozenset(),
    "queries.listing": frozenset(),
    "queries.openapi_document": frozenset(),
}
# Headers not replayed from the cache: recomputed for each response.
NOT_REPLAYED = {"content-length", "date", "etag", "cache-control"}


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: tuple[tuple[str, str], ...]


@dataclass
class AnswerCache:
    """Recent answers by ETag, within a byte budget; counts hits for tests and benchmarks."""

    max_bytes: int
    max_entry_bytes: int
    answers: OrderedDict[str, Answer] = field(default_factory=OrderedDict)
    size: int = 0
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, tag: str) -> Answer | None:
        with self.lock:
            answer = self.answers.get(tag)
            if answer is not None:
                self.answers.move_to_end(tag)
                self.hits += 1
            return answer

    def put(self, tag: str, answer: Answer) -> None:
        if len(answer.body) > self.max_entry_bytes:
            return
        with self.lock:
            if tag in self.answers:
                return
            self.answers[tag] = answer
            self.size += len(answer.body)
            while self.size > self.max_bytes:
                _, oldest = self.answers.popitem(last=False)
                self.size -= len(oldest.body)


def register(app: Flask) -> None:
    """Add the ETag / 304 / answer cache hooks to the app (once)."""
    if "passerelle-caching" in app.extensions:
        return
    app.extensions["passerelle-caching"] = AnswerCache(
        int(app.config.get("CACHE_BYTES", DEFAULT_BYTES)),
        int(app.config.get("CACHE_ENTRY_BYTES", DEFAULT_ENTRY_BYTES)))
    app.before_request(answer_early)
    app.after_request(remember)


def request_tag() -> str | None:
    """The ETag of the answer to this request, or None when its answer may change."""
    if (request.method not in ("GET", "HEAD") or request.path.startswith(UNCACHED_PREFIXES)
            or _is_query_page()):
        return None
    opened = current_store()
    build_id = opened.build.get("build_id")
    if opened.writable or not build_id:
        return None
    key = "\n".join((_code_fingerprint(), str(current_app.config.get("ROW_CAP")), build_id,
                     current_app.config.get("BASE_URL", ""), _request_key(),
                     request.headers.get("Accept", "")))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _request_key() -> str:
    """The path and the arguments that shape the answer, sorted.

    Where a route reads a known set of arguments (`READ_ARGUMENTS`), the others are left out,
    so that an unknown one (``?nonce=1``) cannot force the answer to be computed again.
    Canned queries keep every argument: an unknown one is refused (400), never answered.
    """
    known = READ_ARGUMENTS.get(request.endpoint or "")
    args = sorted((key, value) for key, values in request.args.lists() for value in values
                  if known is None or key in known)
    return request.path + "?" + urlencode(args)


def _is_query_page() -> bool:
    """The query page (or the service description at the same address): cheap to draw, and
    the page depends on the editor files that `npm ci` installs, not on the build."""
    return request.path == "/editor" or (request.path == "/sparql"
                                         and "query" not in request.args)


def answer_early() -> Response | None:
    """A 304 when the client has this answer, the cached answer when this process has it."""
    tag = g.passerelle_etag = request_tag()
    if tag is None:
        return None
    if request.if_none_match.contains_weak(tag):
        return _with_validators(Response(status=304), tag)
    answer = current_app.extensions["passerelle-caching"].get(tag)
    if answer is None:
        return None
    g.passerelle_from_cache = True
    return Response(answer.body, status=200, headers=list(answer.headers))


def remember(response: Response) -> Response:
    """Give a cacheable answer its ETag and Cache-Control, and keep it for next time."""
    tag = g.get("passerelle_etag")
    if tag is None or response.status_code != 200:
        return response
    _with_validators(response, tag)
    if (request.method == "GET" and not response.is_streamed
            and not g.get("passerelle_from_cache")):
        headers = tuple((k, v) for k, v in response.headers.items()
                        if k.lower() not in NOT_REPLAYED)
        current_app.extensions["passerelle-caching"].put(
            tag, Answer(response.get_data(), headers))
    return response


def _with_validators(response: Response, tag: str) -> Response:
    response.set_etag(tag, weak=True)
    max_age = int(current_app.config.get("CACHE_MAX_AGE", DEFAULT_MAX_AGE))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept")
    return response


def _code_fingerprint() -> str:
    """What, besides the data and the row cap, shapes the answers: the version and the canned
    queries. Computed once per app: neither changes while the app runs.
    """
    extensions = current_app.extensions
    if "passerelle-caching-code" not in extensions:
        package = package_version()
        queries = extensions.get("passerelle-queries", {})
        texts = "\n".join(f"{name}\n{query.sparql}" for name, query in sorted(queries.items()))
        parts = (package, texts)
        extensions["passerelle-caching-code"] = hashlib.sha256(
            "\n".join(parts).encode("utf-8")).hexdigest()
    return extensions["passerelle-caching-code"]
