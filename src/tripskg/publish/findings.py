"""Warnings of a build in two forms: every one of them in ``dist/warnings.csv`` (beside the
SHACL report ``dist/validation.ttl``), and a summary short enough for a terminal: grouped by
message, with a count and the first locations of each group.

A finding is either a SHACL result that does not block publishing (sh:Warning, sh:Info) or a
warning of the readers (a cover-note field not found). Messages that differ only in the values
they quote in parentheses or in their dates ("The activity starts (2018-06-01) …") form one
group.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import Warning_
from ..validate import Result

CSV_FILE = "warnings.csv"
COLUMNS = ("severity", "location", "message", "focus", "path", "source")
MAX_LINES = 20  # lines of the summary, whatever the number of findings
IN_FULL = 10  # up to this many findings are listed one per line
LOCATIONS = 3  # locations shown per group

_PARENS = re.compile(r"\([^()]*\)")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@dataclass(frozen=True)
class Finding:
    severity: str  # Warning | Info (SHACL) ; Warning (a reader)
    location: str  # file:row, or the focus IRI when the source is unknown
    message: str
    focus: str = ""
    path: str = ""
    source: str = "shacl"  # shacl | read

    def render(self) -> str:
        """The one-line form the command line prints (as before the summary existed)."""
        if self.source == "read":
            return f"{self.location}: {self.message}" if self.location else self.message
        what = f" [{_short(self.path)}]" if self.path else ""
        return f"{self.location}: {self.severity}{what}: {self.message}"

    @property
    def kind(self) -> str:
        return self.severity.lower()


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def findings(warnings: Iterable[Warning_], results: Iterable[Result]) -> list[Finding]:
    """The readers' warnings, then the SHACL results that are not violations, in order."""
    out = [Finding("Warning", str(w.location) if w.location else "", w.message, source="read")
           for w in warnings]
    out += [Finding(r.severity, r.location, r.message, r.focus, r.path or "")
            for r in results if r.severity != "Violation"]
    return out


def findings_csv(items: Sequence[Finding]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in items:
        writer.writerow([f.severity, f.location, f.message, f.focus, f.path, f.source])
    return buf.getvalue()


def write_findings_csv(path: Path, items: Sequence[Finding]) -> None:
    path.write_text(findings_csv(items), encoding="utf-8")


def group_key(f: Finding) -> tuple[str, str, str, str]:
    message = _DATE.sub("…", _PARENS.sub("(…)", f.message))
    return f.source, f.severity, _short(f.path) if f.path else "", message


def summary(items: Sequence[Finding], full: bool = False, where: str | None = "dist"
            ) -> list[tuple[str, str]]:
    """Lines to print as (kind, text): kind is 'warning' or 'info' for a finding's own line,
    '' for a line of the summary. Every finding when ``full`` or when there are at most
    ``IN_FULL``; else at most ``MAX_LINES`` lines: one per group (count and message), one with
    its first locations, and where the full list is (``where``: the output folder; None when
    nothing was written)."""
    if full or len(items) <= IN_FULL:
        return [(f.kind, f.render()) for f in items]
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for f in items:
        groups.setdefault(group_key(f), []).append(f)
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: first seen first
    shown = ordered[:(MAX_LINES - 2) // 2]
    every = f"{where}/{CSV_FILE}, {where}/validation.ttl, or tripskg -v" if where else "-v"
    lines: list[tuple[str, str]] = [("", (
        f"{len(items):,} warnings of {len(groups)} kind{'s' if len(groups) != 1 else ''} "
        f"(every one: {every}):"))]
    for (_, severity, path, message), members in shown:
        what = f" [{path}]" if path else ""
        lines.append((severity.lower(), f"{len(members):,} × {message}{what}"))
        first = [m.location or m.focus for m in members[:LOCATIONS]]
        more = ", …" if len(members) > LOCATIONS else ""
        lines.append(("", f"    at {', '.join(first)}{more}"))
    rest = ordered[len(shown):]
    if rest:
        n = sum(len(m) for _, m in rest)
        lines.append(("", f"… and {len(rest)} more kinds ({n:,} warnings)"))
    return lines
