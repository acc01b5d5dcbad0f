"""``tripskg serve`` (docs/operations.md). Registered on the command group by ``cli``."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_releases import check_options
from .errors import TripsKGError
from .terminal import EXIT_USAGE, State
from .terminal import fail as _fail


@click.command()
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Built dist/ folder to serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--base", default=None,
              help="Base IRI of the dataset. [default: the one recorded in dist/build.json]")
@click.option("--timeout", default=10.0, show_default=True, type=float,
              help="Per-query timeout in seconds (503 when exceeded).")
@click.option("--limit", default=10_000, show_default=True, type=int,
              help="Result limit: rows (or triples) returned per query; X-Truncated: true "
                   "when cut.")
@click.option("--workers", default=2, show_default=True, type=int,
              help="Query worker processes (queries running at the same time).")
@click.option("--cache-mb", default=256, show_default=True, type=click.IntRange(min=0),
              help="Memory for answers kept while this build is served: a repeated query "
                   "is answered without running it again (X-Cache: hit); 0 turns it off.")
@click.option("--download-cache-mb", default=1024, show_default=True,
              type=click.IntRange(min=0),
              help="Disk (in the server's work folder) for download=csv|tsv|json files kept "
                   "while this build is served: a repeated download is sent without running "
                   "the query (X-Cache: hit); 0 turns it off.")
@click.option("--write-token", envvar="TRIPSKG_WRITE_TOKEN", default=None,
              help="Allow SPARQL Update for requests with 'Authorization: Bearer TOKEN' "
                   "(read-only without it). [env: TRIPSKG_WRITE_TOKEN]")
@click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
              help="Allow SPARQL SERVICE calls to this endpoint URL (repeatable); every other "
                   "SERVICE is refused with 400.")
@check_options
@click.pass_obj
def serve(state: State, dist_dir: Path, host: str, port: int, base: str | None, timeout: float,
          limit: int, workers: int, cache_mb: int, download_cache_mb: int,
          write_token: str | None, allow_service: tuple[str, ...], allow_check: bool, check_max_bytes: int) -> None:
    """Serve dist/: SPARQL endpoint, linked-data pages, saved-query API."""
    from .serve import Config
    from .serve import serve as run_server
    from .serve.backend import Backend

    if timeout <= 0 or limit <= 0 or workers <= 0:
        _fail([TripsKGError("--timeout, --limit and --workers must be positive")], EXIT_USAGE)
    config = Config(dist_dir, base, timeout, limit, write_token, workers, allow_check,
                    check_max_bytes, allow_service, cache_mb, download_cache_mb)
    try:
        Backend.check_dist(dist_dir)
    except TripsKGError as e:
        _fail([e], EXIT_USAGE)
    state.info(f"serving {dist_dir} on http://{host}:{port}/ (SPARQL at /sparql; "
               f"timeout {timeout:g} s, limit {limit:,} rows"
               f"{', updates allowed with the write token' if write_token else ', read-only'})")
    run_server(config, host, port, log_level="warning" if state.quiet else "info")
