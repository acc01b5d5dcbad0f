"""Shared fixtures: small data folders, the CLI runner, a built seed graph."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tripskg.cli import main

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SEED = ROOT / "data" / "documents" / "wipo-technical-cooperation-2025.txt"

MINIMAL_NOTE = (
    "TEST FIXTURE - Technical cooperation activities: information from other "
    "intergovernmental organizations - World Health Organization (WHO)\n\n"
    "At its meeting of 26-27 June 2025, the Council for TRIPS invited observers to report.\n\n"
    "The present document reproduces the information received from the World Health "
    "Organization (WHO) by means of a communication dated 26 September 2025.\n\n"
    "1.  The Annex lists activities undertaken in the period from January 2025 to "
    "December 2025.\n"
)


def make_data(root: Path, notes: dict[str, str] | None = None,
              annexes: dict[str, str | bytes | Path] | None = None,
              register: str | None = None) -> Path:
    """A data folder with the given cover notes (key -> text) and annexes (file name -> data)."""
    data = root / "data"
    (data / "documents").mkdir(parents=True, exist_ok=True)
    (data / "annex").mkdir(parents=True, exist_ok=True)
    for key, text in (notes or {}).items():
        (data / "documents" / f"{key}.txt").write_text(text, encoding="utf-8")
    for name, content in (annexes or {}).items():
        target = data / "annex" / name
        if isinstance(content, Path):
            shutil.copy(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if register is not None:
        (data / "reports.csv").write_text(register, encoding="utf-8")
    return data


@pytest.fixture
def data_factory(tmp_path: Path) -> Callable[..., Path]:
    return lambda **kw: make_data(tmp_path, **kw)


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), catch_exceptions=False)
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="session")
def seed_store():
    """The graph built from the seed cover note alone (plus ontology and reference data)."""
    import tempfile

    from tripskg.build import build_graph

    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp), notes={SEED.stem: SEED.read_text(encoding="utf-8")})
        yield build_graph(data)
