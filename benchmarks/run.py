#!/usr/bin/env python3
"""tripskg benchmarks: every figure next to a baseline measured in the same run (``make bench``).

    .venv/bin/python benchmarks/run.py                 # the suite, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --large         # 1M activities: build, floor, pages

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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench package beside this file

from bench.children import child_main
from bench.common import RESULTS, RESULTS_LARGE
from bench.suite import Suite


# =========================================================================== main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        return child_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--large", action="store_true",
                    help="1M activities: build, floor, rebuild and first pages (writes "
                         "RESULTS-large.md)")
    ap.add_argument("--out", type=Path, default=None, help="results file")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds for the whole run [default: 870; --large: 14400]")
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
    args.budget = args.budget or (14_400.0 if args.large else 870.0)
    args.sizes = args.sizes or ([1_000_000] if args.large else [10_000, 100_000])
    args.build_timeout = args.build_timeout or (10_800.0 if args.large else 600.0)
    suite = Suite(args)
    args.mem_limit_note = f"{suite.mem_limit / 2**20:.1f} GB"
    return suite.main()


if __name__ == "__main__":
    sys.exit(main())
