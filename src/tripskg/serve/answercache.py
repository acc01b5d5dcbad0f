"""Answers of read queries kept in memory, for as long as the server serves one build.

A build is immutable: the same query over the same store gives the same answer, so the
server keeps the answers it sent (the results document or page, as the worker wrote it) and
sends a repeated request's answer without running the query again. What makes this safe:

- the cache belongs to the worker pool of one loaded build (:class:`~.backend.Backend`): a
  reload (SIGHUP) starts an empty one, and a SPARQL Update empties it before the write;
- the key is the whole job: query text, dataset (``default-graph-uri``/``named-graph-uri``),
  Accept header and format, limit and offset;
- only complete successful answers are kept (status 200, not a file download: those are
  kept on disk, :mod:`.downloadcache`), and never
  the answer of a query that calls ``SERVICE`` or a function whose value changes from one
  run to the next (``NOW``, ``RAND``, ``UUID``, ``STRUUID``, ``BNODE``);
- memory is bounded (``--cache-mb``, least recently used answers go first; ``0`` turns the
  cache off), and one answer may take at most an eighth of it.

Responses say ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Any, Generic, Protocol, TypeVar

from .querytext import tokens, unescape_codepoints

# functions whose value differs between two runs of the same query (SPARQL 1.1 §17.4)
VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE"})
V = TypeVar("V")
CELL_BYTES = 64  # what a cell of a ResultTable is counted as (an RDF term and its text)


class Kept(Protocol):
    """What the cache needs of an answer (``worker.Answer``, a dataclass)."""

    status: int
    body: bytes
    table: Any
    path: str | None
    cached: bool


def volatile(query: str) -> bool:
    """Whether a query calls SERVICE or a function whose value changes between runs."""
    lowered = query.lower()
    if not any(w.lower() in lowered for w in VOLATILE) and "\\u" not in lowered:
        return False  # most queries: ruled out without tokenizing them
    return any(t.kind == "word" and t.text.upper() in VOLATILE
               for text in {query, unescape_codepoints(query)} for t in tokens(text))


def answer_size(answer: Kept) -> int:
    """Bytes an answer holds: its body, and its result table counted per cell."""
    size = len(answer.body)
    table = answer.table
    if table is not None:
        size += len(table.rows) * max(1, len(table.columns)) * CELL_BYTES
    return size


class SizedLRU(Generic[V]):
    """Values by key, least recently used first, bounded by the sum of their sizes in bytes;
    with hit and miss counts. :meth:`_dropped` is told of every value that goes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def _find(self, key: str | None) -> V | None:
        """The value kept for ``key`` (None: a miss, counted)."""
        hit = self._entries.get(key) if key is not None and self.max_bytes else None
        if hit is None:
            if key is not None and self.max_bytes:
                self.misses += 1
            return None
        return hit[0]

    def _used(self, key: str) -> None:
        """A hit on ``key``: it becomes the most recently used."""
        self._entries.move_to_end(key)
        self.hits += 1

    def _keep(self, key: str, value: V, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
            if old[0] != value:  # (a kept file replaced at the same path is not dropped)
                self._dropped(old[0])
        self._entries[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._forget(next(iter(self._entries)))

    def _forget(self, key: str) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
            self._dropped(old[0])

    def _dropped(self, value: V) -> None:
        """A value evicted, replaced or cleared."""

    def clear(self) -> None:
        for key in list(self._entries):
            self._forget(key)
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


class AnswerCache(SizedLRU[Kept]):
    @staticmethod
    def key(job: Any) -> str | None:
        """The key of a job (its fields), or None when its answer must not be kept."""
        if getattr(job, "out_path", None) is not None:
            return None
        text = str(getattr(job, "query", None) or getattr(job, "text", ""))
        if volatile(text):
            return None
        return repr(job)

    def get(self, key: str | None) -> Kept | None:
        hit = self._find(key)
        if hit is None or key is None:
            return None
        self._used(key)
        return dataclasses.replace(hit, cached=True)  # type: ignore[type-var]

    def answer(self, key: str | None, job: Any) -> Kept | None:
        """The kept answer of ``job`` (None: run it); as :meth:`.DownloadCache.answer`."""
        return self.get(key)

    def put(self, key: str | None, answer: Kept) -> None:
        if key is None or answer.status != 200 or answer.path is not None:
            return
        size = answer_size(answer)
        if size <= self.max_bytes // 8:
            self._keep(key, answer, size)
