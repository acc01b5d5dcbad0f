"""Bounded load test of ``tripskg serve`` against rdflib-endpoint serving the same dump.

Both servers are started by this script on 127.0.0.1 (free ports), get the same request mix,
one after the other in the same run, and are stopped at the end. Every run sends a fixed
number of requests and stops by itself; nothing leaves 127.0.0.1.

The mix (deterministic for a seed): 40 % saved-query API calls (``/api/queries/<name>``),
30 % linked-data resources fetched with content negotiation (Turtle, JSON-LD, N-Triples,
HTML), 30 % SPARQL queries. rdflib-endpoint has no saved-query API and no resource pages, so
it gets the equivalent SPARQL: the saved query bound exactly as tripskg binds it, and
``CONSTRUCT { <iri> ?p ?o } WHERE { <iri> ?p ?o }`` for a resource.

    python benchmarks/load.py --dist /tmp/synthetic-dist --requests 20000 --concurrency 50 \
        --rdflib-requests 1000 --json results.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

BASE = "https://w3id.org/tripskg/"
HOST = "127.0.0.1"
PREFIXES = "PREFIX tkg: <https://w3id.org/tripskg/def/>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
COUNTRIES = ["KEN", "GHA", "VNM", "PER", "BGD", "NPL", "SEN", "UGA", "KHM", "ETH"]
ACCEPTS = ["text/turtle", "application/ld+json", "application/n-triples", "text/html"]


@dataclass
class Req:
    kind: str  # "api" | "resource" | "sparql"
    path: str  # tripskg request (path + query string)
    accept: str
    sparql: str  # the same request as SPARQL (for rdflib-endpoint)
    sparql_accept: str


@dataclass
class Result:
    server: str
    requests: int
    concurrency: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    load_seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        every = sorted(x for v in self.latencies.values() for x in v)
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        not_sent = self.statuses.get("not sent", 0)
        sent = self.requests - not_sent

        def pct(xs: list[float], p: float) -> float:
            if not xs:
                return float("nan")
            return round(1000 * xs[min(len(xs) - 1, int(p / 100 * len(xs)))], 1)

        out: dict[str, object] = {
            "server": self.server, "requests": self.requests, "concurrency": self.concurrency,
            "seconds": round(self.seconds, 1),
            "throughput_rps": round(sent / self.seconds, 1) if self.seconds else 0,
            "ok": ok, "errors": sent - ok, "not_sent": not_sent,
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": pct(every, 50), "p95_ms": pct(every, 95), "p99_ms": pct(every, 99),
            "mean_ms": round(1000 * statistics.fmean(every), 1) if every else None,
            "by_kind": {k: {"n": len(v), "p50_ms": pct(sorted(v), 50),
                            "p95_ms": pct(sorted(v), 95), "p99_ms": pct(sorted(v), 99)}
                        for k, v in sorted(self.latencies.items())},
            "peak_rss_mb": self.peak_rss_mb, "startup_seconds": round(self.load_seconds, 1),
            "first_errors": self.errors[:5],
        }
        return out


# --------------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, name: str, cmd: list[str], url: str, probe: str, log: Path) -> None:
        self.name, self.cmd, self.url, self.probe, self.log = name, cmd, url, probe, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: float) -> float:
        t0 = time.monotonic()
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(self.cmd, stdout=fh, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        while time.monotonic() - t0 < wait:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + self.probe, timeout=5).status_code < 500:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} did not start within {wait:.0f} s")

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM of the server process and of each child (query workers)."""
        assert self.proc is not None
        out: dict[str, float] = {}
        pids = [self.proc.pid]
        with contextlib.suppress(OSError):
            pids += [int(c) for c in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
                     .read_text().split()]
        for i, pid in enumerate(pids):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out["server" if i == 0 else f"child{i}"] = round(
                            int(line.split()[1]) / 1024, 1)
            except OSError:
                continue
        return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


