"""`passerelle build | diff | validate | serve | query | link`: errors become messages and
exit codes here."""

from __future__ import annotations

from pathlib import Path

import click

from passerelle.paths import QUERIES_DIR, SEEDS_DIR

DEFAULT_STORE = Path("var/store")


@click.group()
@click.version_option(package_name="passerelle")
def main() -> None:
    """Passerelle: the partnership graph of French engineering schools."""


def remote_store_options(command):
    """The options that go with a --store URL (a remote SPARQL 1.1 store; see passerelle/remote.py).

    Each defaults to its environment variable; the password is read only from
    PASSERELLE_STORE_PASSWORD, never from the command line (which other users can see).
    """
    options = [
        click.option("--update-url", help="With --store URL: its SPARQL Update endpoint "
                     "(default: the URL itself) [env PASSERELLE_STORE_UPDATE_URL]."),
        click.option("--gsp-url", help="With --store URL: a Graph Store Protocol endpoint to "
                     "load through, instead of INSERT DATA [env PASSERELLE_STORE_GSP_URL]."),
        click.option("--store-user", help="With --store URL: the user to authenticate as "
                     "[env PASSERELLE_STORE_USER; password: PASSERELLE_STORE_PASSWORD]."),
        click.option("--store-auth", type=click.Choice(["basic", "digest"]),
                     help="With --store URL: HTTP authentication [env PASSERELLE_STORE_AUTH; "
                     "default basic]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def remote_settings(update_url: str | None = None, gsp_url: str | None = None,
                    store_user: str | None = None, store_auth: str | None = None) -> dict:
    """The options given with a --store URL, as passerelle.remote.endpoint_from takes them."""
    given = {"update_url": update_url, "gsp_url": gsp_url, "user": store_user,
             "auth": store_auth}
    return {key: value for key, value in given.items() if value is not None}


def remote_endpoint(store: str, **options: str | None):
    """The remote store a --store URL and its options name (environment for the rest)."""
    import os

    from passerelle.remote import endpoint_from

    try:
        return endpoint_from(store, os.environ, **remote_settings(**options))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from exc


# The folder of documents a command reads.
seeds_option = click.option("--seeds", type=click.Path(path_type=Path, exists=True,
                                                       file_okay=False),
                            default=SEEDS_DIR, show_default=True,
                            help="Folder with sources.toml and the documents.")


@main.command()
@click.option("--store", default=str(DEFAULT_STORE), show_default=True,
              help="Store directory to build (swapped in only when the build passed), or the "
              "URL of a SPARQL 1.1 query endpoint to load the graphs into.")
@seeds_option
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Also write the build report (JSON) here, even when the build is refused.")
@click.option("--accept", multiple=True, metavar="DOC_ID",
              help="Publish this changed or new document and rewrite its pin in sources.toml "
              "(repeat for several; `all` for every one, as for a freshly generated folder).")
@click.option("--keep-going", is_flag=True,
              help="Publish even though the report has errors (they are listed).")
@click.option("--allow-shrink", is_flag=True,
              help="Publish even though the build drops agreements the published one has.")
@remote_store_options
def build(store: str, seeds: Path, report: Path | None, accept: tuple[str, ...],
          keep_going: bool, allow_shrink: bool, **remote_options: str | None) -> None:
    """Parse the seeds, resolve names, reason, validate and load the store.

    The new store is built beside the current one and swapped in only when every stage
    passed; on failure the current store keeps serving and the reason is printed. A remote
    store gets the graphs under staging names first, then all of them switched in by one
    update request.

    A build never publishes less than it had without being told to: a document that is not
    as pinned in sources.toml (SHA-256, lines) needs --accept, errors in the report need
    --keep-going, and agreements lost against the published build need --allow-shrink.
    `passerelle diff` shows what the build would change.
    """
    from graph.build import build as run_build
    from graph.build import build_remote
    from graph.errors import BuildError
    from graph.gate import Allow, Refused
    from graph.report import summary_text
    from passerelle.builddir import write_json
    from passerelle.remote import is_url

    allow = Allow(frozenset(accept), keep_going, allow_shrink)
    try:
        if is_url(store):
            result = build_remote(seeds, remote_endpoint(store, **remote_options), allow)
        else:
            result = run_build(seeds, Path(store), allow)
    except Refused as exc:
        if report and exc.report is not None:
            write_json(report, exc.report.to_dict())
        raise click.ClickException(f"build refused, the store is unchanged:\n{exc}") from exc
    except (BuildError, OSError, SyntaxError) as exc:  # OSError, SyntaxError: a remote
        # store is down, or refused a request (passerelle.remote.RemoteStoreError is an OSError)
        raise click.ClickException(f"build failed, the store is unchanged: {exc}") from exc
    if report:
        write_json(report, result.dataset.report.to_dict())
    click.echo(summary_text(result.dataset.report, f"{store} -> {result.build_dir}",
                            result.triples))
    for line in result.verdict.summary():
        click.echo(line)


@main.command()
@click.option("--store", default=str(DEFAULT_STORE), show_default=True,
              help="The published store to compare with: a store directory, or the URL of "
              "a SPARQL 1.1 query endpoint that `passerelle build --store URL` loaded.")
@seeds_option
@remote_store_options
def diff(store: str, seeds: Path, **remote_options: str | None) -> None:
    """What a build of the seeds would add, remove and change against the published store.

    Lists the documents not as pinned in sources.toml, the errors in the report, and every
    agreement added (+), removed (-) or changed (~). Writes nothing.
    """
    from graph.build import preview
    from graph.errors import BuildError
    from passerelle.remote import is_url

    try:
        compared = preview(seeds, remote_endpoint(store, **remote_options) if is_url(store)
                           else Path(store))
    except (BuildError, OSError, SyntaxError) as exc:  # OSError, SyntaxError: a remote
        # store is down, or refused a request
        raise click.ClickException(f"cannot compare: {exc}") from exc
    click.echo("\n".join(compared.lines()))


@main.command()
@seeds_option
def validate(seeds: Path) -> None:
    """Run every build stage up to SHACL validation, without touching any store.

    Exits 1 when the report has errors (as `passerelle build` would refuse to publish),
    naming where each one is; warnings alone exit 0."""
    from graph.build import assemble
    from graph.errors import BuildError
    from graph.gate import LISTED
    from graph.report import summary_text

    try:
        dataset = assemble(seeds)
    except BuildError as exc:
        raise click.ClickException(f"invalid: {exc}") from exc
    click.echo(summary_text(dataset.report, "(not loaded: validate only)", len(dataset.quads)))
    errors = dataset.report.of_outcome("error")
    if errors:
        where = ", ".join(f"{error.source_id}:{error.line}" for error in errors[:LISTED])
        more = f" and {len(errors) - LISTED} more" if len(errors) > LISTED else ""
        raise click.ClickException(f"invalid: the report has {len(errors)} error(s) (listed "
                                   f"above), at {where}{more}")


@main.command()
@click.option("--store", default=str(DEFAULT_STORE), show_default=True,
              help="Store directory to serve, or the URL of a SPARQL 1.1 query endpoint "
              "that `passerelle build --store URL` loaded.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core; always 1 in admin mode).")
@click.option("--base-url", default=None, metavar="URL",
              help="The public address of the service, for the URLs answers carry (Link, "
              "VoID, service description) [env PASSERELLE_BASE_URL; default: "
              "http://HOST:PORT]. Never taken from a request's Host header.")
@remote_store_options
def serve(store: str, host: str, port: int, workers: int | None, base_url: str | None,
          **remote_options: str | None) -> None:
    """Serve the store over HTTP (SPARQL endpoint, canned queries, pages) with granian.

    Read-only for everyone. With PASSERELLE_ADMIN_TOKEN set, the store is opened read-write
    and POST /update takes SPARQL updates bearing that token (Authorization: Bearer ...).
    """
    from passerelle.remote import is_url
    from server.wsgi import serve as run_server

    check_port_free(host, port)
    click.echo(f"Passerelle: serving {store} at {server_url(host, port)} (Ctrl-C to stop)")
    try:
        run_server(store if is_url(store) else Path(store), host, port, workers,
                   store_options=remote_settings(**remote_options), base_url=base_url)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


def check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port another process listens on: before any server starts,
    whichever server runs the app (its own messages about it are retries and tracebacks)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the servers do: a port left in TIME_WAIT by a stopped server is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host} port {port}: {exc.strerror or exc} (is another server "
                f"running there? choose another port: --port {port + 1}, or make run "
                f"PORT={port + 1})") from None


