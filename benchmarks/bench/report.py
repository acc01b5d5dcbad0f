"""RESULTS.md: the header, the targets table, the sections and the method."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import Any

from .cli_figure import section_cli
from .common import RESULTS, RESULTS_LARGE
from .processes import run_cell
from .report_build import section_build, section_incremental, section_validation
from .report_serve import section_api, section_queries, section_site, section_throughput
from .report_sidebyside import section_pages, section_sidebyside


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
      f"(time budget {args.budget / 60:.0f} min). Generated file: edit `benchmarks/bench/`, "
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
            f"{n:,} activities / {g['reports']} reports: {run_cell(g['run'])}"
            + (" s" if g["run"].ok else "") for n, g in gen.items()) + ".")
        w("")

    summary: list[tuple[str, str, str]] = []
    sections: list[str] = []

    section_build(r, args, summary, sections)
    section_incremental(r, args, summary, sections)
    section_validation(r, args, summary, sections)
    section_site(r, args, summary, sections)
    section_queries(r, args, summary, sections)
    section_cli(r, args, summary, sections)
    section_api(r, args, summary, sections)
    section_throughput(r, args, summary, sections)
    section_sidebyside(r, args, summary, sections)
    section_pages(r, args, summary, sections)

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
        w(LARGE_HEADING)
        w("")
        w("`make bench-large` (`benchmarks/run.py --large`) generates 1,000,000 activities and "
          "runs the build, its floor, a rebuild and the first pages of the saved queries, writing "
          "`benchmarks/RESULTS-large.md`; it is not "
          "part of `make bench`. Run it on an otherwise idle machine: a step is stopped when "
          "its processes pass the memory limit (`--mem-limit-gb`, default: the memory available "
          "at the start minus 2 GB, at most 16 GB), since an out-of-memory kill would hit other "
          "processes too.")
        w("")
        L.extend(large_summary(RESULTS_LARGE))
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


def large_summary(path: Path) -> list[str]:
    """The targets table of the last ``make bench-large`` (``RESULTS-large.md``), with when
    and on which source it ran: its results, quoted where ``make bench`` reports."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ["No `make bench-large` results yet.", ""]
    lines = text.splitlines()
    started = next((ln for ln in lines if ln.startswith("Written by")), "")
    source = next((ln.split("|")[2].strip() for ln in lines
                   if ln.startswith("| tripskg source |")), "?")
    when = started.split("started ", 1)[1].split(";", 1)[0] if "started " in started else "?"
    try:
        start = lines.index("## Targets") + 2
    except ValueError:
        return [f"Its last run ({when}, {source}) has no targets table (yet): see "
                "[RESULTS-large.md](RESULTS-large.md).", ""]
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")),
               len(lines))
    return [f"Its last run ({when}, {source}; details in "
            "[RESULTS-large.md](RESULTS-large.md)):", "", *lines[start:end], ""]


LARGE_HEADING = "## bench-large (1M activities)"


def requote_large(results: Path = RESULTS, large: Path = RESULTS_LARGE) -> None:
    """Quote the targets of a new ``RESULTS-large.md`` in ``RESULTS.md`` (its bench-large
    section, up to the next heading; nothing else changes)."""
    try:
        text = results.read_text(encoding="utf-8")
    except OSError:
        return
    lines = text.splitlines()
    if LARGE_HEADING not in lines:
        return
    start = lines.index(LARGE_HEADING)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    body = lines[start + 1:end]
    keep = next((i for i, ln in enumerate(body) if ln.startswith(("Its last run", "No `make"))),
                len(body))
    new = [*lines[:start + 1], *body[:keep], *large_summary(large), *lines[end:]]
    results.write_text("\n".join(new).rstrip() + "\n", encoding="utf-8")
