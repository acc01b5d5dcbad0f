"""RDF dumps of the store: sorted, byte-stable, written in one pass per format."""

from __future__ import annotations

import gzip
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..graph import GraphLines
from ..iris import IRIs
from ..oxutil import dump, serialize
from ..vocab import STANDARD_PREFIXES, VANN

# file name -> (format, named graphs?); tripskg.jsonld is written by jsonld.py (compacted)
DUMPS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "tripskg.ttl": (ox.RdfFormat.TURTLE, False),
    "tripskg.nt.gz": (ox.RdfFormat.N_TRIPLES, False),
    "tripskg.trig": (ox.RdfFormat.TRIG, True),
    "tripskg.nq.gz": (ox.RdfFormat.N_QUADS, True),
    "tripskg.jsonld": (ox.RdfFormat.JSON_LD, True),
    "tripskg.rdf": (ox.RdfFormat.RDF_XML, False),
}
MEDIA_TYPES = {
    "tripskg.ttl": "text/turtle",
    "tripskg.nt.gz": "application/n-triples",
    "tripskg.trig": "application/trig",
    "tripskg.nq.gz": "application/n-quads",
    "tripskg.jsonld": "application/ld+json",
    "tripskg.rdf": "application/rdf+xml",
}
TITLES = {
    "tripskg.ttl": "Turtle dump (union of all named graphs)",
    "tripskg.nt.gz": "N-Triples dump, sorted, gzip (union of all named graphs)",
    "tripskg.trig": "TriG dump (one block per named graph)",
    "tripskg.nq.gz": "N-Quads dump, sorted, gzip (named graphs)",
    "tripskg.jsonld": "JSON-LD dump (one object per named graph, context in context.jsonld)",
    "tripskg.rdf": "RDF/XML dump (union of all named graphs)",
}
# W3C format IRIs (void:feature)
FORMAT_IRIS = {
    "tripskg.ttl": "http://www.w3.org/ns/formats/Turtle",
    "tripskg.nt.gz": "http://www.w3.org/ns/formats/N-Triples",
    "tripskg.trig": "http://www.w3.org/ns/formats/TriG",
    "tripskg.nq.gz": "http://www.w3.org/ns/formats/N-Quads",
    "tripskg.jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "tripskg.rdf": "http://www.w3.org/ns/formats/RDF_XML",
}

# prefix names of the concept schemes: the ones the vocabulary files use
SCHEME_PREFIXES = {
    "policy-area": "pa",
    "activity-type": "at",
    "ip-field": "ipf",
    "target-group": "tg",
    "mode": "md",
    "data-kind": "dk",
    "role": "rl",
}
# id/<name>/ namespaces that get a prefix (one per path: see RDF-STACK-NOTES, slash escaping)
ID_PREFIXES = {
    "country": "country",
    "region": "region",
    "group": "group",
    "org": "organization",  # not "org": that is the W3C Organization Ontology
    "member": "member",
    "treaty": "treaty",
    "framework": "framework",
    "meeting": "meeting",
}


def prefixes(iris: IRIs) -> dict[str, str]:
    """Prefixes for readable Turtle/TriG/RDF-XML: only namespaces whose local names have no '/'."""
    out = dict(STANDARD_PREFIXES)
    out["vann"] = VANN
    out["tkg"] = iris.tkg
    for path, name in ID_PREFIXES.items():
        out[name] = f"{iris.id}{path}/"
    for scheme, name in SCHEME_PREFIXES.items():
        out[name] = f"{iris.tkg}{scheme}/"
    return out


def _quad_key(q: ox.Quad) -> tuple[str, str, str, str]:
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))


def sorted_quads(store: ox.Store) -> list[ox.Quad]:
    """All quads, ordered by graph, subject, predicate, object (N-Quads string order)."""
    return sorted(store, key=_quad_key)


