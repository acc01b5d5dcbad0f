"""void.ttl: a VoID dataset and DCAT catalog describing the dump and each named graph.

Counts come from SPARQL aggregates on the pyoxigraph store (one GROUP BY query per figure, no
per-graph loops over the data). Every node has an IRI (no blank nodes):

- ``<base>catalog``                       dcat:Catalog
- ``<base>dataset``                       void:Dataset + dcat:Dataset (the union of all graphs)
- ``<base>dataset/<graph path>``          a void:subset per named graph (sd:name = graph IRI)
- ``<dataset>/classes/<prefix>-<local>``  void:classPartition (void:entities)
- ``<dataset>/properties/<prefix>-<local>`` void:propertyPartition (void:triples)

Partitions are given for the whole dataset and for the shared graphs (ontology, vocabularies,
reference), not for each report's graph: that would grow void.ttl by ~50 nodes per report.
- ``<base>dataset/distribution/<file>``   dcat:Distribution, with ``…/checksum`` (spdx:Checksum)
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import TripsKGError
from ..iris import IRIs
from ..oxutil import select, serialize
from ..prefixes import prefixes
from ..vocab import DCAT, DCT, FOAF, OWL, RDF, SKOS, SPDX, VOID, XSD
from .dumps import FORMAT_IRIS, MEDIA_TYPES, TITLES
from .jsonld import RDF_TYPE_NT, ntriples_triples

SD = "http://www.w3.org/ns/sparql-service-description#"
IANA = "http://www.iana.org/assignments/media-types/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLISHER_NAME = "tripskg contributors"
TITLE = "tripskg: TRIPS Council technical cooperation knowledge graph"
DESCRIPTION = (
    "Technical cooperation reports submitted to the WTO Council for TRIPS (cover notes, their "
    "paragraphs and the activities listed in their annexes), with the reference data they "
    "point to (countries, regions, country groups, organizations, treaties, cooperation "
    "frameworks), the tripskg ontology and its SKOS concept schemes, as linked data. Every "
    "extracted fact points back to its source paragraph or annex row."
)
# which class gives the example resource of a named graph, in order of preference
EXAMPLE_CLASSES = ("Report", "Activity", "Country", "IntergovernmentalOrganization", "Treaty")


@dataclass(frozen=True)
class Distribution:
    file: str
    size: int
    sha256: str


@dataclass
class Options:
    sparql_endpoint: str | None = None  # default <base>sparql
    download_base: str | None = None  # default <base>downloads/ (served by tripskg serve)


def void_triples(store: ox.Store, iris: IRIs, distributions: Iterable[Distribution],
                 timestamp: int, options: Options | None = None,
                 counts: Counts | None = None
                 ) -> list[ox.Triple]:
    """The VoID/DCAT description as sorted triples."""
    opts = options or Options()
    base = iris.base
    endpoint = opts.sparql_endpoint or base + "sparql"
    download = iris.downloads(opts.download_base)
    out: list[ox.Triple] = []
    pfx = prefixes(iris)

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        out.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p),
                             ox.NamedNode(o) if isinstance(o, str) else o))

    def num(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    when = ox.Literal(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)),
                      datatype=ox.NamedNode(XSD + "dateTime"))
    catalog, dataset, publisher = base + "catalog", iris.dataset, base + "dataset/publisher"

    add(publisher, RDF + "type", FOAF + "Agent")
    add(publisher, FOAF + "name", ox.Literal(PUBLISHER_NAME))

    add(catalog, RDF + "type", DCAT + "Catalog")
    add(catalog, DCT + "title", ox.Literal("tripskg data catalog", language="en"))
    add(catalog, DCT + "description", ox.Literal(
        "The tripskg dataset and its named graphs, with their downloadable dumps.", language="en"))
    add(catalog, DCT + "publisher", publisher)
    add(catalog, DCT + "license", LICENSE)
    add(catalog, DCT + "modified", when)
    add(catalog, DCAT + "dataset", dataset)

    def describe(s: str, title: str, description: str) -> None:
        add(s, RDF + "type", VOID + "Dataset")
        add(s, RDF + "type", DCAT + "Dataset")
        add(s, DCT + "title", ox.Literal(title, language="en"))
        add(s, DCT + "description", ox.Literal(description, language="en"))
        add(s, DCT + "license", LICENSE)
        add(s, DCT + "publisher", publisher)
        add(s, DCT + "created", when)
        add(s, DCT + "modified", when)
        add(s, VOID + "sparqlEndpoint", endpoint)
        add(s, VOID + "uriSpace", ox.Literal(base))

    describe(dataset, TITLE, DESCRIPTION)
    add(dataset, FOAF + "homepage", base)
    add(dataset, DCAT + "landingPage", base)
    add(dataset, VOID + "rootResource", iris.tkg)

    if counts is None:
        counts = dataset_counts(store, iris)
    add(dataset, VOID + "triples", num(counts.triples))
    add(dataset, VOID + "entities", num(counts.entities))
    add(dataset, VOID + "distinctSubjects", num(counts.subjects))
    add(dataset, VOID + "classes", num(len(counts.classes)))
    add(dataset, VOID + "properties", num(len(counts.properties)))
    vocabularies = {_namespace(p) for p in counts.properties} | {
        _namespace(c) for c in counts.classes}
    for ns in sorted(vocabularies):
        add(dataset, VOID + "vocabulary", ns)
    _partitions(add, num, dataset, counts.classes, counts.properties, pfx)
    for c in EXAMPLE_CLASSES:
        example = counts.examples.get((None, iris.tkg + c))
        if example:
            add(dataset, VOID + "exampleResource", example)

    # --- named graphs
    titles = counts.titles if counts.titles is not None else _graph_titles(store, iris.tkg)
    for graph in sorted(counts.graph_triples):
        path = graph[len(base):] if graph.startswith(base) else hashlib.sha1(
            graph.encode()).hexdigest()[:16]
        path = path.removeprefix("graph/")
        sub = f"{dataset}/{path}"
        label = titles.get(graph)
        title = f"tripskg named graph {path}" + (f": {label}" if label else "")
        describe(sub, title, f"The named graph <{graph}> of the tripskg dataset"
                 + (f" ({label})." if label else "."))
        add(dataset, VOID + "subset", sub)
        add(sub, DCT + "isPartOf", dataset)
        add(sub, SD + "name", graph)
        add(catalog, DCAT + "dataset", sub)
        add(sub, VOID + "triples", num(counts.graph_triples[graph]))
        add(sub, VOID + "entities", num(counts.graph_entities.get(graph, 0)))
        classes = counts.graph_classes.get(graph, {})
        properties = counts.graph_properties.get(graph, {})
        add(sub, VOID + "classes", num(len(classes)))
        add(sub, VOID + "properties", num(len(properties)))
        if "/" not in path:  # ontology, vocabularies, reference (not one per report: size)
            _partitions(add, num, sub, classes, properties, pfx)
        preferred = [iris.tkg + c for c in EXAMPLE_CLASSES] + [OWL + "Ontology",
                                                              SKOS + "ConceptScheme"]
        candidates = [counts.examples[(graph, c)] for c in preferred
                      if (graph, c) in counts.examples]
        candidates = candidates or sorted(counts.examples[(graph, c)] for c in classes)
        if candidates:
            add(sub, VOID + "exampleResource", candidates[0])

    # --- distributions
    for d in sorted(distributions, key=lambda d: d.file):
        dist = f"{dataset}/distribution/{d.file}"
        url = download + d.file
        add(dataset, DCAT + "distribution", dist)
        add(dataset, VOID + "dataDump", url)
        if d.file in FORMAT_IRIS:
            add(dataset, VOID + "feature", FORMAT_IRIS[d.file])
        add(dist, RDF + "type", DCAT + "Distribution")
        add(dist, DCT + "title", ox.Literal(TITLES.get(d.file, d.file), language="en"))
        add(dist, DCT + "license", LICENSE)
        add(dist, DCT + "modified", when)
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCAT + "mediaType", IANA + MEDIA_TYPES[d.file])
        if d.file.endswith(".gz"):
            add(dist, DCAT + "compressFormat", IANA + "application/gzip")
        add(dist, DCAT + "byteSize", ox.Literal(
            str(d.size), datatype=ox.NamedNode(XSD + "nonNegativeInteger")))
        checksum = dist + "/checksum"
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF + "type", SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        add(checksum, SPDX + "checksumValue", ox.Literal(
            d.sha256, datatype=ox.NamedNode(XSD + "hexBinary")))
    return sorted(set(out), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def void_prefixes(iris: IRIs) -> dict[str, str]:
    return {
        "rdf": RDF, "xsd": XSD, "dct": DCT, "dcat": DCAT, "void": VOID, "foaf": FOAF,
        "spdx": SPDX, "sd": SD, "tkg": iris.tkg, "skos": SKOS, "owl": OWL,
        "adms": "http://www.w3.org/ns/adms#",  # adms:versionNotes (releases/version.py)
    }


def write_void(path: Path, triples: list[ox.Triple], iris: IRIs) -> None:
    from .dumps import write_dump

    write_dump(path, ox.RdfFormat.TURTLE, triples, void_prefixes(iris))


# --------------------------------------------------------------------------- counting
@dataclass
class Counts:
    triples: int
    entities: int
    subjects: int
    classes: dict[str, int]
    properties: dict[str, int]
    graph_triples: dict[str, int]
    graph_entities: dict[str, int]
    graph_classes: dict[str, dict[str, int]]
    graph_properties: dict[str, dict[str, int]]
    examples: dict[tuple[str | None, str], str]
    titles: dict[str, str] | None = None  # named graph -> label (None: ask the store)


def _int(term: ox.Literal) -> int:
    return int(term.value)


def dataset_counts(store: ox.Store, iris: IRIs) -> Counts:
    """The figures of a whole store, overall and per named graph (the union by SPARQL on the
    store; ``publish`` combines each graph's figures instead, see :func:`combine_counts`)."""
    base = iris.base

    def q(text: str) -> list[ox.QuerySolution]:
        return list(select(store, text, use_default_graph_as_union=True))

    # a triple in two named graphs counts once in the union (hence the DISTINCT subqueries)
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    row = q(f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE {distinct}")[0]
    entities = q(f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o
                     FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}""")[0]
    classes = {r["c"].value: _int(r["n"]) for r in q(
        f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF}type> ?c
            FILTER(isIRI(?c)) }} GROUP BY ?c""")}
    properties = {r["p"].value: _int(r["n"]) for r in q(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {distinct} GROUP BY ?p")}
    return _counts(_int(row["n"]), _int(entities["n"]), _int(row["subjects"]), classes,
                   properties, graph_stats(store, iris))


@dataclass
class GraphStats:
    """The VoID figures of one named graph (kept per report in the build cache)."""

    triples: int
    entities: int  # distinct subjects that are IRIs under the base
    classes: dict[str, int]  # class -> distinct IRI subjects
    properties: dict[str, int]  # property -> triples
    examples: dict[str, str]  # class -> smallest subject IRI
    title: str | None = None


def graph_stats(store: ox.Store, iris: IRIs) -> dict[str, GraphStats]:
    """Figures of every named graph of the store (one GROUP BY query per figure)."""
    base, tkg = iris.base, iris.tkg

    def q(text: str) -> list[ox.QuerySolution]:
        return list(select(store, text))

    out: dict[str, GraphStats] = {}
    # a graph's triples: the sum of its properties' (one scan of the store fewer)
    for r in q("""SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }
                  GROUP BY ?g ?p"""):
        stats = out.setdefault(r["g"].value, GraphStats(0, 0, {}, {}, {}))
        stats.properties[r["p"].value] = _int(r["n"])
        stats.triples += _int(r["n"])
    for r in q(f"""SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o
                   FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }} }} GROUP BY ?g"""):
        out[r["g"].value].entities = _int(r["n"])
    for r in q(f"""SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) (MIN(STR(?s)) AS ?x) WHERE {{
                   GRAPH ?g {{ ?s <{RDF}type> ?c FILTER(isIRI(?c) && isIRI(?s)) }} }}
                   GROUP BY ?g ?c"""):
        stats = out[r["g"].value]
        stats.classes[r["c"].value] = _int(r["n"])
        stats.examples[r["c"].value] = r["x"].value
    for g, title in _graph_titles(store, tkg).items():
        out[g].title = title
    return out


@dataclass
class LineStats:
    """Figures of a set of distinct N-Triples lines (small sets: parsed in Python)."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, lines: Iterable[bytes], base: str) -> LineStats:
        subjects: set[str] = set()
        typed: dict[str, set[str]] = defaultdict(set)
        properties: dict[str, int] = defaultdict(int)
        for s, p, o in ntriples_triples(lines):
            subjects.add(s)
            properties[p[1:-1]] += 1
            if p == RDF_TYPE_NT and o.startswith("<") and s.startswith("<"):
                typed[o[1:-1]].add(s)
        prefix = "<" + base
        n = sum(properties.values())
        return cls(n, len(subjects), sum(1 for s in subjects if s.startswith(prefix)),
                   {c: len(v) for c, v in typed.items()}, dict(properties))


def combine_counts(graphs: dict[str, GraphStats], owned_parts: dict[str, LineStats],
                   shared: LineStats) -> Counts:
    """The dataset's figures from each graph's: a report's graph is the only one describing
    the subjects it owns, so the union counts are the sums over the reports of their owned
    subjects' figures (``owned_parts``: a report graph's figures minus those of its other
    lines, keyed by graph) plus the figures of the shared lines (``shared``: the union of
    every graph's lines about subjects no report owns)."""
    classes: dict[str, int] = defaultdict(int, shared.classes)
    properties: dict[str, int] = defaultdict(int, shared.properties)
    triples, subjects, entities = shared.triples, shared.subjects, shared.entities
    for name, other in owned_parts.items():
        g = graphs[name]
        triples += g.triples - other.triples
        n = g.entities - other.entities  # every subject a report owns is under the base
        subjects += n
        entities += n
        for c, k in g.classes.items():
            classes[c] += k - other.classes.get(c, 0)
        for p, k in g.properties.items():
            properties[p] += k - other.properties.get(p, 0)
    return _counts(triples, entities, subjects, classes, properties, graphs)


def _counts(triples: int, entities: int, subjects: int, classes: dict[str, int],
            properties: dict[str, int], graphs: dict[str, GraphStats]) -> Counts:
    examples: dict[tuple[str | None, str], str] = {}
    for name, g in graphs.items():
        for c, x in g.examples.items():
            examples[(name, c)] = x
            if (None, c) not in examples or x < examples[(None, c)]:
                examples[(None, c)] = x
    return Counts(
        triples, entities, subjects,
        {c: n for c, n in sorted(classes.items()) if n},
        {p: n for p, n in sorted(properties.items()) if n},
        {name: g.triples for name, g in graphs.items()},
        {name: g.entities for name, g in graphs.items()},
        {name: dict(g.classes) for name, g in graphs.items() if g.classes},
        {name: dict(g.properties) for name, g in graphs.items() if g.properties},
        examples,
        {name: g.title for name, g in graphs.items() if g.title},
    )


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(iri: str, pfx: dict[str, str]) -> str:
    """A readable, stable IRI segment for a class or property: 'tkg-Activity', 'dct-title'."""
    best = max(((name, ns) for name, ns in pfx.items() if iri.startswith(ns)),
               key=lambda x: len(x[1]), default=None)
    if best and _UNSAFE.sub("", iri[len(best[1]):]) == iri[len(best[1]):] and iri[len(best[1]):]:
        return f"{best[0]}-{iri[len(best[1]):]}"
    return "h-" + hashlib.sha1(iri.encode()).hexdigest()[:16]


def _partitions(add, num, s: str, classes: dict[str, int],  # type: ignore[no-untyped-def,unused-ignore]
                properties: dict[str, int], pfx: dict[str, str]) -> None:
    for folder, kind, size, counts in (("classes", "class", "entities", classes),
                                       ("properties", "property", "triples", properties)):
        for term, n in sorted(counts.items()):
            part = f"{s}/{folder}/{_slug(term, pfx)}"
            add(s, VOID + kind + "Partition", part)
            add(part, RDF + "type", VOID + "Dataset")
            add(part, VOID + kind, term)
            add(part, VOID + size, num(n))


def _graph_titles(store: ox.Store, tkg: str) -> dict[str, str]:
    """A human label per named graph: the report title, the ontology title ..."""
    out: dict[str, str] = {}
    rows = select(store, f"""SELECT ?g (MIN(?t) AS ?title) WHERE {{ GRAPH ?g {{
        ?s a ?c . FILTER(?c IN (<{tkg}Report>, <{OWL}Ontology>))
        ?s <{DCT}title> ?t FILTER(langMatches(lang(?t), "en")) }} }} GROUP BY ?g""")
    for r in rows:
        out[r["g"].value] = r["title"].value
    return out


# --------------------------------------------------------------------------- validation
def void_shapes_file() -> Path:
    from ..resources import project_root

    return project_root() / "shapes" / "dcat" / "void.ttl"


@cache
def void_shapes() -> Any:
    """shapes/dcat/void.ttl as an rdflib graph (with pyshacl imported: the build's helper
    process calls this while the dumps are written, see ``publish``)."""
    import pyshacl  # noqa: F401 - imported here to be ready
    import rdflib

    return rdflib.Graph().parse(void_shapes_file(), format="turtle")


def validate_void(triples: list[ox.Triple]) -> list[str]:
    """Validate the description against shapes/dcat/void.ttl with pyshacl; return the
    violation messages (``focus path: message``, sorted).

    Not with the compiled SPARQL engine: a pyoxigraph 0.5 store keeps integer literals of the
    derived XSD types as ``xsd:integer`` (``"5"^^xsd:nonNegativeInteger`` comes back as
    ``"5"^^xsd:integer``), so ``sh:datatype xsd:nonNegativeInteger`` (dcat:byteSize) cannot
    be checked on a store. The build runs this in a worker process, beside its last steps.
    """
    import rdflib
    from pyshacl import validate

    data = rdflib.Graph().parse(
        data=serialize(triples, ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    conforms, report, _ = validate(data, shacl_graph=void_shapes(), inference="none")
    if conforms:
        return []
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return sorted({
        f"{report.value(r, sh.focusNode)} {report.value(r, sh.resultPath)}: "
        f"{report.value(r, sh.resultMessage)}"
        for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
        if report.value(r, sh.resultSeverity) == sh.Violation
    })


class VoidError(TripsKGError):
    pass
