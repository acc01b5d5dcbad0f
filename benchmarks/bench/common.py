"""Constants and helpers shared by the benchmark modules: paths, the saved-query parameters, targets, percentiles and cell formats."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent  # benchmarks/
RUN = HERE / "run.py"
ROOT = HERE.parent
BIN = Path(sys.executable).parent
TRIPSKG = str(BIN / "tripskg")
GENERATE = str(HERE / "generate.py")
RESULTS = HERE / "RESULTS.md"
RESULTS_LARGE = HERE / "RESULTS-large.md"

# parameters of the saved queries (only those a query declares are passed)
QUERY_PARAMS = {"country": "KEN", "area": "health", "from": "2015-01-01", "to": "2015-12-31",
                "kind": "synthetic"}  # + report = the first report's IRI
# queries of the endpoint throughput mix (+ a resource lookup)
MIX_QUERIES = ("report-summary", "mentions", "activities-by-country")

# the saved query downloaded whole (download=csv) by figure 6 and the first pages of
# bench-large: the largest answer, every activity with a treaty
WHOLE_DOWNLOAD = "activities-by-treaty"

# the same saved query with an optional parameter given, as it is typically called (the figure
# above leaves it unbound: the whole listing, the worst case)
VARIANTS = {"activities-by-treaty": [{"treaty": "https://w3id.org/tripskg/id/treaty/trips"}]}

TARGETS = {"build_s": 60.0, "build_floor": 15.0, "build_rss_gb": 3.0, "site_s": 120.0,
           "query_p95_ms": 200.0, "api_added_ms": 10.0, "throughput_ratio": 10.0}
LARGE_TARGETS = {"build_s": 600.0, "build_rss_gb": 12.0}  # make bench-large (issue 18)


# =========================================================================== helpers
def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def first_report_iri(data: Path) -> str:
    """IRI of the first report (by key) of a generated data folder."""
    import csv

    from tripskg.iris import IRIs
    from tripskg.vocab import DEFAULT_BASE

    with (data / "reports.csv").open(encoding="utf-8") as fh:
        keys = sorted(row["key"] for row in csv.DictReader(fh))
    return IRIs(DEFAULT_BASE).report(keys[0])


def query_args(saved: Any, report: str) -> dict[str, str]:
    values = dict(QUERY_PARAMS, report=report)
    return {p.name: values[p.name] for p in saved.params if p.name in values}


def bound_queries(report: str, names: list[str] | None = None) -> list[tuple[str, dict, str]]:
    """(name, params, SPARQL text) of the saved queries, parameters bound as the CLI does."""
    from tripskg.iris import IRIs
    from tripskg.queries import bind, load_queries
    from tripskg.reference import load_reference
    from tripskg.vocab import DEFAULT_BASE

    iris = IRIs(DEFAULT_BASE)
    ref = load_reference(iris.base)
    out = []
    for name, saved in load_queries().items():
        if names is not None and name not in names:
            continue
        raw = query_args(saved, report)
        text, _ = bind(saved, raw, ref, iris)
        out.append((name, raw, text))
        for extra in VARIANTS.get(name, []) if names is None else []:
            label = name + " (" + ", ".join(f"{k}={v.rsplit('/', 1)[-1]}"
                                           for k, v in extra.items()) + ")"
            text, _ = bind(saved, {**raw, **extra}, ref, iris)
            out.append((label, {**raw, **extra}, text))
    return out


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def fmt_mb(kb: int | None) -> str:
    if not kb:
        return "–"
    mb = kb / 1024
    return f"{mb:,.0f} MB" if mb < 1024 else f"{mb / 1024:.2f} GB"


def fmt_ratio(x: float | None, prefix: str = "") -> str:
    if x is None:
        return "–"
    return f"{prefix}{x:.1f}×" if x < 100 else f"{prefix}{x:,.0f}×"


def yes(ok: bool | None) -> str:
    return "–" if ok is None else "**met**" if ok else "**missed**"


