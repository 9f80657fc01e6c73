"""Passerelle's web service: the app factory.

`create_app(config)` takes its settings from the defaults below, then the environment,
then ``config`` (tests), opens the store once and keeps it on the app
(``app.extensions["passerelle"]``, read through `server.store.current_store`).

Settings (environment variable -> config key):

- ``PASSERELLE_STORE`` -> ``STORE``: the store path (default ``var/store``), or the URL of
  a remote SPARQL 1.1 store's query endpoint, whose other settings (``STORE_OPTIONS``, then
  the PASSERELLE_STORE_* variables) `passerelle.remote` documents.
- ``PASSERELLE_ADMIN_TOKEN`` -> ``ADMIN_TOKEN``: when set (16 characters or more), the
  store is opened read-write and ``/update`` exists, for requests bearing this token.
- ``PASSERELLE_QUERIES_DIR`` -> ``QUERIES_DIR``: the canned queries (default ``queries/``).
- ``PASSERELLE_SERVICE_ALLOWLIST`` -> ``SERVICE_ALLOWLIST``: endpoint IRIs (separated by
  spaces) that a query's SERVICE may call; empty by default: no remote calls.
- ``PASSERELLE_QUERY_TIMEOUT`` -> ``QUERY_TIMEOUT``: the most seconds a query may run.
- ``PASSERELLE_QUERY_MEMORY_TOTAL`` -> ``QUERY_MEMORY_TOTAL``: bytes (or ``512M``, ``4G``)
  that all the query processes of the server may allocate together (``0``: no total).
- ``PASSERELLE_QUERY_SANDBOX`` -> ``QUERY_SANDBOX``: ``off`` lets query processes run without
  a network namespace of their own (`passerelle.sandbox`); on by default.
- ``PASSERELLE_QUERIES_PER_CLIENT`` -> ``QUERIES_PER_CLIENT``: the most queries one client
  address may run at once on the whole server, all worker processes together (default 0:
  half the server's query slots, `server.client_shares`). It needs ``CLIENT_SLOTS_DIR``, a
  directory every worker shares, which `server.wsgi.serve` makes; without it (one app in
  one process, as in tests) only each process's own fair shares apply.
- ``PASSERELLE_BASE_URL`` -> ``BASE_URL``: the public address of the service
  (``https://example.org/passerelle``); the URLs that answers carry (Link, VoID, the service
  description, the OpenAPI servers) are made from it, never from the request's Host header.
  Default ``http://127.0.0.1:8000``.

The other limits (``MAX_CONTENT_LENGTH``, ``ROW_CAP``, ``QUERY_PROCESSES``,
``QUERY_MEMORY_LIMIT``, ``MIN_QUERY_TIMEOUT``, ``DEMOTE_AFTER``) are config keys with the
defaults of `passerelle.limits`, which says what each one bounds. ``SERVER_WORKERS`` (set by
`server.wsgi.serve`) is how many server processes share ``QUERY_MEMORY_TOTAL``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from passerelle import limits, sandbox
from passerelle.paths import QUERIES_DIR
from passerelle.remote import is_url

log = logging.getLogger(__name__)

MAX_BODY_BYTES = limits.MAX_BODY_BYTES
MIN_ADMIN_TOKEN_LENGTH = 16
# Query processes per server process when nothing says (server.wsgi.serve sets its own).
QUERY_PROCESSES = 4
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

DEFAULTS = {
    "STORE": Path("var/store"),
    "ADMIN_TOKEN": None,
    "QUERIES_DIR": QUERIES_DIR,
    "SERVICE_ALLOWLIST": frozenset(),
    "MAX_CONTENT_LENGTH": limits.MAX_BODY_BYTES,
    "ROW_CAP": limits.ROW_CAP,
    "QUERY_TIMEOUT": limits.QUERY_TIMEOUT,
    "QUERY_PROCESSES": QUERY_PROCESSES,
    "QUERY_MEMORY_LIMIT": limits.QUERY_MEMORY_LIMIT,
    "QUERY_MEMORY_TOTAL": limits.QUERY_MEMORY_TOTAL,
    "MIN_QUERY_TIMEOUT": limits.MIN_QUERY_TIMEOUT,
    "QUERY_SANDBOX": True,
    "SERVER_WORKERS": 1,
    "DEMOTE_AFTER": limits.DEMOTE_AFTER,
    "BASE_URL": DEFAULT_BASE_URL,
    "CLIENT_SLOTS_DIR": None,
    "QUERIES_PER_CLIENT": 0,
    "CLIENT_WAIT": limits.CLIENT_WAIT,
}

ENVIRONMENT = {
    "PASSERELLE_STORE": ("STORE", lambda value: value if is_url(value) else Path(value)),
    "PASSERELLE_ADMIN_TOKEN": ("ADMIN_TOKEN", str),
    "PASSERELLE_QUERIES_DIR": ("QUERIES_DIR", Path),
    "PASSERELLE_SERVICE_ALLOWLIST": ("SERVICE_ALLOWLIST", lambda value: frozenset(value.split())),
    "PASSERELLE_QUERY_TIMEOUT": ("QUERY_TIMEOUT",
                                 lambda value: limits.parse_seconds(value,
                                                                    "PASSERELLE_QUERY_TIMEOUT")),
    "PASSERELLE_QUERY_MEMORY_TOTAL": ("QUERY_MEMORY_TOTAL",
                                      lambda value: parse_bytes(value,
                                                                "PASSERELLE_QUERY_MEMORY_TOTAL")),
    "PASSERELLE_QUERY_SANDBOX": ("QUERY_SANDBOX", lambda value: not sandbox.disabled(
        {"PASSERELLE_QUERY_SANDBOX": value})),
    "PASSERELLE_BASE_URL": ("BASE_URL", lambda value: check_base_url(value)),
    "PASSERELLE_QUERIES_PER_CLIENT": ("QUERIES_PER_CLIENT", int),
}
_BYTES = re.compile(r"([0-9]{1,15})([KMG]?)", re.IGNORECASE)


def parse_bytes(text: str, what: str) -> int:
    """A number of bytes, optionally with K, M or G (binary multiples); ValueError otherwise."""
    match = _BYTES.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{what} is a number of bytes such as 4G or 512M, not {text!r}")
    return int(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " ")


def check_base_url(url: str) -> str:
    """The service's public base URL without a trailing slash; ValueError unless http(s)
    with a host and no query or fragment."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ValueError(f"the base URL must be http(s)://host[:port][/path], not {url!r}")
    return url.strip().rstrip("/")


