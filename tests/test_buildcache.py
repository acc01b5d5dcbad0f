"""The build cache (incremental rebuilds) and worker processes: same bytes as a clean,
single-process build, whatever was cached or run in parallel."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from tests.benchmarks.test_generate import load_generator
from tests.conftest import run_cli, tree_digest

EPOCH = "1700000000"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cache") / "data"
    load_generator().generate(data, activities=300, reports=6, seed=11)
    return data


def build(data: Path, out: Path, *extra: str) -> str:
    result = run_cli("-v", "build", "--data", str(data), "--out", str(out), "--no-site", *extra)
    assert result.exit_code == 0, result.output
    return result.output


def first_build(synthetic: Path, tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """A copy of the synthetic data (``tmp_path/data``), its build (``tmp_path/dist``), a copy of
    that build (``tmp_path/first``: the build the next ones follow, docs/releases.md) and the
    build's log."""
    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    out = tmp_path / "dist"
    log = build(data, out)
    first = tmp_path / "first"
    shutil.copytree(out.resolve(), first)
    return data, out, first, log


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.slow
def test_second_build_reuses_every_report_and_writes_the_same_bytes(
        synthetic: Path, tmp_path: Path, epoch: None) -> None:
    out = tmp_path / "dist"
    first = build(synthetic, out)
    assert "unchanged (from the build cache)" not in first
    assert len(list((tmp_path / "dist.cache" / "parts").glob("*.pickle"))) == 6
    clean = tree_digest(out)
    second = build(synthetic, out)
    assert "6 of 6 reports unchanged (from the build cache)" in second
    assert "read synthetic-" not in second  # nothing was read again
    assert tree_digest(out) == clean
    build(synthetic, tmp_path / "nocache", "--no-cache")
    assert not (tmp_path / "nocache.cache").exists()
    assert tree_digest(tmp_path / "nocache") == clean


@pytest.mark.slow
def test_changing_one_report_rereads_only_it(synthetic: Path, tmp_path: Path,
                                             epoch: None) -> None:
    data, out, first, _ = first_build(synthetic, tmp_path)
    annex = sorted((data / "annex").glob("*.csv"))[2]
    text = annex.read_text(encoding="utf-8")
    annex.write_text(text.replace("SYNTHETIC", "SYNTHETIC (edited)", 1), encoding="utf-8")
    log = build(data, out)
    assert "5 of 6 reports unchanged (from the build cache)" in log
    assert log.count("read synthetic-") == 1 and f"read {annex.stem}" in log
    # the incremental build equals a clean build of the edited data
    build(data, tmp_path / "clean", "--no-cache", "--previous", str(first))
    assert tree_digest(out) == tree_digest(tmp_path / "clean")
    # the entry of the old annex is gone: the cache holds what the last build used
    assert len(list((tmp_path / "dist.cache" / "parts").glob("*.pickle"))) == 6


def test_unreadable_cache_entries_are_read_again(synthetic: Path, tmp_path: Path,
                                                 epoch: None) -> None:
    out = tmp_path / "dist"
    build(synthetic, out)
    clean = tree_digest(out)
    for entry in (tmp_path / "dist.cache" / "parts").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    log = build(synthetic, out)
    assert "unchanged (from the build cache)" not in log
    assert tree_digest(out) == clean


