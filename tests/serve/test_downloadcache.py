"""The download cache (serve/downloadcache.py): a repeated ``download=`` of a saved query is
sent from the file kept on disk, the same bytes and headers as when the query runs; only
complete downloads are kept, never half-written files; updates, reloads and the server's
stop empty it; bounded on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.support.servers import ServerProcess
from tripskg.serve.downloadcache import DownloadCache
from tripskg.serve.worker import Answer, SelectJob, SparqlJob, Timeout, WorkerPool

from .test_worker_pool import _store

TOKEN = "download-token"
QUERY = "/api/queries/activities-in-period"
ALL = {"kind": "all", "from": "1990-01-01", "to": "2030-01-01"}
PLAIN = {"Accept-Encoding": "identity"}  # Content-Length as sent (no gzip on the way)
SAME_HEADERS = ("content-type", "content-disposition", "content-length")
REPORTS = "SELECT ?r WHERE { ?r a <https://w3id.org/tripskg/def/Report> } ORDER BY ?r"


# ------------------------------------------------------------------ the cache alone
def test_the_key_is_the_job_without_its_file() -> None:
    key = DownloadCache.key
    assert key(SelectJob(REPORTS, None, "csv", out_path="/a/x.csv")) == key(
        SelectJob(REPORTS, None, "csv", out_path="/b/y.csv"))
    assert len({key(SelectJob(REPORTS, None, fmt, out_path="/a/x")) for fmt in (
        "csv", "tsv", "json")} | {key(SelectJob(REPORTS + " ", None, "csv", out_path="/a/x"))}
               ) == 4
    assert key(SelectJob(REPORTS, None, "csv")) is None  # not a download
    assert key(SparqlJob(REPORTS)) is None
    for volatile in ("SELECT (NOW() AS ?t) {}", "SELECT (\\u0052AND() AS ?x) {}",
                     "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"):
        assert key(SelectJob(volatile, None, "csv", out_path="/a/x.csv")) is None


def _written(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_least_recently_used_files_go_first_and_disk_is_bounded(tmp_path: Path) -> None:
    work = tmp_path / "downloads"
    work.mkdir()
    cache = DownloadCache(tmp_path / "kept", 4_000)
    for i in range(6):
        cache.put(f"k{i}", Answer(200, path=_written(work, f"{i}.csv", b"x" * 900)))
        assert cache.get("k0", str(work / "out.csv"))  # k0 stays: it is used every time
    assert cache.bytes <= 4_000 and len(cache) == 4
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == sorted(
        p.name for p in cache.files())  # evicted files are gone from the disk
    assert not cache.get("k1", str(work / "out.csv")) and cache.get("k5", str(work / "o.csv"))
    cache.put("big", Answer(200, path=_written(work, "big.csv", b"x" * 2_001)))  # over half
    assert not cache.get("big", str(work / "out.csv"))
    for status in (400, 500, 503):
        cache.put(f"s{status}", Answer(status, path=_written(work, "e.csv", b"partial")))
        assert not cache.get(f"s{status}", str(work / "out.csv"))
    off = DownloadCache(tmp_path / "off", 0)
    off.put("k", Answer(200, path=_written(work, "k.csv", b"x")))
    assert not off.get("k", str(work / "out.csv")) and not (tmp_path / "off").exists()


def test_a_file_evicted_while_it_is_sent_is_still_sent_whole(tmp_path: Path) -> None:
    work = tmp_path / "downloads"
    work.mkdir()
    cache = DownloadCache(tmp_path / "kept", 10_000)
    data = os.urandom(3_000)
    cache.put("k", Answer(200, path=_written(work, "first.csv", data)))
    os.unlink(work / "first.csv")  # the first response was sent
    sending = _written(work, "second.csv", b"")  # the request's own (empty) file
    assert cache.get("k", sending)
    with open(sending, "rb") as fh:  # a response sending it
        head = fh.read(1_000)
        cache.clear()  # an update, or eviction
        assert not list((tmp_path / "kept").iterdir())
        assert head + fh.read() == data
    assert Path(sending).read_bytes() == data  # the link the response removes afterwards
    assert not cache.get("k", sending)


# ------------------------------------------------------------------ real workers
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
ROWS = "SELECT ?a ?c ?e ?g WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


def test_downloads_cut_by_the_timeout_are_never_kept(tmp_path: Path) -> None:
    path = _store(tmp_path / "store", 150)  # ROWS: 500M rows, written until the timeout
    work = tmp_path / "downloads"
    work.mkdir()

    async def scenario() -> dict[str, Any]:
        pool = WorkerPool(path, size=1, spare=1, spare_seconds=0.2,
                          download_dir=tmp_path / "kept", download_bytes=10**9)
        await pool.start()
        out: dict[str, Any] = {}
        try:
            cut = str(work / "cut.tsv")
            with contextlib.suppress(Timeout):
                await pool.run(SelectJob(ROWS, None, "tsv", out_path=cut), timeout=1.0)
                out["cut"] = "answered"
            out["cut_kept"], out["cut_size"] = len(pool.downloads), os.path.getsize(cut)
            # a query too long for the spare (0.2 s), written by a regular worker instead
            whole = [await pool.run(SelectJob(COUNT, None, "csv",
                                              out_path=str(work / f"{i}.csv")), timeout=30)
                     for i in range(2)]
            out["whole"] = whole
            out["kept"] = [p.read_bytes() for p in pool.downloads.files()]
            await pool.drain()  # an update: emptied
            out["after_drain"] = len(pool.downloads), list((tmp_path / "kept").iterdir())
        finally:
            pool.close()
        return out

    out = asyncio.run(scenario())
    assert "cut" not in out and out["cut_kept"] == 0 and out["cut_size"] > 0  # written, cut
    first, again = out["whole"]
    assert (first.status, first.cached, again.status, again.cached) == (200, False, 200, True)
    body = Path(first.path).read_bytes()
    assert body.splitlines()[1] == str(150 ** 3).encode()
    assert Path(again.path).read_bytes() == body and out["kept"] == [body]
    assert out["after_drain"] == (0, [])


# ------------------------------------------------------------------ a running server
def _server(dist: Path, tmp: Path, *args: str) -> ServerProcess:
    """A server whose work folder is under ``tmp`` (TMPDIR), to see its kept files."""
    tmp.mkdir(parents=True, exist_ok=True)
    return ServerProcess(dist, free_port(), list(args), env={"TMPDIR": str(tmp)}).start()


def _kept(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("tripskg-serve-*/kept-downloads/*"))


@pytest.fixture(scope="module")
def servers(small_dist: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[str, str, Path]]:
    """A server as installed (2 workers, updates allowed), one with --download-cache-mb 0,
    and the folder the first one keeps its work folder in."""
    tmp = tmp_path_factory.mktemp("dlcache")
    cached = _server(small_dist, tmp / "cached", "--workers", "2", "--write-token", TOKEN)
    try:
        plain = _server(small_dist, tmp / "plain", "--workers", "1", "--download-cache-mb", "0")
    except BaseException:
        cached.stop()
        raise
    yield cached.url, plain.url, tmp / "cached"
    cached.stop()
    plain.stop()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_a_repeated_download_is_a_hit_with_the_same_bytes_and_headers(
        servers: tuple[str, str, Path], fmt: str) -> None:
    cached, plain, tmp = servers
    params = {**ALL, "from": "1990-01-02", "download": fmt}  # a job no other test asks for
    with httpx.Client(base_url=cached, timeout=60, headers=PLAIN) as c, \
            httpx.Client(base_url=plain, timeout=60, headers=PLAIN) as p:
        first, again = c.get(QUERY, params=params), c.get(QUERY, params=params)
        direct, direct_again = p.get(QUERY, params=params), p.get(QUERY, params=params)
    assert {r.status_code for r in (first, again, direct, direct_again)} == {200}
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert (direct.headers["x-cache"], direct_again.headers["x-cache"]) == ("miss", "miss")
    assert first.content == again.content == direct.content
    assert direct.content.count(b"/id/activity/") >= 5  # every row
    for h in SAME_HEADERS:
        assert first.headers[h] == again.headers[h] == direct.headers[h], h
    assert int(again.headers["content-length"]) == len(again.content)
    assert "attachment" in again.headers["content-disposition"]
    kept = _kept(tmp)
    assert f".{fmt}" in {p.suffix for p in kept} and not any(
        p.name.endswith((".part", ".hit")) for p in kept)
    assert not list((tmp / "plain").glob("tripskg-serve-*/kept-downloads/*"))


def test_identical_downloads_at_the_same_time_all_succeed(
        servers: tuple[str, str, Path]) -> None:
    cached, plain, _ = servers
    params = {"kind": "all", "from": "1991-01-01", "to": "2029-12-31", "download": "csv"}
    expected = httpx.get(plain + QUERY, params=params, timeout=60).content

    def get(_: int) -> httpx.Response:
        return httpx.get(cached + QUERY, params=params, timeout=60, headers=PLAIN)

    for _ in range(2):  # all at once on a miss; then hits and misses mixed with a new key
        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            got = list(ex.map(get, range(6)))
        assert [r.status_code for r in got] == [200] * 6
        assert all(r.content == expected for r in got)
        assert all(int(r.headers["content-length"]) == len(expected) for r in got)
    assert got[0].headers["x-cache"] == "hit"
    assert httpx.get(cached + QUERY, params=params, timeout=60).headers["x-cache"] == "hit"


def test_an_update_empties_the_kept_downloads(servers: tuple[str, str, Path]) -> None:
    cached, _, tmp = servers
    params = {**ALL, "from": "1990-01-03", "download": "tsv"}
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    with httpx.Client(base_url=cached, timeout=60) as c:
        c.get(QUERY, params=params)
        assert c.get(QUERY, params=params).headers["x-cache"] == "hit"
        assert _kept(tmp)
        update = f'INSERT DATA {{ GRAPH <urn:dl> {{ <urn:dl:new> <{label}> "new" }} }}'
        r = c.post("/sparql", data={"update": update},
                   headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 204, r.text
        assert _kept(tmp) == []
        after = c.get(QUERY, params=params)
        assert after.status_code == 200 and after.headers["x-cache"] == "miss"
        assert c.get(QUERY, params=params).headers["x-cache"] == "hit"


def test_errors_are_not_kept(servers: tuple[str, str, Path]) -> None:
    cached, _, _ = servers
    with httpx.Client(base_url=cached, timeout=60) as c:
        for params in ({"kind": "all", "from": "not-a-date", "download": "csv"},
                       {**ALL, "download": "xlsx"}):
            assert {c.get(QUERY, params=params).status_code for _ in range(2)} == {400}
        r = c.get("/api/queries/no-such-query", params={"download": "csv"})
        assert r.status_code == 404


@pytest.mark.slow
def test_a_reload_starts_afresh_and_the_stop_removes_the_files(
        small_dist: Path, tmp_path: Path) -> None:
    srv = _server(small_dist, tmp_path, "--timeout", "1", "--workers", "1")
    params = {**ALL, "download": "csv"}
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            c.get(QUERY, params=params)
            assert c.get(QUERY, params=params).headers["x-cache"] == "hit"
            assert len(_kept(tmp_path)) == 1
            assert srv.proc is not None
            os.kill(srv.proc.pid, signal.SIGHUP)
            deadline = time.monotonic() + 120
            while "reloaded" not in srv.log.read_text():
                assert time.monotonic() < deadline, "the server did not reload"
                time.sleep(0.2)
            r = c.get(QUERY, params=params)
            assert r.status_code == 200 and r.headers["x-cache"] == "miss"
            deadline = time.monotonic() + 30  # the old build closes after timeout + 5 s
            while len(list(tmp_path.glob("tripskg-serve-*"))) > 1:
                assert time.monotonic() < deadline, "the old build's work folder stayed"
                time.sleep(0.2)
            assert len(_kept(tmp_path)) == 1
            assert c.get(QUERY, params=params).headers["x-cache"] == "hit"
    finally:
        srv.stop()
    assert list(tmp_path.glob("tripskg-serve-*")) == []


SAME = ('SELECT ?a ?c ?e WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f '
        'FILTER(CONCAT(?b, "|", ?d, "|", ?f) = CONCAT(?d, "|", ?f, "|", ?b)) }')  # ~3 s


@pytest.mark.slow
def test_a_download_too_long_for_the_spare_is_written_whole_by_a_regular_worker(
        tmp_path: Path) -> None:
    """The spare worker is stopped before the regular one writes the same file again: the
    file kept is the regular worker's, whole."""
    path = _store(tmp_path / "store", 150)
    out_path = str(tmp_path / "same.tsv")

    async def scenario() -> tuple[Answer, int, list[bytes]]:
        pool = WorkerPool(path, size=1, spare=1, spare_seconds=0.3,
                          download_dir=tmp_path / "kept", download_bytes=10**9)
        await pool.start()
        try:
            endless = asyncio.create_task(pool.run(SparqlJob(COUNT.replace(
                "?e ?r ?f", "?e ?r ?f . ?g ?s ?h . ?i ?t ?j")), timeout=1.5))
            await asyncio.sleep(0.7)  # the regular worker has been stuck for 0.5 s
            answer = await pool.run(SelectJob(SAME, None, "tsv", out_path=out_path), 30)
            with contextlib.suppress(Timeout):
                await endless
            return answer, pool.killed, [p.read_bytes() for p in pool.downloads.files()]
        finally:
            pool.close()

    answer, killed, kept = asyncio.run(scenario())
    assert answer.status == 200 and killed == 2
    lines = Path(out_path).read_bytes().decode().splitlines()
    assert lines[0] == "?a\t?c\t?e" and len(lines) == 151
    assert sorted(lines[1:]) == sorted("\t".join([f"<urn:s{i}>"] * 3) for i in range(150))
    assert kept == [Path(out_path).read_bytes()]
