"""Terminal output shared by the commands: consoles, verbosity, exit codes, error rendering.

Only the command line (cli.py) uses it: the rest of the package never prints or exits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.markup import escape

from .errors import TripsKGError

if TYPE_CHECKING:
    import pyoxigraph as ox

    from .build import BuildResult
    from .validate import Validation

err = Console(stderr=True, highlight=False, soft_wrap=True)
# a pipe or file gets wide tables (no wrapping); a terminal gets its own width
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 220)

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


def fail(errors: list[TripsKGError], code: int = EXIT_DATA) -> NoReturn:
    for e in errors:
        err.print(f"[red]error[/red]: {escape(e.render())}")
    n = len(errors)
    err.print(f"{n} error{'s' if n != 1 else ''}; nothing was written")
    sys.exit(code)


NO_SITE = "no static site (tripskg build --site writes it; tripskg serve renders the same pages)"


def print_results(state: State, validation: Validation, result: BuildResult | None = None,
                  where: str | None = None) -> None:
    """Violations one per line; warnings (the readers' and SHACL's) summarised unless -v
    (``where``: the output folder that holds warnings.csv; None when nothing was written)."""
    from .publish.findings import findings, summary

    for r in validation.violations:
        err.print(f"[red]violation[/red]: {escape(r.render())}")
    if not state.quiet:
        items = findings(result.warnings if result else [], validation.results)
        for kind, text in summary(items, full=state.verbose, where=where):
            err.print(f"[yellow]{kind}[/yellow]: {escape(text)}" if kind else escape(text))


def query_store(dist: Path) -> ox.Store:
    """The store ``tripskg query --from dist`` runs over: the build's query store, or the dump
    loaded into memory with a note saying why (seconds on large builds)."""
    from .querystore import dist_store

    opened = dist_store(dist)
    if opened.fallback:
        err.print(f"[yellow]note[/yellow]: {escape(opened.fallback)}; loading "
                  f"{dist}/tripskg.nq.gz instead (tripskg build writes it again)")
    return opened.store