def sorted_triples(store: ox.Store) -> list[ox.Triple]:
    """The union of the named graphs (a triple in two graphs once), in subject order."""
    seen = {q.triple for q in store}
    return sorted(seen, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _sorted_prefix_header(data: bytes) -> bytes:
    """pyoxigraph writes prefixes in hash order: sort them so output is byte-stable."""
    end = 0
    while data.startswith(b"@prefix ", end):  # the writer puts every prefix first
        end = data.index(b"\n", end) + 1
    head = data[:end].split(b"\n")[:-1]
    return b"\n".join(sorted(head)) + (b"\n" if head else b"") + data[end:]


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data``; ``.gz`` files are gzipped reproducibly (no name, mtime 0)."""
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                   filename="", compresslevel=6) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def write_dump(path: Path, fmt: ox.RdfFormat, items: Iterable[ox.Triple] | Iterable[ox.Quad],
               pfx: dict[str, str]) -> None:
    data = serialize(items, fmt, pfx)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        data = _sorted_prefix_header(data)
    write_bytes(path, data)


# --------------------------------------------------------------------------- fast sorted dumps
@dataclass
class SortedDump:
    """The store as sorted N-Triples lines, per named graph and for their union.

    Built from ``Store.dump`` (Rust) and a bytes sort (memcmp), with no Python object per
    quad: the order equals sorting terms by their N-Triples form (UTF-8 byte order = code point
    order), i.e. the order of ``sorted_quads``/``sorted_triples``.
    """

    graphs: list[tuple[str | None, list[bytes]]]  # (graph IRI or None for the default graph)
    union: list[bytes]

    @property
    def n_quads(self) -> int:
        return sum(len(lines) for _, lines in self.graphs)

    def ntriples(self) -> bytes:
        return b"".join(self.union)

    def nquads(self) -> bytes:
        parts: list[bytes] = []
        for graph, lines in self.graphs:
            if graph is None:
                parts.extend(lines)
                continue
            suffix = b" <" + graph.encode("utf-8") + b"> .\n"
            parts.extend(line[:-3] + suffix for line in lines)
        return b"".join(parts)

    def graph_counts(self) -> dict[str, int]:
        return {g: len(lines) for g, lines in self.graphs if g is not None}

    @staticmethod
    def subjects(lines: list[bytes], base: str) -> tuple[int, int]:
        """(distinct subjects, distinct subjects that are IRIs under ``base``) of sorted lines."""
        prefix = b"<" + base.encode("utf-8")
        n = entities = 0
        previous = b""
        for line in lines:
            subject = line[:line.index(b" ")]
            if subject != previous:
                previous = subject
                n += 1
                if subject.startswith(prefix):
                    entities += 1
        return n, entities


def sorted_dump(store: ox.Store, known: Iterable[GraphLines] = ()) -> SortedDump:
    """The store's quads as sorted lines; graphs in ``known`` (written by the build as sorted
    lines already) are taken from there instead of dumped from the store again."""
    given = {g.graph: g for g in known}
    graphs: list[tuple[str | None, list[bytes]]] = []
    names: list[str | None] = [*sorted(g.value for g in store.named_graphs()
                                       if isinstance(g, ox.NamedNode))]
    if len(dump(store, ox.RdfFormat.N_TRIPLES, ox.DefaultGraph())):
        names.append(None)  # "DEFAULT" sorts after "<…>", as in sorted_quads
    for name in names:
        if name is not None and name in given:
            lines = given[name].lines()
        else:
            graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
            lines = dump(store, ox.RdfFormat.N_TRIPLES, graph).splitlines(keepends=True)
            lines.sort()
        if lines:
            graphs.append((name, lines))
    if len(graphs) == 1:
        union = graphs[0][1]
    else:
        union = list(_merge_unique([lines for _, lines in graphs]))
    return SortedDump(graphs, union)


def _merge_unique(runs: list[list[bytes]]) -> Iterator[bytes]:
    """Sorted union of sorted lists (duplicates once)."""
    previous = None
    for line in heapq.merge(*runs):
        if line != previous:
            yield line
            previous = line
