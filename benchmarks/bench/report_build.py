"""RESULTS.md sections about building: build, incremental rebuild, SHACL validation."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .common import LARGE_TARGETS, TARGETS, fmt_mb, fmt_ratio, fmt_s, yes
from .processes import Run, run_cell


def section_build(r: dict[str, Any], args: argparse.Namespace, summary: list[tuple[str, str, str]],
        sections: list[str]) -> None:
    """Section: build."""
    # make bench-large (1M activities) has the targets of issue 18: ≤ 10 min, ≤ 12 GB
    targets = {**TARGETS, **(LARGE_TARGETS if args.large else {})}
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
          "the build. Peak RSS: `ru_maxrss` of each process (`wait4`): the largest single "
          "process. Peak Pss: the sum of the proportional set sizes of all the step's "
          "processes (pages a forked worker shares with the build count once), sampled every "
          "10 s. CPU: user + system seconds of the build and every process it waited for "
          "(`wait4`).")
        s("")
        s("| activities | triples | build s | build CPU s | build peak RSS | build peak Pss "
          "(all processes) | floor s (load only) | floor runs | floor peak RSS | build / floor |")
        s("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios: dict[int, float] = {}
        for n, e in b.items():
            if "error" in e:
                s(f"| {n:,} | | {e['error']} | | | | | | | |")
                continue
            run: Run = e["run"]
            fl = e.get("floor", {})
            ratio = run.seconds / fl["wall_s"] if run.ok and fl.get("wall_s") else None
            if ratio:
                ratios[n] = ratio
            triples = run.data.get("triples")
            floor_cell = f"{fmt_s(fl['wall_s'])} ({fmt_s(fl['load_s'])})" if fl.get(
                "wall_s") else "; ".join(x.reason for x in fl.get("runs", [])) or "–"
            s(f"| {n:,} | {triples or 0:,} | {run_cell(run)} | {run.cpu_s:,.0f} | "
              f"{fmt_mb(run.rss_kb)} | {fmt_mb(run.pss_kb)} | {floor_cell} | {len(fl.get('runs', []))} | {fmt_mb(fl.get('rss_kb'))} | "
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
            summary.append((f"build ≤ {targets['build_s']:.0f} s at {big:,}",
                            run_cell(run) + (" s" if run.ok else ""),
                            yes(run.seconds <= targets["build_s"]) if run.ok else "–"))
            summary.append((f"build ≤ {targets['build_floor']:.0f}× the floor at {big:,}",
                            fmt_ratio(ratios.get(big)),
                            yes(ratios[big] <= targets["build_floor"]) if big in ratios
                            else "–"))
            summary.append((f"build peak RSS ≤ {targets['build_rss_gb']:.0f} GB at {big:,}",
                            fmt_mb(run.rss_kb),
                            yes(run.rss_kb / 2**20 <= targets["build_rss_gb"])
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
                if b[big]["run"].seconds > targets["build_s"] or \
                        ratios[big] > targets["build_floor"]:
                    gap.append(f"**Gap at {big:,}:** the build took "
                               f"{b[big]['run'].seconds:.0f} s = {ratios[big]:.1f}× the floor "
                               f"({fl:.1f} s); target ≤ {targets['build_s']:.0f} s and ≤ "
                               f"{targets['build_floor']:.0f}× (= {targets['build_floor'] * fl:.0f} s "
                               "here). Dominant steps, measured: " + "; ".join(
                                   f"{lbl} {sec:.0f} s ({100 * sec / tot:.0f}%, "
                                   f"{sec / fl:.1f}× the floor)" for lbl, sec in top) + ".")
                    cores = os.cpu_count() or 1
                    cpu = b[big]["run"].cpu_s
                    if cpu:
                        gap.append(f"The build used {cpu:,.0f} CPU-s (user + system, all its "
                                   f"processes) on {cores} cores: at least {cpu / cores:.0f} s "
                                   "of wall time however its steps are ordered.")
                if b[big]["run"].rss_kb / 2**20 > targets["build_rss_gb"]:
                    gap.append(f"Peak RSS {fmt_mb(b[big]['run'].rss_kb)} is "
                               f"{b[big]['run'].rss_kb / max(1, b[big]['floor'].get('rss_kb', 1)):.1f}× "
                               "the floor's (the in-memory store plus the Python objects of "
                               "every record, the sorted triple/quad lists of the dumps and "
                               "the SHACL results are held at once).")
                if gap:
                    s(" ".join(gap))
                    s("")
        jobs = {n: e["run"].data.get("jobs", {}) for n, e in b.items() if "run" in e}
        cpus = {n: e["run"].data.get("jobs_cpu", {}) for n, e in b.items() if "run" in e}
        if any(jobs.values()):
            names: list[str] = []
            for js in [*jobs.values(), *cpus.values()]:
                names += [j for j in js if j not in names]
            s("Jobs of the step 'writing the dumps, validating with SHACL' (run side by side in "
              "worker processes, largest first; seconds each, so they add up to more than the "
              "step; a dump's pieces are written by several jobs, summed here), with the CPU "
              "seconds of each (the worker's own, all its threads: on 2 cores shared with the "
              "other jobs and the query store's writer, a job's seconds are more than its CPU); "
              "last, the CPU of the whole build, all its processes:")
            s("")
            s("| job | " + " | ".join(f"{n:,} s | {n:,} CPU-s" for n in jobs) + " |")
            s("|---|" + "---:|---:|" * len(jobs))
            for j in names:
                s(f"| {j} | " + " | ".join(f"{fmt_s(jobs[n].get(j))} | {fmt_s(cpus[n].get(j))}"
                                           for n in jobs) + " |")
            s("| **whole build** (reading, jobs, query store, the rest) | " + " | ".join(
                f"{fmt_s(b[n]['run'].seconds)} | {fmt_s(b[n]['run'].cpu_s)}" for n in jobs)
              + " |")
            s("")
        sections.append("\n".join(S))


def section_incremental(r: dict[str, Any], args: argparse.Namespace, summary: list[tuple[str, str, str]],
        sections: list[str]) -> None:
    """Section: incremental."""
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
          "graph's VoID figures, and what its N-Triples dump says). Unchanged reports stay "
          "out of the store; SHACL runs on the "
          "shared graphs, the changed report and every report's lines about shared subjects; "
          "unchanged dump pieces are copied from the last build. At the smaller size the result "
          "is compared, file by file, with a clean build of the edited data (`--no-cache "
          "--previous <the figure 1 build>`: the same version line, so `void.ttl`, "
          "`release.json`, `feeds/` and `versions/` can be the same bytes). The annex is "
          "restored afterwards.")
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
            s(f"| {n:,} | {fmt_s(e['full_s'])} | {run_cell(run)} | "
              f"{'' if ratio is None else f'{100 * ratio:.0f}%'} | "
              f"{yes(ratio <= 0.10) if ratio is not None else '–'} | "
              f"{'not checked at this size' if ident is None else yes(ident)}"
              f"{'' if ident in (None, True) else ' (' + ', '.join(e.get('differ', [])) + ')'}"
              " |")
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
                top = sorted(steps, key=lambda kv: -kv[1])[:2]
                s(f"**Gap:** the rebuild took {run.seconds:.1f} s = {100 * ratio:.0f}% of the "
                  "full build. Dominant steps, measured: " + "; ".join(
                      f"{lbl} {sec:.1f} s ({100 * sec / run.seconds:.0f}%)" for lbl, sec in top)
                  + ". Naming the version compares only the changed gzip members of the "
                  "N-Triples dump with the previous build's (the build cache keeps what the "
                  "last dump says), unless the step says it compared whole dumps; the rest is "
                  "what a rebuild does for the whole graph: start the interpreter, load the "
                  "cached reports' records and lines, copy the unchanged pieces and hash them, "
                  "and write the feeds of every activity.")
            s("")
        sections.append("\n".join(S))


def section_validation(r: dict[str, Any], args: argparse.Namespace, summary: list[tuple[str, str, str]],
        sections: list[str]) -> None:
    """Section: validation."""
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


