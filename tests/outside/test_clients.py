"""Real clients against ``tripskg serve``: SPARQLWrapper (every return format it offers, GET
and POST, with and without ``setOnlyConneg``), rdflib's SPARQLStore, ``rdflib.Graph().parse``
on dereferenced IRIs and pyld on the JSON-LD. Answers are compared with the same query run by
Oxigraph on the dumps the server serves (union default graph).

Every combination passes (the server bugs found by this matrix are fixed: see
docs/interop.md).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper import GET as HTTP_GET

from tests.support.answers import load_dump

BASE = "https://w3id.org/tripskg/"
TKG = BASE + "def/"
REPORT = BASE + "id/report/wipo-technical-cooperation-2025"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

QUERIES = {
    "SELECT": f"SELECT ?r ?label WHERE {{ ?r a <{TKG}Report> ; <{RDFS_LABEL}> ?label }} "
              "ORDER BY ?r ?label",
    "ASK": f"ASK {{ <{REPORT}> a <{TKG}Report> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?r <{RDFS_LABEL}> ?label }} WHERE {{ ?r a <{TKG}Report> ; "
                 f"<{RDFS_LABEL}> ?label }}",
    "DESCRIBE": f"DESCRIBE <{REPORT}>",
}
RESULT_FORMATS = (JSON, XML, CSV, TSV)
GRAPH_FORMATS = (TURTLE, N3, JSONLD, RDFXML, XML, RDF)

@pytest.fixture(scope="module")
def local(small_dist: Path) -> ox.Store:
    """The served dumps in an Oxigraph store of our own."""
    return load_dump(small_dist)


def expected(local: ox.Store, form: str) -> Any:
    result = local.query(QUERIES[form], use_default_graph_as_union=True)
    if form == "SELECT":
        return [(s["r"].value, s["label"].value) for s in result]
    if form == "ASK":
        return bool(result)
    return {(t.subject.value, t.predicate.value, _value(t.object)) for t in result}


def _value(term: Any) -> str:
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term.value)


def rdflib_triples(g: rdflib.Graph) -> set[tuple[str, str, str]]:
    out = set()
    for s, p, o in g:
        if isinstance(o, rdflib.Literal):
            value = f"{o}@{o.language}" if o.language else str(o)
        else:
            value = str(o)
        out.add((str(s), str(p), value))
    return out


def xml_bindings(doc: Document) -> list[tuple[str, str]]:
    rows = []
    for result in doc.getElementsByTagName("result"):
        cells = {}
        for b in result.getElementsByTagName("binding"):
            node = next(n for n in b.childNodes if n.nodeType == n.ELEMENT_NODE)
            cells[b.getAttribute("name")] = "".join(c.data for c in node.childNodes)
        rows.append((cells["r"], cells["label"]))
    return rows


def tsv_value(cell: str) -> str:
    if cell.startswith("<"):
        return cell[1:-1]
    text = cell[1:cell.rindex('"')]
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") \
        if "\\" in text else text


def select_rows(fmt: str, value: Any) -> list[tuple[str, str]]:
    if fmt == JSON:
        return [(b["r"]["value"], b["label"]["value"]) for b in value["results"]["bindings"]]
    if fmt == XML:
        return xml_bindings(value)
    text = value.decode("utf-8")
    if fmt == CSV:
        return [(r["r"], r["label"]) for r in csv.DictReader(io.StringIO(text))]
    lines = text.splitlines()
    assert lines[0].split("\t") == ["?r", "?label"]
    return [(tsv_value(a), tsv_value(b)) for a, b in (line.split("\t") for line in lines[1:])]


def ask_value(fmt: str, value: Any) -> bool:
    if fmt == JSON:
        return bool(value["boolean"])
    if fmt == XML:
        return value.getElementsByTagName("boolean")[0].firstChild.data.strip() == "true"
    return value.decode("utf-8").strip().splitlines()[-1].strip() == "true"


def graph_triples(fmt: str, value: Any) -> set[tuple[str, str, str]]:
    if isinstance(value, rdflib.Graph):
        return rdflib_triples(value)
    assert isinstance(value, bytes), type(value)
    return rdflib_triples(rdflib.Graph().parse(data=value, format="turtle" if fmt == TURTLE
                                               else "n3"))


def _cases() -> list[Any]:
    cases = []
    for form, formats in (("SELECT", RESULT_FORMATS), ("ASK", RESULT_FORMATS),
                          ("CONSTRUCT", GRAPH_FORMATS), ("DESCRIBE", GRAPH_FORMATS)):
        for fmt in formats:
            for method in (HTTP_GET, POST):
                for conneg in (False, True):
                    cases.append(pytest.param(
                        form, fmt, method, conneg,
                        id=f"{form}-{fmt}-{method}-{'conneg' if conneg else 'default'}"))
    return cases


@pytest.mark.parametrize(("form", "fmt", "method", "conneg"), _cases())
def test_sparqlwrapper(server: str, local: ox.Store, form: str, fmt: str, method: str,
                       conneg: bool) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERIES[form])
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setOnlyConneg(conneg)
    value = client.queryAndConvert()
    want = expected(local, form)
    if form == "SELECT":
        got = select_rows(fmt, value)
        assert sorted(got) == sorted(want) and len(got) == len(want) > 0
    elif form == "ASK":
        assert ask_value(fmt, value) is want is True
    else:
        got = graph_triples(fmt, value)
        assert got == want and want


def test_rdflib_sparqlstore(server: str, local: ox.Store) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(SPARQLStore(query_endpoint=server + "/sparql", returnFormat="json"))
    rows = [(str(r[0]), str(r[1])) for r in graph.query(QUERIES["SELECT"])]
    assert sorted(rows) == sorted(expected(local, "SELECT"))
    assert graph.query(QUERIES["ASK"]).askAnswer is True
    built = graph.query(QUERIES["CONSTRUCT"]).graph
    assert built is not None and rdflib_triples(built) == expected(local, "CONSTRUCT")
    about = set(graph.triples((rdflib.URIRef(REPORT), None, None)))
    assert (rdflib.URIRef(REPORT), rdflib.RDF.type, rdflib.URIRef(TKG + "Report")) in about


@pytest.mark.parametrize("path", ["/id/report/wipo-technical-cooperation-2025",
                                  "/id/country/KEN", "/def/Report"])
def test_rdflib_parses_dereferenced_iris(server: str, path: str) -> None:
    """``rdflib.Graph().parse(url)`` sends its own Accept header and picks the parser from the
    answer's media type: whatever the server chooses must parse and describe the resource."""
    g = rdflib.Graph().parse(server + path)
    subjects = {str(s) for s in g.subjects()}
    assert BASE + path.lstrip("/") in subjects or server + path in subjects, sorted(subjects)[:5]


