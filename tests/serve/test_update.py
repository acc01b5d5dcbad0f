"""A server started with --write-token and a tiny --limit: updates and truncation notes."""

from __future__ import annotations

import httpx
import pytest

TOKEN = "s3cret-token"
NEW = "https://w3id.org/tripskg/id/test/inserted"


@pytest.fixture(scope="module")
def small_limit_server(server_factory) -> str:
    return server_factory("--limit", "2", "--timeout", "5", "--workers", "1",
                          "--write-token", TOKEN).url


@pytest.fixture(scope="module")
def client(small_limit_server: str):
    with httpx.Client(base_url=small_limit_server, timeout=60) as c:
        yield c


def test_truncation_is_said_everywhere(client: httpx.Client) -> None:
    r = client.get("/api/queries/reports", params={"kind": "all"})
    assert r.status_code == 200
    assert r.headers["x-truncated"] == "true"
    assert len(r.json()["results"]["bindings"]) == 2
    rows = client.get("/api/queries/reports", params={"kind": "all", "shape": "rows"}).json()
    assert rows["truncated"] is True and len(rows["rows"]) == 2
    csv = client.get("/api/queries/reports", params={"kind": "all", "format": "csv"})
    assert csv.headers["x-truncated"] == "true" and len(csv.text.strip().splitlines()) == 3
    page = client.get("/queries/reports", params={"kind": "all"})
    assert page.headers["x-truncated"] == "true"
    assert "Results cut at the server&#39;s result limit" in page.text or \
        "Results cut at the server's result limit" in page.text
    sparql = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert sparql.headers["x-truncated"] == "true"
    assert sparql.headers["x-result-limit"] == "2"


def test_update_needs_the_token(client: httpx.Client) -> None:
    update = (f'INSERT DATA {{ GRAPH <urn:test> {{ <{NEW}> '
              '<http://www.w3.org/2000/01/rdf-schema#label> "Inserted by a test" } }')
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert client.post("/sparql", data={"update": update},
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    bad = client.post("/sparql", content="INSERT DATA { nonsense",
                      headers={"Content-Type": "application/sparql-update",
                               "Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400 and "malformed update" in bad.text
    ok = client.post("/sparql", data={"update": update},
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 204, ok.text
    ask = client.get("/sparql", params={"query": f"ASK {{ <{NEW}> ?p ?o }}"})
    assert ask.json()["boolean"] is True
    page = client.get("/id/test/inserted")
    assert page.status_code == 200 and "Inserted by a test" in page.text
    sd = client.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "SPARQL11Update" in sd


def _update(client: httpx.Client, text: str, **params: str | list[str]) -> httpx.Response:
    return client.post("/sparql", params=params, content=text,
                       headers={"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {TOKEN}"})


def _ask(client: httpx.Client, query: str) -> bool:
    r = client.get("/sparql", params={"query": query},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def test_update_where_sees_the_store_default_graph_not_the_union(client: httpx.Client) -> None:
    """The documented difference (docs/interop.md): queries see the union of all graphs, an
    update's WHERE without a dataset sees the store's own default graph (what updates wrote
    without GRAPH); ``using-graph-uri`` gives it the graphs to read."""
    src, out = "urn:test:where-src", "urn:test:where-out"
    assert _update(client, f"INSERT DATA {{ GRAPH <{src}> {{ <urn:test:a> a <urn:test:C> }} }}"
                   ).status_code == 204
    assert _ask(client, "ASK { <urn:test:a> a <urn:test:C> }")  # the union has it
    copy = f"INSERT {{ GRAPH <{out}> {{ ?s a <urn:test:D> }} }} WHERE {{ ?s a <urn:test:C> }}"
    assert _update(client, copy).status_code == 204
    assert not _ask(client, "ASK { <urn:test:a> a <urn:test:D> }")  # WHERE: store default graph
    assert _update(client, copy, **{"using-graph-uri": src}).status_code == 204
    assert _ask(client, "ASK { <urn:test:a> a <urn:test:D> }")
    clash = _update(client, f"WITH <{src}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
                    **{"using-graph-uri": src})
    assert clash.status_code == 400 and "using-graph-uri" in clash.text


def test_relative_iris_resolve_against_the_endpoint(client: httpx.Client,
                                                    small_limit_server: str) -> None:
    r = client.get("/sparql", params={"query": "SELECT (STR(<x>) AS ?b) {}"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.json()["results"]["bindings"][0]["b"]["value"] == small_limit_server + "/x"
    assert _update(client, "INSERT DATA { GRAPH <g> { <s> <p> <o> } }").status_code == 204
    assert _ask(client, f"ASK {{ GRAPH <{small_limit_server}/g> "
                        f"{{ <{small_limit_server}/s> ?p ?o }} }}")
