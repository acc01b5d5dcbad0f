"""RESULTS.md section: tripskg serve side by side with Oxigraph's server and Virtuoso."""

from __future__ import annotations

import argparse
from typing import Any

from .common import TARGETS, fmt_mb, fmt_ms, yes
from .processes import Run

ORDER = ("tripskg", "tripskg-nocache", "oxigraph", "virtuoso")
TRIPSKG = (("tripskg", "tripskg serve"), ("tripskg-nocache", "tripskg serve --cache-mb 0"))
FIRST_PAGE_MS = 200.0
FULL_CSV_S = 2.0
LARGE_FIRST_PAGE_MS = 500.0  # bench-large (1M activities)


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
         "The same build served by `tripskg serve --limit 1000000` twice: as installed "
         "(**tripskg**: it keeps the answers it sent for this build, so a repeated request is "
         "not run again) and with `--cache-mb 0` (**tripskg-nocache**: every request runs its "
         "query, the engine-to-engine comparison); by `oxigraph serve-read-only "
         "--union-default-graph` (PyPI `oxigraph`, store loaded with `oxigraph load` from "
         "`tripskg.nq.gz`) and by Virtuoso 7 (loaded with `tripskg push --bulk` and its bulk "
         "loader). Each saved query bound as `tripskg query` binds it (parameters as in figure "
         "4, `activities-by-treaty` with treaty=trips) and POSTed to each engine's SPARQL "
         "endpoint (results JSON). Per query: median of 2 calls per engine after a first call "
         "(shown apart as *cold*: on tripskg nothing is kept yet; one call only when a first "
         "call took over 2 s somewhere, to keep the time budget), engines interleaved call by "
         "call. Mixed load: the saved queries drawn at random (same seed per round for every "
         "engine), 2 rounds of 8 s per engine and concurrency, the engine order rotated each "
         "round; the median round is shown, errors summed over both. The mix repeats the same "
         "10 requests, so on tripskg as installed almost every request of it is answered from "
         "memory: read the tripskg-nocache rows for what the engine does. Server memory: peak "
         "RSS (VmHWM) summed over the server's processes.",
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
    L += ["", "| query | rows (" + " / ".join(engines) + ") | "
          + " | ".join(f"{e} ms" for e in engines)
          + " | cold ms (tripskg, first call) | tripskg / oxigraph | tripskg-nocache / oxigraph |",
          "|---|---|" + "---:|" * (len(engines) + 3)]
    worst = {e: 0.0 for e, _ in TRIPSKG}
    for name, q in d.get("per_query", {}).items():
        med = q["median_ms"]
        rows = " / ".join(str(q["rows"].get(e, "–")) for e in engines)
        same = len({q["rows"].get(e) for e in engines}) == 1
        for e in worst:
            worst[e] = max(worst[e], med.get(e) or 0.0)
        L.append(f"| {name} | {rows}{'' if same else ' **differ**'} | "
                 + " | ".join(fmt_ms(med.get(e)) for e in engines)
                 + f" | {fmt_ms(q.get('first_ms', {}).get('tripskg'))}"
                 + f" | {_ratio(med.get('tripskg'), med.get('oxigraph'))}"
                 + f" | {_ratio(med.get('tripskg-nocache'), med.get('oxigraph'))} |")
    errs = {f"{name} ({e})": msg for name, q in d.get("per_query", {}).items()
            for e, msg in q["errors"].items()}
    if errs:
        L += ["", "Errors (first call of each):"] + [f"- {k}: `{v}`" for k, v in errs.items()]
    if d.get("left_out_of_mix"):
        L += ["", "Left out of the mixed load (an engine answered them with an error): "
              + ", ".join(d["left_out_of_mix"]) + "."]
    L += ["", "| concurrency | engine | req/s | p50 ms | p95 ms | errors | vs oxigraph "
          "| server CPU-ms per request | server cores busy |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    behind: list[str] = []
    for c, per in d.get("mixed", {}).items():
        mids = {e: _median_round(v) for e, v in per.items() if v}
        for e in ORDER:
            if e in mids:
                m = mids[e]
                L.append(f"| {c} | {e} | {m['rps']:.1f} | {fmt_ms(m['p50_ms'])} | "
                         f"{fmt_ms(m['p95_ms'])} | {m['errors']} | "
                         f"{_ratio(m['rps'], mids.get('oxigraph', {}).get('rps'))} | "
                         f"{fmt_ms(_cpu_ms(m))} | {_cores(m)} |")
        for e, shown in TRIPSKG:
            if e in mids and "oxigraph" in mids:
                t, o = mids[e], mids["oxigraph"]
                summary.append((f"mixed-load throughput ≥ 1.0× Oxigraph's server, concurrency "
                                f"{c} ({n:,}), `{shown}`",
                                f"{_ratio(t['rps'], o['rps'])}, {t['errors']} errors",
                                yes(t["rps"] >= o["rps"] and t["errors"] == 0)))
                if t["rps"] < o["rps"]:
                    behind.append(_behind(e, int(c), t, o))
    L += ["", "Server CPU: user + system seconds of the server's processes (its query workers "
          "and the children they waited for included) during the round, per completed request; "
          "cores busy = that CPU / the round's seconds (this machine has 2)."]
    if behind:
        L += ["", "**Gap (mixed load):** " + " ".join(behind)]
    for e, shown in TRIPSKG:
        if e in engines:
            summary.append((f"every saved query's median ≤ 200 ms ({n:,}), `{shown}`",
                            f"worst {fmt_ms(worst[e])} ms",
                            yes(worst[e] <= TARGETS["query_p95_ms"])))
    rss = {e: d["engines"][e].get("rss_kb") for e in engines}
    for e, shown in TRIPSKG:
        if rss.get(e) and rss.get("oxigraph"):
            summary.append((f"server memory ≤ 2× Oxigraph's server ({n:,}), `{shown}`",
                            f"{fmt_mb(rss[e])} vs {fmt_mb(rss['oxigraph'])}",
                            yes(rss[e] <= 2 * rss["oxigraph"])))
    for key, (_, shown) in zip(("api", "api_nocache"), TRIPSKG, strict=True):
        _api(d.get(key), n, shown, L, summary)
    _cost(f.get("cost"), L)
    _gaps(d, L)
    sections.append("\n".join(L))


def _cpu_ms(m: dict[str, Any]) -> float | None:
    done = m["rps"] * m.get("elapsed_s", 0)
    return m["cpu_s"] * 1000 / done if m.get("cpu_s") is not None and done else None


def _cores(m: dict[str, Any]) -> str:
    return f"{m['cpu_s'] / m['elapsed_s']:.2f}" if m.get("cpu_s") is not None \
        and m.get("elapsed_s") else "–"


def _behind(e: str, c: int, t: dict[str, Any], o: dict[str, Any]) -> str:
    """What the round measured where a tripskg server answered fewer requests per second
    than Oxigraph's: the CPU each spent per request, and how busy it kept the cores."""
    tc, oc = _cpu_ms(t), _cpu_ms(o)
    if tc is None or oc is None:
        return f"{e} at concurrency {c}: {_ratio(t['rps'], o['rps'])} (no CPU figures)."
    busy_t, busy_o = t["cpu_s"] / t["elapsed_s"], o["cpu_s"] / o["elapsed_s"]
    if min(busy_t, busy_o) >= 1.6:
        why = ("both kept this machine's 2 cores busy, so requests per second follow the CPU "
               "each request costs, not waiting.")
    elif busy_t < busy_o - 0.2:
        why = ("tripskg kept fewer cores busy: its requests waited (for a query worker, or "
               "on I/O) rather than computed.")
    else:
        why = "the cores were about as busy on both: the difference is the CPU per request."
    return (f"{e} at concurrency {c}: {t['rps']:.1f} req/s against {o['rps']:.1f} "
            f"({_ratio(t['rps'], o['rps'])}). Its processes spent {fmt_ms(tc)} CPU-ms per "
            f"request against Oxigraph's {fmt_ms(oc)} ({_ratio(tc, oc)}), and kept "
            f"{busy_t:.2f} cores busy against {busy_o:.2f}: {why}")


def _cost(cost: Any, L: list[str]) -> None:
    """The ``storecost`` child (bench/storecost.py): the slow first pages and the whole
    download, run in one process on the build's query store, with and without ORDER BY."""
    if cost is None:
        return
    head = "**Gap (first pages, whole download): where the time goes.**"
    if isinstance(cost, dict) or not cost.ok:
        L += ["", f"{head} Not measured: "
              f"{cost.get('error') if isinstance(cost, dict) else cost.status}."]
        return
    runs = cost.data.get("runs", [])
    if not runs:
        L += ["", f"{head} Not measured: {cost.data.get('error', 'no run')}."]
        return
    by = {(r["query"], r["variant"], r["ordered"]): r for r in runs}
    L += ["", f"{head} Measured without the server, in one process on the build's query "
          "store opened read-only (the store the server's workers read is a checkpoint of "
          "it), each query bound as the API binds it and its CSV document written by "
          "pyoxigraph as the server writes it: the first page (`LIMIT 101`), the same page "
          "with the query's `ORDER BY` taken out (the same rows as a set, in another order), "
          "and the whole answer with and without it. One run each.", "",
          "| query | rows | first page ms | first page without ORDER BY ms | whole s "
          "| whole without ORDER BY s |", "|---|---:|---:|---:|---:|---:|"]

    def cell(name: str, variant: str, ordered: bool, scale: float) -> str:
        r = by.get((name, variant, ordered))
        if r is None and variant == "page" and ordered and (name, "whole", True) in by:
            return "the whole answer, sorted"
        if r is None:
            return "–"
        return fmt_ms(r["s"] * 1000) if scale == 1000 else f"{r['s']:.2f}"

    names = list(dict.fromkeys(r["query"] for r in runs))
    for name in names:
        rows = next((r["rows"] for r in runs if r["query"] == name and r["variant"] == "whole"),
                    None)
        L.append(f"| {name} | {'–' if rows is None else f'{rows:,}'} | "
                 f"{cell(name, 'page', True, 1000)} | {cell(name, 'page', False, 1000)} | "
                 f"{cell(name, 'whole', True, 1)} | {cell(name, 'whole', False, 1)} |")
    pages = {n: (by.get((n, "page", True)) or by[(n, "whole", True)], by[(n, "page", False)])
             for n in names if ((n, "page", True) in by or (n, "whole", True) in by)
             and (n, "page", False) in by}
    # the ORDER BY is the cost where the page without it is a fifth of the time or less
    ordering = {n: p for n, p in pages.items() if p[1]["s"] * 5 <= p[0]["s"]}
    finding = {n: p for n, p in pages.items() if n not in ordering}
    if ordering:
        L += ["", "Without `ORDER BY` the first pages of " + ", ".join(
              f"`{n}`" for n in ordering) + " take at most "
              f"{fmt_ms(max(u['s'] for _, u in ordering.values()) * 1000)} ms: the engine "
              "stops after 101 rows. With it, it computes every row of the answer and sorts "
              "them before the first is sent, so their first page costs about as much as the "
              "whole answer ("
              + ", ".join(f"{fmt_ms(o['s'] * 1000)} ms" for o, _ in ordering.values()) + ")."]
    if finding:
        L += ["", "The first pages of " + ", ".join(
              f"`{n}` ({o['rows']:,} rows: {fmt_ms(o['s'] * 1000)} ms, "
              f"{fmt_ms(u['s'] * 1000)} ms without `ORDER BY`)" for n, (o, u) in finding.items())
              + " cost about as much without `ORDER BY`: the time is finding the rows, the "
              "engine going through every candidate before it has a page (or knows there is "
              "none), not ordering them."]
    for name in names:
        o, u = by.get((name, "whole", True)), by.get((name, "whole", False))
        if o and u:
            L.append(f"The whole `{name}` answer ({o['rows']:,} rows) took {o['s']:.2f} s, "
                     f"{u['s']:.2f} s without its `ORDER BY`: ordering the rows is "
                     f"{o['s'] - u['s']:.2f} s ({(o['s'] - u['s']) / o['s']:.0%}) of it on this "
                     f"on-disk store; the rest is finding and writing them.")
    if cost.data.get("left_out"):
        L.append("Not run (the time budget of this measurement): "
                 + ", ".join(f"{q} {v}{'' if o else ' without ORDER BY'}"
                             for q, v, o in cost.data["left_out"]) + ".")


def _gaps(d: dict[str, Any], L: list[str]) -> None:
    """The saved queries over the median target, with what the other engines took on the
    same text: a query slow everywhere is bound by the engine and the data, not the server."""
    slow = [(name, q) for name, q in d.get("per_query", {}).items()
            if (q["median_ms"].get("tripskg-nocache") or 0) > TARGETS["query_p95_ms"]]
    if not slow:
        return
    L += ["", "**Gap:** saved queries over 200 ms when they run (tripskg-nocache), next to the "
          "other engines on the same text:"]
    for name, q in slow:
        med, rows = q["median_ms"], q["rows"].get("tripskg-nocache")
        L.append(f"- `{name}`: {fmt_ms(med.get('tripskg-nocache'))} ms for {rows} rows; "
                 f"Oxigraph's server {fmt_ms(med.get('oxigraph'))} ms, Virtuoso "
                 f"{fmt_ms(med.get('virtuoso'))} ms; tripskg as installed "
                 f"{fmt_ms(med.get('tripskg'))} ms (the answer kept, sent again).")


def _api(api: dict[str, Any] | None, n: int, shown: str, L: list[str],
         summary: list[tuple[str, str, str]], target_ms: float = FIRST_PAGE_MS) -> None:
    if not api:
        return
    p95, cold = api["first_page_p95_ms"], api.get("first_page_cold_ms", {})
    L += ["", f"`{shown}`, API, first page (`limit=100`) of each saved query: p95 of 5 calls "
          "after the first (2 without the cache, 1 when every call takes over 2 s), and (the "
          "first call) in ms: "
          + ", ".join(f"{k} {fmt_ms(v)} ({fmt_ms(cold.get(k))})" for k, v in p95.items())
          + "."]
    worst_page = max(p95.values()) if p95 else None
    summary.append((f"first page of any saved query p95 ≤ {target_ms:.0f} ms ({n:,}), "
                    f"`{shown}`", f"worst {fmt_ms(worst_page)} ms",
                    yes(worst_page is not None and worst_page <= target_ms)))
    full = api.get("full_csv")
    if full:
        L.append(f"The whole `activities-by-treaty` listing as one CSV download "
                 f"(`download=csv`; the first time, so the query runs): {full['rows']:,} rows "
                 f"in {full['s']:.2f} s (HTTP {full['status']}).")
        summary.append((f"the whole activities-by-treaty CSV ≤ 2 s ({n:,}; {full['rows']:,} "
                        "rows)", f"{full['s']:.2f} s", yes(full["s"] <= FULL_CSV_S)))
    again = api.get("full_csv_again")
    if full and again:
        same = "the same bytes" if again.get("same_bytes") else "**different bytes**"
        L.append(f"The same download again (repeated download, kept file: sent from the file "
                 f"the server kept the first time, `X-Cache: {again.get('cache') or '–'}`): "
                 f"{again['rows']:,} rows in {again['s']:.2f} s (HTTP {again['status']}, "
                 f"{same}).")
        summary.append((f"the whole activities-by-treaty CSV, repeated download (kept file) "
                        f"≤ 2 s ({n:,}; {again['rows']:,} rows)", f"{again['s']:.2f} s",
                        yes(again["s"] <= FULL_CSV_S and again["status"] == 200
                            and bool(again.get("same_bytes")))))


def section_pages(r: dict[str, Any], args: argparse.Namespace,
                  summary: list[tuple[str, str, str]], sections: list[str]) -> None:
    """bench-large: first pages of the saved queries at 1M activities (bench/pages.py)."""
    f = r.get("pages")
    if not f:
        return
    n = f["activities"]
    L = [f"## First pages at {n:,} activities", "",
         "`tripskg serve --timeout 120` as installed on the build of figure 1; through the API, "
         "the first page (`limit=100`) of every saved query (parameters as in figure 4 of "
         "`make bench`): the first call (cold: nothing kept yet) and the p95 of 5 calls "
         "after it; and the whole `activities-by-treaty` listing as one CSV download, then the "
         "same download again (the file the server kept).", ""]
    run: Run | None = f.get("run")
    if "error" in f or run is None or not run.ok:
        L.append(f"- {f.get('error') or (run.status if run else 'not run')}")
        sections.append("\n".join(L))
        return
    L.append(f"Server start: {f['startup_s']:.1f} s; peak RSS of its processes: "
             + ", ".join(fmt_mb(kb) for kb in (f.get("server_rss") or {}).values()) + ".")
    _api(run.data, n, "tripskg serve", L, summary, target_ms=LARGE_FIRST_PAGE_MS)
    cold = run.data.get("first_page_cold_ms", {})
    if cold:
        worst = max(cold.values())
        summary.append((f"first page of any saved query, first (cold) call, ≤ "
                        f"{LARGE_FIRST_PAGE_MS:.0f} ms ({n:,})", f"worst {fmt_ms(worst)} ms",
                        yes(worst <= LARGE_FIRST_PAGE_MS)))
    _cost(f.get("cost"), L)
    sections.append("\n".join(L))
