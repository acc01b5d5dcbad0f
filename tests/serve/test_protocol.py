"""SPARQL 1.1 Protocol conformance of ``tripskg serve``: methods, formats, errors, limits."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

BASE = "https://w3id.org/tripskg/"
SELECT = ("PREFIX tkg: <https://w3id.org/tripskg/def/> SELECT ?c ?n WHERE { "
          "?c a tkg:Country ; tkg:iso3166Alpha3 ?n } ORDER BY ?c LIMIT 5")
ASK = "ASK { <https://w3id.org/tripskg/id/country/KEN> a ?t }"
CONSTRUCT = ("CONSTRUCT { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
             "?c a <https://w3id.org/tripskg/def/Country> ; "
             "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l } LIMIT 7")
DESCRIBE = "DESCRIBE <https://w3id.org/tripskg/id/country/KEN>"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SD = "http://www.w3.org/ns/sparql-service-description#"

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def rows_of(resp: httpx.Response) -> list[dict[str, str]]:
    """Rows of a SELECT answer in any of the four result formats, as plain values."""
    ctype = resp.headers["content-type"].split(";")[0]
    if ctype == "application/sparql-results+json":
        data = resp.json()
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    if ctype == "application/sparql-results+xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ET.fromstring(resp.content)
        return [{b.get("name"): "".join(b.itertext()).strip() for b in res.findall("r:binding", ns)}
                for res in root.findall(".//r:result", ns)]
    if ctype == "text/csv":
        return list(csv.DictReader(io.StringIO(resp.text)))
    if ctype == "text/tab-separated-values":
        lines = resp.text.splitlines()
        head = [h.lstrip("?") for h in lines[0].split("\t")]
        out = []
        for line in lines[1:]:
            vals = [v[1:-1] if v.startswith("<") else v.split('"')[1] if v.startswith('"')
                    else v for v in line.split("\t")]
            out.append(dict(zip(head, vals, strict=True)))
        return out
    raise AssertionError(f"unexpected content type {ctype}")


@pytest.fixture(scope="module")
def client(server: str):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


# --------------------------------------------------------------------------- methods & formats
@pytest.mark.parametrize("accept", list(RESULT_TYPES))
def test_select_get_every_result_format(client: httpx.Client, accept: str) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    assert "Accept" in r.headers["vary"]
    rows = rows_of(r)
    assert len(rows) == 5
    assert rows[0]["c"].startswith(BASE + "id/country/")
    assert r.headers["x-truncated"] == "false"


@pytest.mark.parametrize(("fmt", "ctype"), [("json", "application/sparql-results+json"),
                                            ("xml", "application/sparql-results+xml"),
                                            ("csv", "text/csv"),
                                            ("tsv", "text/tab-separated-values")])
def test_select_format_parameter_overrides_accept(client: httpx.Client, fmt: str, ctype: str
                                                  ) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": fmt},
                   headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ctype)
    assert len(rows_of(r)) == 5


def test_same_rows_in_every_format(client: httpx.Client) -> None:
    answers = [rows_of(client.get("/sparql", params={"query": SELECT},
                                  headers={"Accept": a})) for a in RESULT_TYPES]
    assert all(a == answers[0] for a in answers)


def test_post_form_and_post_direct(client: httpx.Client) -> None:
    get = rows_of(client.get("/sparql", params={"query": SELECT}))
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post("/sparql", content=SELECT.encode(),
                         headers={"Content-Type": "application/sparql-query"})
    assert form.status_code == direct.status_code == 200
    assert rows_of(form) == rows_of(direct) == get


def test_browser_accept_gets_json_results(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": SELECT},
                   headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize("accept", list(RESULT_TYPES))
def test_ask_every_format(client: httpx.Client, accept: str) -> None:
    r = client.get("/sparql", params={"query": ASK}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert "true" in r.text.lower()


@pytest.mark.parametrize("accept", list(GRAPH_TYPES))
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_construct_describe_every_format(client: httpx.Client, accept: str, query: str) -> None:
    r = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    triples = [q.triple for q in ox.parse(r.content, format=GRAPH_TYPES[accept])]
    if query == CONSTRUCT:
        assert len(triples) == 7
    else:
        assert ox.Triple(ox.NamedNode(BASE + "id/country/KEN"),
                         ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                         ox.NamedNode(BASE + "def/Country")) in triples


@pytest.mark.parametrize(("fmt", "rdf"), [("turtle", ox.RdfFormat.TURTLE),
                                          ("nt", ox.RdfFormat.N_TRIPLES),
                                          ("jsonld", ox.RdfFormat.JSON_LD),
                                          ("xml", ox.RdfFormat.RDF_XML)])
def test_construct_format_parameter(client: httpx.Client, fmt: str, rdf: ox.RdfFormat) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": fmt})
    assert r.status_code == 200
    assert len(list(ox.parse(r.content, format=rdf))) == 7


# --------------------------------------------------------------------------- dataset
def count(client: httpx.Client, query: str, **params: str | list[str]) -> int:
    r = client.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_union_of_named_graphs(client: httpx.Client, small_dist: Path) -> None:
    record = json.loads((small_dist / "build.json").read_text())
    n = count(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert n == record["counts"]["quads"]
    union = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert union >= record["counts"]["triples"]


def test_default_graph_uri_and_named_graph_uri(client: httpx.Client, small_dist: Path) -> None:
    record = json.loads((small_dist / "build.json").read_text())
    onto = BASE + "graph/ontology"
    n = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": onto})
    assert n == record["counts"]["graphs"][onto]
    r = client.get("/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": [onto, BASE + "graph/reference"]})
    graphs = {b["g"]["value"] for b in r.json()["results"]["bindings"]}
    assert graphs == {onto, BASE + "graph/reference"}


def test_from_clause_in_query(client: httpx.Client, small_dist: Path) -> None:
    record = json.loads((small_dist / "build.json").read_text())
    onto = BASE + "graph/ontology"
    n = count(client, f"SELECT (COUNT(*) AS ?n) FROM <{onto}> WHERE {{ ?s ?p ?o }}")
    assert n == record["counts"]["graphs"][onto]


# --------------------------------------------------------------------------- errors
def test_malformed_query_is_400_with_parser_message(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert "malformed query" in r.text
    assert "error at" in r.text.lower() or "expected" in r.text.lower()


@pytest.mark.parametrize("how", ["form", "direct"])
def test_update_is_refused_403(client: httpx.Client, how: str) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    if how == "form":
        r = client.post("/sparql", data={"update": update})
    else:
        r = client.post("/sparql", content=update,
                        headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    assert "read-only" in r.text
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { <urn:a> ?p ?o }") == 0


def test_update_in_query_parameter_is_a_parse_error(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert r.status_code == 400


def test_other_protocol_errors(client: httpx.Client) -> None:
    assert client.post("/sparql", content="x", headers={"Content-Type": "text/plain"}
                       ).status_code == 415
    assert client.get("/sparql", params={"query": [SELECT, SELECT]}).status_code == 400
    assert client.get("/sparql", params={"query": SELECT, "format": "bogus"}).status_code == 400
    assert client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"}).status_code == 400
    r = client.get("/sparql", params={"query": SELECT, "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    assert client.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 400
    assert client.put("/sparql", content="x").status_code == 405


# --------------------------------------------------------------------------- service description
def test_service_description(client: httpx.Client, server: str) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    triples = [q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)]
    endpoint = ox.NamedNode(server + "/sparql")
    assert ox.Triple(endpoint, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode(SD + "Service")) in triples
    assert ox.Triple(endpoint, ox.NamedNode(SD + "feature"),
                     ox.NamedNode(SD + "UnionDefaultGraph")) in triples
    names = {t.object.value for t in triples if t.predicate.value == SD + "name"}
    assert BASE + "graph/ontology" in names
    assert len(list(ox.parse(client.get("/sparql", headers={"Accept": "application/ld+json"}
                                        ).content, format=ox.RdfFormat.JSON_LD))) == len(triples)
    html = client.get("/sparql", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["location"] == "/query"


# --------------------------------------------------------------------------- limits and timeouts
def test_result_limit_says_truncated(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["x-truncated"] == "true"
    assert len(r.json()["results"]["bindings"]) == 1000
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                   headers={"Accept": "application/n-triples"})
    assert r.headers["x-truncated"] == "true"
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 1000


def test_timeout_503_and_server_stays_responsive(server: str) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        t0 = time.monotonic()
        r = httpx.get(server + "/sparql", params={"query": CARTESIAN}, timeout=60)
        slow["status"], slow["text"], slow["took"] = r.status_code, r.text, time.monotonic() - t0

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)  # the cartesian product is running now
    for _ in range(3):
        t0 = time.monotonic()
        r = httpx.get(server + "/sparql", params={"query": ASK}, timeout=10)
        assert r.status_code == 200
        assert time.monotonic() - t0 < 1.0, "a cheap query waited for the expensive one"
        t0 = time.monotonic()
        assert httpx.get(server + "/id/country/KEN", timeout=10).status_code == 200
        assert time.monotonic() - t0 < 1.0
    thread.join(60)
    assert slow["status"] == 503
    assert "timed out" in str(slow["text"])
    assert float(slow["took"]) < 10  # timeout is 3 s
    # the killed worker is replaced: queries keep working
    for _ in range(4):
        assert httpx.get(server + "/sparql", params={"query": ASK}, timeout=30
                         ).status_code == 200


# --------------------------------------------------------------------------- HTTP niceties
def test_cors(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Truncated" in r.headers["access-control-expose-headers"]
    pre = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


def test_gzip(client: httpx.Client) -> None:
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"},
                   headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert len(r.json()["results"]["bindings"]) == 500


def test_dumps_have_etag_and_last_modified(client: httpx.Client, small_dist: Path) -> None:
    sums = dict(reversed(line.split("  ", 1)) for line in
                (small_dist / "SHA256SUMS").read_text().splitlines())
    r = client.get("/downloads/tripskg.ttl")
    assert r.status_code == 200
    assert r.content == (small_dist / "tripskg.ttl").read_bytes()
    assert r.headers["etag"] == f'"{sums["tripskg.ttl"]}"'
    assert r.headers["last-modified"].endswith("GMT")
    again = client.get("/downloads/tripskg.ttl", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get("/downloads/tripskg.ttl",
                       headers={"If-Modified-Since": r.headers["last-modified"]})
    assert since.status_code == 304
    gz = client.get("/downloads/tripskg.nq.gz")
    assert gz.status_code == 200 and gz.content[:2] == b"\x1f\x8b"
    assert client.get("/downloads/nope.ttl").status_code == 404


def test_pages_have_etag(client: httpx.Client) -> None:
    for path in ("/", "/id/country/KEN", "/id/country/KEN.ttl", "/classes"):
        r = client.get(path)
        assert r.status_code == 200
        etag = r.headers["etag"]
        assert r.headers["last-modified"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_serve_refuses_to_start_without_build(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    result = run_cli("serve", "--dist", str(tmp_path / "nothing"))
    assert result.exit_code == 2
    assert "holds no build" in result.output
