"""Where ``tripskg serve`` gets its store: a checkpoint of the build's query store when it is
fresh (no load at start, and the server keeps working when the build is pruned), else the
dump; both give the same answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from tripskg.querystore import store_dir

QUERY = ("SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/tripskg/def/Report> ; ?p ?o } "
         "ORDER BY ?s ?p ?o")


def _answer(url: str) -> bytes:
    r = httpx.get(url + "/sparql", params={"query": QUERY},
                  headers={"Accept": "text/csv"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.content


def test_the_query_store_or_the_dump_give_the_same_answers(small_dist: Path, server_factory,
                                                           tmp_path: Path) -> None:
    build = small_dist.resolve()
    assert store_dir(small_dist).is_dir()
    from_store = server_factory("--workers", "1", "--cache-mb", "0")
    assert "store: the build's query store" in from_store.log.read_text()

    bare = tmp_path / "bare" / "dist"  # the build's files without its query store
    shutil.copytree(build, bare)
    from_dump = server_factory("--workers", "1", "--cache-mb", "0", dist=bare)
    assert "store: the dump (no query store at" in from_dump.log.read_text()
    assert _answer(from_store.url) == _answer(from_dump.url)
    assert len(_answer(from_store.url).splitlines()) > 10


def test_a_pruned_build_leaves_the_server_its_store(small_dist: Path, server_factory,
                                                    tmp_path: Path) -> None:
    build = small_dist.resolve()
    copy = tmp_path / "copy" / build.name
    shutil.copytree(build, copy)
    shutil.copytree(store_dir(small_dist), store_dir(copy))
    server = server_factory("--workers", "1", "--cache-mb", "0", "--timeout", "2", dist=copy)
    assert "store: the build's query store" in server.log.read_text()
    before = _answer(server.url)
    shutil.rmtree(store_dir(copy))  # what pruning the build does
    # a query over the timeout: its worker is killed and a new one opens the store again
    endless = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    r = httpx.get(server.url + "/sparql", params={"query": endless}, timeout=60)
    assert r.status_code == 503
    assert _answer(server.url) == before
