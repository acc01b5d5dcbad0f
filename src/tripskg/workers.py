"""Worker processes for the build: forked (they share the parent's memory copy-on-write, so
large inputs such as the built store are never pickled) and killed with the build process."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from typing import Any, TypeVar, cast

T = TypeVar("T")


def _die_with_parent() -> None:
    """Worker initializer: the kernel kills this worker when the build process dies, so a
    killed build (kill -9, out of memory) leaves no worker writing behind it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def fork_pool(processes: int) -> Pool:
    return mp.get_context("fork").Pool(processes, initializer=_die_with_parent)


def env_jobs() -> int | None:
    """``TRIPSKG_JOBS`` (worker processes; 1 = none), if set."""
    env = os.environ.get("TRIPSKG_JOBS", "")
    return int(env) if env.isdigit() and int(env) > 0 else None


def cpu_jobs(limit: int = 4) -> int:
    return max(1, min(os.cpu_count() or 1, limit))


@contextmanager
def jobs_setting(jobs: int | None) -> Iterator[None]:
    """``TRIPSKG_JOBS=jobs`` inside the block (unchanged if ``jobs`` is None)."""
    if jobs is None:
        yield
        return
    old = os.environ.get("TRIPSKG_JOBS")
    os.environ["TRIPSKG_JOBS"] = str(jobs)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TRIPSKG_JOBS", None)
        else:
            os.environ["TRIPSKG_JOBS"] = old


_BACKGROUND: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []  # inherited through fork


def _run_background() -> Any:
    fn, args = _BACKGROUND[-1]
    return fn(*args)


def in_background(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start ``fn(*args)`` in a forked worker process (the function and its arguments are
    inherited, not pickled; the value comes back pickled); returns the function that waits
    for the value (raising what ``fn`` raised). Without fork, runs it at once."""
    if not can_fork():
        value = fn(*args)
        return lambda: value
    _BACKGROUND.append((fn, args))
    try:
        pool = fork_pool(1)
    finally:
        _BACKGROUND.pop()
    pending = pool.apply_async(_run_background)

    def wait() -> T:
        try:
            return cast(T, pending.get())
        finally:
            pool.terminate()
            pool.join()
    return wait
