"""What a build's N-Triples dump says is pickled by a forked child for the next build, and
put in place only when the build succeeds (``publish._ReadKeeper``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripskg.publish import LAST_READ, _ReadKeeper
from tripskg.releases.diff import DUMP, Members, Side
from tripskg.releases.step import load_last_read

BASE = "https://example.org/"


def _build(tmp_path: Path, name: str) -> tuple[Path, Side, Members]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / DUMP).write_bytes(b"")
    side = Side(folder, BASE, None, kinds={BASE + name: "report"})
    return folder, side, Members(folder / DUMP, {})


@pytest.mark.parametrize("jobs", [None, 1])  # forked child, or in this process
def test_kept_only_when_the_build_succeeds(tmp_path: Path, jobs: int | None) -> None:
    path = tmp_path / "cache" / LAST_READ
    old, old_side, old_dump = _build(tmp_path, "old")
    _ReadKeeper(path, 1).commit(old_side, old_dump)  # the last build's, kept
    new, side, dump = _build(tmp_path, "new")

    failed = _ReadKeeper(path, jobs)
    failed.start(side, dump)
    failed.discard()  # the build failed after the version was named
    assert sorted(p.name for p in path.parent.iterdir()) == [LAST_READ]
    kept = load_last_read(path, old)
    assert kept is not None and kept.side.kinds == old_side.kinds

    done = _ReadKeeper(path, jobs)
    done.start(side, dump)
    done.commit(side, dump)
    assert sorted(p.name for p in path.parent.iterdir()) == [LAST_READ]
    assert load_last_read(path, old) is None
    kept = load_last_read(path, new)
    assert kept is not None and kept.side.kinds == side.kinds


def test_a_side_known_only_after_the_feeds_is_kept_at_commit(tmp_path: Path) -> None:
    path = tmp_path / "cache" / LAST_READ
    new, side, dump = _build(tmp_path, "new")
    keeper = _ReadKeeper(path, None)
    keeper.start(None, dump)  # not known when the version was named
    keeper.commit(side, dump)
    kept = load_last_read(path, new)
    assert kept is not None and kept.side.kinds == side.kinds
    _ReadKeeper(None, None).commit(side, dump)  # no build cache: nothing kept
