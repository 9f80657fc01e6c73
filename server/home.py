"""The landing page ``/``: what the graph is, where it comes from, how much it holds, under
which licence, how to cite it, and the ways in (search, schools, the canned queries, the
SPARQL editor, dumps, VoID, OpenAPI). Every figure on it comes from a canned query.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from server.meta import DATASET_IRI, LICENCE
from server.panels import panel
from server.store import current_store

bp = Blueprint("home", __name__, template_folder="templates")

# How many schools and documents the page lists before linking to the whole list.
SHOWN = 30
# Builds in the history table, the latest first (/healthz lists more, as JSON).
BUILDS_SHOWN = 10


@bp.app_context_processor
def _licence() -> dict:
    return {"licence": LICENCE}


@bp.get("/")
def landing():
    build = current_store().build
    history = list(reversed(build.get("history", [])[-BUILDS_SHOWN:]))
    return render_template(
        "landing.html", build=build, history=history, dataset_iri=DATASET_IRI.value,
        counts=panel("counts"), schools=panel("schools", rows=SHOWN),
        documents=panel("documents", rows=SHOWN))
