"""The build stages and their hand-offs: reading a report (ingest.report) -> its part (graph
lines) -> the store (build) -> the validation step -> publish; settings travel as an object."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from tripskg.build import build_and_validate, build_graph
from tripskg.ingest.report import discover, read_report
from tripskg.iris import IRIs, owned_prefixes, owner_key
from tripskg.parts import read_part
from tripskg.publish import publish
from tripskg.reference import load_reference
from tripskg.settings import BuildSettings
from tripskg.validate import Nonconforming, Result, Validation, validate_graph

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://example.org/kg/"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding data/examples only (EXAMPLE DATA)."""
    data = tmp_path_factory.mktemp("stages") / "data"
    shutil.copytree(ROOT / "data" / "examples", data / "examples")
    return data


def test_a_part_is_the_records_of_one_report_as_graph_lines(examples: Path) -> None:
    iris = IRIs(BASE)
    ref = load_reference(iris.base)
    sources, errors = discover(examples)
    assert sources and not errors
    src = sources[0]
    records = read_report(src, examples, ref)
    part = read_part(src, examples, ref, iris)
    assert part.report == records.report and part.report.label
    assert part.n_activities == len(records.activities)
    assert part.graph is not None and part.graph.graph == iris.example_graph(src.key)
    # the report's own IRIs are the ones it owns, and they read back to its key
    assert iris.report(src.key) in part.locations
    owned = owned_prefixes(iris, src.key)
    subjects = {line.split(b" ", 1)[0] for line in part.graph.lines()}
    mine = [s for s in subjects if any((s + b" ").startswith(p) for p in owned)]
    assert mine
    assert {owner_key(iris, s.decode()[1:-1]) for s in mine} == {src.key}


def test_the_base_iri_travels_in_the_settings(examples: Path) -> None:
    result = build_graph(examples, BuildSettings(IRIs(BASE), jobs=1))
    assert result.iris == IRIs(BASE) and result.cache is None
    assert all(g.graph.startswith(BASE) for g in result.graphs)
    assert not any(str(q.subject).startswith("<https://w3id.org/tripskg/id/")
                   for q in result.store)


def test_build_and_validate_run_the_same_validation_step(examples: Path, tmp_path: Path
                                                         ) -> None:
    """``tripskg validate`` (build_and_validate) and ``tripskg build`` (the step run beside
    the dumps) find the same results, and validation.ttl is that step's report."""
    settings = BuildSettings(IRIs(BASE), jobs=1, site=False)
    result, validation = build_and_validate(examples, settings)
    assert validation == validate_graph(result.store, result.iris, result.locations)
    assert validation.results and not validation.violations  # data/examples: a warning
    out = tmp_path / "dist"
    out.mkdir()
    published = publish(build_graph(examples, settings), out, settings=settings)
    assert published.validation == validation
    assert published.record["counts"]["violations"] == len(validation.violations)  # type: ignore[index]
    written = ox.Store()
    written.load(path=str(out / "validation.ttl"), format=ox.RdfFormat.TURTLE)
    expected = ox.Store()
    expected.load(validation.report, format=ox.RdfFormat.N_TRIPLES)
    assert sorted(map(str, written)) == sorted(map(str, expected))


def test_a_given_validation_with_violations_stops_publishing(examples: Path,
                                                            tmp_path: Path) -> None:
    settings = BuildSettings(IRIs(BASE), jobs=1, site=False)
    result = build_graph(examples, settings)
    focus = IRIs(BASE).report("x")
    bad = Validation.of([Result("Violation", "x.txt:1", focus, None, "test violation", None,
                                None)], result.iris)
    assert bad.report.count(b"test violation") == 1
    out = tmp_path / "dist"
    out.mkdir()
    with pytest.raises(Nonconforming) as info:
        publish(result, out, settings=settings, validation=bad)
    assert info.value.validation is bad and str(info.value) == "1 SHACL violation"
    assert not (out / "validation.ttl").exists() and not (out / "build.json").exists()


def test_reports_held_out_of_the_store_are_validated_in_batches() -> None:
    """With every report held out of the build's store (``store_quads=1``), each batch of
    reports is checked in a store of its own: the same results as one store of them all (the
    real data has warnings about report subjects and shared ones)."""
    whole, expected = build_and_validate(ROOT / "data", BuildSettings(site=False))
    assert not whole.held and expected.results
    held, validation = build_and_validate(ROOT / "data", BuildSettings(site=False, store_quads=1))
    assert set(held.held) == set(held.report_graphs)
    assert len(held.batches(1)) == len(held.report_graphs)
    assert validation == expected
