"""The served dataset: the store (on disk, read-only), query workers, caches and search index."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

import pyoxigraph as ox

from ..errors import TripsKGError
from ..iris import IRIs
from ..queries import SavedQuery, load_queries
from ..querystore import bulk_load_store, open_query_store
from ..reference import Reference, load_reference
from ..vocab import DEFAULT_BASE, RDF, SCHEMA, SKOS
from ..web.formats import FILE_TYPES
from ..web.home import ClassCount, Download, HomeData, class_counts, home_data, list_members
from ..web.views import (
    DESCRIPTION_PREDICATES,
    LABEL_PREDICATES,
    Namer,
    StoreView,
    Term,
    first_label,
)
from .worker import WorkerPool


@dataclass
class Config:
    dist: Path
    base: str | None = None
    timeout: float = 10.0
    limit: int = 10_000
    write_token: str | None = None
    workers: int = 2
    check: bool = False  # POST /check (docs/releases.md)
    check_max_bytes: int = 2_000_000
    allow_service: tuple[str, ...] = ()  # SERVICE endpoints a query may call (none by default)
    cache_mb: int = 256  # memory for answers kept per build (serve.answercache; 0: none)
    download_cache_mb: int = 1024  # disk for download files kept per build (downloadcache)


@dataclass
class SearchHit:
    iri: str
    label: str
    kind: str
    snippet: str

    @property
    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, highlighted) pieces."""
        out: list[tuple[str, bool]] = []
        for i, piece in enumerate(self.snippet.split("\x02")):
            if i == 0:
                out.append((piece, False))
                continue
            hit, _, rest = piece.partition("\x03")
            out += [(hit, True), (rest, False)]
        return [(t, h) for t, h in out if t]


