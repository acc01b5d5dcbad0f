"""Serializing the pieces of the dumps as independent jobs, in worker processes on large graphs.

The pieces to serialize (:mod:`.pieces`: all of them in a clean build, the changed ones in a
rebuild) are cut into jobs of about equal cost; each writes its pieces into a scratch file,
and the dumps are then put together from those and from the last build's files. Other
read-only work on the built store can join the same run (SHACL validation, the VoID figures):
on a large graph they take as long as the dumps, so running them side by side uses every
core. Workers are forked after the store is built, so they share it (copy on write) instead
of receiving it; they die with the build process (``PR_SET_PDEATHSIG``), so a killed build
leaves no worker behind. The output is the same bytes whether the jobs run in one process or
several (``tests/publish/test_publish.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..workers import can_fork, cpu_jobs, fork_pool
from .pieces import Piece, write_pieces

Work = Callable[[], Any]


@dataclass
class Job:
    name: str
    cost: float  # relative size, for scheduling the largest first
    run: Work


# cost of a piece per line, by file (measured on the 100k benchmark, relative)
COST = {"tripskg.ttl": 3.0, "tripskg.nt.gz": 1.5, "tripskg.rdf": 2.5, "tripskg.trig": 5.0,
        "tripskg.nq.gz": 1.5, "tripskg.jsonld": 7.0}
PIECES_DIR = ".pieces"


def piece_jobs(pieces: list[Piece], folder: Path, n: int) -> list[Job]:
    """The pieces to serialize, cut into about ``n`` jobs of equal cost per file; each job
    writes its pieces into one scratch file under ``folder/.pieces`` and returns their spans."""
    scratch = folder / PIECES_DIR
    scratch.mkdir(exist_ok=True)
    jobs: list[Job] = []
    total = sum(COST.get(p.file, 1.0) * max(p.size, 1) for p in pieces) or 1.0
    chunk: list[Piece] = []
    cost = 0.0
    for i, p in enumerate(pieces):
        chunk.append(p)
        cost += COST.get(p.file, 1.0) * max(p.size, 1)
        last = i + 1 == len(pieces) or pieces[i + 1].file != p.file
        if last or cost >= total / n:
            jobs.append(Job(f"{p.file}#{len(jobs)}", cost,
                            _pieces_job(chunk, scratch / f"{len(jobs)}.bin")))
            chunk, cost = [], 0.0
    return jobs


def _pieces_job(pieces: list[Piece], path: Path) -> Work:
    def run() -> list[tuple[str, str, str, int, int]]:
        return [(f, k, str(path), off, n) for f, k, off, n in write_pieces(pieces, path)]
    return run


# --------------------------------------------------------------------------- running
_JOBS: dict[str, Job] = {}  # inherited by the forked workers


Done = tuple[str, Any, float, float]  # name, return value, seconds, CPU seconds


def _run(name: str) -> Done:
    return _run_one(_JOBS[name])


def processes_for(work: float, jobs: int | None = None) -> int:
    """``jobs`` if given or, for large graphs, one process per CPU (at most 4)."""
    if jobs is not None:
        return jobs
    if work < 40_000:  # below ~40k quads forking costs more than it saves
        return 1
    return cpu_jobs()


def run_jobs(jobs: list[Job], processes: int) -> Iterator[Done]:
    """Run the jobs (largest first); yields (name, return value, seconds, CPU seconds of the
    process that ran it, all its threads) as each ends."""
    ordered = sorted(jobs, key=lambda j: -j.cost)
    if processes <= 1 or not can_fork():
        for job in ordered:
            yield _run_one(job)
        return
    _JOBS.clear()
    _JOBS.update({j.name: j for j in ordered})
    try:
        with fork_pool(min(processes, len(ordered))) as pool:
            yield from pool.imap_unordered(_run, [j.name for j in ordered])
    finally:
        _JOBS.clear()


def _run_one(job: Job) -> Done:
    t0, c0 = time.monotonic(), time.process_time()
    value = job.run()
    return job.name, value, time.monotonic() - t0, time.process_time() - c0
