"""The LDC needs pages (``/needs``, ``/needs/<code>``; ``needs.html``, ``needs/<code>.html`` in
the static site) against the rows of the saved query ``needs-coverage``: on a fixture
(tests/data/needsfix, with markup in one need's text) through the server and the static
site, and on the real data."""

from __future__ import annotations

import shutil
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from tripskg.build import build_graph
from tripskg.queries import bind, get_query, run_local
from tripskg.reference import load_reference
from tripskg.serve import Config, create_app
from tripskg.web.needs import ldc_needs
from tripskg.web.views import IndexView

from ..conftest import ROOT, TESTS

FIX = TESTS / "data" / "needsfix"
ID = "https://w3id.org/tripskg/id/"
MARKUP = "IP & public health <script>alert(1)</script>"


class Rows(HTMLParser):
    """The rows of the first ``<table>`` whose class contains ``cls``: per row its class and
    its cells as (text, hrefs)."""

    def __init__(self, html: str, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.rows = cls, 0, []
        self.row: dict[str, object] | None = None
        self.cell: list[object] | None = None
        self.done = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and not self.done and self.cls in (a.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "tr":
            self.row = {"class": a.get("class") or "", "cells": []}
        elif self.depth and self.row is not None and tag in ("td", "th"):
            self.cell = ["", []]
        elif self.cell is not None and tag == "a":
            self.cell[1].append(a.get("href"))  # type: ignore[attr-defined]

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row["cells"].append((" ".join(str(self.cell[0]).split()),  # type: ignore[attr-defined]
                                      self.cell[1]))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row["cells"]:
                self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self.depth, self.done = 0, True

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[0] = str(self.cell[0]) + data


def needs_rows(store: ox.Store, **params: str) -> list[dict[str, str | None]]:
    text, _ = bind(get_query("needs-coverage"), params, load_reference())
    return [{c: None if r[c] is None else r[c].value for c in r}  # type: ignore[union-attr]
            for r in run_local(store, text).rows]


def expected(rows: list[dict[str, str | None]]) -> dict[str, dict[str, object]]:
    """Per country code: distinct needs per status, and per need its status, text, paragraph,
    source and activities — what the pages must show, derived from the query's rows."""
    out: dict[str, dict[str, object]] = {}
    for r in rows:
        code = str(r["country"]).rsplit("/", 1)[-1]
        c = out.setdefault(code, {"name": r["country_name"], "needs": {}})
        need = c["needs"].setdefault(r["need"], {  # type: ignore[attr-defined]
            "status": r["status"], "text": r["need_text"], "paragraph": r["paragraph"],
            "source": r["source"], "activities": []})
        if r["activity"]:
            need["activities"].append(r["activity"])
    for c in out.values():
        counts: dict[str, int] = defaultdict(int)
        for n in c["needs"].values():  # type: ignore[attr-defined]
            counts[n["status"]] += 1
        c["counts"] = dict(counts)
    return out


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("needs-pages") / "data"
    shutil.copytree(FIX, data)
    needs = data / "needs" / "needs.csv"
    text = needs.read_text(encoding="utf-8")
    assert ",IP and public health," in text
    needs.write_text(text.replace(",IP and public health,", f",{MARKUP},"), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def needs_dist(fixture_data: Path) -> Path:
    from tripskg.publish import atomic_output, publish

    result = build_graph(fixture_data)
    dist = fixture_data.parent / "dist"
    with atomic_output(dist) as work:
        publish(result, work)
    return dist


@pytest.fixture(scope="module")
def truth(fixture_data: Path) -> dict[str, dict[str, object]]:
    return expected(needs_rows(build_graph(fixture_data).store, kind="all"))


@pytest.fixture(scope="module")
def client(needs_dist: Path):
    with TestClient(create_app(Config(dist=needs_dist, workers=1))) as c:
        yield c


def check_summary(html: str, truth: dict[str, dict[str, object]], href: dict[str, str]) -> None:
    rows = Rows(html, "needs-summary").rows
    body = [r for r in rows if r["cells"][0][0] != "LDC" and r["cells"][0][0] != "All"]
    assert [r["cells"][0][0].split(" test-fixture")[0] for r in body] == sorted(
        str(c["name"]) for c in truth.values())
    for code, c in truth.items():
        row = next(r for r in body if r["cells"][0][0].startswith(str(c["name"])))
        assert row["cells"][0][1] == [href[code]]
        counts = c["counts"]
        assert [cell[0] for cell in row["cells"][2:5]] == [
            str(len(c["needs"])), str(counts.get("addressed", 0)),  # type: ignore[arg-type, attr-defined]
            str(counts.get("open", 0))]  # type: ignore[attr-defined]
        assert "test-fixture" in row["cells"][0][0], "non-real data is labelled"
    assert "activity lists are partial" in " ".join(html.split())


def check_ldc(html: str, c: dict[str, object], res: dict[str, str]) -> None:
    rows = [r for r in Rows(html, "needs").rows if "need" in str(r["class"]).split()]
    needs = c["needs"]
    assert len(rows) == len(needs)  # type: ignore[arg-type]
    for row, (iri, n) in zip(rows, needs.items(), strict=True):  # type: ignore[attr-defined]
        text, para, status, acts = row["cells"]
        assert text == (n["text"], [res[iri]])
        assert para == (n["paragraph"], [n["source"]]), "every need cites its paragraph"
        assert status[0] == n["status"] and n["status"] in str(row["class"])
        assert acts[1] == [res[a] for a in n["activities"]]
        if n["status"] == "open":
            assert acts[0] == "none in the graph"
    assert "<script>alert(1)" not in html
    assert "activity lists are partial" in " ".join(html.split())


# ---------------------------------------------------------------- the server
def test_server_summary_page(client: TestClient, truth: dict[str, dict[str, object]]) -> None:
    r = client.get("/needs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    check_summary(r.text, truth, {code: f"/needs/{code}" for code in truth})
    assert 'href="/needs"' in client.get("/").text, "the home page links to the summary"


def test_server_ldc_pages(client: TestClient, truth: dict[str, dict[str, object]]) -> None:
    for code, c in truth.items():
        r = client.get(f"/needs/{code}")
        assert r.status_code == 200
        iris = {i for n in c["needs"].values() for i in n["activities"]}  # type: ignore[attr-defined]
        iris |= set(c["needs"])  # type: ignore[arg-type]
        check_ldc(r.text, c, {i: "/" + i.removeprefix("https://w3id.org/tripskg/")
                              for i in iris})
    assert "IP &amp; public health &lt;script&gt;alert(1)&lt;/script&gt;" in client.get(
        "/needs/UGA").text
    # an activity link of the page resolves
    assert client.get("/id/activity/fx-needs/1").status_code == 200


def test_server_errors(client: TestClient) -> None:
    r = client.get("/needs/XYZ")
    assert r.status_code == 404 and "XYZ" in r.text
    r = client.get("/needs?kind=bogus")
    assert r.status_code == 400 and "bogus" in r.text
    assert "Uganda" not in client.get("/needs?kind=real").text  # the fixture is not real


# ---------------------------------------------------------------- the static site
def test_site_pages(needs_dist: Path, truth: dict[str, dict[str, object]]) -> None:
    site = needs_dist / "site"
    check_summary((site / "needs.html").read_text(encoding="utf-8"), truth,
                  {code: f"needs/{code}.html" for code in truth})
    assert 'href="needs.html"' in (site / "index.html").read_text(encoding="utf-8")
    for code, c in truth.items():
        page = site / "needs" / f"{code}.html"
        iris = {i for n in c["needs"].values() for i in n["activities"]}  # type: ignore[attr-defined]
        iris |= set(c["needs"])  # type: ignore[arg-type]
        res = {i: "../" + i.removeprefix("https://w3id.org/tripskg/") + ".html" for i in iris}
        check_ldc(page.read_text(encoding="utf-8"), c, res)
        for href in res.values():
            assert (page.parent / href).resolve().is_file(), href


# ---------------------------------------------------------------- the real data
def test_real_data_pages_match_the_query() -> None:
    result = build_graph(ROOT / "data")
    view = IndexView(result.store, result.iris.base)
    ldcs = ldc_needs(result.store, view, load_reference(), "real")
    truth = expected(needs_rows(result.store))
    submitters = {q.object.value.rsplit("/", 1)[-1] for q in result.store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/tripskg/def/submittedBy"), None)}
    assert {x.code for x in ldcs} == submitters and len(submitters) == 6
    for x in ldcs:
        t = truth.get(x.code, {"needs": {}, "counts": {}})
        assert len(x.needs) == len(t["needs"])  # type: ignore[arg-type]
        assert x.addressed == t["counts"].get("addressed", 0)  # type: ignore[attr-defined]
        assert x.open == t["counts"].get("open", 0)  # type: ignore[attr-defined]
        for n in x.needs:
            assert [a.iri for a in n.activities] == list(dict.fromkeys(
                t["needs"][n.iri]["activities"]))  # type: ignore[index]
