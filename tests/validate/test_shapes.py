"""SHACL shapes tests: every shape has passing and failing fixtures.

Layout: ``tests/data/shapes/<shape local name>/`` holds

* ``pass*.ttl`` -- must validate without any result (no Violation, no Warning);
* ``fail-*.ttl`` -- must yield at least one Violation from that shape (or a property shape of it);
* ``warn-*.ttl`` -- must yield at least one Warning from that shape, and no Violation at all.

A fixture may say which constraint component it exercises with a comment line
``# expect: MinCountConstraintComponent``; the matching result must then come from that component.

Each fixture is validated together with ``ontology/tripskg.ttl`` and ``ontology/vocab/*.ttl``
(so the shipped vocabularies are validated in every run) against all ``shapes/*.ttl``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "shapes"
SH = Namespace("http://www.w3.org/ns/shacl#")
TKGSH = Namespace("https://w3id.org/tripskg/def/shapes/")
TARGET_PREDICATES = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
)
EXPECT = re.compile(r"^#\s*expect:\s*(\S+)\s*$", re.MULTILINE)


@cache
def shapes_graph() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


@cache
def base_data() -> Graph:
    g = Graph()
    g.parse(ROOT / "ontology" / "tripskg.ttl", format="turtle")
    for path in sorted((ROOT / "ontology" / "vocab").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def targeted_node_shapes() -> set[URIRef]:
    g = shapes_graph()
    return {s for p in TARGET_PREDICATES for s in g.subjects(p, None) if isinstance(s, URIRef)}


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.ttl"))


@cache
def run(fixture: Path) -> list[dict]:
    """pyshacl's top-level results for a fixture (cached: tests/validate/test_shacl.py compares the
    project's SPARQL engine against the same run)."""
    data = Graph()
    for triple in base_data():
        data.add(triple)
    data.parse(fixture, format="turtle")
    _, report, _ = validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,
        abort_on_first=False,
        allow_warnings=False,
    )
    results = []
    # top-level results only (nested sh:detail results of sh:node are not counted)
    for r in report.objects(None, SH.result):
        results.append(
            {
                "severity": report.value(r, SH.resultSeverity),
                "shape": report.value(r, SH.sourceShape),
                "component": report.value(r, SH.sourceConstraintComponent),
                "focus": report.value(r, SH.focusNode),
                "path": report.value(r, SH.resultPath),
                "message": report.value(r, SH.resultMessage),
            }
        )
    return results


def describe(results: list[dict]) -> str:
    return "\n".join(
        f"  {str(r['severity']).rsplit('#', 1)[-1]} {r['focus']} {r['path']} "
        f"[{str(r['component']).rsplit('#', 1)[-1]}] {r['message']}"
        for r in results
    )


def belongs_to(shape_node, node_shape: URIRef) -> bool:
    """True if the result's source shape is ``node_shape`` or one of its property shapes."""
    if shape_node == node_shape:
        return True
    return shape_node in set(shapes_graph().objects(node_shape, SH.property))


@pytest.mark.parametrize("fixture", fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(fixture: Path) -> None:
    shape = TKGSH[fixture.parent.name]
    assert (shape, RDF.type, SH.NodeShape) in shapes_graph(), f"no node shape {shape}"
    results = run(fixture)
    kind = fixture.stem.split("-", 1)[0]
    if kind == "pass":
        assert not results, f"{fixture.name} should validate cleanly:\n{describe(results)}"
        return
    assert kind in ("fail", "warn"), f"fixture names start with pass, fail- or warn-: {fixture}"
    severity = SH.Violation if kind == "fail" else SH.Warning
    if kind == "warn":
        violations = [r for r in results if r["severity"] == SH.Violation]
        assert not violations, f"{fixture.name} should only warn:\n{describe(violations)}"
    hits = [r for r in results if r["severity"] == severity and belongs_to(r["shape"], shape)]
    assert hits, (
        f"{fixture.name}: expected a {severity.rsplit('#', 1)[-1]} from {shape}, got:\n"
        f"{describe(results)}"
    )
    for expected in EXPECT.findall(fixture.read_text(encoding="utf-8")):
        assert any(r["component"] == SH[expected] for r in hits), (
            f"{fixture.name}: expected a result from sh:{expected}, got:\n{describe(hits)}"
        )


def test_every_targeted_shape_has_fixtures() -> None:
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    for shape in sorted(targeted_node_shapes()):
        name = str(shape).removeprefix(str(TKGSH))
        assert name in folders, f"no fixtures for {shape}"
        files = [p.name for p in (FIXTURES / name).glob("*.ttl")]
        assert "pass.ttl" in files, f"{name}: no pass.ttl"
        assert any(f.startswith(("fail-", "warn-")) for f in files), f"{name}: no failing fixture"


def test_every_fixture_folder_names_a_shape() -> None:
    shapes = {str(s).removeprefix(str(TKGSH)) for s in targeted_node_shapes()}
    for folder in FIXTURES.iterdir():
        if folder.is_dir():
            assert folder.name in shapes, f"{folder.name} is not a targeted shape"


def test_shipped_data_conforms() -> None:
    """The ontology and vocabularies alone validate without any result."""
    conforms, _, text = validate(
        base_data(), shacl_graph=shapes_graph(), inference="none", advanced=True
    )
    assert conforms, text
