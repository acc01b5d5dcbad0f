"""Smoke test of the load test (benchmarks/load.py): a small fixed run, 127.0.0.1 only.

The full run (20,000 requests at 50 concurrent clients on the 100k-activity synthetic graph)
is ``make load``; its last results are in benchmarks/RELIABILITY.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _load_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tripskg_load", ROOT / "benchmarks" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_load_smoke(small_dist: Path, tmp_path: Path) -> None:
    load = _load_module()
    rdflib = importlib.util.find_spec("rdflib_endpoint") is not None
    results = load.main(["--dist", str(small_dist), "--requests", "300", "--concurrency", "10",
                         "--rdflib-requests", "60" if rdflib else "0",
                         "--json", str(tmp_path / "load.json")])
    tripskg = results[0]
    assert tripskg["server"] == "tripskg serve"
    assert (tripskg["requests"], tripskg["ok"], tripskg["errors"]) == (300, 300, 0), tripskg
    assert set(tripskg["by_kind"]) == {"api", "resource", "sparql"}
    assert tripskg["p99_ms"] < 10_000
    assert tripskg["peak_rss_mb"]["server"] > 0
    if rdflib:
        assert results[1]["server"] == "rdflib-endpoint"
        assert results[1]["errors"] == 0, results[1]
    assert (tmp_path / "load.json").is_file()
