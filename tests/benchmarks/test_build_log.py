"""benchmarks/bench/processes.py reads the build's ``-v`` log: the seconds and CPU seconds of
each job of the parallel step (pieces summed per dump, held-report batches in one row) and
the query store writer's CPU, from a log the build really printed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli


def _bench(module: str) -> Any:
    """A module of benchmarks/bench (not a package of the project: imported from its folder)."""
    import importlib

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(f"bench.{module}")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def _processes() -> Any:
    return _bench("processes")


@pytest.mark.slow
def test_jobs_and_their_cpu_are_read_from_a_real_build_log(tmp_path: Path) -> None:
    from tests.benchmarks.test_generate import load_generator

    data = tmp_path / "data"
    load_generator().generate(data, activities=300, reports=6, seed=11)
    result = run_cli("-v", "build", "--data", str(data), "--out", str(tmp_path / "dist"),
                     "--no-cache", "--jobs", "2", "--store-quads", "2700")
    assert result.exit_code == 0, result.output
    log = result.output
    processes = _processes()
    wall = processes.build_jobs(log)
    cpu = processes.build_jobs(log, cpu=True)
    assert {"validate", "void-stats", "tripskg.jsonld", "tripskg.ttl"} <= set(wall)
    batches = "check-batch (held reports, all batches)"
    assert log.count("done: check-batch-") == 2 and batches in wall
    assert set(cpu) == {*wall, processes.QUERY_STORE_JOB}
    assert cpu[processes.QUERY_STORE_JOB] > 0 and cpu["validate"] > 0 and cpu[batches] > 0
    # a job's CPU is its worker's: never much more than its seconds on one thread
    assert cpu["tripskg.ttl"] <= wall["tripskg.ttl"] * 1.5 + 0.1


def test_logs_without_cpu_figures_still_give_the_seconds() -> None:
    log = "   3.1s done: tripskg.ttl#0 (1.5s)\n   3.4s done: tripskg.ttl#1 (0.5s)\n"
    processes = _processes()
    assert processes.build_jobs(log) == {"tripskg.ttl": 2.0}
    assert processes.build_jobs(log, cpu=True) == {}


def test_results_md_quotes_the_targets_of_the_last_bench_large(tmp_path: Path) -> None:
    large_summary = _bench("report").large_summary
    large = tmp_path / "RESULTS-large.md"
    large.write_text("# x\n\nWritten by `make bench-large`, started 2026-12-07 01:38 UTC; the "
                     "whole run took 30 min.\n\n| | |\n|---|---|\n| tripskg source | git abc1234 |"
                     "\n\n## Targets\n\n| target | measured | |\n|---|---|---|\n"
                     "| build ≤ 600 s at 1,000,000 | 761 s | **missed** |\n\n## 1. Build\n",
                     encoding="utf-8")
    quoted = large_summary(large)
    assert quoted[0].startswith("Its last run (2026-12-07 01:38 UTC, git abc1234;")
    assert quoted[2:5] == ["| target | measured | |", "|---|---|---|",
                           "| build ≤ 600 s at 1,000,000 | 761 s | **missed** |"]
    assert large_summary(tmp_path / "none.md")[0] == "No `make bench-large` results yet."


def test_a_new_bench_large_is_quoted_in_results_md_in_place(tmp_path: Path) -> None:
    report = _bench("report")
    LARGE_HEADING, requote_large = report.LARGE_HEADING, report.requote_large  # noqa: N806
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# r\n\n## Targets\n\nkept\n\n{LARGE_HEADING}\n\nWhat it is.\n\n"
                       "No `make bench-large` results yet.\n\n## Method\n\n- kept\n",
                       encoding="utf-8")
    large = tmp_path / "RESULTS-large.md"
    large.write_text("Written by x, started 2026-12-07 02:40 UTC; y.\n\n| tripskg source | git f00 |"
                     "\n\n## Targets\n\n| target | measured | |\n|---|---|---|\n| a | b | c |\n",
                     encoding="utf-8")
    started = large.read_text(encoding="utf-8")
    large.write_text(started.split("## Targets")[0], encoding="utf-8")  # a run under way
    requote_large(results, large)
    assert "has no targets table (yet)" in results.read_text(encoding="utf-8")
    large.write_text(started, encoding="utf-8")
    for _ in range(2):  # each time replaces the quote before it
        requote_large(results, large)
        assert results.read_text(encoding="utf-8") == (
            f"# r\n\n## Targets\n\nkept\n\n{LARGE_HEADING}\n\nWhat it is.\n\n"
            "Its last run (2026-12-07 02:40 UTC, git f00; details in "
            "[RESULTS-large.md](RESULTS-large.md)):\n\n| target | measured | |\n|---|---|---|\n"
            "| a | b | c |\n\n## Method\n\n- kept\n")
