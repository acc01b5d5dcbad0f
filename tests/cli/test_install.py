"""A plain install: the package carries its data files; ``tripskg init`` writes a folder that
builds at once."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import ROOT, run_cli

DATA_FOLDERS = ("ontology", "shapes", "queries", "data/reference", "data/examples")


@pytest.mark.slow
def test_init_writes_a_starter_folder_that_builds(tmp_path: Path) -> None:
    folder = tmp_path / "starter"
    r = run_cli("init", str(folder))
    assert r.exit_code == 0, r.output
    assert (folder / "documents" / "example-report.txt").read_text(
        encoding="utf-8").startswith("EXAMPLE DATA")
    with (folder / "annex" / "example-report.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    sheet = load_workbook(folder / "annex" / "example-spreadsheet.xlsx").active
    assert sheet is not None
    assert [[c if c is not None else "" for c in row]
            for row in sheet.iter_rows(values_only=True)] == rows
    with (folder / "reports.csv").open(encoding="utf-8", newline="") as f:
        register = list(csv.DictReader(f))
    assert {r["data_kind"] for r in register} == {"example"}
    assert "EXAMPLE DATA" in (folder / "README.md").read_text(encoding="utf-8")
    out = tmp_path / "dist"
    r = run_cli("-q", "build", "--data", str(folder), "--out", str(out), cwd=tmp_path)
    assert r.exit_code == 0, r.output
    r = run_cli("query", "reports", "-p", "kind=example", "--from", str(out), "--format", "csv")
    assert r.exit_code == 0, r.output
    titles = [row["title"] for row in csv.DictReader(r.output.splitlines())]
    assert len(titles) == 2 and all("EXAMPLE DATA" in t for t in titles)


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    r = run_cli("init", str(tmp_path))
    assert r.exit_code == 2 and "is not empty" in r.output and "--force" in r.output
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep me"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, env=env)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_builds_from_another_folder(tmp_path: Path) -> None:
    """pip builds the wheel (setup.py copies the data folders into it), a fresh venv installs
    it, and ``tripskg`` there builds and queries from a folder outside the checkout."""
    # built from a copy of the checkout's files (git's list), so that no build/ folder left
    # in the checkout by an earlier build can add stale files, and parallel runs do not collide
    source = tmp_path / "source"
    listed = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for rel in listed.splitlines():
        if (ROOT / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, source / rel)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
         cwd=tmp_path)
    (wheel,) = wheels.glob("tripskg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in DATA_FOLDERS:  # every file of the data folders, from their one copy
        for path in (ROOT / rel).rglob("*"):
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
                assert f"tripskg/_data/{path.relative_to(ROOT).as_posix()}" in names, path
    assert "tripskg/starter/reports.csv" in names
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], cwd=tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TRIPSKG_HOME", "PYTHONPATH")}
    tripskg = str(venv / "bin" / "tripskg")
    located = _run([str(venv / "bin" / "python"), "-c",
                    "from tripskg.resources import project_root; print(project_root())"],
                   cwd=work, env=env).strip()
    assert located.endswith("tripskg/_data") and str(ROOT) not in located
    _run([tripskg, "-q", "init", "starter"], cwd=work, env=env)
    _run([tripskg, "-q", "build", "--data", "starter", "--out", "dist"], cwd=work, env=env)
    out = _run([tripskg, "query", "reports", "-p", "kind=all", "--format", "csv"],
               cwd=work, env=env)
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == 2 and {r["activities"] for r in rows} == {"4"}
    # no data folder and no --data: a clear message, not a search through site-packages
    bare = subprocess.run([tripskg, "build"], cwd=work / "dist", capture_output=True, text=True,
                          env=env, timeout=300)
    assert bare.returncode == 2 and "tripskg init" in bare.stderr
