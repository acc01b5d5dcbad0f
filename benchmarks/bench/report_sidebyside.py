"""RESULTS.md section: tripskg serve side by side with Oxigraph's server and Virtuoso."""

from __future__ import annotations

import argparse
from typing import Any

from .common import TARGETS, fmt_mb, fmt_ms, yes
from .processes import Run

ORDER = ("tripskg", "oxigraph", "virtuoso")
FIRST_PAGE_MS = 200.0
FULL_CSV_S = 2.0


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median requests/s (errors summed over all rounds)."""
    ordered = sorted(rounds, key=lambda r: r["rps"])
    mid = dict(ordered[len(ordered) // 2])
    mid["errors"] = sum(r["errors"] for r in rounds)
    return mid


def section_sidebyside(r: dict[str, Any], args: argparse.Namespace,
                       summary: list[tuple[str, str, str]], sections: list[str]) -> None:
    f = r.get("sidebyside")
    if not f:
        return
    n = f["activities"]
    L = [f"## 6. Side by side at {n:,} activities: tripskg serve, Oxigraph's server, Virtuoso",
         "",
         "The same build served by `tripskg serve --limit 1000000`, by `oxigraph "
         "serve-read-only --union-default-graph` (PyPI `oxigraph`, store loaded with `oxigraph "
         "load` from `tripskg.nq.gz`) and by Virtuoso 7 (loaded with `tripskg push --bulk` and "
         "its bulk loader); each saved query bound as `tripskg query` binds it (parameters as "
         "in figure 4, `activities-by-treaty` with treaty=trips) and POSTed to each engine's "
         "SPARQL endpoint (results JSON). Per query: median of 3 calls per engine after a "
         "warm-up, engines interleaved call by call. Mixed load: the saved queries drawn at "
         "random (same seed per round for every engine), 2 rounds of 8 s per engine and "
         "concurrency, the engine order rotated each round; the median round is shown, errors "
         "summed over both. Server memory: peak RSS (VmHWM) summed over the server's processes.",
         ""]
    run: Run | None = f.get("run")
    if "error" in f or run is None or not run.ok:
        L.append(f"- {f.get('error') or (run.status if run else 'not run')}")
        sections.append("\n".join(L))
        return
    d = run.data
    engines = [e for e in ORDER if e in d["engines"]]
    L += ["| engine | ready s (load + start) | server peak RSS |", "|---|---:|---:|"]
    for e in engines:
        info = d["engines"][e]
        ready = info.get("error") or f"{info['ready_s']:.1f}"
        L.append(f"| {e} | {ready} | {fmt_mb(info.get('rss_kb'))} |")
    L += ["", "| query | rows (tripskg / oxigraph / virtuoso) | tripskg ms | oxigraph ms | "
          "virtuoso ms | tripskg / oxigraph |", "|---|---|---:|---:|---:|---:|"]
    worst = 0.0
    for name, q in d.get("per_query", {}).items():
        med = q["median_ms"]
        rows = " / ".join(str(q["rows"].get(e, "–")) for e in ORDER)
        same = len({q["rows"].get(e) for e in engines}) == 1
        worst = max(worst, med.get("tripskg") or 0.0)
        L.append(f"| {name} | {rows}{'' if same else ' **differ**'} | "
                 + " | ".join(fmt_ms(med.get(e)) for e in ORDER)
                 + f" | {_ratio(med.get('tripskg'), med.get('oxigraph'))} |")
    errs = {f"{name} ({e})": msg for name, q in d.get("per_query", {}).items()
            for e, msg in q["errors"].items()}
    if errs:
        L += ["", "Errors (first call of each):"] + [f"- {k}: `{v}`" for k, v in errs.items()]
    if d.get("left_out_of_mix"):
        L += ["", "Left out of the mixed load (an engine answered them with an error): "
              + ", ".join(d["left_out_of_mix"]) + "."]
    L += ["", "| concurrency | engine | req/s | p50 ms | p95 ms | errors | vs oxigraph |",
          "|---:|---|---:|---:|---:|---:|---:|"]
    for c, per in d.get("mixed", {}).items():
        mids = {e: _median_round(v) for e, v in per.items() if v}
        for e in ORDER:
            if e in mids:
                m = mids[e]
                L.append(f"| {c} | {e} | {m['rps']:.1f} | {fmt_ms(m['p50_ms'])} | "
                         f"{fmt_ms(m['p95_ms'])} | {m['errors']} | "
                         f"{_ratio(m['rps'], mids.get('oxigraph', {}).get('rps'))} |")
        if "tripskg" in mids and "oxigraph" in mids:
            t, o = mids["tripskg"], mids["oxigraph"]
            summary.append((f"mixed-load throughput ≥ 1.0× Oxigraph's server, concurrency {c} "
                            f"({n:,})", f"{_ratio(t['rps'], o['rps'])}, {t['errors']} errors",
                            yes(t["rps"] >= o["rps"] and t["errors"] == 0)))
    summary.append((f"every saved query's median ≤ 200 ms on tripskg serve ({n:,})",
                    f"worst {fmt_ms(worst)} ms", yes(worst <= TARGETS["query_p95_ms"])))
    rss = {e: d["engines"][e].get("rss_kb") for e in engines}
    if rss.get("tripskg") and rss.get("oxigraph"):
        summary.append((f"server memory ≤ 2× Oxigraph's server ({n:,})",
                        f"{fmt_mb(rss['tripskg'])} vs {fmt_mb(rss['oxigraph'])}",
                        yes(rss["tripskg"] <= 2 * rss["oxigraph"])))
    api = d.get("api")
    if api:
        p95 = api["first_page_p95_ms"]
        L += ["", "tripskg API, first page (`limit=100`) of each saved query, p95 of 5 calls "
              "(ms): " + ", ".join(f"{k} {fmt_ms(v)}" for k, v in p95.items()) + "."]
        full = api["full_csv"]
        L.append(f"The whole `activities-by-treaty` listing as one CSV download "
                 f"(`download=csv`): {full['rows']:,} rows in {full['s']:.2f} s "
                 f"(HTTP {full['status']}).")
        worst_page = max(p95.values()) if p95 else None
        summary.append((f"first page of any saved query p95 ≤ 200 ms ({n:,})",
                        f"worst {fmt_ms(worst_page)} ms",
                        yes(worst_page is not None and worst_page <= FIRST_PAGE_MS)))
        summary.append((f"the whole activities-by-treaty CSV ≤ 2 s ({n:,}; {full['rows']:,} "
                        "rows)", f"{full['s']:.2f} s", yes(full["s"] <= FULL_CSV_S)))
    sections.append("\n".join(L))
