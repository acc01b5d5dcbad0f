"""Command line: the only place that prints or exits.

Exit codes: 0 success; 1 the data has errors (bad input, SHACL violations); 2 usage or
environment errors (unknown query, unreachable endpoint, bad option).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console

from .errors import ErrorGroup, TripsKGError
from .vocab import DEFAULT_BASE

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

EXIT_DATA = 1
EXIT_USAGE = 2


class State:
    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.t0 = time.monotonic()

    def progress(self, msg: str) -> None:
        if self.verbose:
            err.print(f"[dim]{time.monotonic() - self.t0:6.1f}s[/dim] {msg}")

    def info(self, msg: str) -> None:
        if not self.quiet:
            err.print(msg)


def _fail(errors: list[TripsKGError], code: int = EXIT_DATA) -> None:
    for e in errors:
        err.print(f"[red]error[/red]: {e.render()}", markup=True, highlight=False)
    n = len(errors)
    err.print(f"{n} error{'s' if n != 1 else ''}; nothing was written")
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print each step with timings.")
@click.version_option(package_name="tripskg")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """tripskg: the TRIPS technical cooperation knowledge graph."""
    ctx.obj = State(quiet, verbose)


def _data_option(f):  # type: ignore[no-untyped-def]
    f = click.option("--base", default=DEFAULT_BASE, show_default=True,
                     help="Base IRI of the dataset.")(f)
    return click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
                        help="Data folder (documents/, annex/, reports.csv). [default: data/]")(f)


def _run_build(state: State, data_dir: Path | None, base: str):  # type: ignore[no-untyped-def]
    from .build import build_and_validate
    from .resources import default_data_dir

    data = data_dir or (Path("data") if Path("data").is_dir() else default_data_dir())
    if not data.is_dir():
        _fail([TripsKGError(f"data folder '{data}' does not exist")], EXIT_USAGE)
    try:
        result = build_and_validate(data, base, state.progress)
    except ErrorGroup as g:
        _fail(g.errors)
    except TripsKGError as e:
        _fail([e])
    for w in result.warnings:
        if not state.quiet:
            err.print(f"[yellow]warning[/yellow]: {w.render()}")
    return result


def _print_results(state: State, result) -> None:  # type: ignore[no-untyped-def]
    for r in result.results:
        colour = "red" if r.severity == "Violation" else "yellow"
        if r.severity == "Violation" or not state.quiet:
            err.print(f"[{colour}]{r.severity.lower()}[/{colour}]: {r.render()}")


@main.command()
@_data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Output folder (replaced atomically).")
@click.pass_obj
def build(state: State, data_dir: Path | None, base: str, out_dir: Path) -> None:
    """Build, validate and publish the graph into OUT (atomically)."""
    from .publish import atomic_output, publish

    result = _run_build(state, data_dir, base)
    _print_results(state, result)
    if result.violations:
        n = len(result.violations)
        err.print(f"{n} SHACL violation{'s' if n != 1 else ''}; {out_dir} was left untouched")
        sys.exit(EXIT_DATA)
    with atomic_output(out_dir) as work:
        record = publish(result, work, state.progress)
    counts = record["counts"]
    assert isinstance(counts, dict)
    state.info(
        f"built {out_dir}: {counts['reports']} reports, {counts['activities']} activities, "
        f"{counts['triples']:,} triples, {counts['violations']} violations, "
        f"{counts['warnings']} warnings ({time.monotonic() - state.t0:.1f}s)"
    )


@main.command()
@_data_option
@click.pass_obj
def validate(state: State, data_dir: Path | None, base: str) -> None:
    """Read and validate the sources without writing anything."""
    result = _run_build(state, data_dir, base)
    _print_results(state, result)
    n = len(result.violations)
    warnings = sum(1 for r in result.results if r.severity == "Warning")
    state.info(f"{len(result.reports)} reports, {len(result.activities)} activities: "
               f"{n} violations, {warnings} warnings")
    sys.exit(EXIT_DATA if n else 0)


if __name__ == "__main__":
    main()