# --------------------------------------------------------------------------- the mix
def sample_iris(url: str) -> dict[str, list[str]]:
    """Reports and activities to ask for, taken from the served graph itself."""
    out: dict[str, list[str]] = {}
    for key, cls, n in (("reports", "Report", 100), ("activities", "Activity", 2000)):
        q = f"{PREFIXES}SELECT ?x WHERE {{ ?x a tkg:{cls} }} LIMIT {n}"
        r = httpx.get(url + "/sparql", params={"query": q}, timeout=120,
                      headers={"Accept": "application/sparql-results+json"})
        r.raise_for_status()
        out[key] = [b["x"]["value"] for b in r.json()["results"]["bindings"]]
    if not out["reports"] or not out["activities"]:
        raise RuntimeError("the served graph has no reports or activities")
    return out


def build_mix(n: int, seed: int, iris: dict[str, list[str]], kind: str) -> list[Req]:
    from tripskg.queries import bind, load_queries
    from tripskg.reference import load_reference

    queries = load_queries()
    ref = load_reference()
    rng = random.Random(seed)
    mix: list[Req] = []

    def api(name: str, params: dict[str, str]) -> Req:
        if any(p.name == "kind" for p in queries[name].params):
            params = {**params, "kind": kind}
        text, _ = bind(queries[name], params, ref)
        qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        return Req("api", f"/api/queries/{name}?{qs}", "application/sparql-results+json", text,
                   "application/sparql-results+json")

    for i in range(n):
        slot = i % 10
        report = rng.choice(iris["reports"])
        activity = rng.choice(iris["activities"])
        if slot < 4:
            # the saved queries that look up one report or one country (the others scan every
            # activity: their single-request latency is measured by --profile instead)
            choice = rng.randrange(4)
            if choice == 0:
                mix.append(api("report-summary", {"report": report}))
            elif choice == 1:
                mix.append(api("mentions", {"report": report}))
            else:
                mix.append(api("activities-by-country", {"country": rng.choice(COUNTRIES)}))
        elif slot < 7:
            iri = rng.choice([activity, report, BASE + "id/country/" + rng.choice(COUNTRIES)])
            accept = rng.choice(ACCEPTS)
            construct = f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
            mix.append(Req("resource", "/" + iri[len(BASE):], accept, construct,
                           "text/turtle" if accept == "text/html" else accept))
        else:
            choice = rng.randrange(3)
            if choice == 0:
                q = (f"{PREFIXES}SELECT ?a ?title WHERE {{ ?a dct:isPartOf <{report}> ; "
                     "dct:title ?title } LIMIT 50")
            elif choice == 1:
                q = f"{PREFIXES}SELECT ?p ?o WHERE {{ <{activity}> ?p ?o }}"
            else:
                q = f"{PREFIXES}ASK {{ <{activity}> a tkg:Activity }}"
            mix.append(Req("sparql", "/sparql?query=" + quote(q, safe=""),
                           "application/sparql-results+json", q,
                           "application/sparql-results+json"))
    return mix


def profile(url: str, iris: dict[str, list[str]], kind: str) -> list[dict[str, object]]:
    """Every saved query once more after a warm-up, one at a time: its latency alone."""
    report = iris["reports"][0]
    values = {"report": report, "country": "KEN", "area": "health", "from": "2015-03-01",
              "to": "2015-03-31", "since": "2024-01-01", "kind": kind,
              "treaty": BASE + "id/treaty/pct"}
    out = []
    with httpx.Client(base_url=url, timeout=120) as c:
        for q in c.get("/api/queries").json():
            params = {p["name"]: values[p["name"]] for p in q["params"] if p["name"] in values}
            times, r = [], None
            for _ in range(2):
                t0 = time.monotonic()
                r = c.get(f"/api/queries/{q['name']}", params={**params, "shape": "rows"})
                times.append(time.monotonic() - t0)
            assert r is not None
            rows = len(r.json().get("rows", [])) if r.status_code == 200 else None
            out.append({"query": q["name"], "params": params, "status": r.status_code,
                        "rows": rows, "seconds": round(min(times), 3)})
    return out


