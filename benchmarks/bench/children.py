"""The child processes: each is a fresh interpreter (``run.py child KIND --json OUT``) that measures one thing and writes JSON."""

from __future__ import annotations

import argparse
import gzip
import json
import signal
import statistics
import time
from pathlib import Path
from typing import Any

from .common import MIX_QUERIES, bound_queries, first_report_iri, percentile


# =========================================================================== children
# Each child is a fresh interpreter (`run.py child KIND --json OUT …`) that writes JSON.
def child_floor(a: argparse.Namespace) -> dict[str, Any]:
    """The floor: pyoxigraph bulk load of the N-Triples dump into an in-memory store."""
    import pyoxigraph as ox

    t0 = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=a.nt, format=ox.RdfFormat.N_TRIPLES)
    n = len(store)
    return {"load_s": time.perf_counter() - t0, "triples": n}


def _time_runs(fn: Any, reps: int, budget: float, slow: float) -> list[float]:
    """Run fn until `reps` runs, or `budget` seconds spent (at least 3 runs; 2 when one run
    takes more than `slow` seconds). Returns seconds per run."""
    times: list[float] = []
    spent = 0.0
    while len(times) < reps:
        t0 = time.perf_counter()
        fn()
        dt_ = time.perf_counter() - t0
        times.append(dt_)
        spent += dt_
        least = 2 if dt_ > slow else 3
        if spent >= budget and len(times) >= least:
            break
    return times


def child_queries(a: argparse.Namespace) -> dict[str, Any]:
    """Every saved query in pyoxigraph (store from the dist) or rdflib (Graph from the dump)."""
    report = first_report_iri(Path(a.data))
    queries = bound_queries(report)
    out: dict[str, Any] = {"engine": a.engine, "queries": {}}
    t0 = time.perf_counter()
    if a.engine == "oxigraph":
        from tripskg.queries import load_dist_store, run_local

        store = load_dist_store(Path(a.dist))
        out["load_s"] = time.perf_counter() - t0
        out["triples"] = len(store)
        for name, raw, text in queries:
            t1 = time.perf_counter()
            rows = len(run_local(store, text).rows)  # warm-up, and the row count
            warm = time.perf_counter() - t1
            if warm > a.slow:  # seconds per run: caches do not matter, the warm-up counts
                times = [warm, *_time_runs(lambda t=text: run_local(store, t), 1, 0, a.slow)]
            else:
                times = _time_runs(lambda t=text: run_local(store, t), a.reps, a.budget, a.slow)
            ms = [x * 1000 for x in times]
            out["queries"][name] = {"params": raw, "rows": rows, "runs": len(ms),
                                    "p50": statistics.median(ms), "p95": percentile(ms, 0.95),
                                    "max": max(ms)}
        return out
    import rdflib

    graph = rdflib.Graph()
    with gzip.open(Path(a.dist) / "tripskg.nt.gz", "rb") as fh:
        graph.parse(fh, format="nt")
    out["load_s"] = time.perf_counter() - t0
    out["triples"] = len(graph)

    class Timeout(Exception):
        pass

    def alarm(*_: object) -> None:
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    for name, raw, text in queries:
        entry: dict[str, Any] = {"params": raw}
        times: list[float] = []
        rows = None
        for _ in range(3):
            signal.setitimer(signal.ITIMER_REAL, a.timeout)
            t1 = time.perf_counter()
            try:
                rows = len(list(graph.query(text)))
            except Timeout:
                entry["timeout_s"] = a.timeout
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - t1)
            if sum(times) > a.budget or times[-1] > 1.0:
                break
        if times:
            ms = [x * 1000 for x in times]
            entry.update(rows=rows, runs=len(ms), p50=statistics.median(ms), max=max(ms))
        out["queries"][name] = entry
    return out


def child_validate(a: argparse.Namespace) -> dict[str, Any]:
    """SHACL validation of a built (not yet validated) graph with one engine."""
    from tripskg.build import build_graph
    from tripskg.validate import validate_store

    t0 = time.perf_counter()
    result = build_graph(Path(a.data))
    graph_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    results, _ = validate_store(result.store, result.iris, result.locations,
                                engine=a.engine)
    validate_s = time.perf_counter() - t1
    keys = sorted({(r.severity, r.focus, r.path or "", r.shape or "") for r in results})
    return {"engine": a.engine, "triples": len(result.store), "graph_s": graph_s,
            "validate_s": validate_s, "results": len(results),
            "violations": sum(1 for r in results if r.severity == "Violation"),
            "result_keys": [list(k) for k in keys][:2000]}


