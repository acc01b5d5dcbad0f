"""Side by side: ``tripskg serve`` (as installed, with its answer cache, and with
``--cache-mb 0``, where every request runs its query) against Oxigraph's own server (``oxigraph serve-read-only
--union-default-graph``, PyPI ``oxigraph``) and Virtuoso 7 (loaded with ``tripskg push
--bulk``), on the same build, with the same saved queries bound as ``tripskg query`` binds
them, sent as SPARQL protocol requests (POST, results JSON) to each engine in turn.

Per query: the median of ``reps`` calls per engine, engines interleaved call by call. Mixed
load: at each concurrency, rounds of ``window`` seconds per engine, the engine order rotated
each round; requests/s, errors and latency percentiles per engine, the median round reported.
The first call of each query is kept apart (cold: no answer kept yet). Also on both
tripskg servers: the first page of each saved query through the API (p95, and the first call)
and the whole ``activities-by-treaty`` listing as one CSV download (and once more: the file
kept). Run as ``run.py child sidebyside``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .common import ROOT, TRIPSKG, bound_queries, first_report_iri, percentile
from .processes import Server, free_port, group_cpu_s, start_server, vm_hwm_kb

ENGINES = ("tripskg", "tripskg-nocache", "oxigraph", "virtuoso")
JSON_RESULTS = "application/sparql-results+json"
SLOW_MS = 2_000.0  # a call this slow is not repeated as often (make bench keeps to 15 min)


def _probe(url: str) -> urllib.request.Request:
    q = urllib.parse.urlencode({"query": "ASK {}"})
    return urllib.request.Request(f"{url}?{q}", headers={"Accept": JSON_RESULTS})


def start_tripskg(dist: Path, work: Path, cache: bool = True) -> tuple[Server, str]:
    """``tripskg serve`` as installed (its answer cache on), or with ``--cache-mb 0``: every
    request runs its query (the engine-to-engine comparison)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1", "--port", str(port),
           "--timeout", "120", "--limit", "1000000", *([] if cache else ["--cache-mb", "0"])]
    log = work / ("tripskg.log" if cache else "tripskg-nocache.log")
    return start_server(cmd, _probe(url + "/sparql"), url, 300, log), url + "/sparql"


def start_tripskg_nocache(dist: Path, work: Path) -> tuple[Server, str]:
    return start_tripskg(dist, work, cache=False)


