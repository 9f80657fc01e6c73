"""The baseline peer: an rdflib in-memory dataset behind the SPARQL 1.1 Protocol (queries).

What a Python user would write first: load the data into rdflib, answer ``GET /sparql?query=``
(and POST, form-encoded or ``application/sparql-query``) with rdflib's SPARQL engine, results
as SPARQL JSON. The default graph is the union of the named graphs, as in Passerelle.

Served by granian like Passerelle (bench/peers.py), each worker loading the data:
``BENCH_RDFLIB_DATA=dump.nq granian --interface wsgi --factory bench.rdflib_endpoint:create_app``.
"""

from __future__ import annotations

import os
from pathlib import Path

import rdflib
from flask import Flask, Response, request

RESULTS_JSON = "application/sparql-results+json"


def create_app(data: Path | None = None) -> Flask:
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data or Path(os.environ["BENCH_RDFLIB_DATA"]), format="nquads")
    app = Flask(__name__)

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql():
        if request.mimetype == "application/sparql-query":
            text = request.get_data(as_text=True)
        else:
            text = request.values.get("query")
        if not text:
            return Response("no query", status=400, mimetype="text/plain")
        result = dataset.query(text)
        return Response(result.serialize(format="json"), mimetype=RESULTS_JSON)

    return app
