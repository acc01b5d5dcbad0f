"""The worker pool with real worker processes: a query too long for the spare worker goes
back in line for a regular one instead of failing as busy."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path

from tripskg.serve.worker import SparqlJob, Timeout, WorkerPool

COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ {} }}"


def _store(path: Path, triples: int) -> str:
    """An on-disk store written by another process: RocksDB is never opened in the test
    process (its threads would hang the workers that later builds fork from it)."""
    nq = "".join(f'<urn:s{i}> <urn:p> "{i}" .\n' for i in range(triples))
    subprocess.run([sys.executable, "-c", "import sys, pyoxigraph as ox; "
                    "s = ox.Store(sys.argv[1]); s.load(sys.stdin.buffer, ox.RdfFormat.N_QUADS); "
                    "s.flush()", str(path)], input=nq.encode(), check=True, timeout=60)
    return str(path)


def _join(n: int) -> str:
    return COUNT.format(" . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(n)))


def test_a_query_too_long_for_the_spare_is_answered_by_a_regular_worker(tmp_path: Path
                                                                         ) -> None:
    path = _store(tmp_path / "store", 150)  # a 3-way join: 3.4M rows to count, ~1 s

    async def scenario() -> tuple[object, float, int]:
        pool = WorkerPool(path, size=1, spare=1, spare_seconds=0.2)
        await pool.start()
        try:
            endless = asyncio.create_task(pool.run(SparqlJob(_join(5)), timeout=1.5))
            await asyncio.sleep(0.7)  # the regular worker has been stuck for 0.5 s
            t0 = time.monotonic()
            answer = await pool.run(SparqlJob(_join(3), fmt="csv"), timeout=20)
            took = time.monotonic() - t0
            with contextlib.suppress(Timeout):
                await endless
            return answer, took, pool.killed
        finally:
            pool.close()

    answer, took, killed = asyncio.run(scenario())
    assert answer.status == 200, answer.body  # type: ignore[attr-defined]
    assert answer.body.splitlines()[1] == str(150 ** 3).encode()  # type: ignore[attr-defined]
    assert killed == 2  # the endless query, and the medium one on the spare after 0.2 s
    assert took > 0.8  # it waited for the regular worker to be free again
