"""The query store: ``tripskg build`` leaves an on-disk store beside the build that
``tripskg query`` opens read-only; it gives the same rows as loading the dump; a stale or
missing store falls back to the dump with a note; a rebuild patches a copy of the last one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tripskg.queries import bind, load_dist_store, load_queries, run_local, to_csv
from tripskg.querystore import store_dir
from tripskg.reference import load_reference

from .conftest import ROOT, run_cli

TRIPSKG = str(Path(sys.executable).with_name("tripskg"))

# realistic parameters for the saved queries that need some (the data of this repository)
PARAMS = {"country": "KEN", "area": "health", "from": "2015-01-01", "to": "2025-12-31",
          "member": "EU", "treaty": "trips"}


def query_args(store_for_reports) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every saved query with its required parameters filled in, as CLI arguments."""
    ref = load_reference()
    first = run_local(store_for_reports, bind(load_queries()["reports"], {}, ref)[0], 1).rows
    report = first[0]["report"].value  # type: ignore[union-attr]
    out = {}
    for q in load_queries().values():
        raw = {p.name: PARAMS.get(p.name, report) for p in q.params if p.required}
        out[q.name] = [q.name, *(a for k, v in raw.items() for a in ("-p", f"{k}={v}"))]
    return out


def in_memory(dist: Path, args: list[str]) -> str:
    """The rows of a saved query over the dump loaded into memory, as CSV."""
    raw = dict(a.split("=", 1) for a in args[2::2])
    text, _ = bind(load_queries()[args[0]], raw, load_reference())
    return to_csv(run_local(load_dist_store(dist), text)).replace("\r\n", "\n")


def cli_query(dist: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``tripskg query`` in its own process (RocksDB is never opened in the test process: its
    threads would be inherited half-way by the workers later builds fork)."""
    proc = subprocess.run([TRIPSKG, "query", *args, "--from", str(dist), "--format", "csv"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("qstore")
    data = root / "data"
    shutil.copytree(ROOT / "data", data)
    result = run_cli("build", "--data", str(data), "--out", str(root / "dist"))
    assert result.exit_code == 0, result.output
    return root / "dist"


def test_build_leaves_a_store_beside_dist_not_in_it(built: Path) -> None:
    where = store_dir(built)
    assert where.parent == built.resolve().parent and (where / "stamp.json").is_file()
    assert not any(p.name.endswith(".store") or p.name == "db" for p in built.rglob("*"))
    listed = (built / "SHA256SUMS").read_text(encoding="utf-8")
    assert ".store" not in listed and "stamp.json" not in listed


def test_store_gives_the_same_rows_as_the_dump(built: Path) -> None:
    for args in query_args(load_dist_store(built)).values():
        proc = cli_query(built, args)
        assert "note:" not in proc.stderr, proc.stderr  # the store was used
        assert proc.stdout == in_memory(built, args), args[0]


def test_stale_store_falls_back_to_the_dump(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "dist"
    shutil.copytree(built.resolve(), copy)
    shutil.copytree(store_dir(built), tmp_path / "dist.store")
    assert "note:" not in cli_query(copy, ["reports"]).stderr  # a copy of both is fresh
    dump = copy / "tripskg.nq.gz"
    os.utime(dump, ns=(dump.stat().st_atime_ns, dump.stat().st_mtime_ns + 10**9))
    proc = cli_query(copy, ["reports"])
    assert "stale" in proc.stderr and "loading" in proc.stderr, proc.stderr
    assert proc.stdout == in_memory(built, ["reports"])


def test_missing_store_falls_back_to_the_dump(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "dist"
    shutil.copytree(built.resolve(), copy)
    proc = cli_query(copy, ["reports"])
    assert "no query store" in proc.stderr
    assert proc.stdout == in_memory(built, ["reports"])


def test_rebuild_patches_a_copy_and_matches_a_clean_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    out = tmp_path / "dist"
    assert run_cli("build", "--data", str(data), "--out", str(out)).exit_code == 0
    first = store_dir(out)
    annex = sorted((data / "annex").glob("*.csv"))[0]
    lines = annex.read_text(encoding="utf-8").splitlines(keepends=True)
    annex.write_text("".join(lines[:-1]), encoding="utf-8")  # one activity fewer
    r = run_cli("-v", "build", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "query store: 1 graphs to write into a copy of the last build's" in r.stderr
    assert store_dir(out) != first and first.is_dir()  # the previous build keeps its own
    for args in query_args(load_dist_store(out)).values():
        proc = cli_query(out, args)
        assert "note:" not in proc.stderr, proc.stderr
        assert proc.stdout == in_memory(out, args), args[0]
    # the build before the last is removed with its store
    assert run_cli("build", "--data", str(data), "--out", str(out)).exit_code == 0
    assert not first.exists()


@pytest.mark.slow
def test_a_program_with_a_store_open_can_build(tmp_path: Path) -> None:
    """A process that has an on-disk store open (RocksDB threads) builds too: the query store
    is written by a fresh process, never a forked one (which would wait for those threads
    forever). Run in a subprocess: RocksDB is never opened in the test process."""
    code = ("import sys, pyoxigraph as ox\n"
            "held = ox.Store(sys.argv[1])\n"
            "from tripskg.cli import main\n"
            "main(['-q', 'build', '--data', sys.argv[2], '--out', sys.argv[3]])\n")
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "held"),
                           str(ROOT / "data"), str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (store_dir(out) / "stamp.json").is_file()
    assert cli_query(out, ["reports"]).stdout.count("\n") > 100
