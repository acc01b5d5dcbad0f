"""First pages at 1M activities (``make bench-large``): ``tripskg serve`` as installed on the
1M build; the first page (``limit=100``) of every saved query through the API, p95 of 5 calls
after a first (cold) call, and the whole ``activities-by-treaty`` listing as one CSV
download, then the same download again (the file kept; the same measurements as figure
6's, from :func:`.sidebyside.api_extras`)."""

from __future__ import annotations

import argparse
import asyncio
import urllib.request
from pathlib import Path
from typing import Any

from .common import TRIPSKG, first_report_iri
from .processes import free_port, start_server
from .report_sidebyside import LARGE_FIRST_PAGE_MS
from .storecost import fig_storecost, slow


def child_pages(a: argparse.Namespace) -> dict[str, Any]:
    from .sidebyside import api_extras

    data = Path(a.data)
    return asyncio.run(api_extras(a.url, data, first_report_iri(data), a.per_report))


def fig_pages(suite: Any) -> None:
    n = max(suite.args.sizes)
    f = suite.r["pages"] = {"activities": n}
    dist = suite.dists.get(n)
    need = 600
    if dist is None or not suite.fits(need):
        f["error"] = "skipped: no build" if dist is None else suite.skip_reason(need)
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [TRIPSKG, "serve", "--dist", str(dist), "--host", "127.0.0.1", "--port", str(port),
           "--timeout", "120"]
    suite.say(f"pages: starting {' '.join(cmd)}")
    try:
        server = start_server(cmd, urllib.request.Request(url + "/api/queries"), url,
                              min(900, suite.left()), suite.logs / "serve-pages.log")
    except RuntimeError as e:
        f["error"] = f"failed: {e}"
        return
    try:
        f["startup_s"] = server.startup_s
        f["run"] = suite.child("pages", min(need * 2, suite.left()), "--url", url,
                               "--data", suite.data[n], "--per-report", 5)
        f["server_rss"] = server.peak_rss()
    finally:
        server.stop()
    if f["run"].ok:  # where the slow first calls and the whole download spend their time
        pages, whole = slow(f["run"].data, LARGE_FIRST_PAGE_MS, cold=True)
        f["cost"] = fig_storecost(suite, n, dist, pages, whole, budget=900)
