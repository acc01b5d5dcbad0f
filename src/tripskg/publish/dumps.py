"""RDF dumps of the store: sorted, byte-stable, written in one pass per format."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from ..oxutil import serialize

# file name -> (format, named graphs?); tripskg.jsonld is written by jsonld.py (compacted)
DUMPS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "tripskg.ttl": (ox.RdfFormat.TURTLE, False),
    "tripskg.nt.gz": (ox.RdfFormat.N_TRIPLES, False),
    "tripskg.trig": (ox.RdfFormat.TRIG, True),
    "tripskg.nq.gz": (ox.RdfFormat.N_QUADS, True),
    "tripskg.jsonld": (ox.RdfFormat.JSON_LD, True),
    "tripskg.rdf": (ox.RdfFormat.RDF_XML, False),
}
MEDIA_TYPES = {name: fmt.media_type for name, (fmt, _) in DUMPS.items()}
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
