"""The W3C SPARQL 1.1 Protocol test suite, read from its manifest, against ``tripskg serve``.

Each ``mf:ProtocolTest`` of ``w3c_protocol/manifest.ttl`` lists HTTP requests (method, path,
headers, body) and what each response must be (status class, result format, boolean). The
runner loads the test's ``ut:graphData`` into a server started with ``--write-token`` (``CLEAR
ALL`` then ``INSERT DATA`` per graph), sends the requests in order to ``/sparql`` (the
manifest's ``/sparql/`` prefix is the endpoint's path, as its comment says) with the write
token, and checks every response. All 34 pass (docs/interop.md: base IRI, update dataset).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDFS

SUITE = Path(__file__).parent / "w3c_protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
TOKEN = "w3c-protocol-suite-token"
RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}"

# mf:expectedFormat -> media types that count as that format (SPARQL 1.1 Protocol §2.1.5/6)
FORMATS = {
    "boolean": ("application/sparql-results+xml", "application/sparql-results+json"),
    "tabular": ("application/sparql-results+xml", "application/sparql-results+json",
                "text/csv", "text/tab-separated-values"),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples", "text/plain",
            "application/xhtml+xml", "text/html"),
}
RDF_PARSERS = {"application/rdf+xml": "xml", "text/turtle": "turtle",
               "application/n-triples": "nt", "text/plain": "nt"}

@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx", ...
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    graphs: list[tuple[str, Path]]  # (graph IRI, N-Triples file)
    requests: list[Request]


def _items(g: rdflib.Graph, head: rdflib.term.Node | None) -> list[rdflib.term.Node]:
    return list(Collection(g, head)) if head is not None else []


def load_manifest(path: Path = SUITE / "manifest.ttl") -> list[ProtocolTest]:
    g = rdflib.Graph().parse(path, format="turtle")
    (manifest,) = g.subjects(rdflib.RDF.type, MF.Manifest)
    tests = []
    for t in _items(g, g.value(manifest, MF.entries)):
        graphs = sorted((str(g.value(d, RDFS.label)), path.parent / Path(str(g.value(d, UT.graph))).name)
                        for d in g.objects(t, UT.graphData))
        requests = []
        for r in _items(g, g.value(g.value(t, MF.action), HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _items(g, g.value(r, HT.headers))}
            body = None
            if (b := g.value(r, HT.body)) is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(r, HT.resp)
            statuses = {str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            requests.append(Request(
                str(g.value(r, HT.methodName)), str(g.value(r, HT.absolutePath)), headers, body,
                statuses, None if fmt is None else str(fmt),
                None if boolean is None else bool(boolean.toPython())))
        tests.append(ProtocolTest(str(t).rsplit("#", 1)[1], str(g.value(t, MF.name)), graphs,
                                  requests))
    return tests


TESTS = load_manifest()


def test_the_manifest_is_read_whole() -> None:
    """All 34 tests of the manifest, each with at least one request and an expected status."""
    assert len(TESTS) == 34
    assert all(t.requests and all(r.statuses for r in t.requests) for t in TESTS)


@pytest.fixture(scope="module")
def endpoint(server_factory) -> str:
    return server_factory("--write-token", TOKEN, "--workers", "1").url


def _update(client: httpx.Client, text: str) -> None:
    r = client.post("/sparql", content=text.encode("utf-8"), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code in (200, 204), r.text


def load_graph_data(client: httpx.Client, test: ProtocolTest) -> None:
    """The test's dataset and nothing else: CLEAR ALL, then each ut:graphData as its graph
    (one update request: the server restarts its query workers after each)."""
    _update(client, " ;\n".join(["CLEAR ALL", *(
        f"INSERT DATA {{ GRAPH <{iri}> {{\n{path.read_text(encoding='utf-8')}}} }}"
        for iri, path in test.graphs)]))


def check_response(r: httpx.Response, req: Request) -> None:
    status = f"{r.status_code // 100}xx"
    assert status in req.statuses, f"{req.method} {req.path}: {r.status_code} {r.text[:300]}"
    if req.fmt is None:
        return
    media = r.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media in FORMATS[req.fmt], f"{req.fmt} answered as {media!r}"
    if req.fmt == "RDF" and media in RDF_PARSERS:
        rdflib.Graph().parse(data=r.content, format=RDF_PARSERS[media])
    if req.boolean is not None or req.fmt == "boolean":
        if media.endswith("json"):
            value = json.loads(r.content)["boolean"]
        else:
            node = ET.fromstring(r.content).find(f"{RESULTS_XML}boolean")
            assert node is not None and node.text is not None
            value = node.text.strip() == "true"
        if req.boolean is not None:
            assert value is req.boolean


@pytest.mark.slow
@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in TESTS])
def test_w3c_protocol(endpoint: str, test: ProtocolTest) -> None:
    with httpx.Client(base_url=endpoint, timeout=60, follow_redirects=False) as client:
        load_graph_data(client, test)
        for req in test.requests:
            headers = {**req.headers, "Authorization": f"Bearer {TOKEN}"}
            r = client.request(req.method, _endpoint_path(req.path), headers=headers,
                               content=req.body)
            check_response(r, req)


def _endpoint_path(path: str) -> str:
    """The manifest's ``/sparql/…`` as this server's ``/sparql…``."""
    assert path.startswith("/sparql/"), path
    return "/sparql" + path[len("/sparql/"):]


# --------------------------------------------------------------------------- read-only server
def is_update(req: Request) -> bool:
    ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
    body = (req.body or b"").decode("utf-8", errors="replace")
    return (ctype == "application/sparql-update" or "?update=" in req.path
            or (ctype == "application/x-www-form-urlencoded" and body.startswith("update=")))


@pytest.fixture(scope="module")
def read_only_endpoint(server_factory, small_dist: Path, tmp_path_factory) -> str:
    """A server without --write-token over a build plus every graph the suite's tests load
    (added to tripskg.nq.gz as one more gzip member: the server bulk-loads that file)."""
    import gzip
    import shutil

    dist = tmp_path_factory.mktemp("w3c-read-only") / "dist"
    shutil.copytree(small_dist, dist)
    graphs = dict(g for t in TESTS for g in t.graphs)
    quads = "".join(line.rstrip(" .\n") + f" <{iri}> .\n"
                    for iri, path in sorted(graphs.items())
                    for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with (dist / "tripskg.nq.gz").open("ab") as f:
        f.write(gzip.compress(quads.encode("utf-8")))
    return server_factory("--workers", "1", dist=dist).url


@pytest.mark.slow
@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in TESTS])
def test_w3c_protocol_read_only(read_only_endpoint: str, test: ProtocolTest) -> None:
    """Without --write-token: every update is refused (403, saying why; the suite's bad
    updates get their 4xx), every query test passes as on the writable server."""
    with httpx.Client(base_url=read_only_endpoint, timeout=60, follow_redirects=False) as client:
        for req in test.requests:
            r = client.request(req.method, _endpoint_path(req.path), headers=req.headers,
                               content=req.body)
            if is_update(req):
                if req.statuses == {"4xx"}:
                    assert 400 <= r.status_code < 500, r.text
                else:
                    assert r.status_code == 403 and "read-only" in r.text, r.text
                return
            check_response(r, req)
