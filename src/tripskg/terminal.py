"""Terminal output shared by the commands: consoles, verbosity, exit codes, error rendering.

Only the command line (cli.py) uses it: the rest of the package never prints or exits.
"""

from __future__ import annotations

import sys
import time
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from .errors import TripsKGError

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
