"""The release pages: feeds served and in the static site, the version on the home page,
``/quality``, versioned downloads and ``POST /check`` (off by default, size-limited), over
``small_dist`` (a real build)."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import httpx
import pytest

from tripskg.releases.quality import group_results, read_validation

from ..ingest.test_ingest import BAD, bad_cases, case_input

BASE = "https://w3id.org/tripskg/"


@pytest.fixture(scope="module")
def checking(server_factory) -> str:
    return server_factory("--allow-check", "--check-max-bytes", "200000").url


def version_of(dist: Path) -> str:
    return json.loads((dist / "release.json").read_text(encoding="utf-8"))["version"]


def test_feeds_are_served_and_parse(server: str, small_dist: Path) -> None:
    r = httpx.get(server + "/feeds/all.atom")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/atom+xml")
    assert r.content == (small_dist / "feeds" / "all.atom").read_bytes()
    feed = feedparser.parse(r.content)
    assert not feed.bozo and feed.version == "atom10"
    assert feed.feed.id == BASE + "feeds/all.atom"
    assert len(feed.entries) == sum(1 for _ in feed.entries) > 0
    bgd = feedparser.parse(httpx.get(server + "/feeds/country/BGD.atom").content)
    assert not bgd.bozo
    assert f"{BASE}id/activity/example-annex/EX-2" in [e.link for e in bgd.entries]
    for path in ("/feeds/country/XXX.atom", "/feeds/country/BGD.ttl", "/feeds/%2e%2e/void.ttl"):
        assert httpx.get(server + path).status_code == 404, path


def test_pages_link_their_feeds(server: str) -> None:
    home = httpx.get(server + "/").text
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/all.atom"' in home
    country = httpx.get(server + "/id/country/BGD", headers={"accept": "text/html"}).text
    assert ('<link rel="alternate" type="application/atom+xml" '
            'href="/feeds/country/BGD.atom"') in country
    area = httpx.get(server + "/def/policy-area/health", headers={"accept": "text/html"}).text
    assert 'href="/feeds/policy-area/health.atom"' in area
    # a resource without a feed gets no feed link
    treaty = httpx.get(server + "/id/treaty/trips", headers={"accept": "text/html"}).text
    assert "application/atom+xml" not in treaty


def test_home_page_shows_the_version(server: str, small_dist: Path) -> None:
    home = httpx.get(server + "/").text
    version = version_of(small_dist)
    assert f"version <strong>{version}</strong>" in home
    assert f"/downloads/versions/{version}/tripskg.nq.gz" in home


def test_versioned_downloads(server: str, small_dist: Path) -> None:
    version = version_of(small_dist)
    r = httpx.get(f"{server}/downloads/versions/{version}/tripskg.ttl")
    assert r.status_code == 200
    assert r.content == (small_dist / "tripskg.ttl").read_bytes()
    assert "immutable" in r.headers["cache-control"]
    again = httpx.get(f"{server}/downloads/versions/{version}/tripskg.ttl",
                      headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304
    for bad in (f"versions/{version}/nope.ttl", "versions/x/tripskg.ttl",
                f"versions/{version}/..%2fbuild.json"):
        assert httpx.get(f"{server}/downloads/{bad}").status_code == 404, bad


def test_quality_page_groups_the_results(server: str, small_dist: Path) -> None:
    page = httpx.get(server + "/quality")
    assert page.status_code == 200
    quality = group_results(read_validation(small_dist, BASE), BASE)
    assert quality.total > 0
    text = page.text
    assert f'<strong class="n-warnings">{quality.count("Warning")}</strong>' in text
    for g in quality.groups:
        assert f'<span class="badge">{g.count}</span> {g.message}' in text.replace(
            "&#39;", "'")
        for rg in g.reports:
            for r in rg.results:
                assert f'<code class="location">{r.location}</code>' in text
    assert 'href="/id/report/example-annex"' in text
    assert 'id="check-form"' not in text  # the check form only with --allow-check


def test_static_site_has_the_release_pages(small_dist: Path) -> None:
    site = small_dist / "site"
    assert (site / "feeds" / "all.atom").read_bytes() == (
        small_dist / "feeds" / "all.atom").read_bytes()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f"version <strong>{version_of(small_dist)}</strong>" in home
    assert 'type="application/atom+xml" href="feeds/all.atom"' in home
    country = (site / "id" / "country" / "BGD.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml" href="../../feeds/country/BGD.atom"' in country
    quality = (site / "quality.html").read_text(encoding="utf-8")
    assert "data/examples/example-annex.txt" in quality
    assert 'href="id/report/example-annex.html"' in quality


def test_check_is_off_by_default(server: str) -> None:
    r = httpx.post(server + "/check?file=x.csv", content=b"id,title\n")
    assert r.status_code == 404


def _expected(name: str, upload: str) -> list[str]:
    """The corpus' expected messages about the uploaded file, named as uploaded."""
    expected = (BAD / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    prefix = "data/documents/" if upload.endswith(".txt") else "data/annex/"
    return [e.replace(prefix, "") for e in expected if e.startswith(prefix + upload)]


@pytest.mark.parametrize("name", bad_cases())
def test_post_check_gives_the_corpus_messages(checking: str, name: str) -> None:
    source = case_input(name)
    upload = f"case{source.suffix}"
    r = httpx.post(f"{checking}/check", params={"file": upload}, content=source.read_bytes(),
                   timeout=60)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["ok"] is False
    errors = [m.removeprefix("error: ") for m in answer["messages"] if m.startswith("error: ")]
    assert errors == _expected(name, upload)


def test_post_check_limits(checking: str) -> None:
    big = httpx.post(f"{checking}/check", params={"file": "big.csv"}, content=b"x" * 200_001)
    assert big.status_code == 413
    for name in ("notes.md", "../x.csv", ""):
        bad = httpx.post(f"{checking}/check", params={"file": name}, content=b"id\n")
        assert bad.status_code == 400, name
    good = httpx.post(f"{checking}/check", params={"file": "who-2025.csv"}, content=(
        b"id,title,start_date,end_date,beneficiaries\n1,Workshop,2025-03-14,,Kenya\n"))
    assert good.status_code == 200
    assert good.json()["ok"] is True
    assert good.json()["summary"] == ("checked 1 file: 1 report, 1 activity: 0 errors, "
                                      "0 violations, 0 warnings")
