"""What a query worker answers (:mod:`.worker`), and what the answer and download caches keep
(:mod:`.answercache`, :mod:`.downloadcache`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    media_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    truncated: bool = False  # more rows follow (the next page)
    table: Any = None  # queries.ResultTable for SelectJob
    rows: int | None = None  # rows in the answer, when counted
    path: str | None = None  # the results document, written to a file (SelectJob.out_path)
    cached: bool = False  # sent from the answer or download cache, not run again
    encoding: str | None = None  # "gzip": ``body`` is compressed (Content-Encoding)

    def headers(self) -> dict[str, str]:
        """The Content-Encoding of the body, if any; with it, the answer varies with the
        request's Accept-Encoding."""
        return {"Content-Encoding": self.encoding} if self.encoding else {}
