"""Helpers shared by the hardening tests (issue #9) of every module folder: hypothesis
settings with a deadline, a failing build over a previous dist/, one annex read."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings

from tests.conftest import run_cli, tree_digest
from tripskg.ingest.annex import read_annex
from tripskg.reference import load_reference

BASE = "https://w3id.org/tripskg/id/"
DCT_TITLE = "http://purl.org/dc/terms/title"
HEADER = "id,title,start_date,end_date,beneficiaries,policy_areas,treaties,partners,mode\n"


def fuzz(examples: int, deadline: int | None = 2000) -> settings:
    """Hypothesis settings with a per-case deadline (ms): a hang is a failure."""
    return settings(max_examples=examples, deadline=deadline, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def build_errors(root: Path) -> tuple[int, list[str]]:
    """Run ``tripskg build`` in ``root`` over a previous dist/; the errors it printed."""
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    (dist / "tripskg.ttl").write_text("# previous build\n", encoding="utf-8")
    before = tree_digest(dist)
    result = run_cli("build", "--data", "data", "--out", "dist", "--no-site", cwd=root)
    assert tree_digest(dist) == before, "a failed build touched the previous dist/"
    return result.exit_code, [line.removeprefix("error: ") for line in result.stderr.splitlines()
                              if line.startswith("error: ")]


def read(tmp_path: Path, content: str | bytes, name: str = "x.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return read_annex(path, "x", f"data/annex/{name}", load_reference())


