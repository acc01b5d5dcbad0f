"""The dumps as sequences of pieces, so that a rebuild reuses what did not change.

Every dump file is a head, a sequence of *pieces* and a tail:

- the union dumps (``tripskg.ttl``, ``tripskg.nt.gz``, ``tripskg.rdf``) hold the union of the
  named graphs in subject order. Each subject belongs to one *owner*: a report owns the IRIs
  it mints (``id/report/<key>``, ``id/report/<key>/…``, ``id/activity/<key>/…``), which only
  its own named graph describes; everything else (ontology, vocabularies, reference data,
  Council meetings named by several reports) is *shared*. A piece is a maximal run of
  consecutive subjects with the same owner, serialized on its own. pyoxigraph's Turtle and
  RDF/XML writers stream subject by subject, so the pieces put together are the bytes of one
  serialization of the whole union (``tests/publish/test_pieces.py``);
- the per-graph dumps (``tripskg.trig``, ``tripskg.nq.gz``, ``tripskg.jsonld``) hold one piece
  per named graph;
- gzip files are one gzip member per piece (RFC 1952 §2.2: a gzip file is a series of
  members; ``gzip -d``, ``zcat``, Python, Java and zlib's ``gzread`` read them as one stream).

A piece has a key: for a report's pieces the report's build-cache digest (the checksum of its
inputs, the reference data and the code) with the run's position, for the other pieces the
checksum of their lines. The build cache keeps, for the last build, where each piece sits in
its files (:class:`Manifest`); the next build copies unchanged pieces from there and
serializes only the others. Clean builds and rebuilds put the same pieces together the same
way, so their output is the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import mmap
import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..buildcache import Manifest
from ..errors import TripsKGError
from ..graphlines import quad_lines, split_owned
from ..iris import IRIs, owned_prefixes, safe_key
from ..oxutil import serialize
from .jsonld import JSONLD_TAIL, Compactor, graph_block, jsonld_head, ntriples_triples

UNION_FILES = ("tripskg.ttl", "tripskg.nt.gz", "tripskg.rdf")
GRAPH_FILES = ("tripskg.trig", "tripskg.nq.gz", "tripskg.jsonld")
RDF_XML_END = b"</rdf:RDF>"


# --------------------------------------------------------------------------- union
def merge_unique(runs: Iterable[Sequence[bytes]]) -> list[bytes]:
    """Sorted union of sorted lists (duplicates once)."""
    out: list[bytes] = []
    previous = None
    for line in heapq.merge(*runs):
        if line != previous:
            out.append(line)
            previous = line
    return out


def union_runs(owners: Sequence[Sequence[bytes]]) -> list[tuple[int, int, int]]:
    """Cut the sorted union of the owners' (disjoint, sorted) lines into maximal runs of one
    owner: ``(owner, start, end)`` in union order. One bisection per run, no work per line."""
    heap = [(lines[0], i) for i, lines in enumerate(owners) if lines]
    heapq.heapify(heap)
    pos = [0] * len(owners)
    runs = []
    while heap:
        _, i = heapq.heappop(heap)
        lines, a = owners[i], pos[i]
        if heap:
            following = heap[0][0]
            bound = following[:following.index(b" ")]  # '<subject>': every line of a
            b = max(bisect_left(lines, bound, a), a + 1)  # later subject sorts after it
        else:
            b = len(lines)
        runs.append((i, a, b))
        pos[i] = b
        if b < len(lines):
            heapq.heappush(heap, (lines[b], i))
    return runs


# --------------------------------------------------------------------------- serializing
def _strip_prefixes(data: bytes) -> tuple[bytes, bytes]:
    """(prefix lines, body) of pyoxigraph Turtle/TriG output (the writer puts prefixes first)."""
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return data[:end], data[end:]


def sorted_prefix_header(pfx: dict[str, str]) -> bytes:
    """The ``@prefix`` lines pyoxigraph writes for ``pfx``, sorted (it writes them in hash
    order)."""
    probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
    head, _ = _strip_prefixes(serialize([probe], ox.RdfFormat.TURTLE, pfx))
    lines = head.split(b"\n")[:-1]
    return b"\n".join(sorted(lines)) + (b"\n" if lines else b"")


def rdfxml_head(pfx: dict[str, str]) -> bytes:
    empty = serialize([], ox.RdfFormat.RDF_XML, pfx)
    return empty[:empty.index(b">", empty.index(b"<rdf:RDF")) + 2]


# The lines are the build's own canonical N-Triples, written by pyoxigraph from terms it had
# already checked: parsing them again leniently (no second check of every IRI and language
# tag) gives the same triples and serializations ~30% faster (tests/publish: same bytes).
def _own_lines(lines: Iterable[bytes], fmt: ox.RdfFormat) -> Iterator[Any]:
    return ox.parse(b"".join(lines), format=fmt, lenient=True)


def turtle_body(lines: Iterable[bytes], pfx: dict[str, str], quads: bool = False) -> bytes:
    source, target = ((ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) if quads
                      else (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE))
    return _strip_prefixes(serialize(_own_lines(lines, source), target, pfx))[1]


def rdfxml_body(lines: Iterable[bytes], pfx: dict[str, str]) -> bytes:
    data = serialize(_own_lines(lines, ox.RdfFormat.N_TRIPLES), ox.RdfFormat.RDF_XML, pfx)
    start = data.index(b">", data.index(b"<rdf:RDF")) + 2
    return data[start:-len(RDF_XML_END)]


GZIP_LEVEL = 3  # 3x faster than level 6 on the dumps, for files ~20% larger (make bench)


def gzip_member(data: bytes) -> bytes:
    """One reproducible gzip member (no name, mtime 0)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


