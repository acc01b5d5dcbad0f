"""Pages, not walls of rows: the saved-query API and pages answer one page at a time (limit /
offset, next and previous links, the total on the last page); downloads hold every row,
whatever the server's result limit."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tripskg.queries import bind, load_dist_store, load_queries, run_local, to_csv
from tripskg.reference import load_reference
from tripskg.serve.worker import SelectJob, run_select

from .conftest import run_cli

ALL = {"kind": "all", "from": "1990-01-01", "to": "2030-01-01"}
QUERY = "activities-in-period"


@pytest.fixture(scope="module")
def server(server_factory) -> str:  # type: ignore[no-untyped-def]
    return str(server_factory("--limit", "2", "--workers", "1").url)


@pytest.fixture(scope="module")
def every_row(small_dist: Path) -> list[list[str]]:
    """The rows of QUERY as ``tripskg query`` prints them in CSV."""
    r = run_cli("query", QUERY, *(f"--param={k}={v}" for k, v in ALL.items()),
                "--from", str(small_dist), "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert len(rows) > 5  # header + more rows than two pages of two
    return rows


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_following_next_links_gives_every_row_once(server: str,
                                                   every_row: list[list[str]]) -> None:
    url: str | None = f"/api/queries/{QUERY}?{urlencode(ALL)}&format=csv&limit=2"
    header, rows, pages = None, [], 0
    with httpx.Client(base_url=server, timeout=60) as c:
        while url:
            r = c.get(url)
            assert r.status_code == 200
            got = csv_rows(r.text)
            header = header or got[0]
            rows += got[1:]
            pages += 1
            m = re.search(r'<([^>]+)>; rel="next"', r.headers.get("link", ""))
            url = m.group(1) if m else None
            assert (r.headers["x-truncated"] == "true") == bool(url)
            if url:
                assert "x-total-count" not in r.headers and len(got) == 3
            else:
                assert int(r.headers["x-total-count"]) == len(every_row) - 1
    assert [header, *rows] == every_row
    assert pages == -(-(len(every_row) - 1) // 2)


def test_rows_shape_carries_the_links_and_the_total(server: str,
                                                    every_row: list[list[str]]) -> None:
    n = len(every_row) - 1
    first = httpx.get(f"{server}/api/queries/{QUERY}",
                      params={**ALL, "shape": "rows", "limit": 2}, timeout=60).json()
    assert len(first["rows"]) == 2 and first["offset"] == 0 and first["total"] is None
    assert first["previous"] is None and "offset=2" in first["next"]
    last = httpx.get(f"{server}/api/queries/{QUERY}",
                     params={**ALL, "shape": "rows", "limit": 2, "offset": n - 1},
                     timeout=60).json()
    assert len(last["rows"]) == 1 and last["next"] is None and last["total"] == n
    assert f"offset={n - 3}" in last["previous"]


def test_json_pages_are_results_documents(server: str, every_row: list[list[str]]) -> None:
    r = httpx.get(f"{server}/api/queries/{QUERY}", params={**ALL, "offset": 1, "limit": 2},
                  timeout=60)
    bindings = r.json()["results"]["bindings"]
    assert [b["activity"]["value"] for b in bindings] == [row[0] for row in every_row[2:4]]
    assert 'rel="prev"' in r.headers["link"] and 'rel="next"' in r.headers["link"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_downloads_hold_every_row_beyond_the_limit(server: str, every_row: list[list[str]],
                                                   fmt: str) -> None:
    r = httpx.get(f"{server}/api/queries/{QUERY}", params={**ALL, "download": fmt},
                  timeout=60)
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert "x-truncated" not in r.headers
    if fmt == "csv":
        assert csv_rows(r.text) == every_row
    elif fmt == "tsv":
        assert len(r.text.strip().splitlines()) == len(every_row)
    else:
        bindings = r.json()["results"]["bindings"]
        assert [b["activity"]["value"] for b in bindings] == [row[0] for row in every_row[1:]]


def test_bad_paging_parameters_are_400(server: str) -> None:
    for params in ({"limit": "0"}, {"limit": "3"}, {"offset": "-1"}, {"limit": "x"},
                   {"download": "xlsx"}):
        r = httpx.get(f"{server}/api/queries/{QUERY}", params={**ALL, **params}, timeout=60)
        assert r.status_code == 400, params
        assert r.json()["parameter"] == next(iter(params))


def test_saved_query_page_has_a_pager_and_downloads(server: str,
                                                    every_row: list[list[str]]) -> None:
    r = httpx.get(f"{server}/queries/{QUERY}", params={**ALL, "offset": 2}, timeout=60)
    assert r.status_code == 200
    assert "Rows 3–4" in r.text and 'rel="next"' in r.text and 'rel="prev"' in r.text
    assert every_row[3][0] in r.text
    assert "download=csv" in r.text and "download=json" in r.text
    last = httpx.get(f"{server}/queries/{QUERY}",
                     params={**ALL, "offset": len(every_row) - 2}, timeout=60)
    assert f"of {len(every_row) - 1}" in last.text and 'rel="next"' not in last.text


def test_saved_queries_take_a_page_clause() -> None:
    """paged() appends LIMIT/OFFSET: no saved query may end with its own."""
    for q in load_queries().values():
        tail = q.text.strip().splitlines()[-1].upper()
        assert not re.search(r"\b(LIMIT|OFFSET|VALUES)\b", tail), q.name


@pytest.mark.parametrize("limit,offset", [(1, 0), (2, 1), (3, 5), (50, 0), (2, 10_000)])
def test_worker_pages_equal_slices_of_the_whole_answer(small_dist: Path, limit: int,
                                                       offset: int) -> None:
    store = load_dist_store(small_dist)
    text, _ = bind(load_queries()[QUERY], ALL, load_reference())
    whole = run_local(store, text)
    for fmt in ("csv", "json", None):
        answer = run_select(store, SelectJob(text, limit, fmt, offset))
        rows = whole.rows[offset:offset + limit]
        assert answer.truncated == (offset + limit < len(whole.rows))
        assert answer.rows == len(rows)
        if fmt == "csv":
            whole.rows, saved = rows, whole.rows
            assert answer.body.decode() == to_csv(whole)
            whole.rows = saved
        elif fmt == "json":
            got = json.loads(answer.body)["results"]["bindings"]
            assert [b["activity"]["value"] for b in got] == [
                r["activity"].value for r in rows]  # type: ignore[union-attr]
        else:
            assert answer.table.rows == rows


def test_a_variable_named_from_is_not_a_dataset_clause() -> None:
    """ldc-beneficiaries filters on ?from: /sparql must still query the union graph."""
    from tripskg.serve.querytext import has_dataset_clause

    assert not has_dataset_clause("SELECT * { ?d <p> ?from FILTER(?from <= ?day) }")
    assert not has_dataset_clause("SELECT * { ?d <p> $from FILTER($from < <x>) }")
    assert has_dataset_clause("SELECT * FROM <urn:g> { ?s ?p ?o }")
    assert has_dataset_clause("select * from named tkg:g { ?s ?p ?o }")
    assert has_dataset_clause(load_queries()["ldc-beneficiaries"].text) is False
