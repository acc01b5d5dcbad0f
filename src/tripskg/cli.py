"""Command line: the only place that prints or exits.

Exit codes: 0 success; 1 the data has errors (bad input, SHACL violations); 2 usage or
environment errors (unknown query, unreachable endpoint, bad option).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from .cli_releases import (
    check,
    diff,
    print_version,
    release_options,
    release_settings,
)
from .cli_serve import serve
from .errors import ErrorGroup, TripsKGError
from .terminal import EXIT_DATA, EXIT_USAGE, NO_SITE, State, err, out, print_results, query_store
from .terminal import fail as _fail
from .vocab import DEFAULT_BASE

if TYPE_CHECKING:
    from .build import BuildResult
    from .settings import BuildSettings
    from .validate import Validation


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print each step with timings.")
@click.version_option(package_name="tripskg")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """tripskg: the TRIPS technical cooperation knowledge graph."""
    ctx.obj = State(quiet, verbose)


def _jobs_option(f):  # type: ignore[no-untyped-def,unused-ignore]
    return click.option(
        "--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
        envvar="TRIPSKG_JOBS", show_envvar=True,
        help="Worker processes (default: one per CPU, up to 4, on large inputs; 1 on "
             "small ones).")(f)


def _store_quads_option(f):  # type: ignore[no-untyped-def,unused-ignore]
    return click.option(
        "--store-quads", type=click.IntRange(min=1), default=None, metavar="N",
        envvar="TRIPSKG_STORE_QUADS", show_envvar=True,
        help="Report quads loaded into the build's in-memory store; the reports after them "
             "are validated and counted in batches of about N quads, each in a store of its "
             "own, so that memory stays bounded on large inputs (the output is the same). "
             "--site needs every report in one store and ignores it. [default: 3,000,000]")(f)


def _data_option(f):  # type: ignore[no-untyped-def,unused-ignore]
    f = click.option("--base", default=DEFAULT_BASE, show_default=True,
                     help="Base IRI of the dataset.")(f)
    return click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
                        help="Data folder (documents/, annex/, reports.csv). [default: data/]")(f)


def _data_dir(data_dir: Path | None) -> Path:
    from .resources import default_data_dir

    try:
        data = data_dir or (Path("data") if Path("data").is_dir() else default_data_dir())
    except TripsKGError as e:
        _fail([e], EXIT_USAGE)
    if not data.is_dir():
        _fail([TripsKGError(f"data folder '{data}' does not exist")], EXIT_USAGE)
    return data


def _settings(base: str, jobs: int | None = None, **kwargs: Any) -> BuildSettings:
    from .iris import IRIs
    from .settings import BuildSettings

    return BuildSettings(IRIs(base), jobs, **kwargs)


def _quads(store_quads: int | None) -> dict[str, int]:
    return {} if store_quads is None else {"store_quads": store_quads}


def _run_build(state: State, data_dir: Path | None, settings: BuildSettings,
               validate: bool = True) -> tuple[BuildResult, Validation | None]:
    from .build import build_and_validate, build_graph

    data = _data_dir(data_dir)
    result: tuple[BuildResult, Validation | None]
    try:
        if validate:
            result = build_and_validate(data, settings, state.progress)
        else:
            result = build_graph(data, settings, state.progress), None
    except ErrorGroup as g:
        _fail(g.errors)
    except TripsKGError as e:
        _fail([e])
    return result


@main.command()
@_data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Output folder (replaced atomically).")
@click.option("--sparql-endpoint", metavar="URL", default=None,
              help="void:sparqlEndpoint in void.ttl. [default: <base>sparql]")
@click.option("--download-base", metavar="URL", default=None,
              help="Where the dumps are downloaded from (dcat:downloadURL in void.ttl). "
                   "[default: <base>downloads/, the path tripskg serve answers]")
@click.option("--site", is_flag=True,
              help="Also write the static linked-data site (dist/site/; slow on large "
                   "graphs; tripskg serve renders the same pages without it).")
@click.option("--no-site", is_flag=True,
              help="No static site: the default now; accepted for old scripts.")
@click.option("--no-query-store", is_flag=True,
              help="Skip the on-disk store that 'tripskg query --from OUT' opens (beside the "
                   "build folder); queries then load the dump.")
@_jobs_option
@_store_quads_option
@click.option("--no-cache", is_flag=True,
              help="Read every report again instead of reusing unchanged ones from "
                   "OUT.cache/ (the build cache; the output is the same either way).")
@release_options
@click.pass_obj
def build(state: State, data_dir: Path | None, base: str, out_dir: Path,
          sparql_endpoint: str | None, download_base: str | None, site: bool,
          no_site: bool, no_query_store: bool, jobs: int | None, store_quads: int | None,
          no_cache: bool, data_version: str | None, issued: str | None, previous_dir: Path | None,
          keep_versions: int) -> None:
    """Build, validate and publish the graph into OUT (atomically)."""
    import gc

    # The build allocates millions of small objects (N-Triples lines, records) that live until
    # it ends; the cyclic garbage collector's repeated full passes over them cost ~10% of a
    # rebuild and free nothing, so it is off for the build.
    release = release_settings(out_dir, data_version, issued, previous_dir, keep_versions)
    gc.disable()
    try:
        cache_dir = None if no_cache else out_dir.with_name(out_dir.name + ".cache")
        _build(state, data_dir, out_dir, _settings(
            base, jobs, cache_dir=cache_dir, site=site and not no_site,
            query_store=not no_query_store, **_quads(store_quads),
            sparql_endpoint=sparql_endpoint, download_base=download_base, **release))
    finally:
        gc.enable()


def _build(state: State, data_dir: Path | None, out_dir: Path, settings: BuildSettings
           ) -> None:
    from .publish import atomic_output, publish
    from .validate import Nonconforming

    # SHACL validation runs while the dumps are written (publish); nothing replaces out_dir
    # unless the graph conforms
    # without the site, reports unchanged since the last build stay out of the store (their
    # SHACL results and figures are reused; see publish/pieces.py)
    result, _ = _run_build(state, data_dir, settings, validate=False)
    try:
        manifest = result.cache.manifest if result.cache else None
        keep = [Path(manifest.folder)] if manifest else []
        keep += [settings.previous] if settings.previous else []  # versions/ links to it
        with atomic_output(out_dir, keep) as work:
            published = publish(result, work, state.progress, settings=settings)
            state.progress(f"replacing {out_dir}")
    except Nonconforming as e:
        print_results(state, e.validation, result, str(out_dir))
        n = len(e.validation.violations)
        err.print(f"{n} SHACL violation{'s' if n != 1 else ''}; {out_dir} was left untouched")
        sys.exit(EXIT_DATA)
    except TripsKGError as e:
        _fail([e])
    print_results(state, published.validation, result, str(out_dir))
    print_version(state, out_dir)
    counts = published.record["counts"]
    assert isinstance(counts, dict)
    if not settings.site:
        state.info(NO_SITE)
    state.info(
        f"built {out_dir}: {counts['reports']} reports, {counts['activities']} activities, "
        f"{counts['triples']:,} triples, {counts['violations']} violations, "
        f"{counts['warnings']} warnings ({time.monotonic() - state.t0:.1f}s)"
    )


@main.command()
@_data_option
@_jobs_option
@_store_quads_option
@click.pass_obj
def validate(state: State, data_dir: Path | None, base: str, jobs: int | None,
             store_quads: int | None) -> None:
    """Read and validate the sources without writing anything."""
    result, validation = _run_build(state, data_dir,
                                    _settings(base, jobs, site=False, **_quads(store_quads)))
    assert validation is not None
    print_results(state, validation, result)
    n = len(validation.violations)
    warnings = len(validation.warnings)
    state.info(f"{len(result.reports)} reports, {result.n_activities} activities: "
               f"{n} violations, {warnings} warnings")
    sys.exit(EXIT_DATA if n else 0)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.pass_obj
def init(state: State, folder: Path, force: bool) -> None:
    """Write a starter data folder (register, cover note, annex as CSV and XLSX; all example
    data, labelled as such) that builds at once: tripskg build --data FOLDER."""
    from .scaffold import init_data_folder

    try:
        written = init_data_folder(folder, force)
    except TripsKGError as e:
        _fail([e], EXIT_USAGE)
    for path in written:
        state.info(f"wrote {path}")
    state.info(f"example data folder ready: tripskg build --data {folder}")


FORMATS = ("table", "csv", "tsv", "json")


@main.command("queries")
@click.pass_obj
def list_queries(state: State) -> None:
    """List the saved queries with their parameters."""
    from rich.table import Table

    from .queries import load_queries

    table = Table(box=None, pad_edge=False)
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("parameters", no_wrap=True)
    for q in load_queries().values():
        params = ", ".join(
            p.name + ("" if p.required else f"={p.default or ''}") for p in q.params
        )
        table.add_row(q.name, q.title, params)
    out.print(table)


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Query parameter (repeatable).")
@click.option("--file", "query_file", type=click.Path(path_type=Path, exists=True),
              help="Run an ad-hoc query from a .rq file instead of a saved one.")
@click.option("--from", "dist_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Built dist/ folder to query locally.")
@click.option("--endpoint", help="Query a remote SPARQL 1.1 endpoint instead.")
@click.option("--default-graph", "default_graphs", multiple=True, metavar="IRI",
              help="With --endpoint: default-graph-uri of the query (repeatable); e.g. the "
                   "graph given to 'tripskg push --graph'.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--limit", type=int, default=None, help="Return at most N rows.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the dataset.")
@click.pass_obj
def query(state: State, name: str | None, params: tuple[str, ...], query_file: Path | None,
          dist_dir: Path, endpoint: str | None, default_graphs: tuple[str, ...], fmt: str,
          limit: int | None, base: str) -> None:
    """Run saved query NAME (or --file) locally over dist/ or against --endpoint."""
    import json

    from .iris import IRIs
    from .queries import (
        QueryError,
        bind,
        get_query,
        parse_query_file,
        run_local,
        run_remote,
        to_csv,
        to_json,
        to_tsv,
    )
    from .reference import load_reference

    try:
        if (name is None) == (query_file is None):
            raise QueryError("give a saved query NAME or --file FILE (not both)",
                             hint="'tripskg queries' lists the saved queries")
        raw: dict[str, str] = {}
        for item in params:
            if "=" not in item:
                raise QueryError(f"--param '{item}' is not KEY=VALUE")
            k, v = item.split("=", 1)
            raw[k.strip()] = v
        iris = IRIs(base)
        if query_file is not None:
            saved = parse_query_file(query_file) if query_file.read_text(
                encoding="utf-8").lstrip().startswith("# title:") else None
            text = query_file.read_text(encoding="utf-8") if saved is None else None
        else:
            saved = get_query(name or "")
            text = None
        if saved is not None:
            text, _ = bind(saved, raw, load_reference(iris.base), iris)
        elif raw:
            raise QueryError("--param needs a saved query (or a file with a # param: header)")
        assert text is not None
        if endpoint:
            table = run_remote(endpoint, text, limit, default_graphs=list(default_graphs))
        else:
            table = run_local(query_store(dist_dir), text, limit)
    except QueryError as e:
        err.print(f"[red]error[/red]: {escape(e.render())}")
        sys.exit(EXIT_USAGE)
    if fmt == "json":
        click.echo(json.dumps(to_json(table), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(to_csv(table), nl=False)
    elif fmt == "tsv":
        click.echo(to_tsv(table), nl=False)
    else:
        from rich.table import Table

        from .queries import display

        t = Table(*table.columns, box=None, pad_edge=False)
        for row in table.rows:
            t.add_row(*(display(row.get(c), iris.base) for c in table.columns))
        out.print(t)
        state.info(f"{len(table.rows)} row{'s' if len(table.rows) != 1 else ''}")
    if table.truncated:
        err.print(f"[yellow]note[/yellow]: results cut at --limit {limit}")
    if table.server_limit is not None:
        err.print(f"[yellow]warning[/yellow]: the endpoint stopped at {table.server_limit:,} "
                  "rows (its result limit, e.g. Virtuoso's ResultSetMaxRows): the results are "
                  "probably incomplete")


@main.command()
@click.option("--endpoint", help="SPARQL 1.1 Graph Store endpoint, e.g. Virtuoso's "
              "http://HOST:8890/sparql-graph-crud-auth (not needed with --bulk).")
@click.option("--graph", "graph", default=None, metavar="IRI",
              help="Put everything into this one graph (default: one graph per named graph "
                   "of the build).")
@click.option("--user", default=None, help="User name (HTTP digest auth; Virtuoso: dba).")
@click.option("--password", default=None, envvar="TRIPSKG_PUSH_PASSWORD",
              help="Password [env TRIPSKG_PUSH_PASSWORD].")
@click.option("--basic", is_flag=True, help="Use HTTP basic instead of digest auth.")
@click.option("--replace", is_flag=True,
              help="Replace each target graph (PUT first chunk) instead of adding (POST).")
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Built dist/ folder to upload.")
@click.option("--chunk-triples", type=click.IntRange(min=1), default=None,
              help="Triples per request (default 50,000) or per bulk file (default 1,000,000).")
@click.option("--content-type", type=click.Choice(["nt", "turtle"]), default="nt",
              show_default=True, help="Body media type: application/n-triples or text/turtle.")
@click.option("--retries", type=click.IntRange(min=0), default=5, show_default=True,
              help="Retries (exponential backoff) on connection errors and 5xx.")
@click.option("--timeout", type=float, default=120.0, show_default=True,
              help="Seconds per request.")
@click.option("--bulk", "bulk_dir", type=click.Path(path_type=Path), default=None,
              help="Write files and an isql script for Virtuoso's bulk loader into DIR "
                   "instead of uploading.")
@click.pass_obj
def push(state: State, endpoint: str | None, graph: str | None, user: str | None,
         password: str | None, basic: bool, replace: bool, dist_dir: Path,
         chunk_triples: int | None, content_type: str, retries: int, timeout: float,
         bulk_dir: Path | None) -> None:
    """Upload dist/ to a triple store (Graph Store Protocol), or prepare a bulk load."""
    import re

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .push import (
        CONTENT_TYPES,
        DEFAULT_CHUNK,
        GraphStore,
        PushError,
        dump_path,
        graph_counts,
        write_bulk,
    )

    def usage(msg: str, hint: str | None = None) -> None:
        err.print(f"[red]error[/red]: {escape(TripsKGError(msg, hint=hint).render())}")
        sys.exit(EXIT_USAGE)

    if graph is not None and not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+", graph):
        usage(f"--graph '{graph}' is not an absolute IRI")
    if bulk_dir is None and not endpoint:
        usage("give --endpoint URL (or --bulk DIR)",
              "Virtuoso: --endpoint http://HOST:8890/sparql-graph-crud-auth --user dba")
    try:
        dump_path(dist_dir)
    except PushError as e:
        usage(e.message, e.hint)
    counts = graph_counts(dist_dir)
    total = sum(counts.values()) or None
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("triples"), TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[sent]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=state.quiet,
        transient=False,
    )
    t0 = time.monotonic()
    sent = {"bytes": 0, "triples": 0}

    def on_chunk(g: str, n: int, nbytes: int) -> None:
        sent["bytes"] += nbytes
        sent["triples"] += n
        secs = max(time.monotonic() - t0, 1e-6)
        name = g.rsplit("/graph/", 1)[-1] if g else "default graph"
        progress.update(task, advance=n, description=f"{name[:28]:<28}",
                        rate=f"{sent['triples'] / secs:,.0f}/s",
                        sent=f"{sent['bytes'] / 1e6:,.1f} MB" if sent["bytes"] else "")

    with progress:
        task = progress.add_task("starting", total=total, rate="", sent="")
        try:
            if bulk_dir is not None:
                res = write_bulk(dist_dir, bulk_dir, graph, replace,
                                 chunk_triples or 1_000_000, on_chunk)
            else:
                assert endpoint is not None
                store = GraphStore(
                    endpoint, user, password, timeout=timeout, retries=retries,
                    auth="basic" if basic else "digest", content_type=CONTENT_TYPES[content_type],
                    on_retry=lambda msg: progress.console.print(f"[yellow]retry[/yellow]: {escape(msg)}"),
                )
                from .push import push as do_push

                stats = do_push(dist_dir, store, graph, replace, chunk_triples or DEFAULT_CHUNK,
                                on_chunk)
        except PushError as e:  # unreachable, auth refused (PushAuthError), rejected
            progress.stop()
            usage(e.message, e.hint)
    if bulk_dir is not None:
        state.info(
            f"wrote {len(res.files)} file{'s' if len(res.files) != 1 else ''} "
            f"({res.triples:,} {'triples' if graph else 'quads'}, {len(res.graphs)} graphs) and "
            f"{res.script}\nload with: isql-vt HOST:1111 dba PASSWORD {res.script}\n"
            f"({res.folder.resolve()} must be in DirsAllowed of virtuoso.ini; isql-vt exits 0 "
            "even on errors: the last query of the script must list no failed files)"
        )
        return
    state.info(
        f"pushed {stats.triples:,} triples into {len(stats.graphs)} graph"
        f"{'s' if len(stats.graphs) != 1 else ''} of {endpoint} in {stats.requests} requests, "
        f"{stats.bytes / 1e6:,.1f} MB ({stats.seconds:.1f}s)"
    )


main.add_command(check)
main.add_command(serve)
main.add_command(diff)


if __name__ == "__main__":
    main()
