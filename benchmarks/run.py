#!/usr/bin/env python3
"""tripskg benchmarks: every figure next to a baseline measured in the same run (``make bench``).

    .venv/bin/python benchmarks/run.py                 # the suite, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --large         # 1M activities: build + floor only

The machine is shared and noisy, so each figure is reported with the ratio to its baseline
measured minutes apart in the same run, not only in seconds. Every step runs in a child process
(a fresh interpreter: ``tripskg`` itself, or this file with ``child <kind>``) with a timeout and
a memory watchdog; its wall time is taken around the process and its peak RSS from ``wait4(2)``
(``ru_maxrss`` of that child). A step that fails or is skipped is written as ``failed: …`` or
``skipped: …`` and the suite goes on. The whole run keeps to a time budget (``--budget``):
optional steps are skipped, with the reason, when the rest would not fit.

All input is SYNTHETIC (``benchmarks/generate.py``); temporary files go to a folder under /tmp
that is removed at the end (``--keep`` keeps it). Network traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
TRIPSKG = str(BIN / "tripskg")
GENERATE = str(HERE / "generate.py")
RESULTS = HERE / "RESULTS.md"
RESULTS_LARGE = HERE / "RESULTS-large.md"

# parameters of the saved queries (only those a query declares are passed)
QUERY_PARAMS = {"country": "KEN", "area": "health", "from": "2015-01-01", "to": "2015-12-31",
                "kind": "synthetic"}  # + report = the first report's IRI
# queries of the endpoint throughput mix (+ a resource lookup)
MIX_QUERIES = ("report-summary", "mentions", "activities-by-country")

# the same saved query with an optional parameter given, as it is typically called (the figure
# above leaves it unbound: the whole listing, the worst case)
VARIANTS = {"activities-by-treaty": [{"treaty": "https://w3id.org/tripskg/id/treaty/trips"}]}

TARGETS = {"build_s": 60.0, "build_floor": 15.0, "build_rss_gb": 3.0, "site_s": 120.0,
           "query_p95_ms": 200.0, "api_added_ms": 10.0, "throughput_ratio": 10.0}


# =========================================================================== helpers
def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def first_report_iri(data: Path) -> str:
    """IRI of the first report (by key) of a generated data folder."""
    import csv

    from tripskg.iris import IRIs
    from tripskg.vocab import DEFAULT_BASE

    with (data / "reports.csv").open(encoding="utf-8") as fh:
        keys = sorted(row["key"] for row in csv.DictReader(fh))
    return IRIs(DEFAULT_BASE).report(keys[0])


def query_args(saved: Any, report: str) -> dict[str, str]:
    values = dict(QUERY_PARAMS, report=report)
    return {p.name: values[p.name] for p in saved.params if p.name in values}


def bound_queries(report: str, names: list[str] | None = None) -> list[tuple[str, dict, str]]:
    """(name, params, SPARQL text) of the saved queries, parameters bound as the CLI does."""
    from tripskg.iris import IRIs
    from tripskg.queries import bind, load_queries
    from tripskg.reference import load_reference
    from tripskg.vocab import DEFAULT_BASE

    iris = IRIs(DEFAULT_BASE)
    ref = load_reference(iris.base)
    out = []
    for name, saved in load_queries().items():
        if names is not None and name not in names:
            continue
        raw = query_args(saved, report)
        text, _ = bind(saved, raw, ref, iris)
        out.append((name, raw, text))
        for extra in VARIANTS.get(name, []) if names is None else []:
            label = name + " (" + ", ".join(f"{k}={v.rsplit('/', 1)[-1]}"
                                           for k, v in extra.items()) + ")"
            text, _ = bind(saved, {**raw, **extra}, ref, iris)
            out.append((label, {**raw, **extra}, text))
    return out


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def fmt_mb(kb: int | None) -> str:
    if not kb:
        return "–"
    mb = kb / 1024
    return f"{mb:,.0f} MB" if mb < 1024 else f"{mb / 1024:.2f} GB"


def fmt_ratio(x: float | None, prefix: str = "") -> str:
    if x is None:
        return "–"
    return f"{prefix}{x:.1f}×" if x < 100 else f"{prefix}{x:,.0f}×"


def yes(ok: bool | None) -> str:
    return "–" if ok is None else "**met**" if ok else "**missed**"


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


CHILDREN = {"floor": child_floor, "queries": child_queries, "validate": child_validate,
            "api": child_api, "load": child_load}


def child_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="run.py child")
    ap.add_argument("kind", choices=sorted(CHILDREN))
    ap.add_argument("--json", required=True)
    for opt in ("--nt", "--dist", "--data", "--engine", "--store", "--url", "--queries"):
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


# =========================================================================== processes
@dataclass
class Run:
    """One child process: wall seconds, peak RSS (KB), exit, and what it printed."""

    ok: bool
    seconds: float
    rss_kb: int = 0
    reason: str = ""
    stderr: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "ok" if self.ok else self.reason


def _group_rss_kb(pgid: int) -> int:
    """Current RSS of every process in a process group (from /proc)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid:  # field 5 (pgrp), counted after "(comm)"
                total += int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, ValueError, IndexError):
            continue
    return total


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def vm_hwm_kb(pgid: int) -> dict[int, int]:
    """Peak RSS (VmHWM) of each live process of a group."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[int(entry)] = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return out


def run_child(cmd: list[str], timeout: float, mem_limit_kb: int, log: Path,
              cwd: Path | None = None, json_out: Path | None = None) -> Run:
    """Run one measured step in its own process group; kill it on timeout or memory limit."""
    with log.open("w", encoding="utf-8") as errf:
        errf.write("$ " + shlex.join(cmd) + "\n")
        errf.flush()
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=errf, stderr=errf, cwd=cwd,
                                    start_new_session=True, stdin=subprocess.DEVNULL)
        except OSError as e:
            return Run(False, 0.0, reason=f"failed: cannot start: {e}")
        reason = ""
        done: dict[str, Any] = {}

        def wait() -> None:  # blocking wait4: the end time is exact, the rusage is this child's
            _, done["status"], done["rusage"] = os.wait4(proc.pid, 0)
            done["t"] = time.perf_counter()

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        while waiter.is_alive():
            waiter.join(0.5)
            if not waiter.is_alive() or reason:
                continue
            if time.perf_counter() - t0 > timeout:
                reason = f"failed: timed out after {timeout:.0f} s"
                _kill_group(proc.pid)
            elif (rss := _group_rss_kb(proc.pid)) > mem_limit_kb:
                reason = (f"failed: stopped at {rss / 2**20:.1f} GB RSS "
                          f"(memory limit {mem_limit_kb / 2**20:.1f} GB)")
                _kill_group(proc.pid)
        seconds = done["t"] - t0
        status, rusage = done["status"], done["rusage"]
        proc.returncode = os.waitstatus_to_exitcode(status)
        _kill_group(proc.pid)  # leftovers of the step, if any
    text = log.read_text(encoding="utf-8", errors="replace")
    rss = rusage.ru_maxrss if rusage else 0
    if not reason and proc.returncode != 0:
        lines = [ln for ln in text.splitlines()[1:] if ln.strip()]
        last = next((ln for ln in reversed(lines) if re.search(r"error|Error|violation", ln)),
                    lines[-1] if lines else "")
        reason = f"failed: exit {proc.returncode}: {last.strip()[:300]}"
    data: dict[str, Any] = {}
    if not reason and json_out is not None:
        try:
            data = json.loads(json_out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            reason = f"failed: no result file ({e})"
    return Run(not reason, seconds, rss, reason, text, data)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    startup_s: float
    log: Path

    def peak_rss(self) -> dict[int, int]:
        return vm_hwm_kb(self.proc.pid)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(20)
        _kill_group(self.proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def start_server(cmd: list[str], probe: urllib.request.Request, url: str, timeout: float,
                 log: Path, env: dict[str, str] | None = None) -> Server:
    """Start a server on 127.0.0.1 and wait until `probe` answers 200."""
    errf = log.open("w", encoding="utf-8")
    errf.write("$ " + shlex.join(cmd) + "\n")
    errf.flush()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=errf, stderr=errf, start_new_session=True,
                            stdin=subprocess.DEVNULL, env=env)
    errf.close()
    server = Server(proc, url, 0.0, log)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"server exited ({proc.returncode}): {' '.join(tail)[:300]}")
        if time.perf_counter() - t0 > timeout:
            server.stop()
            raise RuntimeError(f"server not ready after {timeout:.0f} s")
        try:
            with opener.open(probe, timeout=5) as r:
                if r.status == 200:
                    server.startup_s = time.perf_counter() - t0
                    return server
        except OSError:
            pass
        time.sleep(0.5)


# =========================================================================== build steps
STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)s (.+)$")
JOB_DONE = re.compile(r"^done: (\S+) \((\d+(?:\.\d+)?)s\)$")
BUILT = re.compile(r"^built .*\((\d+(?:\.\d+)?)s\)\s*$")


def build_steps(stderr: str, wall: float) -> list[tuple[str, float]]:
    """Seconds per step from `tripskg -v build`, whose lines give the elapsed time when a step
    starts ("  6.2s validating with SHACL"); "read <report>" lines mark reports already read."""
    events: list[tuple[float, str]] = []
    total = None
    for line in stderr.splitlines():
        if m := STEP.match(line):
            if JOB_DONE.match(m.group(2).strip()) or "unchanged (from the build cache)" in line:
                continue  # jobs of the parallel step end at their own times; see build_jobs
            events.append((float(m.group(1)), m.group(2).strip()))
        elif m := BUILT.match(line.strip()):
            total = float(m.group(1))
    if not events:
        return []
    end = total if total is not None else events[-1][0]
    reads = [t for t, msg in events if msg.startswith("read ")]
    rest = [(t, msg) for t, msg in events if not msg.startswith("read ")]
    steps: list[tuple[str, float]] = []
    if reads:
        steps.append((f"read sources ({len(reads)} reports; reference data first)", reads[-1]))
        nxt = rest[0][0] if rest else end
        steps.append(("assemble the graph (after the last report is read)", nxt - reads[-1]))
    elif rest:
        steps.append(("start until the first step", rest[0][0]))
    merged: list[list[Any]] = []
    for t, msg in rest:
        label = "SHACL validation" if msg.startswith("validating") else msg
        if merged and merged[-1][0] == label:
            continue
        merged.append([label, t])
    for i, (label, t) in enumerate(merged):
        t_next = merged[i + 1][1] if i + 1 < len(merged) else end
        steps.append((label, t_next - t))
    if total is not None:
        steps.append(("interpreter start, imports, exit (wall − reported)", max(0.0, wall - total)))
    return steps


def build_jobs(stderr: str) -> dict[str, float]:
    """Seconds of the jobs of the parallel publishing step ("done: validate (6.1s)"); the
    jobs writing pieces of one dump ("done: tripskg.ttl#3 (2.0s)") are summed per dump."""
    jobs: dict[str, float] = {}
    for line in stderr.splitlines():
        if (m := STEP.match(line)) and (d := JOB_DONE.match(m.group(2).strip())):
            name = d.group(1).split("#")[0]
            jobs[name] = round(jobs.get(name, 0.0) + float(d.group(2)), 2)
    return jobs


# =========================================================================== the suite
def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def machine_facts() -> dict[str, str]:
    from importlib import metadata

    facts: dict[str, str] = {}
    facts["nproc"] = str(os.cpu_count())
    mem = Path("/proc/meminfo").read_text()
    kb = int(re.search(r"MemTotal:\s+(\d+)", mem).group(1))  # type: ignore[union-attr]
    facts["RAM"] = f"{kb / 2**20:.1f} GiB"
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    facts["CPU model"] = cpu.group(1).strip() if cpu else platform.processor() or "?"
    facts["OS"] = f"{platform.system()} {platform.release()}"
    facts["Python"] = platform.python_version()
    for pkg in ("pyoxigraph", "rdflib", "pyshacl", "rdflib-endpoint", "httpx", "uvicorn"):
        try:
            facts[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            facts[pkg] = "not installed"
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10).stdout
        n = len([ln for ln in dirty.splitlines() if ln.strip()])
        facts["tripskg source"] = f"git {head}" + (f" + {n} uncommitted files" if n else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return facts


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def mem_available_kb() -> int:
    m = re.search(r"MemAvailable:\s+(\d+)", Path("/proc/meminfo").read_text())
    return int(m.group(1)) if m else 8 * 2**20


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + args.budget
        self.work = Path(tempfile.mkdtemp(prefix="tripskg-bench-", dir="/tmp"))
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.mem_limit = int(args.mem_limit_gb * 2**20) if args.mem_limit_gb else \
            max(2 * 2**20, min(16 * 2**20, mem_available_kb() - 2 * 2**20))
        self.n = 0
        self.r: dict[str, Any] = {"started": dt.datetime.now(dt.UTC), "facts": machine_facts(),
                                  "load_start": loadavg(), "notes": []}

    # ------------------------------------------------------------------ plumbing
    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def fits(self, need: float) -> bool:
        return self.left() >= need

    def skip_reason(self, need: float) -> str:
        return (f"skipped: time budget ({max(0, self.left()):.0f} s of --budget "
                f"{self.args.budget:.0f} s left, needs ~{need:.0f} s)")

    def child(self, kind: str, timeout: float, *opts: object) -> Run:
        self.n += 1
        out = self.work / f"{self.n:02d}-{kind}.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "child", kind, "--json", str(out),
               *map(str, opts)]
        return self.proc(cmd, timeout, f"{kind}", json_out=out)

    def proc(self, cmd: list[str], timeout: float, name: str,
             json_out: Path | None = None) -> Run:
        self.n += 1
        timeout = max(5.0, min(timeout, self.left() + 20))
        log = self.logs / f"{self.n:02d}-{name}.log"
        self.say(f"{name}: {shlex.join(cmd)[:160]}")
        run = run_child(cmd, timeout, self.mem_limit, log, cwd=self.work, json_out=json_out)
        self.say(f"  -> {run.status} in {run.seconds:.1f} s, {fmt_mb(run.rss_kb)}")
        return run

    def say(self, msg: str) -> None:
        el = time.perf_counter() - self.t0
        print(f"[bench {el:6.0f}s] {msg}", file=sys.stderr, flush=True)

    def save(self) -> None:
        self.r["wall_s"] = time.perf_counter() - self.t0
        self.r["load_end"] = loadavg()
        self.args.out.write_text(render(self.r, self.args), encoding="utf-8")

    def step(self, name: str, fn: Any) -> None:
        """Run one figure; a harness error is recorded, never fatal."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the suite must go on and write RESULTS.md
            self.r.setdefault("errors", []).append(f"{name}: {type(e).__name__}: {e}")
            self.say(f"{name}: harness error: {type(e).__name__}: {e}")
        self.save()

    # ------------------------------------------------------------------ data
    def generate(self, n: int, reports: int) -> Path | None:
        out = self.work / f"data-{n}"
        run = self.proc([sys.executable, GENERATE, "--activities", str(n), "--reports",
                         str(reports), "--seed", "1", "--out", str(out)], 300, f"generate-{n}")
        self.r.setdefault("generate", {})[n] = {"reports": reports, "run": run}
        return out if run.ok else None

    def build(self, n: int, data: Path, site: bool, out: Path | None = None,
              extra: tuple[str, ...] = (), name: str | None = None) -> Run:
        out = out or self.work / f"dist-{n}{'-site' if site else ''}"
        cmd = [TRIPSKG, "-v", "build", "--data", str(data), "--out", str(out), *extra]
        if not site:
            cmd.append("--no-site")
        run = self.proc(cmd, self.args.build_timeout,
                        name or f"build-{n}{'-site' if site else ''}")
        run.data = {"dist": str(out), "steps": build_steps(run.stderr, run.seconds),
                    "jobs": build_jobs(run.stderr)}
        if run.ok:
            rec = json.loads((out / "build.json").read_text(encoding="utf-8"))
            run.data["triples"] = rec["counts"]["triples"]
            run.data["quads"] = rec["counts"]["quads"]
        return run

    def floor(self, n: int, dist: Path, repeats: int) -> dict[str, Any]:
        nt = self.work / f"floor-{n}.nt"
        with gzip.open(dist / "tripskg.nt.gz", "rb") as src, nt.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        runs = [self.child("floor", 300, "--nt", nt) for _ in range(repeats)]
        nt.unlink()
        ok = [r for r in runs if r.ok]
        res: dict[str, Any] = {"runs": runs, "nt_mb": None}
        if ok:
            res["wall_s"] = statistics.median(r.seconds for r in ok)
            res["load_s"] = statistics.median(r.data["load_s"] for r in ok)
            res["rss_kb"] = max(r.rss_kb for r in ok)
            res["triples"] = ok[0].data["triples"]
        return res

    # ------------------------------------------------------------------ figures
    def fig_build(self) -> None:
        sizes = self.args.sizes
        f = self.r["build"] = {}
        for n in sizes:
            data = self.data.get(n)
            if data is None:
                f[n] = {"error": "failed: no data (generator failed)"}
                continue
            need = 30 if n <= 10_000 else 150
            if not self.fits(need):
                f[n] = {"error": self.skip_reason(need)}
                continue
            run = self.build(n, data, site=False)
            entry: dict[str, Any] = {"run": run}
            f[n] = entry
            if run.ok:
                self.dists[n] = Path(run.data["dist"])
                repeats = 3 if self.fits(120) else 1
                entry["floor"] = self.floor(n, self.dists[n], repeats)
            self.save()

    def fig_incremental(self) -> None:
        """Change one report among 100 and build again into the same folder (build cache in
        OUT.cache from figure 1); at the smaller size, compare with a clean build."""
        f = self.r["incremental"] = {}
        for n in self.args.sizes:
            data, full = self.data.get(n), self.r.get("build", {}).get(n, {}).get("run")
            if data is None or full is None or not full.ok:
                f[n] = {"error": "skipped: no full build of this size"}
                continue
            need = full.seconds * (2.5 if n == min(self.args.sizes) else 1.2)
            if not self.fits(need):
                f[n] = {"error": self.skip_reason(need)}
                continue
            annex = sorted((data / "annex").glob("*.csv"))[len(list((data / "annex").glob(
                "*.csv"))) // 2]
            original = annex.read_bytes()
            edited = original.replace(b"SYNTHETIC activity", b"SYNTHETIC activity (edited)", 1)
            annex.write_bytes(edited)
            entry: dict[str, Any] = {"report": annex.stem, "full_s": full.seconds}
            f[n] = entry
            try:
                out = Path(full.data["dist"])
                run = self.build(n, data, site=False, out=out, name=f"incremental-{n}")
                entry["run"] = run
                if run.ok and n == min(self.args.sizes):
                    clean = self.work / f"dist-{n}-clean"
                    ref = self.build(n, data, site=False, out=clean, extra=("--no-cache",),
                                     name=f"clean-{n}")
                    if ref.ok:
                        entry["identical"] = _tree_digest(out) == _tree_digest(clean)
                        entry["clean_s"] = ref.seconds
                    shutil.rmtree(clean.parent / (clean.name + ".builds"), ignore_errors=True)
                    clean.unlink(missing_ok=True)
            finally:
                annex.write_bytes(original)
            self.save()

    def fig_validation(self) -> None:
        n = self.args.shacl_activities
        f = self.r["validation"] = {"activities": n, "reports": self.args.shacl_reports}
        data = self.data.get(n)
        if data is None:
            f["error"] = "failed: no data"
            return
        f["sparql"] = self.child("validate", 300, "--data", data, "--engine", "sparql")
        need = 90
        if not self.fits(need):
            f["pyshacl"] = Run(False, 0, reason=self.skip_reason(need))
            return
        f["pyshacl"] = self.child("validate", self.args.pyshacl_timeout, "--data", data,
                                  "--engine", "pyshacl")

    def fig_site(self) -> None:
        f = self.r["site"] = {}
        small = min(self.args.sizes)
        for n in self.args.sizes:
            base = self.r.get("build", {}).get(n, {}).get("run")
            if n not in self.data or base is None or not base.ok:
                f[n] = {"error": "skipped: no build without the site to compare with"}
                continue
            if n > small:
                step_small = f.get(small, {}).get("site_step")
                est = (step_small or 0) * n / small
                need = base.seconds + est
                if step_small is None:
                    f[n] = {"error": f"skipped: no site figure at {small:,} to project from"}
                    continue
                if est > 2 * TARGETS["site_s"]:
                    f[n] = {"error": f"skipped: projected {est:.0f} s for the site step alone "
                                     f"({small:,} figure × {n // small}, linear), more than "
                                     "twice the 2-minute target"}
                    continue
                if not self.fits(need * 1.2):
                    f[n] = {"error": self.skip_reason(need * 1.2)}
                    continue
            elif not self.fits(base.seconds * 3):
                f[n] = {"error": self.skip_reason(base.seconds * 3)}
                continue
            run = self.build(n, self.data[n], site=True)
            entry: dict[str, Any] = {"run": run, "without": base.seconds}
            step = next((s for label, s in run.data["steps"] if "site" in label), None)
            entry["site_step"] = step
            f[n] = entry
            self.save()

    def fig_queries(self) -> None:
        f = self.r["queries"] = {}
        big, small = max(self.args.sizes), min(self.args.sizes)
        plan = [(big, "oxigraph", 240), (small, "oxigraph", 120), (small, "rdflib", 200)]
        for n, engine, cap in plan:
            dist = self.dists.get(n)
            key = f"{engine}-{n}"
            if dist is None:
                f[key] = Run(False, 0, reason="skipped: no build")
                continue
            need = 40 if engine == "oxigraph" else 60
            if not self.fits(need):
                f[key] = Run(False, 0, reason=self.skip_reason(need))
                continue
            opts: list[object] = ["--dist", dist, "--data", self.data[n], "--engine", engine,
                                  "--reps", self.args.reps]
            if engine == "rdflib":
                opts += ["--timeout", self.args.rdflib_timeout, "--budget", 3]
            f[key] = self.child("queries", cap, *opts)
            self.save()

    def fig_api(self) -> None:
        n = max(self.args.sizes)
        f = self.r["api"] = {"activities": n}
        dist = self.dists.get(n)
        if dist is None:
            f["error"] = "skipped: no build"
            return
        need = 120
        if not self.fits(need):
            f["error"] = self.skip_reason(need)
            return
        q = self.r.get("queries", {}).get(f"oxigraph-{n}")
        names = None
        if isinstance(q, Run) and q.ok:  # slower queries: a few ms are lost in their noise
            limit = TARGETS["query_p95_ms"]
            names = [k for k, v in q.data["queries"].items() if v["p50"] <= limit]
            f["left_out"] = {k: v["p50"] for k, v in q.data["queries"].items()
                             if v["p50"] > limit}
        tmp = self.work / "serve-tmp"
        tmp.mkdir(exist_ok=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, TMPDIR=str(tmp))
        cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1", "--port",
               str(port), "--timeout", "120"]
        self.say(f"api: starting {shlex.join(cmd)}")
        try:
            server = start_server(cmd, urllib.request.Request(url + "/api/queries"), url,
                                  min(300, self.left()), self.logs / "serve-api.log", env)
        except RuntimeError as e:
            f["error"] = f"failed: {e}"
            return
        try:
            f["startup_s"] = server.startup_s
            stores = sorted(tmp.glob("tripskg-serve-*/store"))
            if not stores:
                f["error"] = "failed: the server's store folder was not found under TMPDIR"
                return
            opts: list[object] = ["--url", url, "--store", stores[-1], "--data", self.data[n],
                                  "--reps", self.args.reps, "--budget", 4]
            if names is not None:
                opts += ["--queries", ",".join(names)]
            f["run"] = self.child("api", min(240, self.left()), *opts)
            f["server_rss"] = server.peak_rss()
        finally:
            server.stop()

    def fig_throughput(self) -> None:
        n = min(self.args.sizes)
        f = self.r["throughput"] = {"activities": n, "servers": {}}
        dist = self.dists.get(n)
        if dist is None:
            f["error"] = "skipped: no build"
            return
        nt = self.work / f"endpoint-{n}.nt"
        with gzip.open(dist / "tripskg.nt.gz", "rb") as src, nt.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        ask = urllib.parse.urlencode({"query": "ASK {}"})
        for name in ("tripskg serve", "rdflib-endpoint"):
            need = self.args.window + (self.args.grace if name == "rdflib-endpoint" else 20)
            if not self.fits(need):
                f["servers"][name] = {"error": self.skip_reason(need)}
                continue
            port = free_port()
            if name == "tripskg serve":
                url = f"http://127.0.0.1:{port}/sparql"
                cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1",
                       "--port", str(port), "--timeout", "120"]
            else:
                url = f"http://127.0.0.1:{port}/"
                cmd = [str(BIN / "rdflib-endpoint"), "serve", str(nt), "--host", "127.0.0.1",
                       "--port", str(port)]
                if not Path(cmd[0]).exists():
                    f["servers"][name] = {"error": "failed: rdflib-endpoint is not installed "
                                                   "(pip install -e '.[bench]')"}
                    continue
            probe = urllib.request.Request(f"{url}?{ask}",
                                           headers={"Accept": "application/sparql-results+json"})
            self.say(f"throughput: starting {name}")
            try:
                server = start_server(cmd, probe, url, min(240, self.left()),
                                      self.logs / f"serve-{name.split()[0]}.log")
            except RuntimeError as e:
                f["servers"][name] = {"error": f"failed: {e}"}
                continue
            try:
                run = self.child("load", self.args.window + self.args.grace + 30, "--url", url,
                                 "--grace", self.args.grace, "--data",
                                 self.data[n], "--requests", self.args.requests,
                                 "--concurrency", self.args.concurrency, "--window",
                                 self.args.window, "--per-report", max(1, n // 100))
                f["servers"][name] = {"run": run, "startup_s": server.startup_s,
                                      "rss": server.peak_rss()}
            finally:
                server.stop()
            self.save()
        nt.unlink(missing_ok=True)

    # ------------------------------------------------------------------ main
    def main(self) -> int:
        a = self.args
        self.data: dict[int, Path] = {}
        self.dists: dict[int, Path] = {}
        self.say(f"work folder {self.work}; budget {a.budget:.0f} s; memory limit per step "
                 f"{self.mem_limit / 2**20:.1f} GB")
        try:
            wanted = [(n, 100) for n in a.sizes]
            if not a.large:
                wanted.insert(0, (a.shacl_activities, a.shacl_reports))
            for n, reports in wanted:
                if (p := self.generate(n, reports)) is not None:
                    self.data[n] = p
            self.save()
            self.step("build", self.fig_build)
            self.step("incremental", self.fig_incremental)
            if not a.large:
                self.step("queries", self.fig_queries)
                self.step("api", self.fig_api)
                self.step("throughput", self.fig_throughput)
                self.step("site", self.fig_site)
                self.step("validation", self.fig_validation)
        finally:
            self.save()
            if a.keep:
                self.say(f"kept {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)
        self.say(f"wrote {a.out} ({time.perf_counter() - self.t0:.0f} s)")
        return 0


# =========================================================================== RESULTS.md
def _run_cell(run: Run | None) -> str:
    if run is None:
        return "–"
    return fmt_s(run.seconds) if run.ok else run.reason


def render(r: dict[str, Any], args: argparse.Namespace) -> str:
    L: list[str] = []
    w = L.append
    started: dt.datetime = r["started"]
    cmd = args.label or shlex.join([Path(sys.executable).name, *sys.argv])
    w("# tripskg benchmark results" + (" (1M activities)" if args.large else ""))
    w("")
    shown = [x for i, x in enumerate(sys.argv[1:]) if x != "--label"
             and (i == 0 or sys.argv[i] != "--label")]
    w(f"Written by `{cmd}` (`{shlex.join(['benchmarks/run.py', *shown])}`), started "
      f"{started:%Y-%m-%d %H:%M} UTC; the whole run took **{r.get('wall_s', 0) / 60:.1f} min** "
      f"(time budget {args.budget / 60:.0f} min). Generated file: edit `benchmarks/run.py`, "
      "not this file.")
    w("")
    w("All input is **SYNTHETIC** (`benchmarks/generate.py --activities N --reports 100 --seed 1`"
      "): invented reports and activities in the real input formats. Every figure is measured "
      "next to its baseline in the same run and reported as a ratio: the machine is shared "
      "(other test suites ran at the same time, see the load average), so seconds alone are "
      "noisy.")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in r["facts"].items():
        w(f"| {k} | {v} |")
    w(f"| load average (1/5/15 min) | start {r['load_start']}, end {r.get('load_end', '?')} |")
    w("")
    for e in r.get("errors", []):
        w(f"- **harness error** in {e}")
    if r.get("errors"):
        w("")
    gen = r.get("generate", {})
    if gen:
        w("Data generation: " + "; ".join(
            f"{n:,} activities / {g['reports']} reports: {_run_cell(g['run'])}"
            + (" s" if g["run"].ok else "") for n, g in gen.items()) + ".")
        w("")

    summary: list[tuple[str, str, str]] = []
    sections: list[str] = []

    # ---------------------------------------------------------------- 1. build
    b = r.get("build", {})
    if b:
        S: list[str] = []
        s = S.append
        s("## 1. Build (ingest → graph → SHACL → all dumps + VoID, no site)")
        s("")
        s("`tripskg -v build --data DIR --out OUT --no-site`, one run per size, timed around the "
          "process. Floor (baseline): a fresh Python process that bulk-loads the build's own "
          "`tripskg.nt.gz` (decompressed beforehand) into an in-memory pyoxigraph `Store` "
          "(`Store().bulk_load(path=…)`); median of its runs, timed around the process like "
          "the build. Peak RSS: `ru_maxrss` of each process (`wait4`).")
        s("")
        s("| activities | triples | build s | build peak RSS | floor s (load only) | floor runs "
          "| floor peak RSS | build / floor |")
        s("|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios: dict[int, float] = {}
        for n, e in b.items():
            if "error" in e:
                s(f"| {n:,} | | {e['error']} | | | | | |")
                continue
            run: Run = e["run"]
            fl = e.get("floor", {})
            ratio = run.seconds / fl["wall_s"] if run.ok and fl.get("wall_s") else None
            if ratio:
                ratios[n] = ratio
            triples = run.data.get("triples")
            floor_cell = f"{fmt_s(fl['wall_s'])} ({fmt_s(fl['load_s'])})" if fl.get(
                "wall_s") else "; ".join(x.reason for x in fl.get("runs", [])) or "–"
            s(f"| {n:,} | {triples or 0:,} | {_run_cell(run)} | {fmt_mb(run.rss_kb)} | "
              f"{floor_cell} | {len(fl.get('runs', []))} | {fmt_mb(fl.get('rss_kb'))} | "
              f"{fmt_ratio(ratio)} |")
        s("")
        ok = {n: e for n, e in b.items() if "run" in e and e["run"].ok}
        if len(ok) >= 2:
            lo, hi = min(ok), max(ok)
            t_ratio = ok[hi]["run"].seconds / ok[lo]["run"].seconds
            f_lo = ok[lo].get("floor", {}).get("wall_s")
            f_hi = ok[hi].get("floor", {}).get("wall_s")
            f_ratio = f_hi / f_lo if f_lo and f_hi else None
            s(f"Linearity: {lo:,} → {hi:,} activities ({hi / lo:.0f}× the data) took "
              f"**{t_ratio:.1f}×** the build time (floor: {fmt_ratio(f_ratio)}; triples "
              f"{ok[hi]['run'].data.get('triples', 0) / max(1, ok[lo]['run'].data.get('triples', 1)):.1f}×).")
            s("")
            summary.append(("build time grows linearly", f"{t_ratio:.1f}× for {hi / lo:.0f}× "
                            "the activities", yes(t_ratio <= hi / lo * 1.25)))
        big = max(b)
        e = b[big]
        if "run" in e:
            run = e["run"]
            summary.append((f"build ≤ {TARGETS['build_s']:.0f} s at {big:,}",
                            _run_cell(run) + (" s" if run.ok else ""),
                            yes(run.seconds <= TARGETS["build_s"]) if run.ok else "–"))
            summary.append((f"build ≤ {TARGETS['build_floor']:.0f}× the floor at {big:,}",
                            fmt_ratio(ratios.get(big)),
                            yes(ratios[big] <= TARGETS["build_floor"]) if big in ratios
                            else "–"))
            summary.append((f"build peak RSS ≤ {TARGETS['build_rss_gb']:.0f} GB at {big:,}",
                            fmt_mb(run.rss_kb),
                            yes(run.rss_kb / 2**20 <= TARGETS["build_rss_gb"])
                            if run.rss_kb else "–"))
        steps = {n: dict(e["run"].data.get("steps", [])) for n, e in b.items() if "run" in e}
        labels: list[str] = []
        for st in steps.values():
            labels += [lbl for lbl in st if lbl not in labels]
        if labels:
            s("Build steps (from `tripskg -v build`, which prints the elapsed seconds when each "
              "step starts; a step lasts until the next one starts):")
            s("")
            s("| step | " + " | ".join(f"{n:,} s" for n in steps) + f" | share at {big:,} |")
            s("|---|" + "---:|" * (len(steps) + 1))
            tot = sum(steps.get(big, {}).values()) or 1
            for lbl in labels:
                cells = [fmt_s(st.get(lbl)) if lbl in st else "–" for st in steps.values()]
                share = steps.get(big, {}).get(lbl)
                s(f"| {lbl} | " + " | ".join(cells)
                  + f" | {'' if share is None else f'{100 * share / tot:.0f}%'} |")
            s("")
            if big in steps and ratios.get(big):
                top = sorted(steps[big].items(), key=lambda kv: -kv[1])[:3]
                fl = b[big]["floor"]["wall_s"]
                gap = []
                if b[big]["run"].seconds > TARGETS["build_s"] or \
                        ratios[big] > TARGETS["build_floor"]:
                    gap.append(f"**Gap at {big:,}:** the build took "
                               f"{b[big]['run'].seconds:.0f} s = {ratios[big]:.1f}× the floor "
                               f"({fl:.1f} s); target ≤ {TARGETS['build_s']:.0f} s and ≤ "
                               f"{TARGETS['build_floor']:.0f}× (= {TARGETS['build_floor'] * fl:.0f} s "
                               "here). Dominant steps, measured: " + "; ".join(
                                   f"{lbl} {sec:.0f} s ({100 * sec / tot:.0f}%, "
                                   f"{sec / fl:.1f}× the floor)" for lbl, sec in top) + ".")
                if b[big]["run"].rss_kb / 2**20 > TARGETS["build_rss_gb"]:
                    gap.append(f"Peak RSS {fmt_mb(b[big]['run'].rss_kb)} is "
                               f"{b[big]['run'].rss_kb / max(1, b[big]['floor'].get('rss_kb', 1)):.1f}× "
                               "the floor's (the in-memory store plus the Python objects of "
                               "every record, the sorted triple/quad lists of the dumps and "
                               "the SHACL results are held at once).")
                if gap:
                    s(" ".join(gap))
                    s("")
        jobs = {n: e["run"].data.get("jobs", {}) for n, e in b.items() if "run" in e}
        if any(jobs.values()):
            names: list[str] = []
            for js in jobs.values():
                names += [j for j in js if j not in names]
            s("Jobs of the step 'writing the dumps, validating with SHACL' (run side by side in "
              "worker processes, largest first; seconds each, so they add up to more than the "
              "step; a dump's pieces are written by several jobs, summed here):")
            s("")
            s("| job | " + " | ".join(f"{n:,} s" for n in jobs) + " |")
            s("|---|" + "---:|" * len(jobs))
            for j in names:
                s(f"| {j} | " + " | ".join(fmt_s(js.get(j)) for js in jobs.values()) + " |")
            s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 1b. incremental
    inc = r.get("incremental", {})
    if inc:
        S = []
        s = S.append
        s("## 1b. Incremental rebuild (one report of 100 changed)")
        s("")
        s("After figure 1, one activity title of one annex (the middle report) is edited and "
          "`tripskg -v build` runs again into the same `--out`, timed around the process like "
          "figure 1. The other 99 reports come from the build cache (`OUT.cache/`: parsed "
          "records and named graph of each report, keyed by the SHA-256 of its inputs, the "
          "reference data and the tripskg code; and, from the last build, where each piece of "
          "the dumps is, the SHACL results about each report's own subjects and each report "
          "graph's VoID figures). Unchanged reports stay out of the store; SHACL runs on the "
          "shared graphs, the changed report and every report's lines about shared subjects; "
          "unchanged dump pieces are copied from the last build. At the smaller size the result "
          "is compared, file by file, with a clean build of the edited data (`--no-cache`). The "
          "annex is restored afterwards.")
        s("")
        s("| activities | full build s (figure 1) | incremental s | incremental / full | "
          "≤ 10% | byte-identical to a clean build |")
        s("|---:|---:|---:|---:|---|---|")
        for n, e in inc.items():
            if "error" in e:
                s(f"| {n:,} | | {e['error']} | | | |")
                continue
            run = e.get("run")
            if run is None:
                continue
            ratio = run.seconds / e["full_s"] if run.ok else None
            ident = e.get("identical")
            s(f"| {n:,} | {fmt_s(e['full_s'])} | {_run_cell(run)} | "
              f"{'' if ratio is None else f'{100 * ratio:.0f}%'} | "
              f"{yes(ratio <= 0.10) if ratio is not None else '–'} | "
              f"{'not checked at this size' if ident is None else yes(ident)} |")
            if ratio is not None and n == max(inc):
                summary.append((f"incremental rebuild ≤ 10% of the full build ({n:,})",
                                f"{100 * ratio:.0f}%", yes(ratio <= 0.10)))
        s("")
        for n, e in inc.items():
            small_run = e.get("run")
            if n != max(inc) and small_run is not None and small_run.ok and \
                    small_run.seconds > 0.10 * e["full_s"]:
                s(f"At {n:,} activities the rebuild took {small_run.seconds:.1f} s: what every "
                  "rebuild does whatever the size (interpreter start and imports, loading the "
                  "reference data, reading the changed report, compiling the SHACL shapes, "
                  "checking void.ttl) is a larger share of a smaller build.")
                s("")
        big = max(inc)
        run = inc[big].get("run")
        if run is not None and run.ok:
            steps = run.data.get("steps", [])
            s(f"Steps of the incremental build at {big:,}: " + "; ".join(
                f"{lbl} {sec:.1f} s" for lbl, sec in steps) + ".")
            s("")
            ratio = run.seconds / inc[big]["full_s"]
            if ratio > 0.10:
                s("**Gap:** what a rebuild still does for the whole graph: start the interpreter, "
                  "load the 99 cached reports' records and lines (to cut the union dumps into "
                  "runs), copy the unchanged pieces into the new files and hash them (SHA256SUMS, "
                  "void.ttl), check void.ttl with pyshacl, and remove the build before the "
                  "previous one. See the steps above.")
            s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 2. validation
    v = r.get("validation")
    if v:
        S = []
        s = S.append
        n = v["activities"]
        s("## 2. SHACL validation: compiled SPARQL engine vs pyshacl")
        s("")
        s(f"Graph: {n:,} activities / {v['reports']} reports (reference data, ontology and "
          "vocabularies included), built in each child with `tripskg.build.build_graph` "
          "(not timed), then `tripskg.validate.validate_store(engine=…)` timed, each engine "
          "in its own process. The size is small so that pyshacl fits the time budget of "
          f"`make bench` (here it is stopped after {args.pyshacl_timeout:.0f} s); the SPARQL "
          "engine at the build sizes is the 'SHACL validation' step of the builds above.")
        s("")
        s("| engine | triples | validate s | results (violations) | process peak RSS |")
        s("|---|---:|---:|---:|---:|")
        runs = {k: v.get(k) for k in ("sparql", "pyshacl")}
        for k, run in runs.items():
            if run is None:
                continue
            if not run.ok:
                s(f"| {k} | | {run.reason} | | |")
                continue
            d = run.data
            s(f"| {k} | {d['triples']:,} | {fmt_s(d['validate_s'])} | {d['results']} "
              f"({d['violations']}) | {fmt_mb(run.rss_kb)} |")
        s("")
        sp, py = runs.get("sparql"), runs.get("pyshacl")
        if sp and py and sp.ok and py.ok:
            ratio = py.data["validate_s"] / max(sp.data["validate_s"], 1e-9)
            same = sp.data["result_keys"] == py.data["result_keys"]
            s(f"pyshacl / SPARQL engine: **{fmt_ratio(ratio)}**; same results (severity, "
              f"focus, path, shape): {'yes' if same else '**no**'}.")
            s("")
            summary.append((f"SHACL: SPARQL engine vs pyshacl ({n:,} activities)",
                            f"{fmt_ratio(ratio)} faster", "(no target)"))
        if "error" in v:
            s(v["error"])
            s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 3. site
    site = r.get("site")
    if site:
        S = []
        s = S.append
        s("## 3. Static site (`tripskg build` with the site vs `--no-site`)")
        s("")
        s("| activities | build with site s | without (figure 1) s | difference s | "
          "site step s (from -v) | peak RSS with site |")
        s("|---:|---:|---:|---:|---:|---:|")
        for n, e in site.items():
            if "error" in e:
                s(f"| {n:,} | {e['error']} | | | | |")
                continue
            run = e["run"]
            diff = run.seconds - e["without"] if run.ok else None
            s(f"| {n:,} | {_run_cell(run)} | {fmt_s(e['without'])} | {fmt_s(diff)} | "
              f"{fmt_s(e.get('site_step'))} | {fmt_mb(run.rss_kb)} |")
        s("")
        big = max(args.sizes)
        e10 = site.get(min(args.sizes), {})
        if big in site and "run" in site[big] and site[big]["run"].ok:
            st = site[big].get("site_step")
            summary.append((f"site ≤ 2 min at {big:,}", f"{fmt_s(st)} s",
                            yes(st is not None and st <= TARGETS["site_s"])))
        elif e10.get("site_step"):
            est = e10["site_step"] * big / min(args.sizes)
            s(f"At {big:,} activities the site step is projected at ~{est:.0f} s (linear from "
              f"{min(args.sizes):,}), {'over' if est > TARGETS['site_s'] else 'under'} the "
              "2-minute target; it is optional (`--no-site`).")
            s("")
            summary.append((f"site ≤ 2 min at {big:,}", f"~{est:.0f} s projected (not run)",
                            "**missed** (projected)" if est > TARGETS["site_s"] else "–"))
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 4. queries
    q = r.get("queries")
    if q:
        S = []
        s = S.append
        big, small = max(args.sizes), min(args.sizes)
        s("## 4. Saved queries")
        s("")
        s(f"Each saved query (`queries/*.rq`), parameters bound as `tripskg query` does "
          f"({', '.join(f'{k}={v}' for k, v in QUERY_PARAMS.items())}, report = the first "
          "report's IRI), run in a fresh process over the store loaded from the build's "
          "`tripskg.nq.gz` (`load_dist_store` + `run_local`, union default graph, all rows "
          f"materialized). Up to {args.reps} timed runs after one warm-up, fewer for slow "
          "queries (a query stops after ~3 s of runs, with at least 3 runs, or 2 when one run "
          "takes over 1.5 s); p50 = median, p95 nearest-rank. Baseline: the same text in "
          f"rdflib (in-memory `Graph` parsed from `tripskg.nt.gz`, up to 3 runs) at {small:,} "
          f"only: at {big:,} rdflib would need ~10× its {small:,} parse time (below) and "
          f"queries that already hit the per-run limit at {small:,} would take minutes each. "
          f"Each rdflib run is stopped after {args.rdflib_timeout:.0f} s (the ratio is then a "
          "lower bound, marked >). A row named `query (param=value)` is the same saved query "
          "with that optional parameter also given, as it is typically called; the target "
          "count covers the rows without one.")
        s("")
        runs = {k: q.get(k) for k in (f"oxigraph-{big}", f"oxigraph-{small}", f"rdflib-{small}")}
        for k, run in runs.items():
            if run is not None and run.ok:
                s(f"- {k}: store loaded in {fmt_s(run.data['load_s'])} s "
                  f"({run.data['triples']:,} triples), process peak RSS {fmt_mb(run.rss_kb)}, "
                  f"whole step {fmt_s(run.seconds)} s")
            elif run is not None:
                s(f"- {k}: {run.reason}")
        s("")
        oxb, oxs, rdf = (runs[k].data["queries"] if runs[k] is not None and runs[k].ok else {}
                         for k in runs)
        names = list(dict.fromkeys([*oxb, *oxs, *rdf]))
        s(f"| query | rows {big:,} | runs | p50 ms {big:,} | p95 ms {big:,} | p95 ≤ 200 ms | "
          f"p50 ms {small:,} | rdflib p50 ms {small:,} | rdflib / oxigraph {small:,} |")
        s("|---|---:|---:|---:|---:|---|---:|---:|---:|")
        met = 0
        slow: list[str] = []
        for name in names:
            o, o2, rd = oxb.get(name, {}), oxs.get(name, {}), rdf.get(name, {})
            ok = o.get("p95") is not None and o["p95"] <= TARGETS["query_p95_ms"]
            variant = " (" in name  # a saved query with an optional parameter given
            met += ok and not variant
            if o and not ok:
                slow.append(name)
            if "timeout_s" in rd and "p50" not in rd:
                rd_cell = f"> {rd['timeout_s'] * 1000:,.0f}"
                ratio = fmt_ratio(rd["timeout_s"] * 1000 / o2["p50"], "> ") if o2 else "–"
            else:
                rd_cell = fmt_ms(rd.get("p50"))
                ratio = fmt_ratio(rd["p50"] / o2["p50"]) if rd.get("p50") and o2 else "–"
                if rd.get("rows") is not None and o2 and rd["rows"] != o2.get("rows"):
                    ratio += f" (rows differ: {rd['rows']} vs {o2.get('rows')})"
            s(f"| {name} | {o.get('rows', 0):,} | {o.get('runs', '–')} | {fmt_ms(o.get('p50'))} "
              f"| {fmt_ms(o.get('p95'))} | {yes(ok) if o else '–'} | {fmt_ms(o2.get('p50'))} | "
              f"{rd_cell} | {ratio} |")
        s("")
        if oxb:
            n_saved = sum(1 for k in oxb if " (" not in k)
            summary.append((f"saved-query p95 ≤ 200 ms at {big:,}",
                            f"{met} of {n_saved} queries (parameters as in figure 4)",
                            yes(met == n_saved)))
        if slow:
            from tripskg.queries import load_queries

            notes = {k: v.index_note for k, v in load_queries().items()}
            notes.update({k: notes.get(k.split(" (")[0]) for k in slow})
            s(f"**Gap:** {len(slow)} queries miss p95 ≤ 200 ms at {big:,}. Measured cause: "
              "their cost follows the number of activities they touch (rows column; p50 at "
              f"{small:,} vs {big:,} below), i.e. they scan or aggregate a large share of the "
              "graph; the access path each query's header declares is quoted:")
            s("")
            for name in slow:
                o, o2 = oxb[name], oxs.get(name, {})
                grow = f"{o['p50'] / o2['p50']:.1f}× its {small:,} time" if o2.get("p50") else ""
                s(f"- `{name}`: p50 {fmt_ms(o['p50'])} ms, {o['rows']:,} rows, {grow}; "
                  f"index: {notes.get(name) or '–'}")
            s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 5. API
    api = r.get("api")
    if api:
        S = []
        s = S.append
        n = api["activities"]
        s(f"## 5. REST API overhead ({n:,} activities)")
        s("")
        s("`tripskg serve --dist <dist> --port <free> --timeout 120` (2 query workers); "
          "client: httpx, sequential, 127.0.0.1, `GET /api/queries/<name>?…&format=json` "
          "(the body is read and parsed). In-process baseline, interleaved with the API calls "
          "in the same client process: the same bound text through `run_local(store, text, "
          "limit=10000)` on the **same on-disk store** the server's workers read "
          "(`Store.read_only`). Added = median of the per-pair differences.")
        s("")
        if "startup_s" in api:
            rss = api.get("server_rss") or {}
            s(f"Server start (load the dump into its on-disk store, caches, search index): "
              f"{fmt_s(api['startup_s'])} s; peak RSS of its processes: "
              + (", ".join(fmt_mb(x) for x in sorted(rss.values(), reverse=True)) or "–") + ".")
            s("")
        if "error" in api:
            s(api["error"])
            s("")
        run = api.get("run")
        if isinstance(run, Run) and not run.ok:
            s(run.reason)
            s("")
        if isinstance(run, Run) and run.ok:
            qrun = r.get("queries", {}).get(f"oxigraph-{n}")
            mem = qrun.data["queries"] if isinstance(qrun, Run) and qrun.ok else {}
            s("| query | rows | runs | in-process p50 ms (same on-disk store) | API p50 ms | "
              "API p95 ms | **added** ms (p50) | ≤ 10 ms | API p50 ms without gzip | added "
              "without gzip | in-memory store p50 ms (figure 4) | API − in-memory ms |")
            s("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
            added = []
            for name, d in run.data["queries"].items():
                added.append((name, d["added_p50"], d["rows"]))
                same = "" if d["same_rows"] else " (rows differ!)"
                m50 = mem.get(name, {}).get("p50")
                s(f"| {name} | {d['rows']:,}{same} | {d['runs']} | {fmt_ms(d['local_p50'])} | "
                  f"{fmt_ms(d['api_p50'])} | {fmt_ms(d['api_p95'])} | {fmt_ms(d['added_p50'])} "
                  f"| {yes(d['added_p50'] <= TARGETS['api_added_ms'])} | "
                  f"{fmt_ms(d.get('plain_p50'))} | {fmt_ms(d.get('plain_added_p50'))} | "
                  f"{fmt_ms(m50)} | {fmt_ms(d['api_p50'] - m50 if m50 is not None else None)} |")
            s("")
            s("'Added' is the API's own cost (HTTP, binding, the worker hand-off, JSON, the "
              "client's parse) over the same store; 'API − in-memory' is what a user of the API "
              "pays over `tripskg query`, whose store is in memory. 'Without gzip': the same "
              "request with `Accept-Encoding: identity` (the server compresses bodies over "
              "1,000 bytes with Starlette's GZipMiddleware; httpx asks for gzip by default).")
            s("")
            both = [(d["local_p50"], mem[k]["p50"]) for k, d in run.data["queries"].items()
                    if k in mem and mem[k]["p50"] >= 1]
            if both:
                factor = statistics.median(x / y for x, y in both)
                s(f"The server's on-disk store (RocksDB, opened read-only by each worker) runs "
                  f"these queries at a median **{factor:.1f}×** the time of the in-memory store "
                  "that `tripskg query` and figure 4 use (queries of ≥ 1 ms); that cost is the "
                  "store's, not the API's, and is not counted in 'added'.")
                s("")
            if len(added) >= 3 and len({x[2] for x in added}) > 1:
                mx = statistics.mean(x[2] for x in added)
                my = statistics.mean(x[1] for x in added)
                sxx = sum((x[2] - mx) ** 2 for x in added)
                slope = sum((x[2] - mx) * (x[1] - my) for x in added) / sxx
                s(f"Added time against rows returned (least squares over these queries): "
                  f"{my - slope * mx:.1f} ms + {slope * 1000:.1f} µs per row.")
                gz = [(k, d) for k, d in run.data["queries"].items() if "plain_added_p50" in d]
                if gz:
                    k, d = max(gz, key=lambda x: x[1]["rows"])
                    s(f"gzip, measured on the largest answer (`{k}`, {d['rows']:,} rows): added "
                      f"{d['added_p50']:.1f} ms with it, {d['plain_added_p50']:.1f} ms without.")
                s("")
            for name, p50 in (api.get("left_out") or {}).items():
                s(f"- `{name}` left out: the query itself takes {fmt_ms(p50)} ms in memory "
                  "(figure 4), over the 200 ms target already, and a few ms are below its "
                  "run-to-run noise.")
            if api.get("left_out"):
                s("")
            if added:
                small_rows = [a_ for a_ in added if a_[2] <= 1000]
                worst = max(added, key=lambda x: x[1])
                med = statistics.median(x[1] for x in (small_rows or added))
                summary.append((f"REST API adds ≤ 10 ms ({n:,}, same store)",
                                f"median {med:.1f} ms over queries of ≤ 1,000 rows; worst "
                                f"{worst[1]:.1f} ms ({worst[0]}, {worst[2]:,} rows)",
                                yes(worst[1] <= TARGETS["api_added_ms"])))
                vs_mem = [(k, d["api_p50"] - mem[k]["p50"]) for k, d in
                          run.data["queries"].items() if k in mem]
                if vs_mem:
                    wk = max(vs_mem, key=lambda x: x[1])
                    summary.append((f"REST API over `tripskg query`'s in-memory store ({n:,})",
                                    f"{min(x[1] for x in vs_mem):.1f} to {wk[1]:.1f} ms "
                                    f"({wk[0]})",
                                    yes(wk[1] <= TARGETS["api_added_ms"])))
                over = [x for x in added if x[1] > TARGETS["api_added_ms"]]
                if over:
                    s("**Gap:** " + "; ".join(f"`{nm}` adds {ms:.1f} ms for {rows:,} rows"
                                              for nm, ms, rows in over)
                      + ". What the API does beyond the in-process run, per row: the query "
                        "worker writes the W3C results document with pyoxigraph (TSV, cut at "
                        "the result limit, then JSON), the web process sends the bytes, and the "
                        "client parses them (its JSON parse counts, the baseline builds Python "
                        "rows instead); see the per-row cost above. The larger cost for users "
                        "is the server's on-disk store (the 'API − in-memory' column); forking "
                        "the workers from an in-memory store in read-only mode would remove "
                        "it (not built).")
                    s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- 6. throughput
    th = r.get("throughput")
    if th:
        S = []
        s = S.append
        n = th["activities"]
        s(f"## 6. Endpoint throughput ({n:,} activities)")
        s("")
        s(f"The same dump served by `tripskg serve` (`/sparql`, 2 query workers) and by "
          f"rdflib-endpoint (`rdflib-endpoint serve tripskg.nt`: rdflib `Dataset`, "
          f"default store), one after the other. Client: httpx async, at most "
          f"{args.requests} requests, {args.concurrency} at a time, POST form "
          f"`query=…`, `Accept: application/sparql-results+json`, response parsed; mix in "
          f"rotation: {', '.join(MIX_QUERIES)} (saved queries' bound text) and a resource "
          f"lookup (`SELECT ?p ?o WHERE {{ <activity> ?p ?o }}`, a different activity each "
          f"time). Bounded in time: no new request after {args.window:.0f} s, and requests "
          f"still running {args.grace:.0f} s later are cancelled and not counted (their time "
          "is); requests/s = completed / elapsed.")
        s("")
        s("| server | start s | completed | errors | elapsed s | requests/s | "
          + " | ".join(f"p50 ms {k}" for k in [*MIX_QUERIES, "resource"]) + " | peak RSS |")
        s("|---|---:|---:|---:|---:|---:|" + "---:|" * (len(MIX_QUERIES) + 2))
        rps: dict[str, float] = {}
        rows: dict[str, dict[str, int]] = {}
        kinds: list[str] = []
        for name, e in th.get("servers", {}).items():
            if "error" in e:
                s(f"| {name} | {e['error']} |" + " |" * (len(MIX_QUERIES) + 6))
                continue
            run = e["run"]
            if not run.ok:
                s(f"| {name} | {fmt_s(e['startup_s'])} | {run.reason} |"
                  + " |" * (len(MIX_QUERIES) + 5))
                continue
            d = run.data
            rps[name] = d["rps"] if d["completed"] else -d["elapsed_s"]  # < 1 per elapsed
            rows[name] = d["rows"]
            kinds = d["kinds"]
            rss = max((e.get("rss") or {0: 0}).values())
            s(f"| {name} | {fmt_s(e['startup_s'])} | {d['completed']} | {d['errors']} | "
              f"{fmt_s(d['elapsed_s'])} | {d['rps']:.2f} | "
              + " | ".join(fmt_ms(d["p50_ms"].get(k)) for k in [*MIX_QUERIES, "resource"])
              + f" | {fmt_mb(rss)} |")
        s("")
        rd = th.get("servers", {}).get("rdflib-endpoint", {}).get("run")
        if isinstance(rd, Run) and rd.ok and len(rd.data["p50_ms"]) > 1:
            p50s = rd.data["p50_ms"].values()
            spread = (max(p50s) - min(p50s)) / max(min(p50s), 1e-9)
            if spread < 0.05:
                s(f"rdflib-endpoint's answers came back together (p50 of every kind within "
                  f"{spread:.1%} of each other, the millisecond resource lookups included): its "
                  "`async` request handler runs `graph.query(…)` without yielding the event "
                  "loop, so concurrent requests wait for one another and for the slowest, "
                  f"activities-by-country (over {args.rdflib_timeout:.0f} s in rdflib alone, "
                  f"figure 4). With {rd.data['completed']} completed requests, its rate is "
                  "coarse; the ratio is dominated by that query.")
                s("")
        for name, e in th.get("servers", {}).items():
            if "run" in e and e["run"].ok and e["run"].data["error_samples"]:
                s(f"- {name} errors, e.g.: " + "; ".join(e["run"].data["error_samples"]))
        if len(rps) == 2 and rps["tripskg serve"] > 0 and rps["rdflib-endpoint"] < 0:
            bound = rps["tripskg serve"] * -rps["rdflib-endpoint"]
            s(f"rdflib-endpoint completed no request within {-rps['rdflib-endpoint']:.0f} s: "
              f"tripskg serve / rdflib-endpoint > **{bound:,.0f}×** (a lower bound).")
            s("")
            summary.append((f"endpoint throughput ≥ 10× rdflib-endpoint ({n:,})",
                            f"> {bound:,.0f}×", yes(bound >= TARGETS["throughput_ratio"])))
        elif len(rps) == 2 and min(rps.values()) > 0:
            ratio = rps["tripskg serve"] / rps["rdflib-endpoint"]
            ra, rb = rows["tripskg serve"], rows["rdflib-endpoint"]
            common = sorted(set(ra) & set(rb), key=int)
            differ = sorted({kinds[int(i)] for i in common if ra[i] != rb[i]})
            s(f"tripskg serve / rdflib-endpoint: **{fmt_ratio(ratio)}** the requests per "
              f"second. Same rows from both servers for the {len(common)} requests both "
              "completed: " + ("yes." if not differ else f"**no** ({', '.join(differ)})."))
            s("")
            summary.append((f"endpoint throughput ≥ 10× rdflib-endpoint ({n:,})",
                            fmt_ratio(ratio), yes(ratio >= TARGETS["throughput_ratio"])))
        if "error" in th:
            s(th["error"])
            s("")
        sections.append("\n".join(S))

    # ---------------------------------------------------------------- summary + rest
    if summary:
        w("## Targets")
        w("")
        w("| target | measured | |")
        w("|---|---|---|")
        for t, m, ok in summary:
            w(f"| {t} | {m} | {ok} |")
        w("")
    L += [sec + "\n" for sec in sections]
    if not args.large:
        w("## bench-large (1M activities)")
        w("")
        w("`make bench-large` (`benchmarks/run.py --large`) generates 1,000,000 activities and "
          "runs the build and its floor only, writing `benchmarks/RESULTS-large.md`; it is not "
          "part of `make bench`. Run it on an otherwise idle machine: a step is stopped when "
          "its processes pass the memory limit (`--mem-limit-gb`, default: the memory available "
          "at the start minus 2 GB, at most 16 GB), since an out-of-memory kill would hit other "
          "processes too.")
        w("")
    w("## Method")
    w("")
    w("- Each step is a separate process in its own process group with a timeout and a memory "
      "watchdog; a failed or skipped step is written as such and the suite goes on. "
      "Wall time is measured around the process; peak RSS is the process's `ru_maxrss` from "
      "`wait4(2)` (servers: `VmHWM` of each of their processes).")
    w("- Logs of every step are in the work folder under /tmp while the suite runs "
      "(`--keep` keeps them).")
    w(f"- Memory limit per step in this run: {args.mem_limit_note}.")
    w("")
    return "\n".join(L).rstrip() + "\n"


# =========================================================================== main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        return child_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--large", action="store_true",
                    help="1M activities: build + floor only (writes RESULTS-large.md)")
    ap.add_argument("--out", type=Path, default=None, help="results file")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds for the whole run [default: 840; --large: 14400]")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                    help="activities per build, comma-separated [default: 10000,100000]")
    ap.add_argument("--shacl-activities", type=int, default=200,
                    help="graph size for pyshacl vs the SPARQL engine [default: 200]")
    ap.add_argument("--shacl-reports", type=int, default=20)
    ap.add_argument("--pyshacl-timeout", type=float, default=200.0)
    ap.add_argument("--reps", type=int, default=20, help="timed runs per query")
    ap.add_argument("--rdflib-timeout", type=float, default=4.0,
                    help="seconds before an rdflib query run is stopped")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--window", type=float, default=20.0,
                    help="seconds during which requests are sent to each endpoint")
    ap.add_argument("--grace", type=float, default=45.0,
                    help="seconds after --window before running requests are cancelled")
    ap.add_argument("--build-timeout", type=float, default=None)
    ap.add_argument("--mem-limit-gb", type=float, default=None)
    ap.add_argument("--label", default=None, help="command shown in the results (make target)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder under /tmp")
    args = ap.parse_args(argv)
    args.out = args.out or (RESULTS_LARGE if args.large else RESULTS)
    args.budget = args.budget or (14_400.0 if args.large else 840.0)
    args.sizes = args.sizes or ([1_000_000] if args.large else [10_000, 100_000])
    args.build_timeout = args.build_timeout or (10_800.0 if args.large else 600.0)
    suite = Suite(args)
    args.mem_limit_note = f"{suite.mem_limit / 2**20:.1f} GB"
    return suite.main()


if __name__ == "__main__":
    sys.exit(main())
