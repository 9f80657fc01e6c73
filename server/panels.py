"""Pages built from canned queries: each panel of the landing page and the dashboards is one
canned query, run through the same path as ``/queries/<name>`` (bound parameters, query
process, time budget, row cap), so that each panel can link to its query and its SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, url_for

from passerelle import canned
from passerelle.funnel import QueryStopped
from server.queries import Page, catalogue, run_canned


@dataclass(frozen=True)
class Panel:
    """One canned query's answer, as rows of plain values ('' where unbound)."""

    name: str
    values: dict[str, str]
    rows: list[dict[str, str]]
    truncated: bool
    stopped: str = ""  # why the server stopped the panel's query, when it did

    @property
    def title(self) -> str:
        return catalogue()[self.name].title

    @property
    def url(self) -> str:
        """The canned query's page, prefilled with this panel's values."""
        return url_for("queries.run_query", name=self.name, **self.values)

    @property
    def editor_url(self) -> str:
        """The SPARQL editor holding the query behind this panel."""
        return url_for("pages.query_page", example=self.name, **self.values)

    def first(self) -> dict[str, str]:
        return self.rows[0] if self.rows else {}


def panel(name: str, rows: int = 1000, **values: str) -> Panel:
    """Run the canned query ``name`` with these parameter values; at most ``rows`` rows.

    A query the server stops (over the page's time budget, server busy) leaves its panel
    empty with the reason, and the rest of the page stands; such a page is not kept by the
    answer cache, so that the next request tries again."""
    try:
        result = run_canned(catalogue()[name], values, Page(0, rows, rows))
    except QueryStopped as exc:
        g.passerelle_etag = None
        return Panel(name, values, [], False, stopped=str(exc))
    return Panel(name, values, [_plain(result, row) for row in result.rows], result.truncated)


def _plain(result: canned.CannedResult, row: tuple) -> dict[str, str]:
    return {var: ("" if term is None else term.value)
            for var, term in zip(result.variables, row, strict=True)}