def start_oxigraph(dist: Path, work: Path) -> tuple[Server, str]:
    exe = Path(sys.executable).with_name("oxigraph")
    if not exe.exists():
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    nq = work / "oxigraph.nq"
    with gzip.open(dist / "tripskg.nq.gz", "rb") as src, nq.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    store = work / "oxigraph-store"
    subprocess.run([str(exe), "load", "--location", str(store), "--file", str(nq),
                    "--lenient"], check=True, capture_output=True, timeout=1200)
    nq.unlink()
    port = free_port()
    cmd = [str(exe), "serve-read-only", "--location", str(store), "--bind",
           f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", "120"]
    url = f"http://127.0.0.1:{port}/query"
    return start_server(cmd, _probe(url), url, 120, work / "oxigraph.log"), url


def start_virtuoso(dist: Path, work: Path) -> tuple[Any, str]:
    sys.path.insert(0, str(ROOT))
    from tests.support.virtuoso import Virtuoso, available

    if not available():
        raise RuntimeError("virtuoso-t / isql-vt are not installed")
    bulk = work / "virtuoso-bulk"
    subprocess.run([TRIPSKG, "-q", "push", "--bulk", str(bulk), "--dist", str(dist)],
                   check=True, capture_output=True, timeout=1200)
    v = Virtuoso.start(work / "virtuoso", dirs_allowed=(bulk,))
    try:
        v.isql_file(bulk / "load.isql", timeout=1800)
    except BaseException:
        v.stop()
        raise
    return v, v.sparql_url


def _rss_kb(server: Any) -> int:
    pid = server.proc.pid
    return sum(vm_hwm_kb(pid).values())


async def _ask(client: Any, url: str, text: str) -> tuple[float, int | None, str | None]:
    import httpx

    t0 = time.perf_counter()
    try:
        r = await client.post(url, data={"query": text}, headers={"Accept": JSON_RESULTS})
        if r.status_code != 200:
            return (time.perf_counter() - t0) * 1000, None, \
                f"HTTP {r.status_code}: {' '.join(r.text.split())[:160]}"
        n = len(r.json()["results"]["bindings"])
    except (httpx.HTTPError, ValueError, KeyError) as e:
        return (time.perf_counter() - t0) * 1000, None, f"{type(e).__name__}: {str(e)[:100]}"
    return (time.perf_counter() - t0) * 1000, n, None


async def per_query(urls: dict[str, str], mix: list[tuple[str, str]], reps: int
                    ) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=180, trust_env=False) as client:
        for name, text in mix:
            times: dict[str, list[float]] = {e: [] for e in urls}
            first: dict[str, float] = {}
            rows: dict[str, int | None] = {}
            errors: dict[str, str] = {}
            for i in range(reps + 1):  # the first call of each engine warms it up
                order = list(urls)[i % len(urls):] + list(urls)[:i % len(urls)]
                if i > 1 and max(first.values(), default=0) > SLOW_MS:
                    break  # a slow query: one timed call after the first (the time budget)
                for e in order:
                    ms, n, err = await _ask(client, urls[e], text)
                    if err:
                        errors[e] = err
                    elif i:
                        times[e].append(ms)
                    else:
                        first[e] = ms  # cold: the answer cache has not seen it yet
                    rows.setdefault(e, n)
            out[name] = {"median_ms": {e: statistics.median(t) if t else None
                                       for e, t in times.items()},
                         "first_ms": first, "rows": rows, "errors": errors}
    return out


async def mixed(url: str, mix: list[tuple[str, str]], concurrency: int, window: float,
                seed: int, pgid: int | None = None) -> dict[str, Any]:
    """Requests/s, latency and errors of one round; with ``pgid`` (the server's process
    group), also the CPU seconds its processes used during the round."""
    import httpx

    rng = random.Random(seed)
    cpu0 = group_cpu_s(pgid) if pgid else None
    lat: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    deadline = t0 + window

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            _, text = mix[rng.randrange(len(mix))]
            ms, _, err = await _ask(client, url, text)
            if err:
                errors.append(err)
            else:
                lat.append(ms)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=180, trust_env=False) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    cpu = group_cpu_s(pgid) - cpu0 if pgid and cpu0 is not None else None
    return {"rps": len(lat) / elapsed, "errors": len(errors), "error_samples": errors[:3],
            "cpu_s": cpu, "elapsed_s": elapsed,
            "p50_ms": statistics.median(lat) if lat else None,
            "p95_ms": percentile(lat, 0.95) if lat else None, "requests": len(lat)}