# --------------------------------------------------------------------------- the plan
@dataclass
class GraphSource:
    """One named graph (``name`` None: the default graph) as sorted N-Triples lines."""

    name: str | None
    lines: Sequence[bytes]
    key: str  # piece key of its per-graph pieces
    report: str | None = None  # the report key, if this is a report's graph


@dataclass(frozen=True)
class Piece:
    file: str
    key: str
    make: Callable[[], bytes] = field(compare=False, repr=False)
    size: int = 0  # lines, for scheduling


@dataclass
class FilePlan:
    name: str
    head: bytes
    pieces: list[Piece]
    sep: bytes = b""
    tail: bytes = b""


@dataclass
class Plan:
    files: dict[str, FilePlan]
    union_triples: int
    shared: list[bytes]  # the shared owner's lines (union of every graph's non-owned lines)
    others: dict[str, Sequence[bytes]]  # report graph IRI -> its lines about subjects it does not own
    owners: list[Sequence[bytes]] = field(default_factory=list)  # see union_runs
    runs: list[tuple[int, int, int]] = field(default_factory=list)

    def pieces(self) -> Iterator[Piece]:
        for f in self.files.values():
            yield from f.pieces

    def union_lines(self) -> Iterator[Sequence[bytes]]:
        """The lines of the union dumps (those of ``tripskg.nt.gz``), a run at a time."""
        for i, a, b in self.runs:
            yield self.owners[i][a:b]


def plan_dumps(graphs: list[GraphSource], iris: IRIs, pfx: dict[str, str],
               ctx: dict[str, Any], keyed: bool) -> Plan:
    """The pieces of every dump. ``keyed``: give shared pieces content keys (needed only when
    pieces are reused from an earlier build)."""
    owners: list[Sequence[bytes]] = []
    owner_keys: list[str] = []
    others: list[Sequence[bytes]] = []
    report_others: dict[str, Sequence[bytes]] = {}
    seen: dict[str, str] = {}
    for g in graphs:
        if g.report is None:
            others.append(g.lines)
            continue
        sk = safe_key(g.report)
        if sk in seen:
            raise TripsKGError(f"reports '{seen[sk]}' and '{g.report}' have the same IRI key "
                               f"'{sk}'", hint="rename one of them")
        seen[sk] = g.report
        mine, rest = split_owned(g.lines, owned_prefixes(iris, g.report))
        assert g.name is not None
        report_others[g.name] = rest
        owners.append(mine)
        owner_keys.append(g.key)
        others.append(rest)
    shared = merge_unique(others)
    owners.append(shared)
    owner_keys.append("shared-" + (_content_key(shared) if keyed else "local"))
    runs = union_runs(owners)
    n_union = sum(len(o) for o in owners)

    def run_lines(i: int, a: int, b: int) -> list[bytes]:
        return list(owners[i][a:b])

    files: dict[str, FilePlan] = {}
    head_ttl = sorted_prefix_header(pfx) if runs else b""
    union_makers: dict[str, tuple[bytes, bytes, Callable[[list[bytes]], bytes]]] = {
        "tripskg.ttl": (head_ttl, b"", lambda ls: turtle_body(ls, pfx)),
        "tripskg.nt.gz": (b"", b"", lambda ls: gzip_member(b"".join(ls))),
        "tripskg.rdf": (rdfxml_head(pfx), RDF_XML_END, lambda ls: rdfxml_body(ls, pfx)),
    }
    for name, (head, tail, make) in union_makers.items():
        pieces = [Piece(name, f"{owner_keys[i]}:{a}:{b}", _bind(make, run_lines, i, a, b), b - a)
                  for i, a, b in runs]
        if name.endswith(".gz") and not pieces:
            pieces = [Piece(name, "empty", lambda: gzip_member(b""))]
        files[name] = FilePlan(name, head, pieces, tail=tail)

    present = [g for g in graphs if g.lines]
    comp = Compactor(ctx)
    graph_makers: dict[str, Callable[[GraphSource], bytes]] = {
        "tripskg.trig": lambda g: turtle_body(quad_lines(g.name, g.lines), pfx, quads=True),
        "tripskg.nq.gz": lambda g: gzip_member(b"".join(quad_lines(g.name, g.lines))),
        "tripskg.jsonld": lambda g: graph_block(
            ox.DefaultGraph() if g.name is None else ox.NamedNode(g.name),
            ntriples_triples(g.lines), comp).encode("utf-8"),
    }
    for name, make_g in graph_makers.items():
        pieces = [Piece(name, g.key, _bind_graph(make_g, g), len(g.lines)) for g in present]
        if name.endswith(".gz") and not pieces:
            pieces = [Piece(name, "empty", lambda: gzip_member(b""))]
        files[name] = FilePlan(name, b"", pieces)
    files["tripskg.trig"].head = head_ttl if present else b""
    files["tripskg.jsonld"].head = jsonld_head(ctx).encode("utf-8")
    files["tripskg.jsonld"].sep = b","
    files["tripskg.jsonld"].tail = JSONLD_TAIL.encode("utf-8")
    return Plan(files, n_union, shared, report_others, owners, runs)


