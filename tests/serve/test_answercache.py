"""The answer cache (serve/answercache.py): a repeated query is answered from memory with
the same bytes, per build; updates empty it; volatile queries are never kept; bounded."""

from __future__ import annotations

import httpx
import pytest

from tripskg.serve.answercache import AnswerCache
from tripskg.serve.worker import Answer, SelectJob, SparqlJob

TOKEN = "cache-token"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
REPORTS = "SELECT ?r WHERE { ?r a <https://w3id.org/tripskg/def/Report> } ORDER BY ?r"


# ------------------------------------------------------------------ the cache alone
@pytest.mark.parametrize("query", [
    "SELECT (NOW() AS ?t) {}", "SELECT (rand() AS ?x) {}", "SELECT (UUID() AS ?u) {}",
    "SELECT (STRUUID() AS ?u) {}", "SELECT (BNODE() AS ?b) {}",
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT (\\u004EOW() AS ?t) {}",  # NOW through a codepoint escape
])
def test_volatile_queries_are_never_kept(query: str) -> None:
    assert AnswerCache.key(SparqlJob(query)) is None


@pytest.mark.parametrize("query", [
    'SELECT ?s { ?s <http://x/known> "now" }',  # words inside IRIs and strings
    "SELECT ?service { ?service ?p ?o } # NOW() in a comment",
    REPORTS,
])
def test_plain_queries_are_kept(query: str) -> None:
    assert AnswerCache.key(SparqlJob(query)) is not None


def test_every_field_of_a_job_is_in_its_key() -> None:
    keys = {AnswerCache.key(job) for job in (
        SparqlJob(REPORTS), SparqlJob(REPORTS, accept="text/csv"), SparqlJob(REPORTS, fmt="json"),
        SparqlJob(REPORTS, default_graphs=["urn:g"]), SparqlJob(REPORTS, named_graphs=["urn:g"]),
        SparqlJob(REPORTS, limit=5), SparqlJob(REPORTS, base_iri="http://a/"),
        SelectJob(REPORTS), SelectJob(REPORTS, limit=5), SelectJob(REPORTS, limit=5, offset=5),
        SelectJob(REPORTS, fmt="csv"), SparqlJob(REPORTS, gzip=True),
        SelectJob(REPORTS, fmt="csv", gzip=True))}
    assert len(keys) == 13  # an answer compressed for gzip clients is kept apart
    assert AnswerCache.key(SelectJob(REPORTS, out_path="/tmp/x.csv")) is None  # a download


def test_least_recently_used_answers_go_first_and_memory_is_bounded() -> None:
    cache = AnswerCache(8_000)
    for i in range(10):
        cache.put(f"k{i}", Answer(200, body=b"x" * 900))
        assert cache.get("k0") is not None  # k0 stays: it is used every time
    assert cache.bytes <= 8_000 and len(cache) == 8
    assert cache.get("k1") is None and cache.get("k9") is not None
    cache.put("big", Answer(200, body=b"x" * 1_001))  # over an eighth: not kept
    assert cache.get("big") is None
    for status in (400, 500):
        cache.put(f"s{status}", Answer(status, body=b"no"))
        assert cache.get(f"s{status}") is None
    hit = cache.get("k0")
    assert hit is not None and hit.cached and hit.body == b"x" * 900
    off = AnswerCache(0)
    off.put("k", Answer(200, body=b"x"))
    assert off.get("k") is None


# ------------------------------------------------------------------ a running server
@pytest.fixture(scope="module")
def cached(server_factory) -> str:
    return server_factory("--workers", "1", "--write-token", TOKEN).url


@pytest.fixture(scope="module")
def uncached(server_factory) -> str:
    return server_factory("--workers", "1", "--cache-mb", "0").url


def test_a_repeated_query_is_a_hit_with_the_same_bytes(cached: str, uncached: str) -> None:
    with httpx.Client(base_url=cached, timeout=60) as c, \
            httpx.Client(base_url=uncached, timeout=60) as plain:
        for accept in ("application/sparql-results+json", "text/csv"):
            first = c.get("/sparql", params={"query": REPORTS}, headers={"Accept": accept})
            again = c.get("/sparql", params={"query": REPORTS}, headers={"Accept": accept})
            direct = plain.get("/sparql", params={"query": REPORTS}, headers={"Accept": accept})
            assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
            assert direct.headers["x-cache"] == "miss"
            assert first.content == again.content == direct.content
            assert again.headers["content-type"] == direct.headers["content-type"]
        for params in ({"kind": "all", "limit": "3"}, {"kind": "all", "format": "csv"},
                       {"kind": "all", "shape": "rows", "limit": "2", "offset": "2"}):
            first = c.get("/api/queries/reports", params=params)
            again = c.get("/api/queries/reports", params=params)
            direct = plain.get("/api/queries/reports", params=params)
            assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
            assert first.content == again.content == direct.content
            assert again.headers.get("link") == direct.headers.get("link")
        now = "SELECT (NOW() AS ?t) {}"
        assert {c.get("/sparql", params={"query": now}).headers["x-cache"]
                for _ in range(2)} == {"miss"}


def test_an_update_empties_the_cache(cached: str) -> None:
    ask = f"ASK {{ <urn:cache:new> <{LABEL}> ?l }}"
    with httpx.Client(base_url=cached, timeout=60) as c:
        assert c.get("/sparql", params={"query": ask}).json()["boolean"] is False
        assert c.get("/sparql", params={"query": ask}).headers["x-cache"] == "hit"
        update = f'INSERT DATA {{ GRAPH <urn:cache> {{ <urn:cache:new> <{LABEL}> "new" }} }}'
        r = c.post("/sparql", data={"update": update},
                   headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 204, r.text
        after = c.get("/sparql", params={"query": ask})
        assert after.headers["x-cache"] == "miss" and after.json()["boolean"] is True
