"""benchmarks/generate.py: SYNTHETIC input data in the real formats, built by the real pipeline."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from tests.conftest import ROOT, run_cli

SYNTHETIC = "https://w3id.org/tripskg/def/data-kind/synthetic"
TKG = "https://w3id.org/tripskg/def/"


@cache
def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tripskg_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    load_generator().generate(out, activities=240, reports=9, seed=5)
    return out


def test_layout_and_everything_says_synthetic(generated: Path) -> None:
    gen = load_generator()
    notes = sorted((generated / "documents").glob("*.txt"))
    annexes = sorted((generated / "annex").glob("*.csv"))
    assert len(notes) == len(annexes) == 9
    with (generated / "reports.csv").open(encoding="utf-8") as fh:
        register = list(csv.DictReader(fh))
    assert list(register[0]) == list(gen.REGISTER_COLUMNS)
    assert {r["data_kind"] for r in register} == {"synthetic"}
    assert all(r["source"] == "" and r["symbol"] == "" for r in register)
    assert all(r["title"].startswith("SYNTHETIC benchmark report (not from ") for r in register)
    rows = 0
    for n in notes:
        assert n.read_text(encoding="utf-8").startswith("SYNTHETIC benchmark report (not from ")
    for a in annexes:
        with a.open(encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert tuple(reader.fieldnames or ()) == gen.ANNEX_COLUMNS
            for row in reader:
                rows += 1
                assert row["title"].startswith("SYNTHETIC")
                assert row["source"] == ""
    assert rows == 240


def test_notes_parse_with_reporter_and_dates(generated: Path) -> None:
    from tripskg.ingest.covernote import parse_cover_note
    from tripskg.reference import load_reference

    ref = load_reference()
    families = set()
    for path in sorted((generated / "documents").glob("*.txt")):
        report, _ = parse_cover_note(path, path.stem, path.name, ref)
        assert report.reporter is not None, path.name
        assert report.period is not None, path.name
        text = path.read_text(encoding="utf-8")
        if "intergovernmental organizations" in text:
            families.add("igo")
            assert report.communication_date and report.meeting, path.name
        elif "Note by the Secretariat" in text:
            families.add("wto")
            assert report.previous_report and "SYNTHETIC" in report.previous_report.value
            assert report.reporter.value.endswith("/id/org/wto")
        elif "Article 67" in text:
            families.add("article67")
            assert report.communication_date, path.name
        else:
            families.add("older")
            # "submitted for the meeting of the Council for TRIPS of ...": the meeting the
            # report is submitted for (review meeting), not the one whose invitation it answers
            assert "Note prepared by the" in text and report.review_meeting, path.name
            assert report.meeting is None, path.name
    assert families == {"igo", "wto", "article67", "older"}


def test_every_date_and_beneficiary_form_is_used(generated: Path) -> None:
    import re

    cells: list[str] = []
    bens: list[str] = []
    for a in sorted((generated / "annex").glob("*.csv")):
        with a.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                cells.append(row["start_date"])
                bens += row["beneficiaries"].split(";")
    forms = {
        "iso": r"\d{4}-\d\d-\d\d", "dmy": r"\d\d/\d\d/\d{4}", "range": r"\d{1,2}-\d{1,2} [A-Z]\w+ \d{4}",
        "month": r"[A-Z]\w+ \d{4}", "year": r"\d{4}",
    }
    for name, pattern in forms.items():
        assert any(re.fullmatch(pattern, c) for c in cells), name
    assert any(re.fullmatch(r"[A-Z]{2}", b) for b in bens)
    assert any(re.fullmatch(r"[A-Z]{3}", b) for b in bens)
    assert "LDCs" in bens


def test_synthetic_data_validates(generated: Path) -> None:
    """Ingestion has no errors, and SHACL finds no violation in the synthetic reports."""
    from tripskg.build import build_and_validate

    result, validation = build_and_validate(generated)  # raises ErrorGroup on input errors
    assert len(result.reports) == 9 and result.n_activities == 240
    ours = [r.render() for r in validation.violations if "synthetic" in (r.location + r.focus)]
    assert not ours, ours[:10]
    # few warnings: activities lie inside their report's period
    warnings = validation.warnings
    assert len(warnings) <= 5, [w.render() for w in warnings[:5]]


@pytest.mark.slow
def test_cli_build_succeeds_and_marks_synthetic(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    r = run_cli("build", "--data", str(generated), "--out", str(out))
    assert r.exit_code == 0, r.output[-3000:]
    assert not [ln for ln in r.output.splitlines() if ln.startswith(("error", "violation"))]
    store = ox.Store()
    with gzip.open(out / "tripskg.nq.gz", "rb") as fh:
        store.load(fh, ox.RdfFormat.N_QUADS)
    kinds = {
        str(row["kind"].value): int(row["n"].value)  # type: ignore[union-attr]
        for row in store.query(
            f"SELECT ?kind (COUNT(?x) AS ?n) {{ ?x a ?c ; <{TKG}dataKind> ?kind "
            f"VALUES ?c {{ <{TKG}Report> <{TKG}Activity> }} }} GROUP BY ?kind",
            use_default_graph_as_union=True)
    }
    assert kinds == {SYNTHETIC: 9 + 240}
    titles = [s["t"].value for s in store.query(  # type: ignore[union-attr]
        f"SELECT ?t {{ ?r a <{TKG}Report> ; <http://purl.org/dc/terms/title> ?t }}",
        use_default_graph_as_union=True)]
    assert len(titles) == 9 and all(t.startswith("SYNTHETIC") for t in titles)


def test_graph_marks_synthetic(generated: Path) -> None:
    """Independent of the CLI build: every report and activity is tkg:dataKind synthetic."""
    from tripskg.build import build_graph

    store = build_graph(generated).store
    rows = list(store.query(
        f"SELECT ?x ?kind {{ ?x a ?c . OPTIONAL {{ ?x <{TKG}dataKind> ?kind }} "
        f"VALUES ?c {{ <{TKG}Report> <{TKG}Activity> }} }}", use_default_graph_as_union=True))
    assert len(rows) == 9 + 240
    assert {r["kind"].value for r in rows} == {SYNTHETIC}  # type: ignore[union-attr]


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    gen = load_generator()
    gen.generate(tmp_path / "a", activities=300, reports=4, seed=42)
    gen.generate(tmp_path / "b", activities=300, reports=4, seed=42, jobs=2)
    gen.generate(tmp_path / "c", activities=300, reports=4, seed=43)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    # regenerating into the same folder replaces the previous output
    gen.generate(tmp_path / "a", activities=10, reports=1, seed=42)
    assert len(list((tmp_path / "a" / "annex").iterdir())) == 1


def test_refuses_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        load_generator().generate(tmp_path, activities=1, reports=1, seed=1)
    assert (tmp_path / "mine.txt").exists()