@dataclass
class Backend:
    config: Config
    base: str = DEFAULT_BASE
    build: dict[str, object] = field(default_factory=dict)
    workdir: Path | None = None
    store: ox.Store | None = None
    view: StoreView | None = None
    pool: WorkerPool | None = None
    queries: dict[str, SavedQuery] = field(default_factory=dict)
    reference: Reference | None = None
    home: HomeData | None = None
    classes: list[ClassCount] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    last_modified: str = ""
    dist: Path = Path()  # the resolved build folder that was loaded
    build_id: str = ""
    search_db: sqlite3.Connection | None = None
    # the SPARQL service description by endpoint URL (serve.protocol; renewed with the caches)
    service_descriptions: dict[str, list[ox.Triple]] = field(default_factory=dict)
    loaded_from: str = ""  # the build's query store, or the dump and why (_copy_store)
    _members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ start and stop
    @staticmethod
    def check_dist(dist: Path) -> None:
        if not (dist / "tripskg.nq.gz").is_file():
            raise TripsKGError(f"'{dist}' holds no build (tripskg.nq.gz is missing)",
                               hint="run 'tripskg build' first, or pass --dist DIR")

    def load(self) -> None:
        """Blocking part of the start: the store (see _copy_store), caches.

        ``dist`` is resolved once (it is usually a symbolic link that ``tripskg build`` swaps):
        downloads come from the build that was loaded until the server reloads (SIGHUP)."""
        self.dist = dist = self.config.dist.resolve()
        self.check_dist(dist)
        build_json = dist / "build.json"
        if build_json.is_file():
            self.build = json.loads(build_json.read_text(encoding="utf-8"))
        self.base = IRIs(self.config.base or str(self.build.get("base") or DEFAULT_BASE)).base
        self.workdir = Path(tempfile.mkdtemp(prefix="tripskg-serve-"))
        self.loaded_from = self._copy_store(dist, self.workdir / "store")
        self._open_read_only()
        self.queries = load_queries()
        self.reference = load_reference(self.base)
        self._read_downloads()
        self.refresh_caches()

    @staticmethod
    def _copy_store(dist: Path, target: Path) -> str:
        """The served store at ``target``: a checkpoint of the build's query store when it is
        fresh (hard links where it can: about a second at any size, and a later build that
        prunes this one takes nothing from the server), else the dump bulk-loaded. Returns
        which, and why."""
        built = open_query_store(dist)
        if isinstance(built, ox.Store):
            built.backup(str(target))
            del built
            return "the build's query store"
        with gzip.open(dist / "tripskg.nq.gz", "rb") as fh:
            bulk_load_store(target, fh)  # type: ignore[arg-type]
        return f"the dump ({built})"

    def _open_read_only(self) -> None:
        assert self.workdir is not None
        self.store = ox.Store.read_only(str(self.workdir / "store"))
        self.view = StoreView(self.store, self.base)

    @property
    def store_path(self) -> str:
        assert self.workdir is not None
        return str(self.workdir / "store")

    async def start(self) -> None:
        await asyncio.to_thread(self.load)
        assert self.workdir is not None
        self.pool = WorkerPool(self.store_path, self.config.workers,
                               cache_bytes=self.config.cache_mb * 1_000_000,
                               download_dir=self.workdir / "kept-downloads",
                               download_bytes=self.config.download_cache_mb * 1_000_000)
        await self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.store = None
        self.view = None
        if self.search_db is not None:
            self.search_db.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ caches
    def _read_downloads(self) -> None:
        dist = self.dist
        sums: dict[str, str] = {}
        sums_file = dist / "SHA256SUMS"
        if sums_file.is_file():
            for line in sums_file.read_text(encoding="utf-8").splitlines():
                if "  " in line:
                    digest, name = line.split("  ", 1)
                    sums[name] = digest
        self.build_id = hashlib.sha256(
            sums_file.read_bytes() if sums_file.is_file()
            else str((dist / "tripskg.nq.gz").stat().st_mtime).encode()).hexdigest()[:16]
        downloads = []
        for name in sorted(sums):
            p = dist / name
            if "/" in name or p.is_symlink() or not p.is_file():
                continue  # never a file outside dist/ (a symbolic link listed in SHA256SUMS)
            suffix = p.suffix
            downloads.append(Download(name, p.stat().st_size, sums[name],
                                      FILE_TYPES.get(suffix, "application/octet-stream")))
        if "SHA256SUMS" not in sums and sums_file.is_file():
            downloads.append(Download("SHA256SUMS", sums_file.stat().st_size, "", "text/plain"))
        self.downloads = downloads
        built = self.build.get("built")
        ts = None
        if isinstance(built, str):
            try:
                ts = time.mktime(time.strptime(built, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
            except ValueError:
                ts = None
        if ts is None:
            ts = (dist / "tripskg.nq.gz").stat().st_mtime
        self.last_modified = formatdate(ts, usegmt=True)

    def refresh_caches(self) -> None:
        assert self.store is not None and self.view is not None
        self.view.clear()
        self._members.clear()
        self.service_descriptions.clear()
        self.classes = class_counts(self.store, self.view)
        self.home = home_data(self.store, self.view, self.build, self.downloads, self.classes)
        self.build_search_index()

    def members(self, cls: str) -> list[tuple[str, str]]:
        with self._lock:
            if cls not in self._members:
                assert self.store is not None and self.view is not None
                self._members[cls] = list_members(self.store, self.view, cls)
            return self._members[cls]

    def class_by_slug(self, slug: str) -> ClassCount | None:
        return next((c for c in self.classes if c.slug == slug), None)

    def class_by_iri(self, iri: str) -> ClassCount | None:
        return next((c for c in self.classes if c.iri == iri), None)

    # ------------------------------------------------------------------ full-text search
    def build_search_index(self) -> None:
        assert self.store is not None and self.view is not None and self.workdir is not None
        if self.search_db is not None:
            self.search_db.close()
        path = self.workdir / "search.sqlite"
        path.unlink(missing_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False)
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(iri UNINDEXED, label, body, kind, "
                   "tokenize='unicode61 remove_diacritics 2')")
        rows = search_rows(self.store, self.view, self.base)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
        db.commit()
        self.search_db = db

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        tokens = re.findall(r"\w+", text)[:12]
        if not tokens or self.search_db is None:
            return []
        match = " ".join(f'"{t}"*' for t in tokens)
        with self._lock:
            cur = self.search_db.execute(
                "SELECT iri, label, kind, snippet(docs, 2, '\x02', '\x03', ' … ', 16) "
                "FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 10.0, 1.0, 0.5) LIMIT ?",
                (match, limit))
            return [SearchHit(*row) for row in cur.fetchall()]

    # ------------------------------------------------------------------ updates
    async def update(self, text: str, base_iri: str | None = None) -> None:
        """Run a SPARQL update (only with a write token): stop the readers, write, restart.
        Relative IRIs resolve against ``base_iri``."""
        assert self.pool is not None
        taken = await self.pool.drain()
        for w in taken:
            self.pool.workers.discard(w)
            await asyncio.to_thread(w.kill)
        error: Exception | None = None

        def write() -> None:
            nonlocal error
            self.store = None
            self.view = None
            writer = ox.Store(self.store_path)
            try:
                writer.update(text, base_iri=base_iri)
                writer.flush()
            except (SyntaxError, ValueError, OSError) as e:
                error = e
            del writer
            self._open_read_only()
            self.refresh_caches()

        await asyncio.to_thread(write)
        await self.pool.start()
        if error is not None:
            raise error


SearchRow = tuple[str, str, str, str]  # IRI, label, texts, kinds


def search_rows(store: ox.Store, view: StoreView, base: str) -> list[SearchRow]:
    """The rows of the search index: each IRI of the dataset (``id/``, ``def/``) with a label,
    alternative label, notation or description, its label (as :class:`Namer` gives it), its
    texts and the labels of its types. One scan of the store per predicate: an IRI-by-IRI
    lookup of labels and types took minutes at a million activities."""
    texts: dict[str, list[str]] = {}
    labels: dict[str, list[tuple[str, Term]]] = {}  # IRI -> its label predicates' literals
    preds = (*LABEL_PREDICATES, SKOS + "altLabel", SKOS + "notation",
             *DESCRIPTION_PREDICATES, SCHEMA + "text")
    ns = (base + "id/", base + "def/")
    for pred in preds:
        is_label = pred in LABEL_PREDICATES
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None):
            s, o = q.subject, q.object
            if isinstance(s, ox.NamedNode) and s.value.startswith(ns) and isinstance(
                    o, ox.Literal):
                bucket = texts.setdefault(s.value, [])
                if o.value not in bucket:
                    bucket.append(o.value)
                if is_label:
                    labels.setdefault(s.value, []).append((pred, o))
    types: dict[str, set[str]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None):
        s, o = q.subject, q.object
        if isinstance(s, ox.NamedNode) and s.value in texts and isinstance(o, ox.NamedNode):
            types.setdefault(s.value, set()).add(o.value)
    namer = Namer(view)

    def label(iri: str) -> str:  # as Namer.label, from the literals read above
        text = first_label(labels.get(iri, ()), namer.langs)
        return namer.label(iri) if text is None else text

    return [(iri, label(iri), " · ".join(texts[iri]),
             ", ".join(sorted({namer.label(t) for t in types.get(iri, ())})))
            for iri in sorted(texts)]
