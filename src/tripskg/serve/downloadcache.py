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
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .answercache import volatile


class DownloadCache:
    def __init__(self, folder: Path | None, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max(0, max_bytes) if folder is not None else 0
        self._entries: OrderedDict[str, tuple[Path, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
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
        if key is None or not self.max_bytes:
            return False
        hit = self._entries.get(key)
        if hit is None:
            self.misses += 1
            return False
        link = out_path + ".hit"
        try:
            os.link(hit[0], link)
            os.replace(link, out_path)
        except OSError:  # gone from the disk (or no links there): forget it, run the query
            self._drop(key)
            self.misses += 1
            return False
        finally:  # left when it failed, or when out_path already was this file
            with contextlib.suppress(OSError):
                os.unlink(link)
        self._entries.move_to_end(key)
        self.hits += 1
        return True

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
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._entries[key] = (target, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        path, size = self._entries.pop(key)
        self.bytes -= size
        with contextlib.suppress(OSError):
            path.unlink()  # a response sending it holds its own link

    def clear(self) -> None:
        for key in list(self._entries):
            self._drop(key)
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def files(self) -> list[Path]:
        """The kept files, least recently used first (tests)."""
        return [p for p, _ in self._entries.values()]
