"""Worker processes for the build: forked (they share the parent's memory copy-on-write, so
large inputs such as the built store are never pickled) and killed with the build process."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any


def die_with_parent() -> None:
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
    return mp.get_context("fork").Pool(processes, initializer=die_with_parent)


def forked(work: Callable[[], None], jobs: int | None = None) -> Callable[[], None]:
    """Start ``work`` in a forked child (it sees this process's memory as it is now, nothing is
    pickled) and return the function that waits for it, raising if it failed. Without fork,
    or with ``jobs=1``, ``work`` runs when waited for, in this process."""
    if not can_fork() or jobs == 1:
        return work
    child = mp.get_context("fork").Process(target=_forked_run, args=(work,), daemon=True)
    child.start()

    def wait() -> None:
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"a forked build step failed (exit code {child.exitcode})")
    return wait


def _forked_run(work: Callable[[], None]) -> None:
    die_with_parent()
    work()


def cpu_jobs(limit: int = 4) -> int:
    return max(1, min(os.cpu_count() or 1, limit))


def _call(module: str, name: str, args: tuple[Any, ...]) -> Any:
    """Run ``module.name(*args)`` as the worker process sees it (inherited through fork, so a
    function replaced in the parent before the fork is the one that runs)."""
    import importlib

    return getattr(importlib.import_module(module), name)(*args)


def _warm(module: str, name: str) -> None:
    """Run ``module.name()`` for what it leaves in the worker (imports, caches), and send
    nothing back: unpickling its value would import its modules in the build process's
    result-handler thread, racing the main thread's imports of the same package (a partly
    initialized ``rdflib`` made builds fail now and then)."""
    _call(module, name, ())


class Helper:
    """One forked worker process started before its work is ready, so it can warm up (import
    modules, parse files) while the build goes on; ``submit`` hands it the work. Functions are
    named by module and attribute, arguments and values are pickled. Without fork, or with
    ``jobs=1`` (no worker processes), work runs at once in the build process. Close it
    (``with Helper(...)``) to end the process."""

    def __init__(self, warm: tuple[str, str] | None = None, jobs: int | None = None) -> None:
        self.pool = fork_pool(1) if can_fork() and jobs != 1 else None
        if self.pool is not None and warm is not None:
            self.pool.apply_async(_warm, warm)

    def submit(self, module: str, name: str, *args: Any) -> Callable[[], Any]:
        """Start ``module.name(*args)``; returns the function that waits for its value."""
        if self.pool is None:
            value = _call(module, name, args)
            return lambda: value
        pending = self.pool.apply_async(_call, (module, name, args))
        return pending.get

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
