"""Download files kept on disk, for as long as the server serves one build.

A ``download=csv|tsv|json`` of a saved query is written by a worker into a file of the
server's work folder (``serve.api``), every row of it, which can take seconds on a large
store. The build is immutable while served, so the server keeps that file and sends it again
for the same download without running the query. The rules are the answer cache's
(:mod:`.answercache`):

- the cache belongs to the worker pool of one loaded build: a reload (SIGHUP) starts an
  empty one (the old build's work folder, this folder with it, is removed), a SPARQL Update
  empties it before the write, and the server removes it when it stops;
- the key is the whole job (the bound query text and the format), the file it is written
  to aside;
- only complete downloads are kept: the worker answered 200 after writing the whole file.
  A download stopped by the timeout, or that failed, is never kept; nor is the download of
  a query that calls ``SERVICE`` or a function whose value changes from one run to the next;
- disk is bounded (``--download-cache-mb``, least recently used files go first; ``0`` turns
  it off), and one file may take at most half of it.

A kept file is a hard link to the file the worker wrote, made under a temporary name and
renamed into place: no file is ever seen half written. A hit is a new hard link to the kept
file in place of the request's own download file, so a file evicted (or emptied by an
update) while it is being sent is still sent whole, and its blocks are freed when the last
link goes. Responses say ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

from .answer import Answer
from .answercache import SizedLRU, volatile


class DownloadCache(SizedLRU[Path]):
    def __init__(self, folder: Path | None, max_bytes: int) -> None:
        super().__init__(max_bytes if folder is not None else 0)
        self.folder = folder
        self._serial = 0

    @staticmethod
    def key(job: Any) -> str | None:
        """The key of a download job (every field but the file it is written to), or None
        when it is not a download or its file must not be kept."""
        out_path = getattr(job, "out_path", None)
        if out_path is None or getattr(job, "limit", None) is not None:
            return None
        if volatile(str(getattr(job, "text", ""))):
            return None
        return repr(dataclasses.replace(job, out_path=None))

    def _path(self, key: str, out_path: str) -> Path:
        assert self.folder is not None
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return self.folder / (digest + Path(out_path).suffix)

    def _temp(self) -> Path:
        assert self.folder is not None
        self._serial += 1
        return self.folder / f".{os.getpid()}-{self._serial}.part"

    def get(self, key: str | None, out_path: str) -> bool:
        """Put the kept file of ``key`` at ``out_path`` (a new link to it, replacing the file
        there); False when none is kept (a miss: run the query)."""
        kept = self._find(key)
        if kept is None or key is None:
            return False
        link = out_path + ".hit"
        try:
            os.link(kept, link)
            os.replace(link, out_path)
        except OSError:  # gone from the disk (or no links there): forget it, run the query
            self._forget(key)
            self.misses += 1
            return False
        finally:  # left when it failed, or when out_path already was this file
            with contextlib.suppress(OSError):
                os.unlink(link)
        self._used(key)
        return True

    def answer(self, key: str | None, job: Any) -> Answer | None:
        """The answer of the download ``job`` from its kept file, linked at the job's
        ``out_path`` (None: a miss, run the query); as :meth:`.AnswerCache.answer`."""
        if not self.get(key, job.out_path):
            return None
        return Answer(200, path=job.out_path, cached=True)

    def put(self, key: str | None, answer: Any) -> None:
        """Keep the file of a complete download (status 200, written whole by the worker)."""
        if key is None or not self.max_bytes or answer.status != 200 or not answer.path \
                or answer.cached:
            return
        assert self.folder is not None
        try:
            size = os.stat(answer.path).st_size
            if size > self.max_bytes // 2:
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            target, temp = self._path(key, answer.path), self._temp()
            os.link(answer.path, temp)
            try:
                os.replace(temp, target)  # a kept file appears whole, or not at all
            except OSError:
                os.unlink(temp)
                raise
        except OSError:
            return  # not kept (a full disk, no hard links): the download itself is sent
        self._keep(key, target, size)

    def _dropped(self, value: Path) -> None:
        with contextlib.suppress(OSError):
            value.unlink()  # a response sending it holds its own link

    def files(self) -> list[Path]:
        """The kept files, least recently used first (tests)."""
        return [p for p, _ in self._entries.values()]
