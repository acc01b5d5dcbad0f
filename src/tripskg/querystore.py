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

import io
import json
import multiprocessing as mp
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class _Quads(io.RawIOBase):
    """The N-Quads of ``graphs`` as a readable stream, made a slice of lines at a time from
    the lines in memory (the loader reads it; the whole text never exists at once)."""

    def __init__(self, graphs: Graphs, slice_lines: int = 20_000) -> None:
        self._chunks = (b"".join(quad_lines(name, lines[i:i + slice_lines]))
                        for name, lines in graphs for i in range(0, len(lines), slice_lines))
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def load_query_store(target: Path, graphs: Graphs) -> None:
    """A new on-disk store at ``target`` (replacing what is there) holding ``graphs``: the
    build's own lines, already checked, so lenient parsing is safe and faster."""
    _fresh(target)
    store = ox.Store(str(target / "db"))
    store.bulk_load(io.BufferedReader(_Quads(graphs), 1 << 20),
                    ox.RdfFormat.N_QUADS, lenient=True)
    # compacted: queries that read much of the store run 1.5-2x faster (3 s at 100k
    # activities; the store takes about twice the disk space)
    store.optimize()
    store.flush()
    del store


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


def make_query_store(target: Path, graphs: Graphs, keys: Mapping[str, str],
                     previous: Path | None = None, changed: Sequence[str] | None = None
                     ) -> int | None:
    """The query store of a build, without its stamp. With ``previous`` (the last build's
    store) and ``changed`` (the graphs :func:`changed_graphs` named): a copy of ``previous``
    (hard links, so cheap) where only those graphs are written again; returns how many.
    Else (or when the copy fails) every graph is bulk-loaded; returns None."""
    if previous is not None and changed is not None:
        try:
            _fresh(target)
            ox.Store.read_only(str(previous / "db")).backup(str(target / "db"))
        except OSError:
            pass
        else:
            lines = {name or "": ls for name, ls in graphs}
            store = ox.Store(str(target / "db"))
            for name in changed:
                g = ox.NamedNode(name) if name else ox.DefaultGraph()
                if name and name not in lines:
                    store.remove_graph(g)
                    continue
                store.clear_graph(g)
                if name in lines:
                    store.load(b"".join(lines[name]), format=ox.RdfFormat.N_TRIPLES, to_graph=g)
            store.flush()
            del store
            return len(changed)
    load_query_store(target, graphs)
    return None


class QueryStoreWriter:
    """:func:`make_query_store` in a forked process, started as soon as the build has its
    graphs, so that it runs beside the dumps (the graphs are shared with the build process
    copy-on-write, never copied). Forked, which is safe because the build process never
    opens an on-disk store itself (a process that has one open has RocksDB threads that a
    forked child would wait for). :meth:`finish` waits for it and writes the stamp;
    :meth:`abandon` (a failed build) stops it and removes what it wrote."""

    def __init__(self, target: Path, graphs: Graphs, keys: dict[str, str],
                 previous: Path | None = None, changed: Sequence[str] | None = None) -> None:
        self.target, self.keys = target, keys
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        args = (target, graphs, keys, previous, changed)
        self.process = ctx.Process(target=_run, args=args, daemon=True) if ctx else None
        if self.process is not None:
            self.process.start()
        else:  # no fork on this platform: written here, now
            make_query_store(*args)

    def finish(self, dist: Path, digest: str) -> None:
        if self.process is not None:
            self.process.join()
            if self.process.exitcode != 0:
                shutil.rmtree(self.target, ignore_errors=True)
                raise RuntimeError(f"writing the query store failed (exit code "
                                   f"{self.process.exitcode}); see the messages above")
        write_stamp(self.target, dist, digest, self.keys)

    def abandon(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join()
        shutil.rmtree(self.target, ignore_errors=True)


def _run(*args: Any) -> None:  # pragma: no cover - runs in the forked process
    die_with_parent()
    make_query_store(*args)


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
