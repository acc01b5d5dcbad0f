"""benchmarks/bench/report_sidebyside.py: the whole activities-by-treaty CSV download and its
repeat (the file the server kept) are reported as two rows, the first as before."""

from __future__ import annotations

import sys
from typing import Any

from tests.conftest import ROOT


def _api(api: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, str]]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench.report_sidebyside import _api as section
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    lines: list[str] = []
    summary: list[tuple[str, str, str]] = []
    section(api, 100_000, "tripskg serve", lines, summary)
    return lines, summary


PAGES = {"first_page_p95_ms": {"reports": 4.0}, "first_page_cold_ms": {"reports": 20.0}}
FULL = {"status": 200, "s": 13.4, "rows": 98_682}


def test_the_repeated_download_is_a_row_of_its_own() -> None:
    again = {"status": 200, "s": 0.21, "rows": 98_682, "cache": "hit", "same_bytes": True}
    lines, summary = _api({**PAGES, "full_csv": FULL, "full_csv_again": again})
    rows = {what: (got, met) for what, got, met in summary}
    assert rows["the whole activities-by-treaty CSV ≤ 2 s (100,000; 98,682 rows)"] == (
        "13.40 s", "**missed**")
    assert rows["the whole activities-by-treaty CSV, repeated download (kept file) ≤ 2 s "
                "(100,000; 98,682 rows)"] == ("0.21 s", "**met**")
    assert any("X-Cache: hit" in line and "the same bytes" in line for line in lines)


def test_without_the_repeat_only_the_first_download_is_reported() -> None:
    """Results of runs before the repeat was measured still render."""
    _, summary = _api({**PAGES, "full_csv": FULL})
    assert [w for w, _, _ in summary if "activities-by-treaty" in w] == [
        "the whole activities-by-treaty CSV ≤ 2 s (100,000; 98,682 rows)"]
    _, summary = _api({**PAGES, "full_csv": FULL, "full_csv_again": {
        "status": 200, "s": 0.2, "rows": 98_682, "cache": "hit", "same_bytes": False}})
    assert summary[-1][2] == "**missed**"  # other bytes than the first: never met