def _no_remote_documents(url: str, options: dict[str, Any] | None = None) -> Any:
    raise AssertionError(f"pyld tried to fetch {url}: the JSON-LD needs a remote document")


@pytest.mark.parametrize("path", ["/id/report/wipo-technical-cooperation-2025",
                                  "/id/country/KEN"])
def test_pyld_expands_the_jsonld_to_the_same_triples(server: str, path: str) -> None:
    """pyld expands the served JSON-LD (without fetching anything: the context is inline) to
    RDF equal to the Turtle the server gives for the same IRI."""
    with httpx.Client(base_url=server, timeout=30) as c:
        doc = c.get(path, headers={"Accept": "application/ld+json"})
        ttl = c.get(path, headers={"Accept": "text/turtle"})
    assert doc.status_code == ttl.status_code == 200
    data = json.loads(doc.content)
    loader = {"documentLoader": _no_remote_documents}
    expanded = jsonld.expand(data, loader)
    assert expanded and any("@id" in node for node in expanded)
    nquads = jsonld.to_rdf(data, {**loader, "format": "application/n-quads"})
    from_jsonld = rdflib_triples(rdflib.Graph().parse(data=nquads, format="nt"))
    from_turtle = rdflib_triples(rdflib.Graph().parse(data=ttl.content, format="turtle"))
    assert from_jsonld == from_turtle and from_turtle
