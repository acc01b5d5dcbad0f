"""The SPARQL-compiled SHACL engine gives the same results as pyshacl on every shape fixture."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from tests.conftest import TESTS
from tripskg import shacl
from tripskg.graph import ontology_quads
from tripskg.iris import IRIs
from tripskg.validate import shapes_turtle, validate_store

FIXTURES = sorted((TESTS / "data" / "shapes").glob("*/*.ttl"))


def store_with(fixture: Path) -> ox.Store:
    store = ox.Store()
    store.extend(ontology_quads(IRIs()))
    g = ox.NamedNode("https://w3id.org/tripskg/graph/fixture")
    with fixture.open("rb") as fh:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, g)
                     for t in ox.parse(fh, ox.RdfFormat.TURTLE,
                                       base_iri="https://w3id.org/tripskg/"))
    return store


def results(store: ox.Store, engine: str) -> set[tuple[str, str, str | None]]:
    found, _ = validate_store(store, IRIs(), {}, engine=engine)
    return {(r.severity, r.focus, r.path) for r in found}


@pytest.fixture(params=["focused", "path-scan"])
def checks_scan_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways a value or count check runs: joined with its focus nodes (small focus, as in
    the fixtures) or scanning its path and then keeping the focus nodes' results (large
    focus; forced here by lowering the threshold to 0)."""
    if request.param == "path-scan":
        monkeypatch.setattr(shacl, "UNFOCUSED_MIN", 0)
    return request.param == "path-scan"


@pytest.mark.slow
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_as_pyshacl(fixture: Path, checks_scan_paths: bool) -> None:
    from tests.validate.test_shapes import (
        run,  # pyshacl on the same data, cached across both test modules
    )

    reference = {(str(r["severity"]).rsplit("#", 1)[-1], str(r["focus"]),
                  None if r["path"] is None or not isinstance(r["path"], URIRef)
                  else str(r["path"])) for r in run(fixture)}
    assert results(store_with(fixture), "sparql") == reference


@pytest.mark.slow
def test_same_results_on_the_query_fixture_graph() -> None:
    from tripskg.build import build_graph

    store = build_graph(TESTS / "data" / "queryfix").store
    fast = results(store, "sparql")
    assert fast == results(store, "pyshacl")
    assert fast, "the fixture graph has at least one warning to compare"


def test_path_scans_give_the_same_results_and_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from tripskg.build import build_graph

    store = build_graph(TESTS / "data" / "queryfix").store
    focused, _ = validate_store(store, IRIs(), {})
    monkeypatch.setattr(shacl, "UNFOCUSED_MIN", 0)
    scanned, report = validate_store(store, IRIs(), {})
    assert scanned == focused and report
    assert any(c.unfocused for _, c in shacl.Validator.from_turtle(shapes_turtle(IRIs())).checks)
