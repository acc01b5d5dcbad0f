"""Graph lines: N-Triples terms written by pyoxigraph, the lines of one named graph
(:class:`Quads` collects them, :class:`GraphLines` keeps them sorted in one buffer) and the
split of a report graph's lines into the subjects it owns and the others."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import overload

import pyoxigraph as ox

from .model import PartialDate
from .vocab import RDFS, SKOS, XSD

# Terms are strings in their N-Triples form: ``<iri>`` or a literal ``"…"``/``"…"@en``/
# ``"…"^^<dt>``. The graph is assembled as N-Quads text and loaded into the store by
# Oxigraph's parser in one call per report: no Python object per quad (a pyoxigraph ``Quad``
# per triple cost ~10 µs, most of the build at 100k activities). Every term is written by
# pyoxigraph itself (``str(NamedNode(…))``/``str(Literal(…))``), which validates IRIs and
# language tags and escapes literals, so data can never break out of its term.
Term = str

_NODES: dict[str, str] = {}
_LANGS: dict[str, str] = {}
_DATATYPES: dict[str, str] = {}
_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f\ufffe\uffff]*')  # fullmatch: needs no escape


def N(iri: str) -> str:  # noqa: N802 - conventional short name
    """An IRI as an N-Triples term; ValueError if it is not a valid IRI."""
    node = _NODES.get(iri)
    if node is None:
        node = str(ox.NamedNode(iri))
        if len(_NODES) < 200_000:
            _NODES[iri] = node
    return node


def lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal as an N-Triples term (escaped by pyoxigraph unless it needs no escaping)."""
    if lang:
        tag = _LANGS.get(lang)
        if tag is None:
            tag = _LANGS[lang] = str(ox.Literal("", language=lang))[2:]  # validates, lower-cases
        if _PLAIN.fullmatch(value):
            return f'"{value}"{tag}'
        return str(ox.Literal(value, language=lang))
    if datatype and datatype != XSD + "string":
        dt = _DATATYPES.get(datatype)
        if dt is None:
            dt = _DATATYPES[datatype] = "^^" + N(datatype)
        if _PLAIN.fullmatch(value):
            return f'"{value}"{dt}'
        return str(ox.Literal(value, datatype=ox.NamedNode(datatype)))
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return str(ox.Literal(value))


def is_literal(term: str) -> bool:
    return term.startswith('"')


def date_lit(d: PartialDate) -> str:
    return lit(d.lexical(), datatype=d.datatype)


def day_lit(d: PartialDate, last: bool = False) -> str:
    return lit((d.last_day() if last else d.first_day()).isoformat(), datatype=XSD + "date")


def int_lit(n: int) -> str:
    return lit(str(n), datatype=XSD + "integer")


def bool_lit(b: bool) -> str:
    return lit("true" if b else "false", datatype=XSD + "boolean")


def uri_or_lit(value: str) -> str:
    """A URL as an IRI (a value that only looks like one, with spaces etc., stays a literal)."""
    if value.startswith(("http://", "https://")):
        try:
            N(value)
            return value
        except ValueError:
            pass
    return lit(value)


class Quads:
    """Collects the triples of one named graph as N-Triples lines.

    ``add(s, p, o)``: ``s`` and ``p`` are IRIs (plain strings); ``o`` is an IRI or a literal
    term made by :func:`lit` and friends (an N-Triples literal always starts with ``"``, an
    IRI never does).
    """

    def __init__(self, graph: str) -> None:
        self.graph = graph
        N(graph)  # validate
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        obj = o if o[:1] == '"' else N(o)
        self.lines.append(f"{N(s)} {N(p)} {obj} .\n")

    def labels(self, s: str, labels: dict[str, str], pref: str = SKOS + "prefLabel") -> None:
        for lang, text in sorted(labels.items()):
            self.add(s, pref, lit(text, lang))
            self.add(s, RDFS + "label", lit(text, lang))

    def graph_lines(self) -> GraphLines:
        return GraphLines.of(self.graph, self.lines)


