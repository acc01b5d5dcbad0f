"""The release step of ``publish``: once the dumps are in the new build folder, name its
version, compare it with the earlier build, and write ``release.json``, ``versions/`` and
``feeds/`` (see :mod:`.version` and :mod:`.feeds`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..iris import IRIs
from .diff import Diff, Side, dist_base, scan
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
class ReleaseStep:
    release: Release
    diff: Diff | None
    previous: Path | None
    options: ReleaseOptions

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
        side: Side = self.diff.new if self.diff is not None else scan(folder, iris.base)
        feeds = build_feeds(side, self.release, self.diff, self.previous)
        write_feeds(folder, feeds, self.release, iris.base)
        known = write_versions(folder, self.release, dumps, self.previous,
                               self.options.keep_versions)
        prefix = f"versions/{self.release.version}/"
        known.update({prefix + name: digest for name, digest in digests.items()})
        return known


def release_step(folder: Path, digest: str, timestamp: int, options: ReleaseOptions | None,
                 iris: IRIs, reports: int, activities: int) -> ReleaseStep:
    """``options.previous``: the earlier build, already resolved (see
    :func:`.version.previous_dist`), or None for a first version."""
    opts = options or ReleaseOptions()
    opts.check()
    previous = opts.previous
    if previous is not None and dist_base(previous) not in (None, iris.base):
        previous = None  # built for another base IRI: not an earlier version of this dataset
    first = f"First version: {plural(reports, 'report')}, {plural(activities, 'activity')}."
    release, diff = make_release(folder, digest, timestamp, opts, previous, first, iris.base)
    return ReleaseStep(release, diff, previous, opts)
