"""The coverage page: the rows of the saved query ``coverage`` (reporters × years: a
document, a Council statement, a compilation, or none; the report, its activity count and
whether its activity list is complete) as one matrix per data kind, for the server
(``/coverage``) and the static site (``coverage.html``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..iris import IRIs
from ..model import DATA_KINDS
from ..queries import bind, get_query, run_local
from ..reference import Reference
from .views import GraphView, Namer

# the cell kinds of the query's ``coverage`` column, in the order of the legend
COVERAGE_KINDS = ("document", "council-statement", "compilation", "none")


@dataclass
class CoverageEntry:
    coverage: str
    report: str | None = None
    label: str | None = None
    activities: int | None = None
    complete: bool | None = None


@dataclass
class CoverageRow:
    reporter: str
    name: str
    cells: dict[int, list[CoverageEntry]] = field(default_factory=dict)

    def cell(self, year: int) -> list[CoverageEntry]:
        return self.cells.get(year, [])


@dataclass
class CoverageMatrix:
    kind: str
    years: list[int]
    rows: list[CoverageRow]

    @property
    def counts(self) -> dict[str, int]:
        """Reporter-years per coverage kind (a reporter-year with several reports counts
        once, under its best kind: document, then statement, then compilation)."""
        out = dict.fromkeys(COVERAGE_KINDS, 0)
        for row in self.rows:
            for entries in row.cells.values():
                kinds = {e.coverage for e in entries}
                out[next((k for k in COVERAGE_KINDS if k in kinds), "none")] += 1
        return out

    @property
    def partial(self) -> int:
        """Reports whose activity list is not complete."""
        return sum(1 for row in self.rows for entries in row.cells.values() for e in entries
                   if e.report and e.complete is False)


def _v(t: object) -> str | None:
    return None if t is None else str(t.value)  # type: ignore[attr-defined]


def coverage_matrix(store: ox.Store, view: GraphView, reference: Reference, kind: str = "real",
                    langs: tuple[str, ...] = ("en",)) -> CoverageMatrix:
    """The matrix of one data kind (``kind``: a data kind, not ``all``)."""
    namer = Namer(view, langs)
    text, _ = bind(get_query("coverage"), {"kind": kind}, reference, IRIs(view.base))
    rows: dict[str, CoverageRow] = {}
    years: set[int] = set()
    for r in run_local(store, text).rows:
        reporter = str(_v(r["reporter"]))
        row = rows.get(reporter)
        if row is None:
            row = rows[reporter] = CoverageRow(reporter,
                                               _v(r["reporter_name"]) or namer.label(reporter))
        year = int(str(_v(r["year"])))
        years.add(year)
        report = _v(r["report"])
        count = _v(r["activities"])
        complete = _v(r["complete"])
        row.cells.setdefault(year, []).append(CoverageEntry(
            str(_v(r["coverage"])), report, namer.label(report) if report else None,
            int(count) if count is not None else None,
            None if complete is None else complete in ("true", "1")))
    return CoverageMatrix(kind, sorted(years),
                          sorted(rows.values(), key=lambda x: (x.name.lower(), x.reporter)))


def coverage_matrices(store: ox.Store, view: GraphView, reference: Reference,
                      kinds: tuple[str, ...] = DATA_KINDS, langs: tuple[str, ...] = ("en",)
                      ) -> list[CoverageMatrix]:
    """One matrix per data kind that has reports (real first); none when no kind has any."""
    out = [coverage_matrix(store, view, reference, k, langs) for k in kinds]
    return [m for m in out if m.rows]