def settings_from_environment(environ: Mapping[str, str]) -> dict:
    """The config keys set by PASSERELLE_* variables (empty values are ignored)."""
    return {key: convert(environ[name]) for name, (key, convert) in ENVIRONMENT.items()
            if environ.get(name)}


def check_admin_token(token: str | None) -> None:
    """Refuse a token too short to resist guessing (ValueError; never shows the token)."""
    if token is not None and len(token) < MIN_ADMIN_TOKEN_LENGTH:
        raise ValueError(f"the admin token must be at least {MIN_ADMIN_TOKEN_LENGTH} "
                         "characters long")


def create_app(config: dict | None = None) -> Flask:
    """The Flask app over the store named by the settings (see the module docstring)."""
    from passerelle.builddir import StoreLink
    from passerelle.store import open_store
    from server import (
        caching,
        client_shares,
        cors,
        errors,
        execution,
        home,
        meta,
        ontology,
        pages,
        queries,
        reconcile,
        remote_store,
        search,
        security,
        sources,
        sparql,
        vendor,
    )
    from server.executor import QueryPool
    from server.store import LinkFollower
    from server.updater import Updater

    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(settings_from_environment(os.environ))
    app.config.update(config or {})
    app.json.sort_keys = False  # keep {"status", "title", "detail"} in the documented order
    token = app.config["ADMIN_TOKEN"]
    check_admin_token(token)
    if is_url(app.config["STORE"]):
        remote_store.attach(app, str(app.config["STORE"]), writable=bool(token))
    else:
        store_path = Path(app.config["STORE"])
        if not token and StoreLink(store_path).target() is not None:
            # Read the link before opening it: if a build moves it in between, the first
            # request opens the newer build again rather than never.
            app.extensions["passerelle-link"] = LinkFollower(store_path)
        app.extensions["passerelle"] = open_store(store_path, writable=bool(token))
    app.config["BASE_URL"] = check_base_url(app.config["BASE_URL"])
    workers = int(app.config["SERVER_WORKERS"])
    extra = 1 if app.config["SERVICE_ALLOWLIST"] else 0  # the allowlisted pool's process
    total = int(app.config["QUERY_MEMORY_TOTAL"])
    # Fewer query processes than threads where the total cannot give each its minimum: a
    # thread then waits for a free one, within its budget.
    size = limits.processes_within(int(app.config["QUERY_PROCESSES"]) + extra, total,
                                   workers) - extra
    if size < 1:
        raise ValueError(f"QUERY_MEMORY_TOTAL of {total // 2**20} MiB cannot give "
                         f"{workers} workers {1 + extra} query process(es) each")
    memory = limits.memory_per_process(int(app.config["QUERY_MEMORY_LIMIT"]), total,
                                       (size + extra) * workers)
    if not app.config["QUERY_SANDBOX"]:
        log.warning("PASSERELLE_QUERY_SANDBOX=off: query processes have network access; a "
                    "query's SERVICE may reach other servers")
    shares = None
    if app.config["CLIENT_SLOTS_DIR"]:
        per_client = int(app.config["QUERIES_PER_CLIENT"]) or \
            client_shares.per_client_default(workers, size)
        shares = client_shares.ClientShares(Path(app.config["CLIENT_SLOTS_DIR"]), per_client,
                                            float(app.config["CLIENT_WAIT"]))
    app.extensions["passerelle-executor"] = QueryPool(
        size, memory, float(app.config["DEMOTE_AFTER"]), sandbox=bool(app.config["QUERY_SANDBOX"]),
        shares=shares)
    if app.config["SERVICE_ALLOWLIST"]:
        # The only processes with network: for queries whose every SERVICE is allowlisted.
        app.extensions["passerelle-network-pool"] = QueryPool(
            1, memory, float(app.config["DEMOTE_AFTER"]), sandbox=False)

    errors.register(app)
    execution.register(app)
    cors.register(app)
    security.register(app)
    caching.register(app)  # ETags and 304s: answers only change when a build is published
    for blueprint in (sparql.bp, meta.bp, queries.bp, pages.bp, home.bp, search.bp,
                      reconcile.bp, vendor.bp, ontology.bp, sources.bp):
        app.register_blueprint(blueprint)
    if token:
        # Local updates on a thread without network; a remote store's are HTTP requests.
        updater = Updater(sandbox=bool(app.config["QUERY_SANDBOX"])
                          and not is_url(app.config["STORE"]))
        updater.check()  # refuse to start, saying why, rather than update unprotected
        app.extensions["passerelle-updater"] = updater
        app.register_blueprint(sparql.update_bp)
    return app
