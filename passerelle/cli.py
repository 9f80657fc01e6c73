"""`passerelle build | serve | query | link`: errors become messages and exit codes here."""

from __future__ import annotations

from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = Path("var/store")


@click.group()
@click.version_option(package_name="passerelle")
def main() -> None:
    """Passerelle: the partnership graph of French engineering schools."""


@main.command()
@click.option("--store", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
              help="Store directory to build (swapped in only when the build passed).")
@click.option("--seeds", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=ROOT / "seeds", show_default=True,
              help="Folder with sources.toml and the documents.")
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Also write the build report (JSON) here.")
def build(store: Path, seeds: Path, report: Path | None) -> None:
    """Parse the seeds, resolve names, reason, validate and load the store.

    The new store is built beside the current one and swapped in only when every stage
    passed; on failure the current store keeps serving and the reason is printed.
    """
    from graph.build import build as run_build
    from graph.errors import BuildError
    from graph.report import summary_text
    from graph.store import write_json

    try:
        result = run_build(seeds, store)
    except BuildError as exc:
        raise click.ClickException(f"build failed, the store is unchanged: {exc}") from exc
    if report:
        write_json(report, result.dataset.report.to_dict())
    click.echo(summary_text(result.dataset.report, f"{store} -> {result.build_dir}",
                            result.triples))


@main.command()
def serve() -> None:
    """Serve the store over HTTP (SPARQL endpoint, canned queries, pages)."""
    raise click.ClickException("not yet implemented")


@main.command()
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for one of the query's parameters (repeat for several).")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="How to print the rows.")
@click.option("--store", type=click.Path(path_type=Path), default=DEFAULT_STORE, show_default=True,
              help="Store directory to query.")
@click.option("--queries", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=ROOT / "queries", show_default=True, help="Folder of the canned queries.")
@click.option("--row-cap", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Print at most this many rows.")
def query(name: str, params: tuple[str, ...], output_format: str, store: Path, queries: Path,
          row_cap: int) -> None:
    """Run one canned query offline: NAME is a file of the queries folder, without .rq."""
    from pyoxigraph import QueryResultsFormat

    from server import canned
    from server.store import open_store

    try:
        catalogue = canned.load_queries(queries)
    except canned.CannedQueryError as exc:
        raise click.ClickException(str(exc)) from exc
    if name not in catalogue:
        raise click.BadParameter(f"no canned query {name!r}; known: {', '.join(catalogue)}",
                                 param_hint="NAME")
    values: dict[str, str] = {}
    for item in params:
        key, equals, value = item.partition("=")
        if not equals or key in values:
            raise click.BadParameter(f"{item!r}: give each parameter once, as NAME=VALUE",
                                     param_hint="--param")
        values[key] = value
    try:
        result = canned.run(open_store(store).store, catalogue[name], values, row_cap)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    except canned.ParameterError as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from exc
    if output_format == "table":
        click.echo(result.to_table(), nl=False)
        return
    answer = QueryResultsFormat.CSV if output_format == "csv" else QueryResultsFormat.JSON
    click.echo(canned.serialize(result, answer).decode("utf-8"), nl=output_format == "json")
    if result.truncated:
        click.echo(f"warning: truncated to the first {row_cap} rows", err=True)


@main.command()
def link() -> None:
    """Propose or accept Wikidata / ROR identifiers for the registry."""
    raise click.ClickException("not yet implemented")
