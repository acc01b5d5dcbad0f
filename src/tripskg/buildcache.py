"""The build cache: each report's parsed records and named graph, keyed by input checksums.

A report's part (see :class:`tripskg.parts.Part`) depends only on its own inputs (cover note,
annex, register row), where they are shown from (messages carry the path), the data kind, the
base IRI, the reference data and the tripskg code. The cache key is the SHA-256 of all of
these, so a cached part is exactly what reading the inputs again would give: a build that
uses the cache writes the same bytes as a clean one (``tests/test_buildcache.py``).

Entries are pickles written atomically (temp file + rename); the cache folder belongs to the
user who builds, like ``__pycache__``. Entries not used by the last build are removed.

Next to the parts, ``publish.pickle`` (:class:`Manifest`) records what publishing the last
build found: where each piece of its dumps sits in its files, and for each report (by the
part's key) the SHACL results about the subjects it owns and its graph's VoID figures (see
``publish/pieces.py``). It is trusted only for the same code, base IRI, ontology and shapes
(:func:`publish_digest`), and its file spans only while the files keep their size and time.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .checksums import sha256
from .ingest.text import display_path
from .iris import IRIs
from .resources import ontology_dir, reference_dir, vocab_files

if TYPE_CHECKING:
    from .ingest.report import Source
    from .parts import Part

FORMAT = 1


@cache
def code_digest() -> str:
    """Checksum of the tripskg code and reference data a report's part depends on."""
    h = hashlib.sha256(f"{FORMAT} {__version__}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    for path in sorted(reference_dir().glob("*.csv")):
        h.update(path.name.encode() + b"\0" + sha256(path).encode())
    return h.hexdigest()


def publish_digest(iris: IRIs) -> str:
    """Checksum of what the published pieces of a report depend on besides its part: the code,
    base IRI, ontology, vocabularies and shapes."""
    from .validate import shapes_turtle

    h = hashlib.sha256(f"{code_digest()} {iris.base}".encode())
    for path in [ontology_dir() / "tripskg.ttl", ontology_dir() / "dataset.ttl", *vocab_files()]:
        h.update(path.name.encode() + b"\0" + sha256(path).encode())
    h.update(shapes_turtle(iris).encode("utf-8"))
    return h.hexdigest()


MANIFEST = "publish.pickle"


# --------------------------------------------------------------------------- manifest
MANIFEST_FORMAT = 1


@dataclass
class Manifest:
    """Where the pieces of the last build are (kept in the build cache)."""

    key: str  # checksum of the code, base IRI, ontology and shapes the pieces depend on
    folder: str = ""
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (size, mtime_ns)
    spans: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)  # report digest -> PartOutcome
    shared: str = ""  # checksum of the lines about subjects no report owns (see build.py)
    format: int = MANIFEST_FORMAT

    def usable_files(self) -> set[str]:
        """The files of the last build that are still there, unchanged."""
        ok = set()
        for name, (size, mtime) in self.files.items():
            try:
                st = (Path(self.folder) / name).stat()
            except OSError:
                continue
            if st.st_size == size and st.st_mtime_ns == mtime:
                ok.add(name)
        return ok


# what unpickling a cache file written by another version or cut short can raise
UNPICKLE_ERRORS = (EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError,
                   TypeError, ValueError)


def load_manifest(path: Path | None, key: str) -> Manifest | None:
    if path is None:
        return None
    try:
        with path.open("rb") as fh:
            m = pickle.load(fh)
    except (OSError, *UNPICKLE_ERRORS):
        return None
    if not isinstance(m, Manifest) or m.format != MANIFEST_FORMAT or m.key != key:
        return None
    return m


def save_manifest(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(manifest, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class CacheState:
    """The build cache's side of one build: what the last build left (its manifest), which
    report graphs it settles, and where this build's manifest goes."""

    manifest_path: Path  # where this build's manifest will be kept
    manifest: Manifest | None = None  # where the last build's pieces are
    digests: dict[str, str] = field(default_factory=dict)  # report graph IRI -> part digest
    # report graphs whose owned subjects are not in the store: their SHACL results and VoID
    # figures come from the last build (graph IRI -> digest; see publish/pieces.py)
    settled: dict[str, str] = field(default_factory=dict)
    shared_key: str = ""  # checksum of the lines about subjects no report owns


class PartCache:
    """Parts of one data folder, stored under ``folder/parts/``."""

    def __init__(self, folder: Path, data_dir: Path, iris: IRIs) -> None:
        self.folder = folder / "parts"
        self.data_dir = data_dir
        self.base = iris.base
        self.used: set[str] = set()
        self.hits = 0
        self._keys: dict[str, str] = {}

    def key(self, src: Source) -> str:
        if src.key not in self._keys:
            self._keys[src.key] = self._key(src)
        return self._keys[src.key]

    def _key(self, src: Source) -> str:
        files = {}
        for name, path in (("note", src.note), ("annex", src.annex)):
            if path is not None:
                files[name] = [display_path(path, self.data_dir), sha256(path)]
        register = None
        if src.register is not None:
            loc, row = src.register
            register = [loc.source, loc.line, sorted(row.items())]
        blob = json.dumps([code_digest(), self.base, src.key, src.data_kind, files, register],
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, src: Source) -> Part | None:
        key = self.key(src)
        self.used.add(key)
        try:
            with self._path(key).open("rb") as fh:
                part: Part = pickle.load(fh)
        except (OSError, *UNPICKLE_ERRORS):
            return None  # missing or unreadable: read the inputs again
        self.hits += 1
        return part

    def put(self, src: Source, part: Part) -> None:
        key = self.key(src)
        self.used.add(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(part, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self) -> int:
        """Remove the entries the last build did not use; returns how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.iterdir():
            if path.stem not in self.used or path.suffix != ".pickle":
                path.unlink(missing_ok=True)
                removed += 1
        return removed
