"""Query workers: separate processes that own a read-only view of the store.

pyoxigraph cannot interrupt a running query, so every SPARQL query runs in a worker process; the
server waits for the answer without blocking its event loop, and when the timeout passes it kills
the worker (freeing the CPU) and starts a fresh one. All workers open the same on-disk store
read-only, so they share the operating system's page cache instead of copying the data.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import re
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from .conneg import GRAPH_FORMATS, RESULTS_FORMATS, FormatError, results_media_type


@dataclass
class SparqlJob:
    query: str
    accept: str | None = None
    fmt: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    limit: int | None = None


@dataclass
class SelectJob:
    """A saved query, already bound (same code path as ``tripskg query``)."""

    text: str
    limit: int | None = None


@dataclass
class Answer:
    status: int
    media_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    truncated: bool = False
    table: Any = None  # queries.ResultTable for SelectJob


def _tsv_term(t: object) -> str:
    return "" if t is None else str(t).replace("\t", "\\t")


_STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'
                      r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>')
_COMMENT = re.compile(r"#[^\n]*")
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?(<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its dataset with FROM / FROM NAMED (then it wins over the
    union default graph). IRIs and strings are masked first so that '#' and 'from' inside
    them do not count."""
    masked = _STRINGS.sub(lambda m: "<>" if m.group(0).startswith("<") else '""', query)
    return bool(_FROM.search(_COMMENT.sub("", masked)))


def run_sparql(store: ox.Store, job: SparqlJob) -> Answer:
    kwargs: dict[str, Any] = {}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif not has_dataset_clause(job.query):
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, **kwargs)
    except SyntaxError as e:
        return Answer(400, body=f"malformed query: {e}".encode())
    except ValueError as e:
        return Answer(400, body=f"bad request: {e}".encode())
    graph = isinstance(result, ox.QueryTriples)
    try:
        mt = results_media_type(job.fmt, job.accept, graph)
    except FormatError as e:
        return Answer(406 if not job.fmt else 400, body=str(e).encode())
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(200, mt, result.serialize(format=RESULTS_FORMATS[mt]) or b"")
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            lines = ["\t".join(f"?{n}" for n in names)]
            truncated = False
            for i, sol in enumerate(result):
                if job.limit is not None and i >= job.limit:
                    truncated = True
                    break
                lines.append("\t".join(_tsv_term(sol[n]) for n in names))
            tsv = ("\n".join(lines) + "\n").encode()
            # re-read the (possibly cut) rows so pyoxigraph writes the standard formats
            parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
            return Answer(200, mt, parsed.serialize(format=RESULTS_FORMATS[mt]) or b"",
                          truncated)
        triples = []
        truncated = False
        for i, t in enumerate(result):
            if job.limit is not None and i >= job.limit:
                truncated = True
                break
            triples.append(t)
        return Answer(200, mt, ox.serialize(triples, format=GRAPH_FORMATS[mt]) or b"",
                      truncated)
    except SyntaxError as e:
        return Answer(400, body=f"malformed query: {e}".encode())
    except (OSError, ValueError, RuntimeError) as e:
        return Answer(400, body=f"query evaluation failed: {e}".encode())


def run_select(store: ox.Store, job: SelectJob) -> Answer:
    from ..errors import QueryError
    from ..queries import run_local

    try:
        table = run_local(store, job.text, job.limit)
    except QueryError as e:
        return Answer(400, body=e.message.encode())
    return Answer(200, truncated=table.truncated, table=table)


def run_job(store: ox.Store, job: SparqlJob | SelectJob) -> Answer:
    if isinstance(job, SparqlJob):
        return run_sparql(store, job)
    return run_select(store, job)


def worker_main(conn: Connection, store_path: str) -> None:  # pragma: no cover - subprocess
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    store = ox.Store.read_only(store_path)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            answer = run_job(store, job)
        except Exception as e:  # noqa: BLE001 - report, never die silently
            answer = Answer(500, body=f"{type(e).__name__}: {e}".encode())
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


# --------------------------------------------------------------------------- pool
class Timeout(Exception):
    pass


class Busy(Exception):
    pass


class Worker:
    def __init__(self, ctx: Any, store_path: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, store_path), daemon=True,
                                   name="tripskg-query-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float = 120.0) -> bool:
        if self.conn.poll(timeout):
            with contextlib.suppress(EOFError, OSError):
                return self.conn.recv() == "ready"
        return False

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


def _exchange(conn: Connection, job: object, timeout: float) -> Answer | None:
    conn.send(job)
    if not conn.poll(timeout):
        return None
    answer: Answer = conn.recv()
    return answer


class WorkerPool:
    """A fixed number of query worker processes; one query at a time per worker."""

    def __init__(self, store_path: str, size: int = 2) -> None:
        self.store_path = store_path
        self.size = max(1, size)
        self.ctx = mp.get_context("spawn")
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: set[Worker] = set()
        self.killed = 0

    async def start(self) -> None:
        workers = [Worker(self.ctx, self.store_path) for _ in range(self.size)]
        for w in workers:
            ok = await asyncio.to_thread(w.wait_ready)
            if not ok:
                raise RuntimeError("a query worker failed to start")
            self.workers.add(w)
            self.idle.put_nowait(w)

    async def _replace(self, old: Worker) -> None:
        self.workers.discard(old)
        await asyncio.to_thread(old.kill)
        new = Worker(self.ctx, self.store_path)
        if await asyncio.to_thread(new.wait_ready):
            self.workers.add(new)
            self.idle.put_nowait(new)

    async def run(self, job: SparqlJob | SelectJob, timeout: float) -> Answer:
        deadline = time.monotonic() + timeout
        try:
            worker = await asyncio.wait_for(self.idle.get(), timeout)
        except TimeoutError:
            raise Busy() from None
        remaining = max(0.05, deadline - time.monotonic())
        try:
            answer = await asyncio.to_thread(_exchange, worker.conn, job, remaining)
        except (EOFError, OSError, BrokenPipeError) as e:
            asyncio.get_running_loop().create_task(self._replace(worker))
            return Answer(500, body=f"query worker failed: {e}".encode())
        if answer is None:
            self.killed += 1
            asyncio.get_running_loop().create_task(self._replace(worker))
            raise Timeout()
        self.idle.put_nowait(worker)
        return answer

    async def drain(self) -> list[Worker]:
        """Take every worker out of service (waiting for running queries)."""
        taken = []
        for _ in range(len(self.workers)):
            taken.append(await self.idle.get())
        return taken

    async def restart(self) -> None:
        """Stop every worker and start fresh ones (after the store changed)."""
        taken = await self.drain()
        for w in taken:
            self.workers.discard(w)
            await asyncio.to_thread(w.kill)
        await self.start()

    def close(self) -> None:
        for w in list(self.workers):
            with contextlib.suppress(Exception):
                w.conn.send(None)
            w.kill()
        self.workers.clear()
