"""The suite: generates the data, runs every step within the time budget and collects the figures."""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .common import BIN, GENERATE, RESULTS, RESULTS_LARGE, ROOT, RUN, TARGETS, TRIPSKG, fmt_mb
from .pages import fig_pages
from .processes import Run, build_jobs, build_steps, free_port, run_child, start_server
from .report import render, requote_large
from .report_sidebyside import FIRST_PAGE_MS
from .storecost import fig_storecost, slow


# =========================================================================== the suite
def _file_digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
        cmd = [sys.executable, str(RUN), "child", kind, "--json", str(out),
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
        if self.args.large and self.args.out == RESULTS_LARGE:
            requote_large(RESULTS)  # RESULTS.md quotes these targets

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
        # the default build (no flags) has no site since issue 18: --site adds it
        cmd = [TRIPSKG, "-v", "build", "--data", str(data), "--out", str(out), *extra]
        if site:
            cmd.append("--site")
        run = self.proc(cmd, self.args.build_timeout,
                        name or f"build-{n}{'-site' if site else ''}")
        run.data = {"dist": str(out), "steps": build_steps(run.stderr, run.seconds),
                    "jobs": build_jobs(run.stderr),
                    "jobs_cpu": build_jobs(run.stderr, cpu=True)}
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
                previous = out.resolve()  # the clean build follows the same version
                run = self.build(n, data, site=False, out=out, name=f"incremental-{n}")
                entry["run"] = run
                if run.ok and n == min(self.args.sizes):
                    clean = self.work / f"dist-{n}-clean"
                    ref = self.build(n, data, site=False, out=clean, extra=(
                        "--no-cache", "--previous", str(previous)), name=f"clean-{n}")
                    if ref.ok:
                        a, b = _file_digests(out), _file_digests(clean)
                        entry["identical"] = a == b
                        entry["differ"] = sorted(k for k in a.keys() | b.keys()
                                                 if a.get(k) != b.get(k))[:5]
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

    def fig_cli(self) -> None:
        """``tripskg query NAME --from dist`` as a user runs it, each call a fresh process:
        over the query store (median of ``CLI_RUNS``), and once with the store hidden (the
        dump loaded, as before issue 18)."""
        from .cli_figure import cli_runs

        f = self.r["cli"] = {}
        for n in self.args.sizes:
            dist = self.dists.get(n)
            need = 60 if n <= 10_000 else 150
            if dist is None or not self.fits(need):
                f[n] = {"error": "skipped: no build" if dist is None else self.skip_reason(need)}
                continue
            f[n] = cli_runs(dist, self.data[n], self.logs / f"cli-{n}.log")
            self.save()

    def fig_sidebyside(self) -> None:
        """tripskg serve vs Oxigraph's server vs Virtuoso on the largest build (see
        bench/sidebyside.py): 2 calls per query and engine after a first, 2 rounds of 8 s per engine at
        concurrency 1 and 8."""
        n = max(self.args.sizes)
        f = self.r["sidebyside"] = {"activities": n}
        dist = self.dists.get(n)
        need = 240 if n <= 10_000 else 540  # four servers (tripskg twice)
        if dist is None or not self.fits(need):
            f["error"] = "skipped: no build" if dist is None else self.skip_reason(need)
            return
        f["run"] = self.child("sidebyside", min(self.left(), need * 2), "--dist", dist,
                              "--data", self.data[n], "--store", self.work / "sidebyside",
                              "--reps", 2, "--requests", 2, "--window", 8, "--per-report", 5)

    def fig_storecost(self) -> None:
        """Where the slow first pages and the whole download of figure 6 spend their time
        (bench/storecost.py); after the other figures, in the time left (at most 60 s)."""
        f = self.r.get("sidebyside", {})
        run = f.get("run")
        if isinstance(run, Run) and run.ok:
            pages = slow(run.data.get("api_nocache"), FIRST_PAGE_MS)[0]
            whole = slow(run.data.get("api"), FIRST_PAGE_MS)[1]
            f["cost"] = fig_storecost(self, f["activities"], self.dists[f["activities"]],
                                      pages, whole, budget=60)

    def fig_api(self) -> None:
        n = max(self.args.sizes)
        f = self.r["api"] = {"activities": n}
        dist = self.dists.get(n)
        if dist is None:
            f["error"] = "skipped: no build"
            return
        need = 75  # measured: 45 s at 100,000 (start 12 s, the child 33 s)
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
        # --cache-mb 0: the figure is what the API adds to running the query
        cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1", "--port",
               str(port), "--timeout", "120", "--cache-mb", "0"]
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
                # --cache-mb 0: the engines compared, not tripskg's answer cache
                cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1",
                       "--port", str(port), "--timeout", "120", "--cache-mb", "0"]
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
            if a.large:
                self.step("pages", lambda: fig_pages(self))
            else:
                self.step("cli", self.fig_cli)
                # the side by side early: the targets of issue 18 are measured there
                self.step("sidebyside", self.fig_sidebyside)
                self.step("queries", self.fig_queries)
                self.step("validation", self.fig_validation)
                self.step("api", self.fig_api)
                self.step("throughput", self.fig_throughput)
                self.step("storecost", self.fig_storecost)
                self.step("site", self.fig_site)
        finally:
            self.save()
            if a.keep:
                self.say(f"kept {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)
        self.say(f"wrote {a.out} ({time.perf_counter() - self.t0:.0f} s)")
        return 0


