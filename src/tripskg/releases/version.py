"""Versions of the dataset: what a build is called, when it was issued, what came before.

Deterministic by construction (the same inputs give byte-identical output):

- the **content digest** is the SHA-256 of the N-Quads dump (``tripskg.nq.gz``, itself
  byte-stable), so it changes exactly when a triple or its named graph changes;
- ``dct:issued`` is ``--issued`` or the day of the build timestamp (``SOURCE_DATE_EPOCH``, else
  the newest input's modification time: the same timestamp ``dct:modified`` uses), never the
  clock;
- ``dcat:version`` is ``--data-version`` or ``<issued>.<first 8 hex digits of the digest>``;
- built over an earlier dist (``--out`` already holding a build, or ``--previous``), the
  previous version is that build's and the notes summarise ``tripskg diff`` against it. A
  rebuild whose content digest equals the previous build's *is* that version: its version,
  date, notes and predecessor are kept, so rebuilding unchanged data over dist/ changes no
  byte.

``release.json`` (in dist/ and in each ``versions/<version>/``) records the version for the
next build, ``tripskg diff`` and the server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import TripsKGError
from ..iris import IRIs
from ..vocab import DCAT, DCT, RDF, SPDX, VOID, XSD
from .diff import DUMP, Diff, diff_dists

ADMS = "http://www.w3.org/ns/adms#"
RECORD = "release.json"
VERSIONS = "versions"
VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# files of a build that each versions/<version>/ keeps (hard links: no extra space)
VERSIONED_EXTRA = ("context.jsonld", "void.ttl", "validation.ttl", RECORD)


class ReleaseError(TripsKGError):
    pass


@dataclass(frozen=True)
class ReleaseOptions:
    """How a build names its version (from ``tripskg build`` options)."""

    version: str | None = None  # --data-version
    issued: str | None = None  # --issued (YYYY-MM-DD)
    previous: Path | None = None  # the earlier build (default: the --out folder, if built)
    keep_versions: int = 5  # versions/<version>/ folders kept in dist/ (the newest)

    def check(self) -> None:
        if self.version is not None and not VERSION_RE.fullmatch(self.version):
            raise ReleaseError(f"version '{self.version}' cannot be a path segment",
                               hint="use letters, digits and . _ + - (at most 64)")
        if self.issued is not None and not _is_date(self.issued):
            raise ReleaseError(f"issued date '{self.issued}' is not a YYYY-MM-DD date")
        if self.keep_versions < 1:
            raise ReleaseError("--keep-versions must be at least 1")


def plural(n: int, noun: str) -> str:
    """'1 activity', '2 activities', '0 reports'."""
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _is_date(text: str) -> bool:
    if not DATE_RE.fullmatch(text):
        return False
    try:
        time.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Release:
    version: str
    issued: str  # YYYY-MM-DD
    digest: str  # SHA-256 of tripskg.nq.gz
    previous: str | None  # the previous version
    notes: str  # adms:versionNotes: what changed since the previous version
    warnings: tuple[str, ...] = ()  # reporters that lost many activities (tripskg diff's)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Release | None:
        try:
            data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
            return cls(data["version"], data["issued"], data["digest"], data.get("previous"),
                       data.get("notes", ""), tuple(data.get("warnings", ())))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def previous_dist(out: Path, options: ReleaseOptions) -> Path | None:
    """The earlier build this one is compared with (None: a first build)."""
    folder = options.previous if options.previous is not None else out
    if options.previous is not None and not (folder / DUMP).is_file():
        raise ReleaseError(f"--previous '{folder}' is not a built dist folder",
                           hint=f"it has no {DUMP}")
    return folder.resolve() if (folder / DUMP).is_file() else None


def make_release(folder: Path, digest: str, timestamp: int, options: ReleaseOptions,
                 previous: Path | None, first_notes: str, base: str,
                 differ: Callable[[], Diff] | None = None) -> tuple[Release, Diff | None]:
    """The version of the build written in ``folder`` (its dumps are there) and, when there
    is an earlier build, the difference from it (None when the content is that build's).
    ``differ``: a quicker way to that difference than reading both dumps whole."""
    before = Release.read(previous) if previous is not None else None
    if before is not None and before.digest == digest and options.version in (
            None, before.version) and options.issued in (None, before.issued):
        return before, None
    issued = options.issued or time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    version = options.version or f"{issued}.{digest[:8]}"
    if before is not None and before.version == version:
        raise ReleaseError(f"version '{version}' is the previous build's, with other content",
                           hint="give this build another --data-version")
    if previous is None:
        return Release(version, issued, digest, None, first_notes), None
    from .diffout import loss_warnings, summary_line

    diff = differ() if differ is not None else diff_dists(previous, folder, base=base)
    since = f"version {before.version}" if before else "the previous build"
    notes = (f"Same triples as {since}." if diff.equal
             else f"Changes since {since}: {summary_line(diff)}.")
    return Release(version, issued, digest, before.version if before else None, notes,
                   tuple(loss_warnings(diff))), diff


# --------------------------------------------------------------------------- dist/versions
def versioned_files(names: list[str]) -> list[str]:
    return [*names, *VERSIONED_EXTRA]


def write_versions(folder: Path, release: Release, names: list[str], previous: Path | None,
                   keep: int) -> dict[str, str]:
    """``versions/<version>/``: hard links to this build's dumps, plus the newest earlier
    versions carried over from ``previous`` (``keep`` in all). Returns the SHA-256 of the
    carried files (relative path -> hex) as the previous SHA256SUMS gave them."""
    target = folder / VERSIONS / release.version
    target.mkdir(parents=True)
    for name in versioned_files(names):
        if (folder / name).is_file():
            _link(folder / name, target / name)
    known: dict[str, str] = {}
    if previous is None or not (previous / VERSIONS).is_dir():
        return known
    older = []
    for child in (previous / VERSIONS).iterdir():
        r = Release.read(child)
        if r is not None and r.version != release.version and child.name == r.version:
            older.append((r.issued, r.version, child))
    older.sort(reverse=True)
    sums = read_sums(previous)
    for _, version, child in older[:keep - 1]:
        for f in sorted(child.iterdir()):
            if f.is_file():
                (folder / VERSIONS / version).mkdir(exist_ok=True)
                _link(f, folder / VERSIONS / version / f.name)
                rel = f"{VERSIONS}/{version}/{f.name}"
                if rel in sums:
                    known[rel] = sums[rel]
    return known


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copyfile(src, dst)


def read_sums(folder: Path) -> dict[str, str]:
    """The digests SHA256SUMS of ``folder`` lists, by relative path ({} without the file)."""
    try:
        text = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    except OSError:
        return {}
    return {rel: digest for digest, _, rel in (line.partition("  ") for line in
                                               text.splitlines()) if rel}


# --------------------------------------------------------------------------- void.ttl
def version_iri(iris: IRIs, version: str) -> str:
    return f"{iris.dataset}/version/{version}"


# the dataset's properties a version repeats (the shapes ask every dcat:Dataset for them)
COPIED = tuple(DCT + p for p in ("title", "description", "license", "publisher", "created",
                                 "modified")) + tuple(
    VOID + p for p in ("triples", "entities", "sparqlEndpoint",
                                             "uriSpace"))


def release_triples(void: list[ox.Triple], release: Release, iris: IRIs,
                    download_base: str | None) -> list[ox.Triple]:
    """Version statements for void.ttl: on the dataset (``dcat:version``, ``dct:issued``,
    ``dcat:previousVersion``, ``adms:versionNotes``, ``dcat:hasCurrentVersion``) and a
    version resource ``<dataset>/version/<v>`` whose distributions are the versioned download
    paths (``<download base>versions/<v>/<file>``), which never change."""
    dataset = iris.dataset
    current = version_iri(iris, release.version)
    download = iris.downloads(download_base)
    out: list[ox.Triple] = []

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        out.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p),
                             ox.NamedNode(o) if isinstance(o, str) else o))

    for node in (dataset, current):
        add(node, DCAT + "version", ox.Literal(release.version))
        add(node, DCT + "issued", ox.Literal(release.issued,
                                             datatype=ox.NamedNode(XSD + "date")))
        add(node, ADMS + "versionNotes", ox.Literal(release.notes, language="en"))
        if release.previous:
            add(node, DCAT + "previousVersion", version_iri(iris, release.previous))
    add(dataset, DCAT + "hasCurrentVersion", current)
    add(dataset, DCAT + "hasVersion", current)
    add(current, DCT + "isVersionOf", dataset)
    add(current, RDF + "type", DCAT + "Dataset")
    add(current, RDF + "type", VOID + "Dataset")
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in void:
        by_subject.setdefault(_iri(t.subject), []).append(t)
    for t in by_subject.get(dataset, []):
        if t.predicate.value in COPIED:
            out.append(ox.Triple(ox.NamedNode(current), t.predicate, t.object))
        elif t.predicate.value == DCAT + "distribution":
            _version_distribution(out, by_subject, _iri(t.object), current, release,
                                  download)
    return out


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else ""


def _version_distribution(out: list[ox.Triple], by_subject: dict[str, list[ox.Triple]],
                          dist: str, current: str, release: Release, download: str) -> None:
    file = dist.rsplit("/", 1)[1]
    node = f"{current}/distribution/{file}"
    url = ox.NamedNode(f"{download}{VERSIONS}/{release.version}/{file}")
    out.append(ox.Triple(ox.NamedNode(current), ox.NamedNode(DCAT + "distribution"),
                         ox.NamedNode(node)))
    for t in by_subject.get(dist, []):
        p = t.predicate.value
        if p in (DCAT + "downloadURL", DCAT + "accessURL"):
            out.append(ox.Triple(ox.NamedNode(node), t.predicate, url))
        elif p == SPDX + "checksum":
            checksum = node + "/checksum"
            out.append(ox.Triple(ox.NamedNode(node), t.predicate, ox.NamedNode(checksum)))
            for c in by_subject.get(_iri(t.object), []):
                out.append(ox.Triple(ox.NamedNode(checksum), c.predicate, c.object))
        else:
            out.append(ox.Triple(ox.NamedNode(node), t.predicate, t.object))