def server_url(host: str, port: int) -> str:
    """The URL to open in a browser for a server listening on host:port."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


class QueryCommand(click.Command):
    """``passerelle query NAME --help`` shows that query's own help: what it answers and its
    parameters, with their types and the values the store holds for them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--help" in args:
            try:
                super().parse_args(ctx, [a for a in args if a != "--help"])
            except click.UsageError:
                ctx.params = {}
            if ctx.params.get("name"):
                click.echo(_query_help(ctx.params), nl=False)
                ctx.exit()
        return super().parse_args(ctx, args)


@main.command(cls=QueryCommand)
@click.argument("name", required=False)
@click.option("--list", "list_queries", is_flag=True,
              help="List the canned queries (name, title, parameters) and exit.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for one of the query's parameters (repeat for several); "
              "`passerelle query NAME --help` lists them.")
@click.option("--format", "output_format",
              type=click.Choice(["table", "csv", "json", "objects"]), default="table",
              show_default=True,
              help="How to print the rows: a table of names as wide as the terminal, the "
              "server's CSV (IRIs with their labels and country codes), SPARQL JSON, or JSON "
              "objects (one per row, with the CSV's columns).")
@click.option("--store", default=str(DEFAULT_STORE), show_default=True,
              help="Store directory to query, or the URL of a SPARQL 1.1 query endpoint.")
