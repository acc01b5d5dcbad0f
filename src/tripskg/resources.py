"""Where the project's data files (ontology, shapes, queries, reference data) live at run time."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from .errors import TripsKGError

PACKAGE_DATA = Path(__file__).resolve().parent / "_data"


def _has_data(folder: Path) -> bool:
    return (folder / "ontology" / "tripskg.ttl").is_file() and (folder / "shapes").is_dir()


@cache
def project_root() -> Path:
    """The folder holding ``ontology/``, ``shapes/``, ``queries/`` and ``data/reference/``.

    ``TRIPSKG_HOME`` wins; then the copy built into the package (``tripskg/_data``, written by
    setup.py when a wheel is built: ``pip install .``, a wheel, ``pipx install``); then the
    source checkout an editable install (``pip install -e .``) runs from, found by walking up
    from this file.
    """
    env = os.environ.get("TRIPSKG_HOME")
    candidates = [Path(env)] if env else []
    candidates += [PACKAGE_DATA, *Path(__file__).resolve().parents]
    for folder in candidates:
        if _has_data(folder):
            return folder
    raise TripsKGError(
        "cannot find the tripskg data files (ontology/, shapes/, queries/)",
        hint="install the package (pip install tripskg or a wheel), install from a checkout "
             "with 'pip install -e .', or set TRIPSKG_HOME",
    )


def ontology_dir() -> Path:
    return project_root() / "ontology"


def vocab_files() -> list[Path]:
    return sorted((ontology_dir() / "vocab").glob("*.ttl"))


def shapes_files() -> list[Path]:
    return sorted((project_root() / "shapes").glob("*.ttl"))


def queries_dir() -> Path:
    return project_root() / "queries"


def reference_dir() -> Path:
    return project_root() / "data" / "reference"


def examples_dir() -> Path:
    """The example report (cover note and annex, invented and labelled as such)."""
    return project_root() / "data" / "examples"


def starter_dir() -> Path:
    """Templates of ``tripskg init`` (package data beside the code)."""
    return Path(__file__).resolve().parent / "starter"


def default_data_dir() -> Path:
    """The data folder used when ``--data`` is not given and there is no ``./data``: the
    checkout's ``data/`` (an installed package has no reports of its own)."""
    data = project_root() / "data"
    if not (data / "reports.csv").is_file() and not (data / "documents").is_dir():
        raise TripsKGError(
            "no data folder: there is no ./data here and the installed package has no reports",
            hint="pass --data DIR, or write a starter folder with 'tripskg init DIR'",
        )
    return data
