"""benchmarks/bench/storecost.py and its report: where a slow first page or whole download
spends its time (the saved query with and without its ORDER BY, on the build's query store),
and the server CPU per request of the mixed load (report_sidebyside)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.test_build_log import _bench
from tests.conftest import run_cli


def test_every_saved_query_ends_with_an_order_by_that_can_be_taken_out() -> None:
    from tripskg.queries import load_queries

    unordered = _bench("storecost").unordered
    for name, q in load_queries().items():
        text = unordered(q.text)
        assert "ORDER BY" not in text.upper().rsplit("}", 1)[-1], name
        assert text.rstrip().endswith("}"), name
    with pytest.raises(ValueError, match="no final ORDER BY"):
        unordered("SELECT * WHERE { ?s ?p ?o }")


def test_the_cheap_runs_come_first() -> None:
    plan = _bench("storecost").plan(["a", "b"], ["b"])
    assert plan == [("a", "page", False), ("b", "page", False), ("a", "page", True),
                    ("b", "whole", False), ("b", "whole", True)]


def test_slow_pages_and_downloads_are_picked_from_the_api_figures() -> None:
    slow = _bench("storecost").slow
    api = {"first_page_p95_ms": {"a": 900.0, "b": 3.0, "c": 300.0},
           "first_page_cold_ms": {"a": 950.0, "b": 600.0, "c": 20.0},
           "full_csv": {"status": 200, "s": 15.3, "rows": 98_682}}
    assert slow(api, 200.0) == (["c", "a"], ["activities-by-treaty"])
    assert slow(api, 500.0, cold=True) == (["b", "a"], ["activities-by-treaty"])
    assert slow({**api, "full_csv": {"status": 200, "s": 0.6}}, 200.0)[1] == []
    assert slow({**api, "full_csv": {"status": 503, "s": 0.1}}, 200.0)[1] == [
        "activities-by-treaty"]
    assert slow(None, 200.0) == ([], [])


@pytest.mark.slow
def test_the_child_runs_each_variant_on_a_real_query_store(tmp_path: Path) -> None:
    """The same rows with and without ORDER BY (a set in another order), pages of 101 rows
    at most, on the store a real build left beside its folder."""
    from tests.benchmarks.test_generate import load_generator

    data = tmp_path / "data"
    load_generator().generate(data, activities=400, reports=4, seed=3)
    dist = tmp_path / "dist"
    result = run_cli("build", "--data", str(data), "--out", str(dist), "--no-cache")
    assert result.exit_code == 0, result.output
    a = argparse.Namespace(dist=str(dist), data=str(data), budget=60.0,
                           queries="activities-by-treaty,reports", whole="activities-by-treaty")
    out = _bench("storecost").child_storecost(a)
    runs = {(r["query"], r["variant"], r["ordered"]): r for r in out["runs"]}
    assert len(runs) == 5 and out["left_out"] == []
    whole = runs[("activities-by-treaty", "whole", True)]["rows"]
    assert whole > 101
    assert runs[("activities-by-treaty", "whole", False)]["rows"] == whole
    assert ("activities-by-treaty", "page", True) not in runs  # measured whole instead
    assert runs[("reports", "page", False)]["rows"] == runs[("reports", "page", True)]["rows"]
    # no time left: every run is listed as left out, none is made up
    out = _bench("storecost").child_storecost(argparse.Namespace(**{**vars(a), "budget": -1}))
    assert out["runs"] == [] and len(out["left_out"]) == 5


def _report() -> Any:
    return _bench("report_sidebyside")


def _run(data: dict[str, Any]) -> Any:
    return _bench("processes").Run(True, 1.0, data=data)


def test_the_cost_paragraph_states_what_the_order_by_costs() -> None:
    runs = [{"query": "activities-by-treaty", "variant": v, "ordered": o, "s": s, "rows": n}
            for v, o, s, n in (("page", False, 0.015, 101), ("page", True, 11.0, 101),
                               ("whole", False, 7.5, 98_682), ("whole", True, 13.2, 98_682))]
    lines: list[str] = []
    _report()._cost(_run({"runs": runs, "left_out": [["x", "page", True]]}), lines)
    text = "\n".join(lines)
    assert "| activities-by-treaty | 98,682 | 11,000 | 15.0 | 13.20 | 7.50 |" in text
    assert "Without `ORDER BY` the first pages of `activities-by-treaty` take at most 15.0 ms" \
        in text
    assert "ordering the rows is 5.70 s (43%)" in text
    assert "Not run (the time budget of this measurement): x page." in text
    # a query that finds no row goes through every candidate: the ORDER BY is not its cost
    empty = [{"query": "needs-coverage", "variant": "page", "ordered": o, "s": s, "rows": 0}
             for o, s in ((True, 0.25), (False, 0.39))]
    lines = []
    _report()._cost(_run({"runs": empty}), lines)
    text = "\n".join(lines)
    assert "`needs-coverage` (0 rows: 250 ms, 390 ms without `ORDER BY`)" in text
    assert "the time is finding the rows" in text and "stops after 101 rows" not in text
    lines = []
    _report()._cost({"error": "skipped: time budget"}, lines)
    assert "Not measured: skipped: time budget." in lines[-1]


def test_a_throughput_gap_names_cpu_per_request_and_busy_cores() -> None:
    t = {"rps": 4.0, "elapsed_s": 8.0, "cpu_s": 15.2, "errors": 0}
    o = {"rps": 4.4, "elapsed_s": 8.0, "cpu_s": 15.6, "errors": 0}
    text = _report()._behind("tripskg-nocache", 8, t, o)
    assert "475 CPU-ms per request against Oxigraph's 443" in text
    assert "kept 1.90 cores busy against 1.95" in text and "not waiting" in text
    idle = _report()._behind("tripskg-nocache", 8, {**t, "cpu_s": 8.0}, o)
    assert "requests waited" in idle
    assert "no CPU figures" in _report()._behind("x", 1, {**t, "cpu_s": None}, o)


def test_group_cpu_counts_the_process_group() -> None:
    cpu = _bench("processes").group_cpu_s(os.getpgid(0))
    assert cpu > 0  # this test process has used CPU; and the figure only grows
    assert _bench("processes").group_cpu_s(os.getpgid(0)) >= cpu


def test_a_cli_miss_is_split_into_the_fixed_cost_and_the_query() -> None:
    qs = {"report-summary": {"rows": 1, "median_s": 0.23},
          "activities-in-period": {"rows": 5_538, "median_s": 1.03},
          "reports": {"rows": 100, "median_s": 0.26}}
    text = _bench("cli_figure").cli_gap(qs, 100_000)
    assert text.startswith("**Gap:** `activities-in-period` 1.03 s for 5,538 rows at 100,000.")
    assert "(`report-summary`, 1) took 0.23 s" in text and "The rest, 0.80 s," in text
