"""The release step of ``publish``: once the dumps are in the new build folder, name its
version, compare it with the earlier build, and write ``release.json``, ``versions/`` and
``feeds/`` (see :mod:`.version` and :mod:`.feeds`)."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..buildcache import UNPICKLE_ERRORS
from ..iris import IRIs
from .diff import DUMP, Diff, Members, Side, diff_members, dist_base, scan
from .feeds import build_feeds, write_feeds
from .version import (
    RECORD,
    Release,
    ReleaseOptions,
    make_release,
    plural,
    release_triples,
    write_versions,
)


@dataclass
class LastRead:
    """What the build cache keeps of the previous build's N-Triples dump: what it says
    (:class:`Side`) and where its gzip members are, so that the next build compares only
    the members that changed (:func:`.diff.diff_members`)."""

    side: Side
    dump: Members
    size: int  # the dump's size and mtime when it was read: a dump changed since is read again
    mtime_ns: int


def write_last_read(target: Path, side: Side, dump: Members) -> None:
    """What :func:`load_last_read` reads, written to ``target`` (a temporary name: the caller
    renames it into place once the build has succeeded)."""
    st = dump.path.stat()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("wb") as fh:
            pickle.dump(LastRead(side, dump, st.st_size, st.st_mtime_ns), fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def load_last_read(path: Path | None, previous: Path | None) -> LastRead | None:
    """The kept reading of ``previous`` (None: none kept, another build's, or its dump was
    changed since)."""
    if path is None or previous is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            last = pickle.load(fh)
        st = (previous / DUMP).stat()
    except (OSError, *UNPICKLE_ERRORS):
        return None
    if (not isinstance(last, LastRead) or last.dump.path != previous.resolve() / DUMP
            or (st.st_size, st.st_mtime_ns) != (last.size, last.mtime_ns)):
        return None
    return last


@dataclass
class ReleaseStep:
    release: Release
    diff: Diff | None
    previous: Path | None
    options: ReleaseOptions
    side: Side | None = None  # what this build's dump says (read when None)

    def void(self, void: list[ox.Triple], iris: IRIs, download_base: str | None
             ) -> list[ox.Triple]:
        """void.ttl's triples with the version statements added (sorted, as void.py sorts)."""
        extra = release_triples(void, self.release, iris, download_base)
        return sorted(set(void) | set(extra),
                      key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))

    def write(self, folder: Path, dumps: list[str], iris: IRIs,
              digests: dict[str, str]) -> dict[str, str]:
        """``release.json``, ``feeds/`` and ``versions/`` (after void.ttl and validation.ttl:
        a version keeps them). Returns the SHA-256 already known of the files written
        (relative path -> hex) for SHA256SUMS."""
        (folder / RECORD).write_text(self.release.to_json(), encoding="utf-8")
        if self.side is None:
            self.side = self.diff.new if self.diff is not None else scan(folder, iris.base)
        side = self.side
        feeds = build_feeds(side, self.release, self.diff, self.previous)
        write_feeds(folder, feeds, self.release, iris.base)
        known = write_versions(folder, self.release, dumps, self.previous,
                               self.options.keep_versions)
        prefix = f"versions/{self.release.version}/"
        known.update({prefix + name: digest for name, digest in digests.items()})
        return known


def release_step(folder: Path, digest: str, timestamp: int, options: ReleaseOptions | None,
                 iris: IRIs, reports: int, activities: int, *, last: LastRead | None = None,
                 dump: Members | None = None, read: Callable[[], Side] | None = None
                 ) -> ReleaseStep:
    """``options.previous``: the earlier build, already resolved (see
    :func:`.version.previous_dist`), or None for a first version. A build that knows more
    than its files gives it: ``last``, the kept reading of the previous build (see
    :func:`load_last_read`), with ``dump``, where this build's members are; ``read``, what
    this build's dump says, read from its lines in memory. Either spares reading dumps."""
    opts = options or ReleaseOptions()
    opts.check()
    previous = opts.previous
    if previous is not None and dist_base(previous) not in (None, iris.base):
        previous = None  # built for another base IRI: not an earlier version of this dataset
    if previous is None or (last is not None and last.dump.path != previous.resolve() / DUMP):
        last = None
    first = f"First version: {plural(reports, 'report')}, {plural(activities, 'activity')}."
    differ = None
    if last is not None and dump is not None:
        known, mine = last, dump
        differ = lambda: diff_members(known.side, known.dump, mine, folder)  # noqa: E731
    release, diff = make_release(folder, digest, timestamp, opts, previous, first, iris.base,
                                 differ)
    side = None
    if diff is not None:
        side = diff.new
    elif last is not None:  # the previous build's content: what its dump says
        side = dataclasses.replace(last.side, folder=folder, version=None)
    elif previous is None and read is not None:
        side = read()
    return ReleaseStep(release, diff, previous, opts, side)
