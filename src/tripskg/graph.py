"""Records and reference data -> RDF quads (pyoxigraph terms), one named graph per source."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import overload

import pyoxigraph as ox

from .ingest.dates import PartialDate
from .iris import IRIs, safe_key
from .model import Activity, Fact, Report
from .reference import Entity, Membership, Reference
from .resources import ontology_dir, vocab_files
from .vocab import DCT, DEFAULT_BASE, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, TIME, XSD

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


def line_offsets(lines: Iterable[bytes]) -> array[int]:
    return array("Q", accumulate(map(len, lines), initial=0))


# --------------------------------------------------------------------------- ownership
# A report owns the IRIs it mints; only its own named graph describes them (publish/pieces.py).
def owned_prefixes(iris: IRIs, report_key: str) -> list[bytes]:
    """N-Triples prefixes of the subjects a report owns, in sorted order."""
    report = iris.report(report_key)
    return sorted(p.encode("utf-8") for p in (
        f"<{iris.id}activity/{safe_key(report_key)}/", f"<{report}/", f"<{report}> "))


def owner_key(iris: IRIs, iri: str) -> str | None:
    """The IRI key (``safe_key``) of the report that owns ``iri``, or None for a shared
    subject: the IRIs of :func:`owned_prefixes`, read back."""
    for ns in (iris.id + "activity/", iris.id + "report/"):
        if iri.startswith(ns):
            return iri[len(ns):].split("/", 1)[0]
    return None


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


# --------------------------------------------------------------------------- static files
def rebase_term(term: ox.NamedNode | ox.BlankNode | ox.Literal, base: str
                ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if base != DEFAULT_BASE and isinstance(term, ox.NamedNode) and term.value.startswith(
        DEFAULT_BASE
    ):
        return ox.NamedNode(base + term.value[len(DEFAULT_BASE):])
    return term


def turtle_file_quads(path: Path, graph: str, base: str) -> Iterator[ox.Quad]:
    g = ox.NamedNode(graph)
    with path.open("rb") as fh:
        for t in ox.parse(fh, ox.RdfFormat.TURTLE, base_iri=DEFAULT_BASE):
            yield ox.Quad(
                rebase_term(t.subject, base),  # type: ignore[arg-type]
                rebase_term(t.predicate, base),  # type: ignore[arg-type]
                rebase_term(t.object, base),
                g,
            )


def ontology_quads(iris: IRIs) -> Iterator[ox.Quad]:
    yield from turtle_file_quads(ontology_dir() / "tripskg.ttl", iris.graph("ontology"), iris.base)
    for path in vocab_files():
        yield from turtle_file_quads(path, iris.graph("vocabularies"), iris.base)


# --------------------------------------------------------------------------- reference
ENTITY_CLASS = {
    "country": "Country",
    "region": "Region",
    "group": "CountryGroup",
    "organization": "IntergovernmentalOrganization",
    "treaty": "Treaty",
    "framework": "CooperationFramework",
}


def reference_quads(ref: Reference) -> GraphLines:
    """The reference graph."""
    iris = ref.iris
    q = Quads(iris.graph("reference"))
    for default_iri, e in sorted(ref.entities.items()):
        s = ref.rebase(default_iri)
        _entity(q, s, e, ref)
    for m in ref.memberships:
        _membership(q, m, ref)
    return q.graph_lines()


def _source(q: Quads, s: str, cell: str | None) -> None:
    for part in (cell or "").split(";"):
        if part.strip():
            q.add(s, DCT + "source", uri_or_lit(part.strip()))


def _entity(q: Quads, s: str, e: Entity, ref: Reference) -> None:
    iris, tkg, r = ref.iris, ref.iris.tkg, e.row
    if e.kind == "member" or (
        e.kind == "organization" and r.get("type", "igo") not in ("igo", "igo-organ")
    ):
        q.add(s, RDF + "type", ORG + "FormalOrganization")
    else:
        q.add(s, RDF + "type", tkg + ENTITY_CLASS[e.kind])
    q.labels(s, e.labels)
    for alt in sorted(set(e.alt_names) - set(e.labels.values())):
        q.add(s, SKOS + "altLabel", lit(alt, "en"))
    _source(q, s, r.get("source") or _file_citation(e))
    if e.kind == "country":
        q.add(s, tkg + "iso3166Alpha2", lit(r["alpha2"]))
        q.add(s, tkg + "iso3166Alpha3", lit(r["alpha3"]))
        if r.get("numeric"):
            q.add(s, tkg + "iso3166Numeric", lit(r["numeric"]))
        if r.get("m49_subregion"):
            q.add(s, DCT + "isPartOf", iris.region(r["m49_subregion"]))
    elif e.kind == "region":
        q.add(s, tkg + "m49Code", lit(r["m49"]))
        if r.get("parent_m49"):
            q.add(s, DCT + "isPartOf", iris.region(r["parent_m49"]))
    elif e.kind == "organization":
        if r.get("acronym"):
            q.add(s, ORG + "identifier", lit(r["acronym"]))
        if r.get("wikidata"):
            q.add(s, OWL + "sameAs", "http://www.wikidata.org/entity/" + r["wikidata"])
        if r.get("homepage"):
            q.add(s, FOAF + "homepage", r["homepage"])
    elif e.kind in ("treaty", "framework"):
        if r.get("adopted"):
            q.add(s, tkg + "adoptionDate", lit(r["adopted"], datatype=XSD + "date"))
        if r.get("entry_into_force"):
            q.add(s, tkg + "entryIntoForce", lit(r["entry_into_force"], datatype=XSD + "date"))
        if r.get("administered_by"):
            q.add(s, tkg + "administeredBy", iris.org(r["administered_by"]))
        for party in (r.get("parties") or "").split(";"):
            if party.strip():
                q.add(s, tkg + "party", iris.org(party.strip()))


def _file_citation(e: Entity) -> str | None:
    return f"tripskg reference data, {e.location.source}" if e.location else None


def _dates(q: Quads, s: str, tkg: str, start: PartialDate | None, end: PartialDate | None
           ) -> None:
    """schema:startDate/endDate at the precision given, and the tkg:startDay/endDay bounds."""
    if start:
        q.add(s, SCHEMA + "startDate", date_lit(start))
        q.add(s, tkg + "startDay", day_lit(start))
    if end:
        q.add(s, SCHEMA + "endDate", date_lit(end))
        q.add(s, tkg + "endDay", day_lit(end, last=True))


def _membership(q: Quads, m: Membership, ref: Reference) -> None:
    iris, tkg = ref.iris, ref.iris.tkg
    s = iris.membership(m.organization, m.member)
    org_iri = iris.group(m.organization) if m.org_kind == "group" else iris.org(m.organization)
    member = iris.country(m.member) if m.member_kind == "country" else iris.member(m.member)
    q.add(s, RDF + "type", ORG + "Membership")
    q.add(s, ORG + "member", member)
    q.add(s, ORG + "organization", org_iri)
    q.add(s, ORG + "role", iris.concept("role", m.role))
    if m.source:
        _source(q, s, m.source)
    if m.start or m.end:
        during = s + "/during"
        q.add(s, ORG + "memberDuring", during)
        q.add(during, RDF + "type", TIME + "ProperInterval")
        _dates(q, during, tkg, m.start, m.end)


# --------------------------------------------------------------------------- reports
def report_graph_iri(iris: IRIs, report: Report) -> str:
    if report.data_kind == "example":
        return iris.example_graph(report.key)
    return iris.report_graph(report.key)


FACT_PROPERTIES = {
    "reporter": "reporter",
    "communication_date": "communicationDate",
    "meeting": "councilMeeting",
    "period": "reportingPeriod",
    "previous_report": "previousReportSymbol",
}


def report_quads(report: Report, activities: Iterable[Activity], iris: IRIs) -> GraphLines:
    """The report's named graph."""
    q = Quads(report_graph_iri(iris, report))
    tkg = iris.tkg
    r = iris.report(report.key)
    q.add(r, RDF + "type", tkg + "Report")
    q.add(r, tkg + "dataKind", iris.concept("data-kind", report.data_kind))
    if report.title:
        q.add(r, DCT + "title", lit(report.title, report.language or "en"))
    if report.label:
        q.add(r, RDFS + "label", lit(report.label, report.language or "en"))
    if report.compiled:
        q.add(r, tkg + "compilation", bool_lit(True))
    if report.symbol:
        q.add(r, DCT + "identifier", lit(report.symbol))
    if report.source_url:
        q.add(r, DCT + "source", uri_or_lit(report.source_url))
    if report.language:
        q.add(r, DCT + "language", lit(report.language))
    if report.activity_list_complete is not None:
        q.add(r, tkg + "activityListComplete", bool_lit(report.activity_list_complete))
    if report.has_note:
        q.add(r, tkg + "sourceLocation", lit(report.location.source))
    for para in report.paragraphs:
        p = iris.paragraph(report.key, para.key)
        q.add(r, tkg + "hasParagraph", p)
        q.add(p, RDF + "type", tkg + "Paragraph")
        q.add(p, DCT + "isPartOf", r)
        q.add(p, SCHEMA + "text", lit(para.text, report.language or "en"))
        q.add(p, tkg + "position", int_lit(para.position))
        q.add(p, RDFS + "label", lit(f"¶{para.number if para.number else para.key}", "en"))
        if para.number is not None:
            q.add(p, tkg + "paragraphNumber", int_lit(para.number))
        q.add(p, tkg + "sourceLocation", lit(str(para.location)))
        for m in para.mentions:
            q.add(p, tkg + "mentions", m.iri)
            q.add(r, tkg + "mentions", m.iri)
    for field, local in FACT_PROPERTIES.items():
        fact: Fact | None = getattr(report, field)
        if fact is None:
            continue
        obj = _fact_object(q, report, field, fact, iris)
        q.add(r, tkg + local, obj)
        st = iris.fact(report.key, local)
        q.add(st, RDF + "type", RDF + "Statement")
        q.add(st, RDF + "subject", r)
        q.add(st, RDF + "predicate", tkg + local)
        q.add(st, RDF + "object", obj)
        para_keys = {p.key for p in report.paragraphs}
        if fact.paragraph in para_keys:
            q.add(st, PROV + "wasDerivedFrom", iris.paragraph(report.key, fact.paragraph))
        elif report.source_url:
            q.add(st, PROV + "wasDerivedFrom", uri_or_lit(report.source_url))
        elif report.has_note:
            q.add(st, PROV + "wasDerivedFrom", r)
    acts = list(activities)
    for act in acts:
        _activity(q, act, r, iris)
    _counts(q, report, acts, r, iris)
    return q.graph_lines()


