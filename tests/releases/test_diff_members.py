"""A rebuild compares only the N-Triples dump's changed gzip members with the previous
build's (``diff.diff_members``, with the reading of the previous dump the build cache keeps):
the same difference and the same reading of the new dump as ``tripskg diff`` reading both
dumps whole."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from tests.test_buildcache import build, epoch, first_build, synthetic  # noqa: F401
from tripskg.buildcache import MANIFEST
from tripskg.publish import LAST_READ
from tripskg.releases.diff import DUMP, Members, diff_dists, diff_members, scan
from tripskg.releases.step import LastRead

READ_FIELDS = ("kinds", "labels", "report_of", "reporter_of", "start", "links", "triples")


def _last_read(out: Path) -> LastRead:
    with (out.parent / f"{out.name}.cache" / LAST_READ).open("rb") as fh:
        last = pickle.load(fh)
    assert isinstance(last, LastRead)
    return last


def _members(out: Path) -> Members:
    with (out.parent / f"{out.name}.cache" / MANIFEST).open("rb") as fh:
        manifest = pickle.load(fh)
    return Members(out.resolve() / DUMP, manifest.spans[DUMP])


def _edit(data: Path) -> None:
    """A title changed in one annex, a row gone from another (the rows below it move)."""
    annexes = sorted((data / "annex").glob("*.csv"))
    text = annexes[1].read_text(encoding="utf-8")
    annexes[1].write_text(text.replace("SYNTHETIC activity", "SYNTHETIC (edited) activity", 1),
                          encoding="utf-8")
    rows = annexes[3].read_text(encoding="utf-8").splitlines(keepends=True)
    annexes[3].write_text("".join(rows[:2] + rows[3:]), encoding="utf-8")


@pytest.mark.slow
def test_member_diff_is_the_whole_dump_diff(synthetic: Path, tmp_path: Path,  # noqa: F811
                                           epoch: None) -> None:  # noqa: F811
    data, out, first, _ = first_build(synthetic, tmp_path)
    last = _last_read(out)
    assert last.dump.path == out.resolve() / DUMP
    # what the build kept of its dump is what reading the dump says
    whole = scan(out.resolve(), last.side.base)
    for name in READ_FIELDS:
        assert getattr(last.side, name) == getattr(whole, name), name
    kept = tmp_path / "kept"  # the previous build, as the next build finds it
    shutil.copytree(out.resolve(), kept)
    _edit(data)
    log = build(data, out)
    assert "changed pieces of" in log, log  # the members were compared, not whole dumps
    new = out.resolve()
    fast = diff_members(last.side, Members(kept / DUMP, last.dump.spans), _members(out), new)
    slow = diff_dists(kept, new)
    assert fast.changes and fast.losses == slow.losses
    assert {c.status for c in fast.changes} >= {"changed", "removed", "moved"}
    assert (fast.changes, fast.removed_lines, fast.added_lines, fast.other) == (
        slow.changes, slow.removed_lines, slow.added_lines, slow.other)
    for name in READ_FIELDS:
        assert getattr(fast.new, name) == getattr(slow.new, name), name
    # and what the rebuild kept for the build after it
    again = _last_read(out)
    for name in READ_FIELDS:
        assert getattr(again.side, name) == getattr(scan(new, last.side.base), name), name


def test_a_kept_reading_of_another_build_is_not_used(tmp_path: Path) -> None:
    from tripskg.publish import _ReadKeeper
    from tripskg.releases.diff import Side
    from tripskg.releases.step import load_last_read

    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / DUMP).write_bytes(b"")
    path = tmp_path / LAST_READ
    _ReadKeeper(path, 1).commit(Side(a, "https://example.org/", None), Members(a / DUMP, {}))
    assert load_last_read(path, a) is not None
    assert load_last_read(path, b) is None  # another build
    assert load_last_read(path, None) is None  # a first build
    (a / DUMP).write_bytes(b"changed since")
    assert load_last_read(path, a) is None  # its dump changed since it was read
    path.write_bytes(b"not a pickle")
    assert load_last_read(path, a) is None
