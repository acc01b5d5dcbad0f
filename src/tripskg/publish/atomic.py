"""Atomic replacement of the output folder, and the test hook that pauses a build."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

BUILDS_SUFFIX = ".builds"
PAUSE_ENV = "TRIPSKG_TEST_PAUSE_AT"

# Named points of a build where TRIPSKG_TEST_PAUSE_AT=<step> makes the process stop (for the
# kill -9 tests): it prints "tripskg: paused at <step>" to stderr and sleeps.
PAUSE_STEPS = (
    "publish-start",    # work folder created, nothing written
    "dumps",            # some pieces of the dumps written, the other jobs still running
    "void",             # all dumps written, void.ttl not yet
    "ontology",         # void.ttl written, ontology docs not yet
    "checksums",        # everything written except SHA256SUMS
    "swap",             # new symlink created next to the old one, rename(2) not yet done
    "prune",            # new build in place, older builds not yet removed
)


def pause_point(step: str) -> None:
    """Test hook: stop here if ``TRIPSKG_TEST_PAUSE_AT`` names this step."""
    if os.environ.get(PAUSE_ENV) != step:
        return
    sys.stderr.write(f"tripskg: paused at {step}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("TRIPSKG_TEST_PAUSE_SECONDS", "3600")))


@contextmanager
def atomic_output(out: Path, keep: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a fresh folder; on success make ``out`` point to it in one atomic step.

    ``out`` is a symbolic link to ``<out>.builds/<id>``; the switch is an atomic
    ``rename(2)`` of a new link over the old one, so readers see either the old build or the
    new one, never a half-written folder. On failure the new folder is removed and ``out`` is
    untouched; after a crash (kill -9) the next successful build removes the leftovers. The
    current build and the one before it are kept; older ones are removed while a new build is
    written (except those in ``keep``: the build copies pieces from them). A real
    folder left at ``out`` by other tools is moved into ``<out>.builds``. Concurrent builds into
    the same ``out`` are serialized with a lock file.
    """
    out = out.absolute()
    builds = out.parent / (out.name + BUILDS_SUFFIX)
    builds.mkdir(parents=True, exist_ok=True)
    with (builds / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in out.parent.glob(f".{out.name}.link-*"):
            if stale.is_symlink():
                stale.unlink()
        work = Path(tempfile.mkdtemp(prefix="build-", dir=builds))
        # older builds (all but the current one) go while this one is written: removing
        # half a gigabyte of dumps takes ~0.5 s of waiting on the file system
        current = out.resolve() if out.is_symlink() else None
        early = threading.Thread(target=_prune, args=(builds, {work.resolve(), *(
            p for p in [current] if p), *(p.resolve() for p in keep)}), daemon=True)
        early.start()
        try:
            yield work
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        finally:
            early.join()
        os.chmod(work, 0o755)
        if out.exists() and not out.is_symlink():
            legacy = Path(tempfile.mkdtemp(prefix="legacy-", dir=builds))
            os.rename(out, legacy / "dist")
            os.symlink(os.path.relpath(legacy / "dist", out.parent), out)
        link = out.parent / f".{out.name}.link-{os.getpid()}"
        os.symlink(os.path.relpath(work, out.parent), link)
        previous = out.resolve() if out.is_symlink() else None
        pause_point("swap")
        os.replace(link, out)
        _fsync_dir(out.parent)
        pause_point("prune")
        _prune(builds, keep={work.resolve(), *(p for p in [previous] if p)})


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(builds: Path, keep: set[Path]) -> None:
    """Remove older builds and leftovers of crashed ones, keeping the current and previous
    (and each kept build's query store, ``<build>.store``)."""
    for child in builds.iterdir():
        if not child.is_dir() or child.is_symlink():
            continue
        resolved = child.resolve()
        if resolved.name.endswith(".store"):
            resolved = resolved.with_name(resolved.name.removesuffix(".store"))
        if resolved in keep or any(resolved in k.parents for k in keep):
            continue
        shutil.rmtree(child, ignore_errors=True)