def test_the_key_covers_code_reference_data_and_where_inputs_are(
        synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tripskg import buildcache
    from tripskg.ingest.report import discover
    from tripskg.iris import IRIs

    sources, _ = discover(synthetic)
    cache = buildcache.PartCache(tmp_path, synthetic, IRIs())
    key = cache.key(sources[0])
    assert cache.key(sources[1]) != key
    assert buildcache.PartCache(tmp_path, synthetic, IRIs("https://example.org/kg/")).key(
        sources[0]) != key
    monkeypatch.setattr(buildcache, "code_digest", lambda: "other code")
    assert buildcache.PartCache(tmp_path, synthetic, IRIs()).key(sources[0]) != key


def test_worker_processes_write_the_same_bytes(synthetic: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               epoch: None) -> None:
    monkeypatch.setenv("TRIPSKG_JOBS", "1")
    build(synthetic, tmp_path / "one", "--no-cache")
    monkeypatch.setenv("TRIPSKG_JOBS", "2")
    log = build(synthetic, tmp_path / "two", "--no-cache")
    assert "2 processes" in log
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


HELD = ("--store-quads", "2700")  # synthetic reports of ~1,300 quads: 2 in the store, 2 batches of 2


def test_reports_held_out_of_the_store_give_the_same_bytes(
        synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: None) -> None:
    """Beyond ``--store-quads`` report quads, reports are checked in batches, each in a store
    of its own: the same SHACL results and VoID figures, so the same files."""
    build(synthetic, tmp_path / "whole", "--no-cache")
    for jobs in ("1", "2"):
        monkeypatch.setenv("TRIPSKG_JOBS", jobs)
        log = build(synthetic, tmp_path / f"held-{jobs}", "--no-cache", *HELD)
        assert "4 reports held out of the store (over 2,700 report quads)" in log
        assert log.count("done: check-batch-") == 2
        assert tree_digest(tmp_path / f"held-{jobs}") == tree_digest(tmp_path / "whole")


@pytest.mark.slow
def test_a_rebuild_with_held_reports_equals_a_clean_build(
        synthetic: Path, tmp_path: Path, epoch: None) -> None:
    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    out = tmp_path / "dist"
    build(data, out, *HELD)
    first = tmp_path / "first"
    shutil.copytree(out.resolve(), first)
    annex = sorted((data / "annex").glob("*.csv"))[4]  # a held report
    annex.write_text(annex.read_text(encoding="utf-8").replace(
        "SYNTHETIC", "SYNTHETIC (edited)", 1), encoding="utf-8")
    log = build(data, out, *HELD)
    assert "5 unchanged reports kept out of the store" in log
    build(data, tmp_path / "clean", "--no-cache", "--previous", str(first))
    assert tree_digest(out) == tree_digest(tmp_path / "clean")


def test_errors_come_back_from_worker_processes(synthetic: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(synthetic, data)
    annex = sorted((data / "annex").glob("*.csv"))[1]
    with annex.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("beneficiaries")] = "Kyrgyzstann"
    with annex.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    outputs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("TRIPSKG_JOBS", jobs)
        result = run_cli("build", "--data", str(data), "--out", str(tmp_path / "d"),
                         "--no-site", "--no-cache")
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert f"{annex.name}:2:beneficiaries: unknown" in outputs[0]
    assert "did you mean 'Kyrgyz Republic'?" in outputs[0]
    assert not (tmp_path / "d").exists()


NEVER_MET = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:shape> a sh:NodeShape ; sh:targetClass <https://w3id.org/tripskg/def/Report> ;
    sh:property [ sh:path <urn:test:never> ; sh:minCount 1 ;
                  sh:message "every report needs urn:test:never (test shape)" ] .
"""


@pytest.mark.slow
@pytest.mark.parametrize("jobs,held", [("1", ()), ("2", ()), ("2", HELD)])
def test_shacl_violations_found_while_dumps_are_written_leave_out_untouched(
        jobs: str, held: tuple[str, ...], synthetic: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import tripskg.validate as validate

    out = tmp_path / "dist"
    build(synthetic, out)
    before = tree_digest(out)
    extra = tmp_path / "never.ttl"
    extra.write_text(NEVER_MET, encoding="utf-8")
    shapes = validate.shapes_files()
    monkeypatch.setattr(validate, "shapes_files", lambda: [*shapes, extra])
    monkeypatch.setenv("TRIPSKG_JOBS", jobs)
    result = run_cli("build", "--data", str(synthetic), "--out", str(out), "--no-site", *held)
    assert result.exit_code == 1, result.output
    assert "every report needs urn:test:never (test shape)" in result.output
    assert f"6 SHACL violations; {out} was left untouched" in result.output
    checked = run_cli("validate", "--data", str(synthetic), *held)  # tripskg validate too
    assert checked.exit_code == 1 and "6 violations" in checked.output, checked.output
    assert tree_digest(out) == before
    assert [p.name for p in (tmp_path / "dist.builds").iterdir()  # (and its query store)
            if p.name.startswith("build-") and not p.name.endswith(".store")] == [
        Path(os.readlink(out)).name]


@pytest.mark.slow
@pytest.mark.parametrize("step", ["publish-start", "dumps"])
def test_kill_9_of_a_parallel_build_kills_its_workers_and_keeps_out(
        step: str, synthetic: Path, tmp_path: Path) -> None:
    """Workers die with the build (PR_SET_PDEATHSIG): none is left writing behind it."""
    import signal
    import time

    from tests.publish.test_publish import build_env, start_build
    from tripskg.publish import PAUSE_ENV

    out = tmp_path / "dist"
    build(synthetic, out)
    before = tree_digest(out)
    log = tmp_path / "build.log"
    proc = start_build(synthetic, out, build_env(None, 1, TRIPSKG_JOBS="2", **{PAUSE_ENV: step}),
                       log, "--no-site", "--no-cache")
    deadline = time.monotonic() + 120
    while f"paused at {step}" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"never paused at {step}"
        time.sleep(0.05)
    children_file = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    workers = [int(p) for p in children_file.read_text().split()]
    if step == "dumps":  # two for the dump jobs, one helper (void.ttl check)
        assert len(workers) == 3, "the dump jobs run in two worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
        except (FileNotFoundError, IndexError):
            return False
        return state != "Z"

    while any(alive(w) for w in workers):
        assert time.monotonic() < deadline, "workers outlived the killed build"
        time.sleep(0.05)
    assert tree_digest(out) == before
    # the next build cleans up and gives the same bytes as before the kill
    build(synthetic, out)
    assert tree_digest(out) == before


def test_jobs_1_runs_everything_in_the_build_process(synthetic: Path, tmp_path: Path) -> None:
    """--jobs 1 / TRIPSKG_JOBS=1: no worker process, not even the helper checking void.ttl."""
    import signal
    import time

    from tests.publish.test_publish import build_env, start_build
    from tripskg.publish import PAUSE_ENV

    log = tmp_path / "build.log"
    proc = start_build(synthetic, tmp_path / "dist",
                       build_env(None, 1, TRIPSKG_JOBS="1", **{PAUSE_ENV: "ontology"}),
                       log, "--no-site", "--no-cache")
    deadline = time.monotonic() + 120
    while "paused at ontology" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "never paused"
        time.sleep(0.05)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert children == []