def child_api(a: argparse.Namespace) -> dict[str, Any]:
    """/api/queries/<name> against the same bound query run in-process on the same store."""
    import httpx
    import pyoxigraph as ox

    from tripskg.queries import run_local

    store = ox.Store.read_only(a.store)  # the on-disk store the server's workers read
    report = first_report_iri(Path(a.data))
    names = a.queries.split(",") if a.queries else None
    out: dict[str, Any] = {"queries": {}}
    with httpx.Client(base_url=a.url, timeout=120.0, trust_env=False) as client:
        for name, raw, text in bound_queries(report, names):
            url = f"/api/queries/{name}"
            params = dict(raw, format="json")

            def api(url: str = url, params: dict = params, enc: str = "gzip") -> int:
                r = client.get(url, params=params, headers={"Accept-Encoding": enc})
                r.raise_for_status()
                return len(r.json()["results"]["bindings"])

            def local(text: str = text) -> int:
                return len(run_local(store, text, a.limit).rows)

            api_rows, local_rows = api(), local()  # warm-up (and same rows?)
            api_ms: list[float] = []
            plain_ms: list[float] = []
            local_ms: list[float] = []
            spent = 0.0
            for _ in range(a.reps):  # interleaved, so all see the same background load
                t0 = time.perf_counter()
                api()
                t1 = time.perf_counter()
                api(enc="identity")
                t2 = time.perf_counter()
                local()
                t3 = time.perf_counter()
                api_ms.append((t1 - t0) * 1000)
                plain_ms.append((t2 - t1) * 1000)
                local_ms.append((t3 - t2) * 1000)
                spent += t3 - t0
                if spent > a.budget and len(api_ms) >= 3:
                    break
            out["queries"][name] = {
                "params": raw, "rows": local_rows, "same_rows": api_rows == local_rows,
                "runs": len(api_ms),
                "api_p50": statistics.median(api_ms), "api_p95": percentile(api_ms, 0.95),
                "local_p50": statistics.median(local_ms),
                "local_p95": percentile(local_ms, 0.95),
                "added_p50": statistics.median(x - y for x, y in zip(api_ms, local_ms,
                                                                     strict=True)),
                "plain_p50": statistics.median(plain_ms),
                "plain_added_p50": statistics.median(x - y for x, y in zip(plain_ms, local_ms,
                                                                           strict=True)),
            }
    return out


def child_load(a: argparse.Namespace) -> dict[str, Any]:
    """A bounded request mix against a SPARQL endpoint: N requests, C at a time."""
    import asyncio
    import csv

    import httpx

    from tripskg.iris import IRIs
    from tripskg.vocab import DEFAULT_BASE

    data = Path(a.data)
    report = first_report_iri(data)
    mix = [(name, text) for name, _, text in bound_queries(report, list(MIX_QUERIES))]
    iris = IRIs(DEFAULT_BASE)
    with (data / "reports.csv").open(encoding="utf-8") as fh:
        keys = sorted(row["key"] for row in csv.DictReader(fh))
    lookups = [iris.activity(k, f"S{1 + (7 * i) % a.per_report}") for i, k in enumerate(keys)]
    jobs: list[tuple[str, str]] = []
    for i in range(a.requests):
        kind = i % (len(mix) + 1)
        if kind < len(mix):
            jobs.append(mix[kind])
        else:
            iri = lookups[(i // (len(mix) + 1)) % len(lookups)]
            jobs.append(("resource", f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"))
    lat: dict[str, list[float]] = {}
    rows: dict[int, int] = {}  # job index -> rows (the same job is the same text everywhere)
    errors: list[str] = []
    done = 0
    t_last = 0.0

    async def main() -> float:
        nonlocal done, t_last
        queue = list(reversed(jobs))
        t0 = time.perf_counter()
        deadline = t0 + a.window

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal done, t_last
            while queue and time.perf_counter() < deadline:
                index = len(jobs) - len(queue)
                kind, text = queue.pop()
                t1 = time.perf_counter()
                try:
                    r = await client.post(a.url, data={"query": text}, headers={
                        "Accept": "application/sparql-results+json"})
                    r.raise_for_status()
                    n = len(r.json()["results"]["bindings"])
                except (httpx.HTTPError, ValueError, KeyError) as e:
                    errors.append(f"{kind}: {type(e).__name__}: {str(e)[:120]}")
                    continue
                t2 = time.perf_counter()
                lat.setdefault(kind, []).append((t2 - t1) * 1000)
                rows[index] = n
                done += 1
                t_last = t2 - t0

        limits = httpx.Limits(max_connections=a.concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=a.window + a.grace,
                                     trust_env=False) as client:
            tasks = [asyncio.create_task(worker(client)) for _ in range(a.concurrency)]
            _, pending = await asyncio.wait(tasks, timeout=a.window + a.grace)
            for t in pending:
                t.cancel()
            cut = len(pending)
            await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.perf_counter() - t0
        return elapsed if cut else max(t_last, 1e-9)

    elapsed = asyncio.run(main())
    return {"requests": a.requests, "concurrency": a.concurrency, "completed": done,
            "errors": len(errors), "error_samples": errors[:3], "elapsed_s": elapsed,
            "rps": done / elapsed if elapsed else None,
            "p50_ms": {k: statistics.median(v) for k, v in lat.items()},
            "kinds": [k for k, _ in jobs], "rows": {str(i): n for i, n in rows.items()}}


def child_sidebyside(a: argparse.Namespace) -> dict[str, Any]:
    from .sidebyside import child_sidebyside as run

    return run(a)


def child_pages(a: argparse.Namespace) -> dict[str, Any]:
    from .pages import child_pages as run

    return run(a)


def child_storecost(a: argparse.Namespace) -> dict[str, Any]:
    from .storecost import child_storecost as run

    return run(a)


CHILDREN = {"floor": child_floor, "queries": child_queries, "validate": child_validate,
            "api": child_api, "load": child_load, "sidebyside": child_sidebyside,
            "pages": child_pages, "storecost": child_storecost}


def child_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="run.py child")
    ap.add_argument("kind", choices=sorted(CHILDREN))
    ap.add_argument("--json", required=True)
    for opt in ("--nt", "--dist", "--data", "--engine", "--store", "--url", "--queries",
                "--whole"):
        ap.add_argument(opt)
    for opt, default in (("--reps", 20), ("--limit", 10_000), ("--requests", 400),
                         ("--concurrency", 8), ("--per-report", 50)):
        ap.add_argument(opt, type=int, default=default)
    for opt, default in (("--budget", 3.0), ("--slow", 1.5), ("--timeout", 4.0),
                         ("--window", 25.0), ("--grace", 10.0)):
        ap.add_argument(opt, type=float, default=default)
    a = ap.parse_args(argv)
    data = CHILDREN[a.kind](a)
    Path(a.json).write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