@click.option("--queries", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=QUERIES_DIR, show_default=True, help="Folder of the canned queries.")
@click.option("--row-cap", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Print at most this many rows.")
@remote_store_options
def query(name: str | None, list_queries: bool, params: tuple[str, ...], output_format: str,
          store: str, queries: Path, row_cap: int, **remote_options: str | None) -> None:
    """Run one canned query offline: NAME is a file of the queries folder, without .rq.

    `passerelle query --list` lists them; `passerelle query NAME --help` says what NAME
    answers and which parameters it takes.
    """
    from pyoxigraph import QueryResultsFormat

    from passerelle import canned, query_help, tables

    catalogue = _catalogue(queries)
    if list_queries:
        click.echo(query_help.listing(catalogue.values(), _width()), nl=False)
        return
    if name is None:
        raise click.UsageError("give a query NAME (see `passerelle query --list`)")
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
        opened, answers = _open_with_answers(store, remote_options)
        result = canned.run(opened, catalogue[name], values, row_cap, answers=answers)
        if output_format == "table":
            output = tables.text_table(*tables.table(result.variables, result.rows, opened),
                                       width=_width())
        elif output_format == "objects":
            output = canned.objects(result, opened).decode("utf-8") + "\n"
        else:
            answer = (QueryResultsFormat.CSV if output_format == "csv"
                      else QueryResultsFormat.JSON)
            output = canned.serialize(result, answer, opened).decode("utf-8")
            output += "\n" if output_format == "json" else ""
    except (OSError, SyntaxError) as exc:  # no store; a remote store down or refusing
        raise click.ClickException(str(exc)) from exc
    except canned.ParameterError as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from exc
    click.echo(output, nl=False)
    if result.truncated:
        click.echo(f"warning: truncated to the first {row_cap} rows", err=True)


def _catalogue(queries: Path) -> dict:
    from passerelle import canned

    try:
        return canned.load_queries(queries)
    except canned.CannedQueryError as exc:
        raise click.ClickException(str(exc)) from exc


def _open(store: str, remote_options: dict):
    """The store a --store value names (OSError when there is none)."""
    return _open_with_answers(store, remote_options)[0]


def _open_with_answers(store: str, remote_options: dict):
    """The store a --store value names and the canned answers of its build (None for a
    remote store); OSError when there is none."""
    from passerelle.remote import is_url
    from passerelle.remote_store import RemoteStore
    from passerelle.store import open_store

    if is_url(store):
        return RemoteStore.open(remote_endpoint(store, **remote_options)), None
    opened = open_store(Path(store))
    return opened.store, opened.answers


def _query_help(params: dict) -> str:
    """NAME's help, with the values the store holds when it can be opened."""
    from passerelle import query_help

    catalogue = _catalogue(params.get("queries") or QUERIES_DIR)
    name = params["name"]
    if name not in catalogue:
        raise click.BadParameter(f"no canned query {name!r}; known: {', '.join(catalogue)}",
                                 param_hint="NAME")
    store = params.get("store") or str(DEFAULT_STORE)
    remote = {k: params.get(k) for k in ("update_url", "gsp_url", "store_user", "store_auth")}
    try:
        opened = _open(store, remote)
    except (OSError, SyntaxError):
        opened = None  # no store here: the help says so instead of listing values
    return query_help.describe(catalogue[name], opened, store, _width())


def _width() -> int:
    import shutil

    return shutil.get_terminal_size().columns


WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/sparql"


@main.command()
@click.option("--ror-dump", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Offline: rank the records of this ROR v2 dump (.json, .json.gz or .zip).")
@click.option("--crosswalk", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="With --ror-dump: the Open Syllabus ROR-GRID-Wikidata crosswalk (CSV).")
@click.option("--endpoint", is_flag=False, flag_value=WIKIDATA_QUERY_SERVICE, default=None,
              metavar="[URL]", help="Online: ask this Wikidata SPARQL endpoint "
              f"(alone: {WIKIDATA_QUERY_SERVICE}).")
@click.option("--review", "review_path", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("var/link-review.tsv"), show_default=True,
              help="The review file that --ror-dump or --endpoint writes.")
@click.option("--accept", "accept_path", type=click.Path(path_type=Path, exists=True,
              dir_okay=False), help="Merge the accepted rows of this review file.")
@click.option("--registry", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=SEEDS_DIR / "registry.toml", show_default=True,
              help="The institution registry to link.")
@click.option("--new-names", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="With --ror-dump or --endpoint: also propose identifiers for the new "
              "institutions of this build report (passerelle build --report); accepting one "
              "adds it to the registry.")
def link(ror_dump: Path | None, crosswalk: Path | None, endpoint: str | None,
         review_path: Path, accept_path: Path | None, registry: Path,
         new_names: Path | None) -> None:
    """Propose Wikidata / ROR identifiers for the registry, or accept reviewed ones.

    Give one of --ror-dump (offline), --endpoint (online) or --accept. The first two write a
    review file: fill its decision column (accept, reject, unresolved) and its reason, then
    run again with --accept to merge the decisions into the registry.
    """
    from graph.errors import BuildError
    from graph.link import accept, propose, propose_online
    from graph.link.entries import read_new_names

    if sum(option is not None for option in (ror_dump, endpoint, accept_path)) != 1:
        raise click.UsageError("give exactly one of --ror-dump, --endpoint and --accept")
    if new_names is not None and accept_path is not None:
        raise click.UsageError("--new-names goes with --ror-dump or --endpoint")
    try:
        extra = read_new_names(new_names) if new_names is not None else []
        if accept_path is not None:
            changed = accept(accept_path, registry)
            click.echo(f"{changed} registry entries updated from {accept_path}")
            return
        if ror_dump is not None:
            summary = propose(registry, ror_dump, review_path, crosswalk, extra)
        else:
            summary = propose_online(registry, endpoint, review_path, extra)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{summary.records_read} records read; {summary.entries} entries lack "
               f"identifiers, {summary.entries_with_candidates} have candidates; "
               f"{summary.rows} rows written to {review_path}")
    if summary.without_candidates:
        click.echo("no candidate: " + ", ".join(summary.without_candidates))
