"""What the pages show of a build's version (docs/releases.md): the version record, the Atom
feeds it has, and its quality report, read from a dist folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..releases.feeds import FEEDS
from ..releases.quality import Quality, group_results, read_validation
from ..releases.version import Release


@dataclass
class ReleaseView:
    release: Release | None
    feeds: frozenset[str] = frozenset()  # feed paths: 'all', 'country/KHM', …
    quality: Quality = field(default_factory=Quality)
    base: str = ""

    def report_iri(self, key: str | None) -> str | None:
        return f"{self.base}id/report/{key}" if key else None


def feed_paths(dist: Path) -> frozenset[str]:
    folder = dist / FEEDS
    if not folder.is_dir():
        return frozenset()
    return frozenset(p.relative_to(folder).as_posix().removesuffix(".atom")
                     for p in folder.rglob("*.atom") if p.is_file() and not p.is_symlink())


def release_view(dist: Path, base: str) -> ReleaseView:
    """The version, feeds and quality report of the build in ``dist``."""
    results = read_validation(dist, base) if (dist / "validation.ttl").is_file() else []
    return ReleaseView(Release.read(dist), feed_paths(dist), group_results(results, base), base)


def feed_path_of(iri: str, base: str) -> str | None:
    """The feed about a resource: a country, a reporter (an organization, a Member, a
    country) or a policy area (see :mod:`tripskg.releases.feeds`)."""
    if iri.startswith(base + "def/policy-area/"):
        return "policy-area/" + iri[len(base) + len("def/policy-area/"):]
    if iri.startswith(base + "id/"):
        return iri[len(base) + 3:]
    return None


def feed_candidates(iri: str, base: str) -> list[str]:
    """Feed paths that may be about ``iri`` (a country is a beneficiary and may report)."""
    path = feed_path_of(iri, base)
    if path is None:
        return []
    if path.startswith("policy-area/"):
        return [path]
    return [p for p in (path if path.startswith("country/") else None, "reporter/" + path) if p]