def _counts(q: Quads, report: Report, activities: list[Activity], r: str, iris: IRIs) -> None:
    """Per-report statistics (tkg:ActivityCount), so that the saved queries that count
    activities per report, reporter and year, or partner read a few hundred numbers instead
    of scanning every activity. Each activity belongs to exactly one report, so sums over
    reports are exact; the shapes check the totals."""
    tkg = iris.tkg
    q.add(r, tkg + "activityCount", int_lit(len(activities)))
    years = Counter(a.start.first_day().year if a.start else None for a in activities)
    for year, n in sorted(years.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        node = iris.year_count(report.key, year)
        q.add(r, tkg + "activityCountByYear", node)
        q.add(node, RDF + "type", tkg + "ActivityCount")
        if year is not None:
            q.add(node, tkg + "year", int_lit(year))
        q.add(node, tkg + "activityCount", int_lit(n))
    partners = Counter(p for a in activities for p in set(a.partners))
    for partner, n in sorted(partners.items()):
        node = iris.partner_count(report.key, partner)
        q.add(r, tkg + "activityCountByPartner", node)
        q.add(node, RDF + "type", tkg + "ActivityCount")
        q.add(node, tkg + "countedPartner", partner)
        q.add(node, tkg + "activityCount", int_lit(n))


def _fact_object(q: Quads, report: Report, field: str, fact: Fact, iris: IRIs) -> Term:
    tkg = iris.tkg
    if field == "reporter":
        return str(fact.value)
    if field == "communication_date":
        return date_lit(fact.value)  # type: ignore[arg-type]
    if field == "previous_report":
        return lit(str(fact.value))
    start: PartialDate
    end: PartialDate
    start, end = fact.value  # type: ignore[misc]
    if field == "meeting":
        m = iris.meeting(start.lexical())
        q.add(m, RDF + "type", tkg + "CouncilMeeting")
        label = f"Council for TRIPS meeting, {start.lexical()}"
        if end != start:
            label += f" to {end.lexical()}"
        q.add(m, RDFS + "label", lit(label, "en"))
        q.add(m, SCHEMA + "startDate", date_lit(start))
        q.add(m, SCHEMA + "endDate", date_lit(end))
        return m
    period = iris.period(report.key)
    q.add(period, RDF + "type", TIME + "ProperInterval")
    q.add(period, RDFS + "label", lit(f"{start.lexical()} to {end.lexical()}", "en"))
    q.add(period, SCHEMA + "startDate", date_lit(start))
    q.add(period, SCHEMA + "endDate", date_lit(end))
    return period


LIST_PROPS = (
    ("beneficiaries", "beneficiary"),
    ("activity_types", "activityType"),
    ("policy_areas", "policyArea"),
    ("ip_fields", "ipField"),
    ("treaties", "treaty"),
    ("partners", "partner"),
    ("target_groups", "targetGroup"),
    ("frameworks", "framework"),
    ("modes", "mode"),
)


def _activity(q: Quads, act: Activity, report_iri: str, iris: IRIs) -> None:
    tkg = iris.tkg
    a = iris.activity(act.report_key, act.id)
    q.add(a, RDF + "type", tkg + "Activity")
    q.add(a, DCT + "identifier", lit(act.id))
    q.add(a, DCT + "title", lit(act.title, "en"))
    q.add(a, RDFS + "label", lit(act.title, "en"))
    q.add(a, DCT + "isPartOf", report_iri)
    q.add(a, tkg + "dataKind", iris.concept("data-kind", act.data_kind))
    q.add(a, tkg + "sourceLocation", lit(str(act.location)))
    if act.description:
        q.add(a, DCT + "description", lit(act.description, "en"))
    _dates(q, a, tkg, act.start, act.end)
    if act.start and not act.end:  # one date given: the activity is on that day/month/year
        q.add(a, tkg + "endDay", day_lit(act.start, last=True))
    if act.place:
        q.add(a, SCHEMA + "location", lit(act.place))
    if act.source_url:
        q.add(a, DCT + "source", uri_or_lit(act.source_url))
    for attr, local in LIST_PROPS:
        for iri in getattr(act, attr):
            q.add(a, tkg + local, iri)
