"""Writing the dumps as independent jobs, in worker processes on large graphs.

Each dump is a job that reads the sorted lines (:class:`~.dumps.SortedDump`) and writes one
file; JSON-LD is cut into several jobs by named graph and put together afterwards. Other
read-only work on the built store can join the same run (SHACL validation, the VoID
statistics): on a large graph they take as long as the dumps, so running them side by side
uses every core. Workers are forked after the store is built, so they share it (copy on
write) instead of receiving it; they die with the build process (``PR_SET_PDEATHSIG``), so a
killed build leaves no worker behind. The output is the same bytes whether the jobs run in one
process or several (``tests/test_publish.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..oxutil import serialize
from ..workers import can_fork, cpu_jobs, env_jobs, fork_pool
from .dumps import SortedDump, _sorted_prefix_header, write_bytes
from .jsonld import JSONLD_TAIL, Compactor, graph_block, jsonld_head, ntriples_triples

Work = Callable[[], Any]


@dataclass
class Job:
    name: str
    cost: float  # relative size, for scheduling the largest first
    run: Work


@dataclass
class DumpContext:
    folder: Path
    dump: SortedDump
    pfx: dict[str, str]
    ctx: dict[str, Any]


def _serialize(data: bytes, source: ox.RdfFormat, target: ox.RdfFormat,
               pfx: dict[str, str]) -> bytes:
    out = serialize(ox.parse(data, format=source), target, pfx)
    return out if target == ox.RdfFormat.RDF_XML else _sorted_prefix_header(out)


def _turtle(c: DumpContext) -> None:
    write_bytes(c.folder / "tripskg.ttl", _serialize(
        c.dump.ntriples(), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, c.pfx))


def _ntriples(c: DumpContext) -> None:
    write_bytes(c.folder / "tripskg.nt.gz", c.dump.ntriples())


def _quads(c: DumpContext) -> None:
    nq = c.dump.nquads()
    write_bytes(c.folder / "tripskg.nq.gz", nq)
    write_bytes(c.folder / "tripskg.trig",
                _serialize(nq, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, c.pfx))


def _rdfxml(c: DumpContext) -> None:
    write_bytes(c.folder / "tripskg.rdf", _serialize(
        c.dump.ntriples(), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML, c.pfx))


def _jsonld_part(c: DumpContext, graphs: list[tuple[str | None, list[bytes]]], index: int
                 ) -> None:
    comp = Compactor(c.ctx)
    blocks = []
    for name, lines in graphs:
        graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        blocks.append(graph_block(graph, ntriples_triples(lines), comp))
    _part_path(c.folder, index).write_text(",".join(blocks), encoding="utf-8", newline="\n")


def _jsonld_job(c: DumpContext, graphs: list[tuple[str | None, list[bytes]]], index: int
                ) -> Work:
    return lambda: _jsonld_part(c, graphs, index)


def _part_path(folder: Path, index: int) -> Path:
    return folder / f".tripskg.jsonld.part{index}"


def _chunks(graphs: list[tuple[str | None, list[bytes]]], n: int
            ) -> list[list[tuple[str | None, list[bytes]]]]:
    """``graphs`` cut in at most ``n`` consecutive runs of about equal size."""
    total = sum(len(lines) for _, lines in graphs) or 1
    out: list[list[tuple[str | None, list[bytes]]]] = [[]]
    size = 0
    for item in graphs:
        if out[-1] and size >= total * len(out) / n:
            out.append([])
        out[-1].append(item)
        size += len(item[1])
    return out


def assemble_jsonld(folder: Path, ctx: dict[str, Any], parts: int) -> None:
    with (folder / "tripskg.jsonld").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(jsonld_head(ctx))
        for i in range(parts):
            path = _part_path(folder, i)
            if i:
                fh.write(",")
            with path.open(encoding="utf-8", newline="\n") as part:
                while chunk := part.read(1 << 24):
                    fh.write(chunk)
            path.unlink()
        fh.write(JSONLD_TAIL)


def dump_jobs(c: DumpContext, jsonld_parts: int) -> list[Job]:
    n = len(c.dump.union) or 1
    quads = c.dump.n_quads or 1
    jobs = [
        Job("tripskg.ttl", 3.0 * n, lambda: _turtle(c)),
        Job("tripskg.nt.gz", 1.5 * n, lambda: _ntriples(c)),
        Job("tripskg.trig", 6.5 * quads, lambda: _quads(c)),  # and tripskg.nq.gz
        Job("tripskg.rdf", 2.5 * n, lambda: _rdfxml(c)),
    ]
    chunks = _chunks(c.dump.graphs, jsonld_parts)
    for i, chunk in enumerate(chunks):
        size = sum(len(lines) for _, lines in chunk)
        jobs.append(Job(f"tripskg.jsonld#{i}", 7.0 * size, _jsonld_job(c, chunk, i)))
    return jobs


def n_jsonld_parts(jobs: list[Job]) -> int:
    return sum(1 for j in jobs if j.name.startswith("tripskg.jsonld#"))


# --------------------------------------------------------------------------- running
_JOBS: dict[str, Job] = {}  # inherited by the forked workers


def _run(name: str) -> tuple[str, Any, float]:
    t0 = time.monotonic()
    value = _JOBS[name].run()
    return name, value, time.monotonic() - t0


def processes_for(work: float) -> int:
    """``TRIPSKG_JOBS`` or, for large graphs, one process per CPU (at most 4)."""
    if (n := env_jobs()) is not None:
        return n
    if work < 300_000:  # below ~300k quads forking costs more than it saves
        return 1
    return cpu_jobs()


def run_jobs(jobs: list[Job], processes: int) -> Iterator[tuple[str, Any, float]]:
    """Run the jobs (largest first); yields (name, return value, seconds) as each ends."""
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


def _run_one(job: Job) -> tuple[str, Any, float]:
    t0 = time.monotonic()
    return job.name, job.run(), time.monotonic() - t0


def group_names(names: list[str]) -> list[tuple[str, int]]:
    """'tripskg.jsonld#0', 'tripskg.jsonld#1' -> ('tripskg.jsonld', 2), for messages."""
    return [(k, len(list(g))) for k, g in groupby(n.split("#")[0] for n in names)]