async def api_extras(base: str, data: Path, report: str, reps: int, csv: bool = True
                     ) -> dict[str, Any]:
    """tripskg only: the first page (limit=100) of every saved query through the API, and
    the whole activities-by-treaty listing as one CSV download, then the same download
    again (the file the server kept)."""
    import httpx

    from tripskg.queries import load_queries

    from .common import WHOLE_DOWNLOAD, query_args

    pages: dict[str, list[float]] = {}
    cold: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=base, timeout=180, trust_env=False) as client:
        for name, saved in load_queries().items():
            params = {**query_args(saved, report), "limit": "100"}
            for i in range(reps + 1):
                if i > 1 and cold.get(name, 0) > SLOW_MS and max(pages.get(name, [0])) > SLOW_MS:
                    break  # slow every time (no answer kept): one timed call is enough
                t0 = time.perf_counter()
                r = await client.get(f"/api/queries/{name}", params=params)
                ms = (time.perf_counter() - t0) * 1000
                if r.status_code == 200 and i:
                    pages.setdefault(name, []).append(ms)
                elif r.status_code == 200:
                    cold[name] = ms
        full: dict[str, Any] | None = None
        full_again: dict[str, Any] | None = None
        if csv:
            treaty = {**query_args(load_queries()[WHOLE_DOWNLOAD], report),
                      "download": "csv"}
            t0 = time.perf_counter()
            r = await client.get(f"/api/queries/{WHOLE_DOWNLOAD}", params=treaty)
            full = {"status": r.status_code, "s": time.perf_counter() - t0,
                    "rows": max(0, r.text.count("\n") - 1)}
            # the same download again: sent from the file kept the first time (X-Cache: hit)
            t0 = time.perf_counter()
            again = await client.get(f"/api/queries/{WHOLE_DOWNLOAD}", params=treaty)
            full_again = {"status": again.status_code, "s": time.perf_counter() - t0,
                          "rows": max(0, again.text.count("\n") - 1),
                          "cache": again.headers.get("x-cache"),
                          "same_bytes": again.content == r.content}
    every = [ms for v in pages.values() for ms in v]
    return {"first_page_p95_ms": {k: percentile(v, 0.95) for k, v in pages.items()},
            "first_page_cold_ms": cold,
            "first_page_p95_all_ms": percentile(every, 0.95) if every else None,
            "full_csv": full, "full_csv_again": full_again}


def child_sidebyside(a: argparse.Namespace) -> dict[str, Any]:
    dist, data = Path(a.dist), Path(a.data)
    work = Path(a.store)  # a scratch folder given by the suite
    work.mkdir(parents=True, exist_ok=True)
    report = first_report_iri(data)
    mix = [(name, text) for name, _, text in bound_queries(report)
           if name != "activities-by-treaty"]  # the whole listing: the variant with a treaty
    out: dict[str, Any] = {"engines": {}, "queries": [n for n, _ in mix]}
    servers: dict[str, Any] = {}
    urls: dict[str, str] = {}
    try:
        for engine, start in (("tripskg", start_tripskg),
                              ("tripskg-nocache", start_tripskg_nocache),
                              ("oxigraph", start_oxigraph), ("virtuoso", start_virtuoso)):
            t0 = time.perf_counter()
            try:
                servers[engine], urls[engine] = start(dist, work)
                out["engines"][engine] = {"ready_s": time.perf_counter() - t0}
            except (RuntimeError, OSError, subprocess.SubprocessError) as err:
                out["engines"][engine] = {"error": f"failed: {err}"[:300]}
        out["per_query"] = asyncio.run(per_query(urls, mix, a.reps))
        # the mixed load sends only the queries every engine answers
        failing = [n for n, q in out["per_query"].items() if q["errors"]]
        out["left_out_of_mix"] = failing
        mix = [(n, t) for n, t in mix if n not in failing] or mix
        rounds: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for c in (1, 8):
            per: dict[str, list[dict[str, Any]]] = {e: [] for e in urls}
            for r in range(a.requests):  # rounds
                order = list(urls)[r % len(urls):] + list(urls)[:r % len(urls)]
                for e in order:
                    per[e].append(asyncio.run(mixed(urls[e], mix, c, a.window, seed=r,
                                                    pgid=servers[e].proc.pid)))
            rounds[str(c)] = per
        out["mixed"] = rounds
        # without the cache: 2 calls after the first, and no CSV download (the first download
        # on the server as installed runs the query: the same measurement)
        for engine, key, reps, csv in (("tripskg", "api", a.per_report, True),
                                       ("tripskg-nocache", "api_nocache", 2, False)):
            if engine in urls:
                base = urls[engine].removesuffix("/sparql")
                out[key] = asyncio.run(api_extras(base, data, report, reps, csv))
        for e, s in servers.items():
            out["engines"][e]["rss_kb"] = _rss_kb(s)
    finally:
        for s in servers.values():
            s.stop()
    return out