class Lines(Sequence[bytes]):
    """Sorted N-Triples lines kept as one buffer: a sequence of lines that is not split into
    one object per line until they are read. ``offsets`` holds where each line starts (and
    the end); ``ranges`` picks line numbers ``[a, b)`` of it, in order. Indexing and
    ``bisect`` read single lines; slices and iteration split only what they cover."""

    __slots__ = ("_n", "_starts", "data", "offsets", "ranges")

    def __init__(self, data: bytes, offsets: array[int],
                 ranges: list[tuple[int, int]] | None = None) -> None:
        self.data = data
        self.offsets = offsets
        whole = [(0, len(offsets) - 1)]
        self.ranges = [(a, b) for a, b in (whole if ranges is None else ranges) if b > a]
        self._starts = list(accumulate((b - a for a, b in self.ranges), initial=0))
        self._n = self._starts[-1]

    def __len__(self) -> int:
        return self._n

    def _absolute(self, i: int) -> int:
        for (a, b), s in zip(self.ranges, self._starts, strict=False):
            if i < s + b - a:
                return a + i - s
        raise IndexError(i)

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            if step != 1:
                raise ValueError("Lines slices have step 1")
            return [line for a, b in self._cover(start, stop) for line in self._split(a, b)]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        j = self._absolute(i)
        return self.data[self.offsets[j]:self.offsets[j + 1]]

    def _cover(self, start: int, stop: int) -> Iterator[tuple[int, int]]:
        """Absolute line ranges of positions ``[start, stop)`` of this sequence."""
        for (a, b), s in zip(self.ranges, self._starts, strict=False):
            lo, hi = max(start, s), min(stop, s + b - a)
            if lo < hi:
                yield a + lo - s, a + hi - s

    def _split(self, a: int, b: int) -> list[bytes]:
        return self.data[self.offsets[a]:self.offsets[b]].splitlines(keepends=True)

    def __iter__(self) -> Iterator[bytes]:
        for a, b in self.ranges:
            yield from self._split(a, b)

    def select(self, ranges: list[tuple[int, int]]) -> Lines:
        """The lines at positions ``[a, b)`` of this sequence, for each range."""
        return Lines(self.data, self.offsets,
                     [r for a, b in ranges for r in self._cover(a, b)])


@dataclass
class GraphLines:
    """A named graph as sorted, distinct N-Triples lines (UTF-8), the form the dumps are cut
    from. Lines compare in code point order, the order of sorting terms by their N-Triples
    text (see ``publish.pieces``)."""

    graph: str
    ntriples: bytes
    offsets: array[int]  # where each line starts, and the end

    @classmethod
    def of(cls, graph: str, lines: Iterable[str]) -> GraphLines:
        data = "".join(sorted(set(lines))).encode("utf-8")
        return cls(graph, data, line_offsets(data.splitlines(keepends=True)))

    @property
    def n_lines(self) -> int:
        return len(self.offsets) - 1

    def lines(self) -> Lines:
        """The lines as a sequence (kept; not pickled)."""
        cached: Lines | None = self.__dict__.get("_lines")
        if cached is None:
            cached = self.__dict__["_lines"] = Lines(self.ntriples, self.offsets)
        return cached

    def __getstate__(self) -> dict[str, object]:
        return {"graph": self.graph, "ntriples": self.ntriples, "offsets": self.offsets}

    def load_into(self, store: ox.Store) -> None:
        store.load(self.ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(self.graph))


def quad_lines(graph: str | None, lines: Iterable[bytes]) -> list[bytes]:
    """N-Triples lines of ``graph`` (None: the default graph) as N-Quads lines."""
    if graph is None:
        return list(lines)
    suffix = b" <" + graph.encode("utf-8") + b"> .\n"
    return [line[:-3] + suffix for line in lines]


def line_offsets(lines: Iterable[bytes]) -> array[int]:
    return array("Q", accumulate(map(len, lines), initial=0))


def owned_ranges(lines: Sequence[bytes], prefixes: list[bytes]) -> list[tuple[int, int]]:
    """Line ranges (sorted lines) whose subject starts with one of ``prefixes``."""
    out = []
    for p in prefixes:
        a = bisect_left(lines, p)
        b = bisect_left(lines, p + b"\xff", a)  # no UTF-8 byte is 0xff
        if b > a:
            out.append((a, b))
    return sorted(out)


def split_owned(lines: Sequence[bytes], prefixes: list[bytes]
                ) -> tuple[Sequence[bytes], Sequence[bytes]]:
    """(owned lines, other lines) of a report graph's sorted lines; both stay sorted (and
    stay :class:`Lines` views of the same buffer when given one)."""
    owned = owned_ranges(lines, prefixes)
    ends = [0, *(x for r in owned for x in r), len(lines)]
    other = [(ends[i], ends[i + 1]) for i in range(0, len(ends), 2)]
    if isinstance(lines, Lines):
        return lines.select(owned), lines.select(other)
    return ([x for a, b in owned for x in lines[a:b]],
            [x for a, b in other for x in lines[a:b]])