def _bind(make: Callable[[list[bytes]], bytes],
          run_lines: Callable[[int, int, int], list[bytes]],
          i: int, a: int, b: int) -> Callable[[], bytes]:
    return lambda: make(run_lines(i, a, b))


def _bind_graph(make: Callable[[GraphSource], bytes], g: GraphSource) -> Callable[[], bytes]:
    return lambda: make(g)


def _content_key(lines: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
    return h.hexdigest()[:32]


def content_key(lines: Iterable[bytes]) -> str:
    return "c-" + _content_key(lines)


# --------------------------------------------------------------------------- writing
Span = tuple[str, int, int]  # (file path, offset, length)


def reusable_spans(plan: Plan, manifest: Manifest | None) -> dict[tuple[str, str], Span]:
    """Pieces of the plan found in the last build's files."""
    if manifest is None:
        return {}
    usable = manifest.usable_files()
    out: dict[tuple[str, str], Span] = {}
    for name, fplan in plan.files.items():
        if name not in usable:
            continue
        spans = manifest.spans.get(name, {})
        path = str(Path(manifest.folder) / name)
        for p in fplan.pieces:
            if p.key in spans:
                off, length = spans[p.key]
                out[(name, p.key)] = (path, off, length)
    return out


def write_pieces(pieces: list[Piece], path: Path) -> list[tuple[str, str, int, int]]:
    """Serialize ``pieces`` into one scratch file; returns (file, key, offset, length)."""
    out = []
    at = 0
    with path.open("wb") as fh:
        for p in pieces:
            data = p.make()
            fh.write(data)
            out.append((p.file, p.key, at, len(data)))
            at += len(data)
    return out


def assemble(fplan: FilePlan, spans: dict[tuple[str, str], Span], target: Path
             ) -> tuple[str, dict[str, tuple[int, int]]]:
    """Write a dump from its head, pieces (copied from ``spans``) and tail; returns its
    SHA-256 and where each piece landed."""
    h = hashlib.sha256()
    where: dict[str, tuple[int, int]] = {}
    maps: dict[str, mmap.mmap | bytes] = {}
    try:
        with target.open("wb") as out:
            at = 0

            def put(data: bytes | memoryview) -> None:
                nonlocal at
                h.update(data)
                out.write(data)
                at += len(data)

            put(fplan.head)
            for n, p in enumerate(fplan.pieces):
                if n and fplan.sep:
                    put(fplan.sep)
                src, off, length = spans[(fplan.name, p.key)]
                if src not in maps:
                    maps[src] = _map(src)
                where[p.key] = (at, length)
                with memoryview(maps[src]) as view, view[off:off + length] as chunk:
                    put(chunk)
            put(fplan.tail)
    finally:
        for m in maps.values():
            if isinstance(m, mmap.mmap):
                m.close()
    return h.hexdigest(), where


def _map(path: str) -> mmap.mmap | bytes:
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def assemble_all(plan: Plan, spans: dict[tuple[str, str], Span], folder: Path
                 ) -> dict[str, tuple[str, dict[str, tuple[int, int]]]]:
    """Every dump of the plan (in threads: copying and hashing release the GIL)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(assemble, f, spans, folder / name)
                   for name, f in plan.files.items()}
        return {name: fut.result() for name, fut in futures.items()}
