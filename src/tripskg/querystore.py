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

import gzip
import json
import multiprocessing as mp
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

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


def write_query_store(dist: Path, target: Path | None = None, digest: str | None = None,
                      graphs: dict[str, str] | None = None) -> Path:
    """Bulk-load ``dist/tripskg.nq.gz`` into a new on-disk store at ``target`` (default
    :func:`store_dir`), replacing what is there; the stamp (with the dump's ``digest``, read
    from SHA256SUMS when not given, and the content key of each graph, ``graphs``, for the
    next build to patch a copy) is written last."""
    target = target or store_dir(dist)
    _fresh(target)
    store = ox.Store(str(target / "db"))
    with gzip.open(dist / DUMP, "rb") as fh:
        # the build's own dump: already checked, lenient parsing is safe and faster
        store.bulk_load(fh, ox.RdfFormat.N_QUADS, lenient=True)  # type: ignore[arg-type]
    # compacted: queries that read much of the store run 1.5-2x faster (3 s at 100k
    # activities, in this helper process; the store takes about twice the disk space)
    store.optimize()
    store.flush()
    del store
    _write_stamp(target, dist, digest, graphs)
    return target


def _fresh(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)


def _write_stamp(target: Path, dist: Path, digest: str | None,
                 graphs: dict[str, str] | None) -> None:
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


def make_query_store(dist: Path, target: Path, digest: str, keys: dict[str, str],
                     previous: Path | None = None, changed: Mapping[str, bytes] | None = None
                     ) -> int | None:
    """The query store of a build. With ``previous`` (the last build's store) and
    ``changed`` (the N-Triples of each graph :func:`changed_graphs` named; a graph the build
    no longer has is absent): a copy of ``previous`` (hard links, so cheap) where only those
    graphs are written again; returns how many. Else (or when the copy fails) the dump is
    bulk-loaded; returns None. Runs in a spawned process (:func:`start_query_store`)."""
    if previous is not None and changed is not None:
        try:
            _fresh(target)
            ox.Store.read_only(str(previous / "db")).backup(str(target / "db"))
        except OSError:
            pass
        else:
            store = ox.Store(str(target / "db"))
            for name in sorted(set(changed_graphs(previous, keys) or []) - set(changed)):
                if name:
                    store.remove_graph(ox.NamedNode(name))
                else:
                    store.clear_graph(ox.DefaultGraph())
            for name, data in changed.items():
                g = ox.NamedNode(name) if name else ox.DefaultGraph()
                store.clear_graph(g)
                store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
            store.flush()
            del store
            _write_stamp(target, dist, digest, keys)
            return len(changed)
    write_query_store(dist, target, digest, keys)
    return None


def start_query_store(*args: Any) -> Callable[[], int | None]:
    """Run :func:`make_query_store` (same arguments) in a fresh, spawned process; returns
    the function that waits for it. Never in a forked one, nor in the build process: once a
    process has opened a RocksDB store, its background threads are part of the process state,
    and a child forked from it that opens a store waits for threads it does not have."""
    pool = mp.get_context("spawn").Pool(1)
    pending = pool.apply_async(make_query_store, args)

    def wait() -> int | None:
        try:
            return cast("int | None", pending.get())
        finally:
            pool.close()
            pool.join()

    return wait


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
