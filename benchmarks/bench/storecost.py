"""Where a slow first page or whole download spends its time, measured without the server.

In one process, on the build's query store opened read-only (``<build>.store/``: the store
the server's query workers read is a checkpoint of it), each saved query named is run bound
as the API binds it (parameters as in figure 4) and its results document written as the
server writes it (CSV, by pyoxigraph): its first page (``LIMIT 101``, as the API asks), the
same page with the query's ``ORDER BY`` taken out, and, for the queries downloaded whole,
the whole answer with and without its ``ORDER BY``. Rows without ``ORDER BY`` are the same
set in another order, so the difference is what ordering them costs. Run as ``run.py child
storecost`` after the server has stopped (no other load on the machine's cores).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

from .common import WHOLE_DOWNLOAD, first_report_iri

ORDER_BY = re.compile(r"\n[ \t]*ORDER BY[^\n]*\s*$")
PAGE = 100  # rows of a first page (the API is asked for limit=100 and runs LIMIT 101)


def unordered(text: str) -> str:
    """The query text without its final ``ORDER BY`` clause (saved queries end with it)."""
    out = ORDER_BY.sub("\n", text)
    if out == text:
        raise ValueError("the query has no final ORDER BY clause")
    return out


def plan(pages: list[str], whole: list[str]) -> list[tuple[str, str, bool]]:
    """(query, variant, ordered) runs, cheapest kinds first so a short budget still shows the
    cause: every page without ORDER BY, every page, then each whole answer without and with
    its ORDER BY. A query measured whole is not also timed as an ordered page: with its
    ORDER BY, its first page is the whole answer sorted (the API figures show that time)."""
    runs = [(n, "page", False) for n in pages]
    runs += [(n, "page", True) for n in pages if n not in whole]
    for n in whole:
        runs += [(n, "whole", False), (n, "whole", True)]
    return runs


def slow(api: dict[str, Any] | None, page_ms: float, cold: bool = False,
         csv_s: float = 2.0) -> tuple[list[str], list[str]]:
    """The saved queries whose first page through the API took over ``page_ms`` (p95 of the
    calls after the first, or the first call with ``cold``), slowest last; and the whole
    downloads over ``csv_s`` seconds or that failed."""
    if not api:
        return [], []
    times = api.get("first_page_cold_ms" if cold else "first_page_p95_ms") or {}
    pages = sorted((n for n, ms in times.items() if ms > page_ms), key=lambda n: times[n])
    full = api.get("full_csv")
    whole = [WHOLE_DOWNLOAD] if full and (full["status"] != 200 or full["s"] > csv_s) \
        else []
    return pages, whole


def fig_storecost(suite: Any, n: int, dist: Path, pages: list[str], whole: list[str],
                  budget: float) -> Any:
    """The ``storecost`` child on the build of ``n`` activities (a Run), or a reason."""
    if not pages and not whole:
        return None
    if not suite.fits(budget / 2):
        return {"error": suite.skip_reason(budget / 2)}
    budget = min(budget, max(10.0, suite.left() - 10))
    return suite.child("storecost", budget * 2 + 60, "--dist", dist, "--data", suite.data[n],
                       "--queries", ",".join(pages), "--whole", ",".join(whole),
                       "--budget", round(budget))


def child_storecost(a: argparse.Namespace) -> dict[str, Any]:
    import pyoxigraph as ox

    from tripskg.querystore import open_query_store
    from tripskg.serve.worker import paged

    from .common import bound_queries

    dist, data = Path(a.dist), Path(a.data)
    pages = [n for n in (a.queries or "").split(",") if n]
    whole = [n for n in (a.whole or "").split(",") if n]
    store = open_query_store(dist)
    if isinstance(store, str):
        return {"error": f"no query store: {store}"}
    texts = {name: text for name, _, text in bound_queries(first_report_iri(data),
                                                           sorted({*pages, *whole}))}
    deadline = time.perf_counter() + a.budget
    out: dict[str, Any] = {"runs": [], "left_out": []}
    for name, variant, ordered in plan(pages, whole):
        if time.perf_counter() > deadline:
            out["left_out"].append([name, variant, ordered])
            continue
        text = texts[name] if ordered else unordered(texts[name])
        if variant == "page":
            text = paged(text, PAGE, 0)
        t0 = time.perf_counter()
        solutions = store.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        doc = solutions.serialize(format=ox.QueryResultsFormat.CSV) or b""
        out["runs"].append({"query": name, "variant": variant, "ordered": ordered,
                            "s": time.perf_counter() - t0,
                            "rows": max(0, doc.count(b"\n") - 1)})
    return out
