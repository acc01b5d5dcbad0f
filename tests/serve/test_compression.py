"""Large answers are gzip-compressed once, in the query worker, for clients that accept gzip
(serve/worker.py ``compressed``): the answer cache keeps the compressed bytes, so a repeated
request is sent as kept; the same document as for a client that does not accept gzip."""

from __future__ import annotations

import gzip

import httpx
import pytest

from tripskg.serve.worker import GZIP_MIN_BYTES, Answer, compressed
from tripskg.web.formats import accepts_gzip

MANY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 300"
ONE = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1"
GZ = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize(("header", "ok"), [
    ("gzip", True), ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True),
    ("*", True), ("x-gzip", True), ("GZIP", True),
    (None, False), ("", False), ("identity", False), ("br", False), ("gzip;q=0", False),
    ("gzip; q=0.000", False), ("*;q=0", False),
    ("gzip;q=0, *", False),  # gzip named: its own q-value counts, not the wildcard's
    ("identity, *;q=0.1", True),
])
def test_accept_encoding(header: str | None, ok: bool) -> None:
    assert accepts_gzip(header) is ok


def test_only_large_successful_bodies_are_compressed() -> None:
    body = b'{"x": 1}' * GZIP_MIN_BYTES
    big = compressed(Answer(200, body=body))
    assert big.encoding == "gzip" and gzip.decompress(big.body) == body
    assert big.headers() == {"Content-Encoding": "gzip"}
    assert compressed(Answer(200, body=body)).body == big.body  # the same bytes every time
    for answer in (Answer(200, body=b"x" * (GZIP_MIN_BYTES - 1)), Answer(400, body=body),
                   Answer(200, path="/tmp/x.csv")):
        assert compressed(answer) is answer and answer.headers() == {}


def _raw(c: httpx.Client, url: str, **kw: object) -> tuple[httpx.Response, bytes]:
    with c.stream("GET", url, **kw) as r:  # type: ignore[arg-type]
        return r, b"".join(r.iter_raw())


def test_sparql_answers_are_sent_compressed_and_kept_compressed(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as c:
        for accept in ("application/sparql-results+json", "text/csv"):
            h = {"Accept": accept}
            first, raw = _raw(c, "/sparql", params={"query": MANY}, headers={**h, **GZ})
            again, raw_again = _raw(c, "/sparql", params={"query": MANY}, headers={**h, **GZ})
            plain, body = _raw(c, "/sparql", params={"query": MANY}, headers={**h, **PLAIN})
            assert first.status_code == again.status_code == plain.status_code == 200
            assert first.headers["content-encoding"] == "gzip"
            assert again.headers["x-cache"] == "hit" and raw_again == raw
            assert int(first.headers["content-length"]) == len(raw)
            assert "content-encoding" not in plain.headers and len(body) > len(raw)
            assert gzip.decompress(raw) == body  # the same document either way
            assert "accept-encoding" in first.headers["vary"].lower()
            assert "accept-encoding" in plain.headers["vary"].lower()
        small, raw = _raw(c, "/sparql", params={"query": ONE}, headers=GZ)
        assert "content-encoding" not in small.headers and raw.startswith(b"{")


def test_api_documents_are_compressed_pages_and_rows_too(server: str) -> None:
    params = {"kind": "all", "limit": "200"}
    with httpx.Client(base_url=server, timeout=30) as c:
        for fmt in ("json", "csv"):
            p = {**params, "format": fmt}
            gz, raw = _raw(c, "/api/queries/reports", params=p, headers=GZ)
            plain, body = _raw(c, "/api/queries/reports", params=p, headers=PLAIN)
            assert gz.status_code == plain.status_code == 200
            assert len(body) >= GZIP_MIN_BYTES, fmt  # large enough to be compressed
            assert gz.headers["content-encoding"] == "gzip"
            assert gzip.decompress(raw) == body
            assert gz.headers.get("link") == plain.headers.get("link")
        # the rows shape is written by the web process (GZipMiddleware compresses it there)
        rows = c.get("/api/queries/reports", params={**params, "shape": "rows"}, headers=GZ)
        assert rows.status_code == 200 and rows.json()["columns"]
        # errors are never compressed bodies of the worker
        bad = c.get("/sparql", params={"query": "SELECT ?s WHERE {"}, headers=GZ)
        assert bad.status_code == 400 and "malformed" in bad.text.lower()