# --------------------------------------------------------------------------- the run
async def run(server: Server, mix: list[Req], concurrency: int, as_sparql: bool,
              timeout: float, max_seconds: float) -> Result:
    """Send every request of ``mix`` with ``concurrency`` clients; after ``max_seconds`` no
    new request is sent (the rest count as ``not sent``), so a run always ends."""
    res = Result(server.name, len(mix), concurrency)
    stop_at = time.monotonic() + max_seconds
    queue: asyncio.Queue[Req] = asyncio.Queue()
    for r in mix:
        queue.put_nowait(r)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client(c: httpx.AsyncClient) -> None:
        while True:
            try:
                req = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if time.monotonic() > stop_at:
                res.statuses["not sent"] = res.statuses.get("not sent", 0) + 1
                continue
            t0 = time.monotonic()
            try:
                if as_sparql:
                    r = await c.post(server.url, data={"query": req.sparql},
                                     headers={"Accept": req.sparql_accept})
                else:
                    r = await c.get(server.url + req.path, headers={"Accept": req.accept})
                status = str(r.status_code)
                if r.status_code >= 400:
                    res.errors.append(f"{r.status_code} {req.kind} {req.path[:100]}: "
                                      f"{r.text[:120]!r}")
            except httpx.HTTPError as e:
                status = type(e).__name__
                res.errors.append(f"{status} {req.kind} {req.path[:100]}")
            res.latencies.setdefault(req.kind, []).append(time.monotonic() - t0)
            res.statuses[status] = res.statuses.get(status, 0) + 1

    t0 = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as c:
        await asyncio.gather(*(client(c) for _ in range(concurrency)))
    res.seconds = time.monotonic() - t0
    res.peak_rss_mb = server.peak_rss_mb()
    return res


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", type=Path, required=True, help="a built dist/ folder")
    ap.add_argument("--requests", type=int, default=20_000, help="requests to tripskg serve")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--rdflib-requests", type=int, default=1_000,
                    help="requests to rdflib-endpoint (0: skip it)")
    ap.add_argument("--workers", type=int, default=2, help="tripskg serve --workers")
    ap.add_argument("--timeout", type=float, default=10.0, help="tripskg serve --timeout")
    ap.add_argument("--kind", default="all", help="kind= of the saved queries")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true",
                    help="first time every saved query alone on the idle tripskg server")
    ap.add_argument("--max-seconds", type=float, default=1800,
                    help="per server: send no new request after this long (the run ends)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    dist = args.dist.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="tripskg-load-"))
    results: list[dict[str, object]] = []
    try:
        port = free_port()
        tk = Server("tripskg serve", [sys.executable, "-m", "tripskg.cli", "-q", "serve",
                                      "--dist", str(dist), "--host", HOST, "--port", str(port),
                                      "--workers", str(args.workers),
                                      "--timeout", str(args.timeout)],
                    f"http://{HOST}:{port}", "/", tmp / "tripskg.log")
        startup = tk.start(wait=1800)
        try:
            iris = sample_iris(tk.url)
            profiled = profile(tk.url, iris, args.kind) if args.profile else []
            mix = build_mix(args.requests, args.seed, iris, args.kind)
            r = asyncio.run(run(tk, mix, args.concurrency, False, 120.0, args.max_seconds))
            r.load_seconds = startup
            results.append(r.summary())
            if profiled:
                results[-1]["saved_queries_alone"] = profiled
            print(json.dumps(results[-1]), flush=True)
        finally:
            tk.stop()
        if args.rdflib_requests > 0:
            nt = tmp / "tripskg.nt"
            with gzip.open(dist / "tripskg.nt.gz", "rb") as src, nt.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            port = free_port()
            rdfe_bin = Path(sys.executable).parent / "rdflib-endpoint"
            rl = Server("rdflib-endpoint", [str(rdfe_bin), "serve", str(nt), "--host", HOST,
                                            "--port", str(port)],
                        f"http://{HOST}:{port}/", "", tmp / "rdflib.log")
            startup = rl.start(wait=3600)
            try:
                mix = build_mix(args.rdflib_requests, args.seed, iris, args.kind)
                r = asyncio.run(run(rl, mix, args.concurrency, True, 600.0, args.max_seconds))
                r.load_seconds = startup
                results.append(r.summary())
                print(json.dumps(results[-1]), flush=True)
            finally:
                rl.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
