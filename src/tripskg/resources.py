"""Where the project's data files (ontology, shapes, queries, reference data) live at run time."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from .errors import TripsKGError


@cache
def project_root() -> Path:
    """The folder holding ``ontology/``, ``shapes/``, ``queries/`` and ``data/reference/``.

    ``TRIPSKG_HOME`` wins; otherwise the source checkout this package was installed from
    (``pip install -e .``), found by walking up from this file.
    """
    env = os.environ.get("TRIPSKG_HOME")
    candidates = [Path(env)] if env else []
    candidates += list(Path(__file__).resolve().parents)
    for folder in candidates:
        if (folder / "ontology" / "tripskg.ttl").is_file() and (folder / "shapes").is_dir():
            return folder
    raise TripsKGError(
        "cannot find the tripskg data files (ontology/, shapes/, queries/)",
        hint="install from a checkout with 'pip install -e .' or set TRIPSKG_HOME",
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


def default_data_dir() -> Path:
    return project_root() / "data"
