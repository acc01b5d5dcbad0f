"""Every import in the benchmark code resolves, the ones inside functions too: those run only
late in a 15-minute ``make bench`` (figure 6 imported a test helper from a module that had
moved, and failed only when it came to Virtuoso)."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FILES = sorted((ROOT / "benchmarks").rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every absolute import in the file (relative ones: their package)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.module, node.lineno))
    return out


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_every_import_resolves(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # the benchmarks put the repository on sys.path
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # and run.py its own folder
    missing = []
    for module, line in _imports(path):
        if module in sys.builtin_module_names:
            continue
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            missing.append(f"{path.name}:{line}: {module} ({e})")
    assert not missing
