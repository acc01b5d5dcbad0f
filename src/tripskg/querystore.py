"""The query store: an on-disk Oxigraph store of a build's N-Quads dump, written by
``tripskg build`` beside the build folder so that ``tripskg query --from dist`` opens it
read-only instead of loading the dump on every call.

Where: ``<build folder>.store/`` next to the build folder ``dist`` points to (``dist`` is a
symbolic link into ``dist.builds/``; a plain folder ``X`` gets ``X.store``). It stays out of
``dist/`` on purpose: the published files and ``SHA256SUMS`` are the same with or without it,
and its files (RocksDB) are not byte-identical from one build to the next. It is removed with
its build (``atomic._prune``).

Fresh or stale: the store's ``stamp.json`` records the checksum of ``tripskg.nq.gz`` (from
``SHA256SUMS``), its size and modification time; a store whose stamp differs from the dump
beside it, or that has no stamp (a build stopped while writing it), is not used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .graphlines import quad_lines
from .workers import die_with_parent

DUMP = "tripskg.nq.gz"
SUFFIX = ".store"
STAMP = "stamp.json"


def store_dir(dist: Path) -> Path:
    """Where the query store of the build in ``dist`` lives (``dist`` resolved)."""
    build = dist.resolve()
    return build.with_name(build.name + SUFFIX)


def dump_stamp(dist: Path, digest: str | None = None) -> dict[str, object]:
    """What identifies the dump in ``dist``: its SHA-256 (``digest``, or as listed in
    SHA256SUMS; None when not listed), size and modification time."""
    dump = dist / DUMP
    st = dump.stat()
    sums = dist / "SHA256SUMS"
    if digest is None and sums.is_file():
        for line in sums.read_text(encoding="utf-8").splitlines():
            value, _, name = line.partition("  ")
            if name == DUMP:
                digest = value
    return {"dump": DUMP, "sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


Graphs = Sequence[tuple[str | None, Sequence[bytes]]]  # (graph IRI or None, N-Triples lines)


def load_query_store(target: Path, quads: IO[bytes]) -> None:
    """A new on-disk store at ``target`` (replacing what is there) holding the N-Quads read
    from ``quads``: the build's own lines, already checked, so lenient parsing is safe and
    faster."""
    _fresh(target)
    bulk_load_store(target / "db", quads, lenient=True)


def bulk_load_store(path: Path, quads: IO[bytes], lenient: bool = False) -> None:
    """A new on-disk store at ``path`` holding the N-Quads read from ``quads``, compacted and
    closed (no writer stays open: the store is then opened read-only)."""
    store = ox.Store(str(path))
    store.bulk_load(quads, ox.RdfFormat.N_QUADS, lenient=lenient)
    # compacted: queries that read much of the store run 1.5-2x faster (3 s at 100k
    # activities; the store takes about twice the disk space)
    store.optimize()
    store.flush()
    del store


def patch_query_store(target: Path, previous: Path, changed: Sequence[str],
                      quads: IO[bytes]) -> bool:
    """A copy of the store ``previous`` at ``target`` (hard links, so cheap) where the graphs
    ``changed`` ('' = the default graph) are replaced by the N-Quads read from ``quads`` (a
    graph with no quads is removed). False when the copy cannot be made."""
    try:
        _fresh(target)
        ox.Store.read_only(str(previous / "db")).backup(str(target / "db"))
    except OSError:
        return False
    store = ox.Store(str(target / "db"))
    for name in changed:
        if name:
            store.remove_graph(ox.NamedNode(name))
        else:
            store.clear_graph(ox.DefaultGraph())
    store.load(quads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    return True


def _fresh(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)


def write_stamp(target: Path, dist: Path, digest: str | None,
                graphs: dict[str, str] | None) -> None:
    """The stamp that makes the store at ``target`` usable for the dump in ``dist`` (written
    last: a store without it is never used)."""
    stamp = {**dump_stamp(dist, digest), "graphs": graphs}
    (target / STAMP).write_text(json.dumps(stamp, sort_keys=True) + "\n", encoding="utf-8")


def changed_graphs(previous: Path, keys: Mapping[str, str]) -> list[str] | None:
    """The graphs ('' = the default graph) whose content key differs from the ones the query
    store ``previous`` was written with (or that it has and the new build has not); None
    when that store is missing or was written without keys."""
    try:
        old = json.loads((previous / STAMP).read_text(encoding="utf-8")).get("graphs")
    except (OSError, ValueError):
        return None
    if not isinstance(old, dict) or not (previous / "db").is_dir():
        return None
    return sorted({*(n for n, k in keys.items() if old.get(n) != k), *(set(old) - set(keys))})


COPY_FAILED = 3  # exit code of the writer process: the previous store could not be copied


class QueryStoreWriter:
    """The query store written by a fresh Python process started as soon as the build has its
    graphs, so that it runs beside the dumps; a thread of the build streams it the N-Quads
    from the lines in memory (the whole text never exists at once). A fresh process, never a
    forked one: a process that has opened an on-disk store (a test run, a program using
    tripskg) has RocksDB threads that a forked child would wait for forever.

    With ``previous`` (the last build's store) and ``changed`` (the graphs
    :func:`changed_graphs` named), only those graphs are streamed, into a copy of
    ``previous``; when the copy cannot be made, everything is loaded instead. :meth:`finish`
    waits and writes the stamp; :meth:`abandon` (a failed build) stops the process and
    removes what it wrote."""

    def __init__(self, target: Path, graphs: Graphs, keys: dict[str, str],
                 previous: Path | None = None, changed: Sequence[str] | None = None) -> None:
        self.target, self.keys, self.graphs = target, keys, graphs
        self.process: subprocess.Popen[bytes] | None = None
        self.error: BaseException | None = None
        self.returncode: int | None = None
        self.cpu_s = 0.0  # CPU seconds of the writer process(es), all threads
        self._stop = False
        self._thread = threading.Thread(target=self._feed, args=(previous, changed),
                                        daemon=True)
        self._thread.start()

    def _feed(self, previous: Path | None, changed: Sequence[str] | None) -> None:
        try:
            if previous is not None and changed is not None:
                wanted = set(changed)
                rc = self._run(["patch", str(previous), json.dumps(list(changed))],
                               [(n, ls) for n, ls in self.graphs if (n or "") in wanted])
                if rc != COPY_FAILED:
                    self.returncode = rc
                    return
            self.returncode = self._run(["load"], self.graphs)
        except BaseException as e:  # noqa: BLE001 - reported by finish()
            self.error = e

    def _run(self, args: list[str], graphs: Graphs) -> int:
        if self._stop:
            return -1
        self.process = proc = subprocess.Popen(
            [sys.executable, "-m", "tripskg.querystore", str(self.target), *args],
            stdin=subprocess.PIPE, preexec_fn=die_with_parent)
        assert proc.stdin is not None
        try:
            for chunk in _quad_chunks(graphs):
                if self._stop:
                    break
                proc.stdin.write(chunk)
            proc.stdin.close()
        except BrokenPipeError:  # the process ended early: its exit code says why
            pass
        try:  # wait4: the exit status and the CPU the writer used (reported by the build)
            _, status, usage = os.wait4(proc.pid, 0)
        except ChildProcessError:  # reaped by abandon()
            return proc.wait()
        proc.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_s += usage.ru_utime + usage.ru_stime
        return proc.returncode

    def finish(self, dist: Path, digest: str) -> None:
        self._thread.join()
        if self.error is not None or self.returncode != 0:
            shutil.rmtree(self.target, ignore_errors=True)
            why = self.error or f"exit code {self.returncode}"
            raise RuntimeError(f"writing the query store failed ({why}); see the messages "
                               "above")
        write_stamp(self.target, dist, digest, self.keys)

    def abandon(self) -> None:
        self._stop = True
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self._thread.join()
        shutil.rmtree(self.target, ignore_errors=True)


def _quad_chunks(graphs: Graphs, slice_lines: int = 20_000) -> Iterator[bytes]:
    for name, lines in graphs:
        for i in range(0, len(lines), slice_lines):
            yield b"".join(quad_lines(name, lines[i:i + slice_lines]))


def _main(argv: list[str]) -> int:  # pragma: no cover - the writer process
    """``python -m tripskg.querystore TARGET load|patch PREVIOUS CHANGED`` with the N-Quads on
    standard input (run by :class:`QueryStoreWriter`)."""
    target, mode = Path(argv[0]), argv[1]
    quads = sys.stdin.buffer
    if mode == "patch":
        if not patch_query_store(target, Path(argv[2]), json.loads(argv[3]), quads):
            return COPY_FAILED
        return 0
    load_query_store(target, quads)
    return 0


@dataclass(frozen=True)
class Opened:
    """A store to query, and why the query store was not used (None when it was)."""

    store: ox.Store
    fallback: str | None = None


def open_query_store(dist: Path) -> ox.Store | str:
    """The query store of ``dist`` opened read-only, or why it cannot be used."""
    where = store_dir(dist)
    stamp_file = where / STAMP
    if not stamp_file.is_file():
        return f"no query store at {where}"
    try:
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"the query store at {where} has an unreadable stamp"
    if {k: v for k, v in stamp.items() if k != "graphs"} != dump_stamp(dist):
        return f"the query store at {where} is stale (it does not match {dist / DUMP})"
    try:
        return ox.Store.read_only(str(where / "db"))
    except OSError as e:
        return f"the query store at {where} cannot be opened ({e})"


def dist_store(dist: Path) -> Opened:
    """The store to run a query over ``dist``: the query store when it is fresh, else the dump
    loaded into memory (slow on large builds), with the reason."""
    from .queries import load_dist_store

    opened = open_query_store(dist) if (dist / DUMP).is_file() else None
    if isinstance(opened, ox.Store):
        return Opened(opened)
    return Opened(load_dist_store(dist), opened)


if __name__ == "__main__":  # pragma: no cover - the writer process
    sys.exit(_main(sys.argv[1:]))
