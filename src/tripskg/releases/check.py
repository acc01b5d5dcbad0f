"""``tripskg check FILE…``: check cover notes and annexes before sending them, with the
build's own readers and SHACL shapes, so the messages are the build's (file:row:column, hints).

Files are paired by name like a data folder pairs them (``wipo-2025.txt`` with
``wipo-2025.csv``). An annex checked without its cover note is read as the annex of a report
with no cover note: the checks of the report itself (reporter, dates of the note) are left
out, those of its activities are all run. Nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import reference_locations
from ..errors import Location, TripsKGError, Warning_
from ..graph import ontology_quads, reference_quads
from ..ingest.annex import READERS
from ..ingest.report import Source
from ..ingest.text import display_path
from ..iris import IRIs
from ..parts import Part, read_part
from ..reference import load_reference
from ..validate import Result, validate_store
from ..vocab import DEFAULT_BASE
from .version import plural as _n

NOTE_SUFFIX = ".txt"
MAX_FILES = 50


class CheckError(TripsKGError):
    """The files cannot be checked at all (missing, unknown kind): a usage error."""


@dataclass
class CheckOutcome:
    files: list[str]
    errors: list[TripsKGError] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    reports: int = 0
    activities: int = 0

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.violations

    def lines(self) -> list[str]:
        """Every message as the build prints it (``error: …``, ``warning: …``, …)."""
        out = [f"error: {e.render()}" for e in self.errors]
        out += [f"warning: {w.render()}" for w in self.warnings]
        out += [f"{r.severity.lower()}: {r.render()}" for r in self.results]
        return out

    def summary(self) -> str:
        n_w = len(self.warnings) + sum(1 for r in self.results if r.severity != "Violation")
        what = (f"{_n(self.reports, 'report')}, {_n(self.activities, 'activity')}: "
                if not self.errors else "")
        return (f"checked {_n(len(self.files), 'file')}: {what}"
                f"{_n(len(self.errors), 'error')}, {_n(len(self.violations), 'violation')}, "
                f"{_n(n_w, 'warning')}")



def sources_of(paths: list[Path]) -> list[Source]:
    """Pair the files into report sources (by file name stem)."""
    if not paths:
        raise CheckError("give at least one cover note (.txt) or annex to check",
                         hint=f"annexes: {', '.join(sorted(READERS))}")
    if len(paths) > MAX_FILES:
        raise CheckError(f"{len(paths)} files: check at most {MAX_FILES} at a time")
    by_key: dict[str, Source] = {}
    for p in paths:
        if not p.is_file():
            raise CheckError(f"'{p}' is not a file")
        suffix = p.suffix.lower()
        if suffix != NOTE_SUFFIX and suffix not in READERS:
            raise CheckError(f"'{p}': cannot tell a cover note or an annex from '{suffix}'",
                             hint=f"cover notes are .txt; annexes {', '.join(sorted(READERS))}")
        src = by_key.setdefault(p.stem, Source(p.stem, "real"))
        if suffix == NOTE_SUFFIX:
            if src.note is not None:
                raise CheckError(f"two cover notes named '{p.stem}'")
            src.note = p
        else:
            if src.annex is not None:
                raise CheckError(f"two annexes named '{p.stem}'", hint=f"also {src.annex}")
            src.annex = p
    return [by_key[k] for k in sorted(by_key)]


def check_files(paths: list[Path], base: str = DEFAULT_BASE, root: Path | None = None
                ) -> CheckOutcome:
    """Read and validate ``paths`` as the build would. ``root``: the folder messages name
    files relative to (default: the working folder)."""
    sources = sources_of(paths)
    iris = IRIs(base)
    ref = load_reference(iris.base)
    # read_part shows paths relative to its data folder's parent: a child of ``root``
    anchor = (root or Path.cwd()) / "data"
    placeholders: dict[str, str] = {}
    for src in sources:
        if src.note is None:  # an annex alone: a report without a cover note
            shown = display_path(src.annex or Path(src.key), anchor)
            src.register = (Location(shown), {})
            placeholders[iris.report(src.key)] = shown
    outcome = CheckOutcome([display_path(p, anchor) for p in paths])
    parts: list[Part] = [read_part(src, anchor, ref, iris) for src in sources]
    for part in parts:
        outcome.errors.extend(part.errors)
        outcome.warnings.extend(part.warnings)
    if outcome.errors:
        return outcome
    store = ox.Store()
    store.extend(ontology_quads(iris))
    reference_quads(ref).load_into(store)
    locations = reference_locations(ref)
    for part in parts:
        assert part.graph is not None
        part.graph.load_into(store)
        locations.update(part.locations)
        outcome.reports += 1
        outcome.activities += part.n_activities
    results, _ = validate_store(store, iris, locations)
    outcome.results = [r for r in results if r.focus not in placeholders]
    return outcome


def group_by_file(outcome: CheckOutcome) -> dict[str, list[str]]:
    """The messages of each checked file (for the server's answer)."""
    out: dict[str, list[str]] = defaultdict(list)
    for line in outcome.lines():
        text = line.split(": ", 1)[1]
        out[next((f for f in outcome.files if text.startswith(f)), "")].append(line)
    return dict(out)
