"""The build's helper process: what it computes to warm up stays in it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tripskg.workers import Helper

MARKER: dict[str, str] = {}


def _unpickled(path: str) -> None:
    Path(path).write_text(str(os.getpid()), encoding="utf-8")


class _Loud:
    """Writes a file when it is unpickled (as the value of a pool task is, in the build
    process's result-handler thread)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _unpickled, (MARKER["path"],)


def make_loud() -> _Loud:
    return _Loud()


def test_the_warm_up_value_is_not_sent_back(tmp_path: Path) -> None:
    # a warm-up value unpickled in the result-handler thread imported its modules there,
    # racing the main thread's imports (a partly initialized rdflib failed builds)
    MARKER["path"] = str(tmp_path / "unpickled")
    with Helper(warm=(__name__, "make_loud")) as helper:
        assert helper.submit("os", "getpid")() != os.getpid()  # the warm-up ran before this
        time.sleep(0.2)
    assert not (tmp_path / "unpickled").exists()
