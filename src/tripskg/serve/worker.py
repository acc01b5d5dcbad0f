"""Query workers: separate processes that own a read-only view of the store.

pyoxigraph cannot interrupt a running query, so every SPARQL query runs in a worker process; the
server waits for the answer without blocking its event loop, and when the timeout passes it kills
the worker (freeing the CPU) and starts a fresh one. All workers open the same on-disk store
read-only, so they share the operating system's page cache instead of copying the data.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import io
import multiprocessing as mp
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from ..web.formats import (
    GRAPH_FORMATS,
    RESULT_DOCUMENTS,
    RESULTS_FORMATS,
    FormatError,
    results_media_type,
)
from .answer import Answer
from .answercache import AnswerCache
from .downloadcache import DownloadCache
from .querytext import has_dataset_clause


@dataclass
class SparqlJob:
    query: str
    accept: str | None = None
    fmt: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    limit: int | None = None
    base_iri: str | None = None  # relative IRIs of the query resolve against it
    gzip: bool = False  # the client accepts gzip: a large answer is compressed here (once)


@dataclass
class SelectJob:
    """A saved query, already bound (same code path as ``tripskg query``).

    With ``fmt`` ("json", "csv" or "tsv") the worker answers with the W3C results document
    itself, written by pyoxigraph (no Python object per row crosses the process boundary);
    without it, with a ``ResultTable`` (for pages that format cells)."""

    text: str
    limit: int | None = None
    fmt: str | None = None
    offset: int = 0  # with ``limit``: one page, rows offset+1 .. offset+limit
    out_path: str | None = None  # no limit: the whole document written to this file
    gzip: bool = False  # as SparqlJob.gzip (a body only: not a file, not a table)


GZIP_MIN_BYTES = 1000  # smaller bodies are sent as they are (as GZipMiddleware does)
# zlib's default level: on a 16 MB JSON answer (ldc-beneficiaries at 100k activities) level 9
# took 2.4x its CPU (202 against 83 ms) for a body 7% smaller
GZIP_LEVEL = 6


def compressed(answer: Answer) -> Answer:
    """A successful answer's body gzip-compressed, once, in the worker: the answer cache
    keeps it compressed, so a repeated request is sent without compressing it again (the
    server's GZipMiddleware leaves a body with a Content-Encoding alone). ``mtime=0``: the
    same answer gives the same bytes."""
    if answer.status != 200 or answer.path is not None or len(answer.body) < GZIP_MIN_BYTES:
        return answer
    return dataclasses.replace(answer, body=gzip.compress(answer.body, GZIP_LEVEL, mtime=0),
                               encoding="gzip")


def run_sparql(store: ox.Store, job: SparqlJob) -> Answer:
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
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
            # pyoxigraph writes TSV (no Python object per row); cut at the limit, and
            # re-read only when another format is asked for
            truncated = False
            if job.limit is None:
                tsv = result.serialize(format=ox.QueryResultsFormat.TSV) or b""
            else:
                tsv, truncated, _ = _cut_rows(_tsv_upto(result, job.limit + 1), job.limit)
            fmt = RESULTS_FORMATS[mt]
            if fmt == ox.QueryResultsFormat.TSV:
                return Answer(200, mt, tsv, truncated)
            parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
            return Answer(200, mt, parsed.serialize(format=fmt) or b"", truncated)
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


def _cut_rows(tsv: bytes, limit: int) -> tuple[bytes, bool, int]:
    """The header and the first ``limit`` rows of a TSV results document (one row per line:
    TSV escapes newlines in terms), whether rows were cut, and how many rows are kept."""
    end = tsv.find(b"\n")
    if end < 0:
        return tsv, False, 0
    for n in range(limit):
        nxt = tsv.find(b"\n", end + 1)
        if nxt < 0:
            return tsv, False, n
        end = nxt
    return tsv[:end + 1], end + 1 < len(tsv), limit


class _Enough(Exception):
    pass


class _UpTo(io.RawIOBase):
    """A file pyoxigraph writes TSV into that stops it (by raising) once it holds the header
    and ``rows`` rows: a large answer is never written whole only to be cut."""

    def __init__(self, rows: int) -> None:
        self.data = bytearray()
        self.left = rows + 1

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        chunk = bytes(b)
        self.data += chunk
        self.left -= chunk.count(b"\n")
        if self.left < 0:
            raise _Enough()
        return len(chunk)


def _tsv_upto(solutions: ox.QuerySolutions, rows: int) -> bytes:
    out = _UpTo(rows)
    with contextlib.suppress(_Enough):
        solutions.serialize(cast(IO[bytes], out), format=ox.QueryResultsFormat.TSV)
    return bytes(out.data)


def paged(text: str, limit: int, offset: int) -> str:
    """A saved query's text for one page: one row more than the page, to know if another
    follows (a saved query has no LIMIT/OFFSET of its own: tests/test_paging.py)."""
    return f"{text.rstrip()}\nLIMIT {limit + 1}" + (f" OFFSET {offset}" if offset else "")


def run_select_document(store: ox.Store, job: SelectJob) -> Answer:
    """A saved query's W3C results document. One page (``limit``): pyoxigraph writes TSV,
    the extra row is cut, and a page asked in JSON or CSV is re-read from those few rows.
    All rows (``out_path``): pyoxigraph writes the document in its final format straight into
    the file, whatever its size (the server's timeout bounds it)."""
    text = job.text if job.limit is None else paged(job.text, job.limit, job.offset)
    try:
        solutions = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as e:
        return Answer(400, body=f"malformed query: {e}".encode())
    if not isinstance(solutions, ox.QuerySolutions):
        return Answer(400, body=b"saved queries must be SELECT queries")
    fmt = RESULT_DOCUMENTS[job.fmt or "json"]
    if job.limit is None:
        if job.out_path is not None:
            solutions.serialize(job.out_path, format=fmt)
            return Answer(200, path=job.out_path)
        return Answer(200, body=solutions.serialize(format=fmt) or b"")
    tsv, truncated, rows = _cut_rows(_tsv_upto(solutions, job.limit + 1), job.limit)
    if fmt == ox.QueryResultsFormat.TSV:
        return Answer(200, body=tsv, truncated=truncated, rows=rows)
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return Answer(200, body=parsed.serialize(format=fmt) or b"", truncated=truncated,
                  rows=rows)


def run_select(store: ox.Store, job: SelectJob) -> Answer:
    from ..errors import QueryError
    from ..queries import run_local

    if job.fmt is not None:
        return run_select_document(store, job)
    text = job.text if job.limit is None else paged(job.text, job.limit, job.offset)
    try:
        table = run_local(store, text, job.limit)
    except QueryError as e:
        return Answer(400, body=e.message.encode())
    return Answer(200, truncated=table.truncated, table=table, rows=len(table.rows))


def run_job(store: ox.Store, job: SparqlJob | SelectJob) -> Answer:
    answer = run_sparql(store, job) if isinstance(job, SparqlJob) else run_select(store, job)
    return compressed(answer) if job.gzip else answer


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


STUCK_AFTER = 0.5  # seconds every regular worker must have been busy before a spare helps


class WorkerPool:
    """A fixed number of query worker processes; one query at a time per worker.

    Besides the ``size`` regular workers there are ``spare`` workers that only take a query
    while every regular worker has been busy for ``STUCK_AFTER`` seconds (long queries hold
    them all), and only for ``spare_seconds``: a query that needs longer there is stopped,
    the spare is replaced, and the query waits in line for a regular worker (its time so far
    counts against the timeout: a long query under load is slow, not refused). So while long
    queries hold every regular worker, cheap queries are still answered within a second; a
    burst of short queries just queues.
    """

    def __init__(self, store_path: str, size: int = 2, spare: int = 1,
                 spare_seconds: float = 1.0, cache_bytes: int = 0,
                 download_dir: Path | None = None, download_bytes: int = 0) -> None:
        self.store_path = store_path
        self.cache = AnswerCache(cache_bytes)
        self.downloads = DownloadCache(download_dir, download_bytes)
        self.size = max(1, size)
        self.spare = max(0, spare)
        self.spare_seconds = spare_seconds
        self.ctx = mp.get_context("spawn")
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.idle_spare: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: set[Worker] = set()
        self.killed = 0

    def _queue(self, w: Worker) -> asyncio.Queue[Worker]:
        return self.idle_spare if getattr(w, "spare", False) else self.idle

    async def start(self) -> None:
        workers = [Worker(self.ctx, self.store_path) for _ in range(self.size + self.spare)]
        for i, w in enumerate(workers):
            w.spare = i >= self.size  # type: ignore[attr-defined]
            ok = await asyncio.to_thread(w.wait_ready)
            if not ok:
                raise RuntimeError("a query worker failed to start")
            self.workers.add(w)
            self._queue(w).put_nowait(w)

    async def _replace(self, old: Worker) -> None:
        self.workers.discard(old)
        await asyncio.to_thread(old.kill)
        new = Worker(self.ctx, self.store_path)
        new.spare = getattr(old, "spare", False)  # type: ignore[attr-defined]
        if await asyncio.to_thread(new.wait_ready):
            self.workers.add(new)
            self._queue(new).put_nowait(new)

    def _stuck(self) -> bool:
        """Every regular worker has been on its current query for ``STUCK_AFTER`` seconds
        (long queries hold them all, not just a burst of short ones), or is being replaced."""
        now = time.monotonic()
        since = [getattr(w, "busy_since", None) for w in self.workers
                 if not getattr(w, "spare", False)]
        return all(t is not None and now - t >= STUCK_AFTER for t in since)

    async def _take(self, timeout: float, allow_spare: bool = True) -> Worker:
        """A free regular worker; a spare (``allow_spare``) only while long queries hold every
        regular worker; else wait in line (first come, first served; at most ``timeout``
        seconds, then :class:`Busy`)."""
        with contextlib.suppress(asyncio.QueueEmpty):
            return self.idle.get_nowait()
        deadline = time.monotonic() + timeout
        getter = asyncio.ensure_future(self.idle.get())  # keeps this request's place in line
        try:
            while True:
                if allow_spare and self._stuck():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        spare = self.idle_spare.get_nowait()
                        self._drop(getter)
                        return spare
                left = deadline - time.monotonic()
                if left <= 0:
                    self._drop(getter)
                    raise Busy()
                done, _ = await asyncio.wait({getter}, timeout=min(left, 0.1))
                if done:
                    return getter.result()
        except asyncio.CancelledError:
            self._drop(getter)
            raise

    def _drop(self, getter: asyncio.Future[Worker]) -> None:
        """Leave the line: cancel the wait, or give back a worker it got meanwhile."""
        if not getter.done():
            getter.cancel()
        elif not getter.cancelled() and getter.exception() is None:
            self.idle.put_nowait(getter.result())

    async def run(self, job: SparqlJob | SelectJob, timeout: float) -> Answer:
        """The answer of ``job``: from the answer cache (a download: from the download
        cache, linked at ``job.out_path``), else from a worker (kept)."""
        text = job.query if isinstance(job, SparqlJob) else job.text
        cache: AnswerCache | DownloadCache = (
            self.downloads if getattr(job, "out_path", None) is not None else self.cache)
        key = (cache.key(job) if len(text) < 10_000  # long texts: off the event loop
               else await asyncio.to_thread(cache.key, job))
        if (hit := cache.answer(key, job)) is not None:
            return cast(Answer, hit)
        deadline = time.monotonic() + timeout
        answer = await self._run(job, deadline, spare=True)
        if answer is None:  # too long for the spare: in line for a regular worker
            answer = await self._run(job, deadline, spare=False)
            assert answer is not None  # a regular worker answers or times out
        # kept with no await since the worker went back: a drain() waiting for that worker
        # runs only after this, and empties the cache after it
        cache.put(key, answer)
        return answer

    async def _run(self, job: SparqlJob | SelectJob, deadline: float, spare: bool
                   ) -> Answer | None:
        """The answer from one worker; None when a spare worker ran out of its time first
        (the query is long: it goes to a regular worker rather than failing as busy)."""
        worker = await self._take(max(0.0, deadline - time.monotonic()), spare)
        on_spare = getattr(worker, "spare", False)
        remaining = max(0.05, deadline - time.monotonic())
        if on_spare:
            remaining = min(remaining, self.spare_seconds)
        worker.busy_since = time.monotonic()  # type: ignore[attr-defined]
        try:
            answer = await asyncio.to_thread(_exchange, worker.conn, job, remaining)
        except (EOFError, OSError, BrokenPipeError) as e:
            asyncio.get_running_loop().create_task(self._replace(worker))
            return Answer(500, body=f"query worker failed: {e}".encode())
        if answer is None:
            self.killed += 1
            if on_spare and deadline - time.monotonic() > 0.05:
                # stopped before the query goes to a regular worker: a download it was
                # writing must not be written to by both
                await asyncio.to_thread(worker.kill)
                asyncio.get_running_loop().create_task(self._replace(worker))
                return None
            asyncio.get_running_loop().create_task(self._replace(worker))
            raise Timeout()
        worker.busy_since = None  # type: ignore[attr-defined]
        self._queue(worker).put_nowait(worker)
        return answer

    async def drain(self) -> list[Worker]:
        """Take every worker out of service (waiting for running queries), and forget the
        answers kept: the store is about to change."""
        taken = []
        for w in list(self.workers):
            taken.append(await self._queue(w).get())
        self.cache.clear()
        self.downloads.clear()
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
        self.downloads.clear()
