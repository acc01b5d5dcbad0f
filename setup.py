"""Build step: the project's data files ship inside the package, copied from their one place.

``ontology/``, ``shapes/``, ``queries/``, ``data/reference/`` and ``data/examples/`` live at the
top of the repository (the only copy that is edited and committed). Building a wheel (``pip
install .``, ``python -m build``, ``pipx install``) copies them into ``tripskg/_data/`` of the
built package; ``tripskg.resources`` reads them from there. An editable install (``pip install
-e .``) copies nothing: it reads the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = ("ontology", "shapes", "queries", "data/reference", "data/examples")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the data folders into ``<build_lib>/tripskg/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "tripskg" / "_data"
        shutil.rmtree(target, ignore_errors=True)
        for rel in DATA_FOLDERS:
            source = ROOT / rel
            if not source.is_dir():
                raise SystemExit(f"tripskg build: missing data folder {source}")
            shutil.copytree(source, target / rel,
                            ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
