"""The union default graph is a set: every triple is in one named graph, so counts over the
default graph equal void:triples and DESCRIBE gives each triple once (on the real data)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.support.answers import load_dump

VOID = "http://rdfs.org/ns/void#"
TKG = "https://w3id.org/tripskg/def/"
DATASET = "https://w3id.org/tripskg/dataset"


@pytest.fixture(scope="module")
def store(real_dist: Path) -> ox.Store:
    return load_dump(real_dist)


def void_triples(real_dist: Path) -> int:
    void = ox.Store()
    void.load((real_dist / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    (row,) = void.query(f"SELECT ?n WHERE {{ <{DATASET}> <{VOID}triples> ?n }}")
    return int(row["n"].value)


def shared_meetings(store: ox.Store) -> list[str]:
    rows = store.query(f"SELECT ?m (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r <{TKG}councilMeeting> "
                       "?m } GROUP BY ?m HAVING (COUNT(DISTINCT ?r) > 1) ORDER BY DESC(?n) ?m",
                       use_default_graph_as_union=True)
    return [r["m"].value for r in rows]


def test_no_triple_is_in_two_named_graphs(store: ox.Store) -> None:
    assert shared_meetings(store), "the real data has Council meetings named by several reports"
    dup = list(store.query("SELECT ?s ?p ?o WHERE { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o } "
                           "FILTER(STR(?g1) < STR(?g2)) } LIMIT 5"))
    assert dup == []


def test_count_over_the_default_graph_is_void_triples(store: ox.Store, real_dist: Path) -> None:
    (row,) = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", use_default_graph_as_union=True)
    (distinct,) = store.query("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
                              use_default_graph_as_union=True)
    assert int(row["n"].value) == int(distinct["n"].value) == void_triples(real_dist)


def test_endpoint_counts_and_describes_each_triple_once(server_factory, real_dist: Path,
                                                        store: ox.Store) -> None:
    url = server_factory("--workers", "1", dist=real_dist).url
    with httpx.Client(base_url=url, timeout=120) as c:
        n = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                  headers={"Accept": "application/sparql-results+json"}).json()
        assert int(n["results"]["bindings"][0]["n"]["value"]) == void_triples(real_dist)
        meeting = shared_meetings(store)[0]
        r = c.get("/sparql", params={"query": f"DESCRIBE <{meeting}>"},
                  headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    lines = [line for line in r.text.splitlines() if line.strip()]
    assert lines and len(lines) == len(set(lines))
    assert any(f"<{meeting}> <http://www.w3.org/2000/01/rdf-schema#label>" in line
               for line in lines)
    described = {ln for ln in lines if ln.startswith(f"<{meeting}> ")}
    (k,) = store.query(f"SELECT (COUNT(*) AS ?n) {{ <{meeting}> ?p ?o }}",
                       use_default_graph_as_union=True)
    assert len(described) == int(k["n"].value)
