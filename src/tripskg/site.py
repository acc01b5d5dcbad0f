"""HTML and RDF views of the dataset's resources, shared by the static site and the server.

One rendering code path: :func:`describe` turns a resource into a view model (labels in the
reader's language, property rows with linked labels, incoming links, and the source paragraph or
annex row of each fact) and the Jinja2 templates in ``templates/`` turn it into HTML. The server
reads the graph through :class:`StoreView` (indexed pyoxigraph lookups); the static site through
:class:`IndexView`, built by grouping the quads by subject and object once (no per-resource
query, nothing quadratic). :func:`write_site` writes ``dist/site/``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import jinja2
import pyoxigraph as ox

from .iris import IRIs
from .vocab import DCT, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, STANDARD_PREFIXES, XSD

if TYPE_CHECKING:
    from .build import BuildResult

Term = ox.NamedNode | ox.BlankNode | ox.Literal
PKG = Path(__file__).resolve().parent
TEMPLATES = PKG / "templates"
STATIC = PKG / "static"

LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCT + "title", SCHEMA + "name",
                    FOAF + "name")
DESCRIPTION_PREDICATES = (DCT + "description", SKOS + "definition", RDFS + "comment")
PAGE_SIZE = 100
INCOMING_SHOWN = 100
INCOMING_SCAN = 20_000
HIDDEN_INCOMING = {RDF + "type", RDF + "subject", RDF + "object"}
RDF_TYPE = RDF + "type"


def tkg(iris: IRIs, local: str) -> str:
    return iris.tkg + local


# --------------------------------------------------------------------------- language
def accepted_languages(header: str | None) -> tuple[str, ...]:
    """``Accept-Language`` -> primary language tags by preference, always ending with 'en'."""
    langs: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        if not tag or tag == "*" or not re.fullmatch(r"[a-z]{1,8}", tag):
            continue
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            langs.append((-q, i, tag))
    out: list[str] = []
    for _, _, tag in sorted(langs):
        if tag not in out:
            out.append(tag)
    if "en" not in out:
        out.append("en")
    return tuple(out)


def pick_literal(values: Iterable[ox.Literal], langs: tuple[str, ...]) -> ox.Literal | None:
    best: tuple[int, str] | None = None
    chosen = None
    for v in values:
        lang = (v.language or "").lower().split("-")[0]
        rank = langs.index(lang) if lang in langs else (len(langs) if not lang else len(langs) + 1)
        key = (rank, v.value)
        if best is None or key < best:
            best, chosen = key, v
    return chosen


# --------------------------------------------------------------------------- graph access
class GraphView(Protocol):
    base: str

    def out(self, s: str | ox.BlankNode) -> list[tuple[str, Term]]: ...

    def incoming(self, o: str) -> Iterable[tuple[str, str]]: ...

    def exists(self, iri: str) -> bool: ...


class StoreView:
    """Reads a pyoxigraph store (all graphs, triples deduplicated) with indexed lookups."""

    def __init__(self, store: ox.Store, base: str) -> None:
        self.store = store
        self.base = base
        self._out = cache(self._out_uncached)

    def clear(self) -> None:
        self._out.cache_clear()

    def _out_uncached(self, s: str | ox.BlankNode) -> list[tuple[str, Term]]:
        node = s if isinstance(s, ox.BlankNode) else ox.NamedNode(s)
        seen: dict[tuple[str, Term], None] = {}
        for q in self.store.quads_for_pattern(node, None, None):
            seen[(q.predicate.value, q.object)] = None  # type: ignore[index]
        return list(seen)

    def out(self, s: str | ox.BlankNode) -> list[tuple[str, Term]]:
        return self._out(s)

    def incoming(self, o: str) -> Iterable[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        for q in self.store.quads_for_pattern(None, None, ox.NamedNode(o)):
            if isinstance(q.subject, ox.NamedNode):
                key = (q.subject.value, q.predicate.value)
                if key not in seen:
                    seen.add(key)
                    yield key

    def exists(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        for _ in self.store.quads_for_pattern(node, None, None):
            return True
        for _ in self.store.quads_for_pattern(None, None, node):
            return True
        return False


class IndexView:
    """The quads grouped by subject and by object once, for writing every page of the site."""

    def __init__(self, quads: Iterable[ox.Quad], base: str) -> None:
        self.base = base
        outs: dict[str | ox.BlankNode, dict[tuple[str, Term], None]] = {}
        ins: dict[str, dict[tuple[str, str], None]] = {}
        for q in quads:
            s: str | ox.BlankNode
            if isinstance(q.subject, ox.NamedNode):
                s = q.subject.value
            elif isinstance(q.subject, ox.BlankNode):
                s = q.subject
            else:
                continue
            outs.setdefault(s, {})[(q.predicate.value, q.object)] = None  # type: ignore[index]
            if isinstance(q.object, ox.NamedNode) and isinstance(q.subject, ox.NamedNode):
                ins.setdefault(q.object.value, {})[(q.subject.value, q.predicate.value)] = None
        self._out = {k: list(v) for k, v in outs.items()}
        self._in = {k: list(v) for k, v in ins.items()}

    def subjects(self) -> list[str]:
        return sorted(s for s in self._out if isinstance(s, str))

    def out(self, s: str | ox.BlankNode) -> list[tuple[str, Term]]:
        return self._out.get(s, [])

    def incoming(self, o: str) -> Iterable[tuple[str, str]]:
        return self._in.get(o, [])

    def exists(self, iri: str) -> bool:
        return iri in self._out or iri in self._in


# --------------------------------------------------------------------------- names
# labels of common terms of other vocabularies (their definitions are not in the dataset)
COMMON_LABELS = {
    DCT + "title": "title", DCT + "description": "description", DCT + "identifier": "identifier",
    DCT + "isPartOf": "part of", DCT + "hasPart": "has part", DCT + "source": "source",
    DCT + "language": "language", DCT + "license": "licence", DCT + "created": "created",
    DCT + "modified": "modified", DCT + "creator": "creator", DCT + "publisher": "publisher",
    RDFS + "label": "label", RDFS + "comment": "comment", RDFS + "seeAlso": "see also",
    RDFS + "subClassOf": "subclass of", RDFS + "subPropertyOf": "subproperty of",
    RDFS + "domain": "domain", RDFS + "range": "range", RDF + "type": "type",
    RDF + "subject": "subject", RDF + "predicate": "predicate", RDF + "object": "object",
    SKOS + "prefLabel": "preferred label", SKOS + "altLabel": "alternative label",
    SKOS + "notation": "notation", SKOS + "definition": "definition",
    SKOS + "inScheme": "in scheme", SKOS + "topConceptOf": "top concept of",
    SKOS + "hasTopConcept": "top concept", SKOS + "broader": "broader",
    SKOS + "narrower": "narrower", SKOS + "scopeNote": "scope note",
    SCHEMA + "startDate": "start date", SCHEMA + "endDate": "end date", SCHEMA + "text": "text",
    SCHEMA + "location": "location", SCHEMA + "name": "name",
    OWL + "sameAs": "same as", OWL + "versionInfo": "version", OWL + "versionIRI": "version IRI",
    OWL + "equivalentClass": "equivalent class", OWL + "inverseOf": "inverse of",
    ORG + "member": "member", ORG + "organization": "organization", ORG + "role": "role",
    ORG + "memberDuring": "member during", ORG + "identifier": "identifier",
    ORG + "memberOf": "member of", FOAF + "homepage": "homepage", FOAF + "name": "name",
    PROV + "wasDerivedFrom": "derived from",
}
@cache
def prefix_map(base: str) -> dict[str, str]:
    iris = IRIs(base)
    out = dict(STANDARD_PREFIXES)
    out["tkg"] = iris.tkg
    out["id"] = iris.id
    return out


class Namer:
    """Labels and short names of IRIs for one view and one language preference."""

    def __init__(self, view: GraphView, langs: tuple[str, ...] = ("en",)) -> None:
        self.view = view
        self.langs = langs
        self.prefixes = sorted(prefix_map(view.base).items(), key=lambda kv: -len(kv[1]))
        self._labels: dict[str, str] = {}

    def curie(self, iri: str) -> str:
        for name, ns in self.prefixes:
            if iri.startswith(ns) and "/" not in iri[len(ns):] and len(iri) > len(ns):
                return f"{name}:{iri[len(ns):]}"
        return iri

    def label(self, iri: str) -> str:
        if iri in self._labels:
            return self._labels[iri]
        props = self.view.out(iri)
        text = None
        for pred in LABEL_PREDICATES:
            lit = pick_literal((o for p, o in props if p == pred and isinstance(o, ox.Literal)),
                               self.langs)
            if lit is not None:
                text = lit.value
                break
        if text is None:
            text = self._fallback(iri, props)
        self._labels[iri] = text
        return text

    def _fallback(self, iri: str, props: list[tuple[str, Term]]) -> str:
        base = self.view.base
        if iri in COMMON_LABELS:
            return COMMON_LABELS[iri]
        member = next((o.value for p, o in props if p == ORG + "member"), None)
        organization = next((o.value for p, o in props if p == ORG + "organization"), None)
        if member and organization:
            return f"{self.label(member)} in {self.label(organization)}"
        start = next((o.value for p, o in props if p == SCHEMA + "startDate"), None)
        if start is not None:
            end = next((o.value for p, o in props if p == SCHEMA + "endDate"), "")
            return f"{start} – {end}" if end else f"from {start}"
        number = next((o.value for p, o in props if p == base + "def/paragraphNumber"), None)
        if number is not None:
            return f"¶ {number}"
        position = next((o.value for p, o in props if p == base + "def/position"), None)
        if position is not None:
            return f"Preamble paragraph {position}"
        ident = next((o.value for p, o in props if p == DCT + "identifier"
                      and isinstance(o, ox.Literal)), None)
        if ident:
            return ident
        curie = self.curie(iri)
        if curie != iri:
            return curie
        if iri.startswith(base + "id/"):
            return iri[len(base) + 3:]
        if iri.startswith(base):
            return iri[len(base):] or iri
        return iri

    def description(self, iri: str) -> str | None:
        props = self.view.out(iri)
        for pred in DESCRIPTION_PREDICATES:
            lit = pick_literal((o for p, o in props if p == pred and isinstance(o, ox.Literal)),
                               self.langs)
            if lit is not None:
                return lit.value
        return None


# --------------------------------------------------------------------------- view model
@dataclass
class Link:
    iri: str
    label: str
    title: str = ""


@dataclass
class Value:
    kind: str  # "iri", "literal", "bnode"
    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    sources: list[Link] = field(default_factory=list)
    nested: list[Row] | None = None
    long: bool = False
    key: str = ""


@dataclass
class Row:
    pred: Link
    values: list[Value]
    total: int = 0
    more: bool = False


@dataclass
class Resource:
    iri: str
    label: str
    labels: list[tuple[str, str]]
    types: list[Link]
    description: str | None
    rows: list[Row]
    incoming: list[Row]
    source_locations: list[str]
    is_class: bool = False
    instance_count: int = 0


ROW_ORDER = [DCT + "title", SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel",
             DCT + "description", SKOS + "definition", RDFS + "comment", SCHEMA + "text",
             DCT + "identifier", DCT + "isPartOf"]


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key with numbers in numeric order ('¶2' before '¶10')."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower())
                 for part in re.split(r"(\d+)", text) if part)


def _literal_value(o: ox.Literal, namer: Namer) -> Value:
    dt = o.datatype.value
    return Value(
        "literal", o.value, lang=o.language or None,
        datatype=None if (o.language or dt == XSD + "string") else namer.curie(dt),
        long=len(o.value) > 160,
    )


def _value(o: Term, namer: Namer, depth: int = 0) -> Value:
    if isinstance(o, ox.NamedNode):
        v = Value("iri", namer.label(o.value), iri=o.value)
    elif isinstance(o, ox.BlankNode):
        nested = _rows(namer.view.out(o), namer, depth + 1) if depth < 3 else []
        v = Value("bnode", "(blank node)", nested=nested)
    elif isinstance(o, ox.Literal):
        v = _literal_value(o, namer)
    else:
        v = Value("literal", str(o))
    v.key = str(o)
    return v


def _rows(props: list[tuple[str, Term]], namer: Namer, depth: int = 0,
          skip: Iterable[str] = ()) -> list[Row]:
    grouped: dict[str, list[Term]] = {}
    skipped = set(skip)
    for p, o in props:
        if p not in skipped:
            grouped.setdefault(p, []).append(o)
    rows = []
    for p, objs in grouped.items():
        values = [_value(o, namer, depth) for o in objs]
        values.sort(key=lambda v: (v.kind != "literal", natural_key(v.text), v.iri or "",
                                   v.lang or "", v.key))
        rows.append(Row(Link(p, namer.label(p), namer.curie(p)), values, len(values)))
    # rdfs:label repeating dct:title or skos:prefLabel says nothing new
    shown = [{o for o in grouped.get(p, [])} for p in (DCT + "title", SKOS + "prefLabel")]
    if RDFS + "label" in grouped and set(grouped[RDFS + "label"]) in shown:
        rows = [r for r in rows if r.pred.iri != RDFS + "label"]
    order = {p: i for i, p in enumerate(ROW_ORDER)}
    rows.sort(key=lambda r: (order.get(r.pred.iri, len(order)), r.pred.label.lower()))
    return rows


def _provenance(iri: str, view: GraphView, namer: Namer) -> dict[tuple[str, str], list[Link]]:
    """(predicate, object) -> the paragraphs a fact about ``iri`` was derived from."""
    base = view.base
    found: dict[tuple[str, str], list[Link]] = {}

    def add(key: tuple[str, str], para: str) -> None:
        text = next((o.value for p, o in view.out(para) if p == SCHEMA + "text"), "")
        link = Link(para, namer.label(para), text[:300])
        if all(x.iri != para for x in found.setdefault(key, [])):
            found[key].append(link)

    for fact, pred in view.incoming(iri):
        if pred != RDF + "subject":
            continue
        props = view.out(fact)
        p = next((o.value for q, o in props if q == RDF + "predicate"), None)
        obj = next((o for q, o in props if q == RDF + "object"), None)
        if p is None or obj is None:
            continue
        for q, src in props:
            if q == PROV + "wasDerivedFrom" and isinstance(src, ox.NamedNode):
                add((p, str(obj)), src.value)
    for p, para in view.out(iri):
        if p == base + "def/hasParagraph" and isinstance(para, ox.NamedNode):
            for q, x in view.out(para.value):
                if q == base + "def/mentions":
                    add((base + "def/mentions", str(x)), para.value)
    return found


def describe(view: GraphView, iri: str, langs: tuple[str, ...] = ("en",),
             instance_count: int = 0, namer: Namer | None = None) -> Resource | None:
    """The view model of one resource, or None when the dataset does not know it.

    ``namer`` may be shared between calls (the static site does) to reuse computed labels.
    """
    if not view.exists(iri):
        return None
    namer = namer or Namer(view, langs)
    props = view.out(iri)
    types = sorted({o.value for p, o in props if p == RDF_TYPE and isinstance(o, ox.NamedNode)})
    labels = sorted({(o.language or "", o.value) for p, o in props
                     if p in (SKOS + "prefLabel", RDFS + "label") and isinstance(o, ox.Literal)})
    src_loc = sorted({o.value for p, o in props if p == view.base + "def/sourceLocation"})
    rows = _rows(props, namer, skip=(RDF_TYPE, view.base + "def/sourceLocation"))
    prov = _provenance(iri, view, namer)
    for row in rows:
        for v in row.values:
            v.sources = prov.get((row.pred.iri, v.key), [])
    incoming: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for n, (s, p) in enumerate(view.incoming(iri)):
        if n >= INCOMING_SCAN:
            break
        if p in HIDDEN_INCOMING:
            continue
        counts[p] = counts.get(p, 0) + 1
        if counts[p] <= INCOMING_SHOWN:
            incoming.setdefault(p, []).append(s)
    in_rows = []
    for p, subjects in incoming.items():
        values = sorted((Value("iri", namer.label(s), iri=s) for s in subjects),
                        key=lambda v: (natural_key(v.text), v.iri or ""))
        in_rows.append(Row(Link(p, namer.label(p), namer.curie(p)), values, counts[p],
                           counts[p] > len(values)))
    in_rows.sort(key=lambda r: r.pred.label.lower())
    is_class = OWL + "Class" in types or RDFS + "Class" in types
    return Resource(
        iri=iri, label=namer.label(iri), labels=[(lang, t) for lang, t in labels],
        types=[Link(t, namer.label(t), namer.curie(t)) for t in types],
        description=namer.description(iri), rows=rows, incoming=in_rows,
        source_locations=src_loc, is_class=is_class, instance_count=instance_count,
    )


def description_triples(view: GraphView, iri: str) -> list[ox.Triple]:
    """What a client gets when it dereferences ``iri``: its triples (with blank-node closure)
    plus the labels of the resources it links to."""
    subject = ox.NamedNode(iri)
    triples: dict[ox.Triple, None] = {}
    todo: list[str | ox.BlankNode] = [iri]
    seen_b: set[ox.BlankNode] = set()
    linked: set[str] = set()
    while todo:
        s = todo.pop()
        node = s if isinstance(s, ox.BlankNode) else ox.NamedNode(s)
        for p, o in view.out(s):
            triples[ox.Triple(node, ox.NamedNode(p), o)] = None
            if isinstance(o, ox.BlankNode) and o not in seen_b:
                seen_b.add(o)
                todo.append(o)
            elif isinstance(o, ox.NamedNode) and o.value != iri:
                linked.add(o.value)
    for other in sorted(linked):
        node = ox.NamedNode(other)
        for p, o in view.out(other):
            if p in (RDFS + "label", SKOS + "prefLabel"):
                triples[ox.Triple(node, ox.NamedNode(p), o)] = None
    del subject
    return sorted(triples, key=lambda t: (str(t.subject) != f"<{iri}>", str(t.subject),
                                          str(t.predicate), str(t.object)))


RDF_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    # suffix -> (media type, format)
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}


@cache
def _turtle_prefixes(base: str) -> tuple[tuple[str, str], ...]:
    from .publish.dumps import prefixes  # the dumps' prefixes (lazy: publish imports site)

    return tuple(sorted(prefixes(IRIs(base)).items(), key=lambda kv: -len(kv[1])))


def turtle_prefixes_for(names: Iterable[str], base: str) -> dict[str, str]:
    """The prefixes that abbreviate some of ``names`` without escaped '/' in local names.

    Serializers use the longest matching prefix; a prefix that would leave a '/' in a local
    name (``report:x\\/para\\/1``) is left out, so such IRIs are written in full.
    """
    used: dict[str, str] = {}
    banned: set[str] = set()
    ordered = _turtle_prefixes(base)
    for n in names:
        for name, ns in ordered:
            if n.startswith(ns) and len(n) > len(ns):
                if "/" in n[len(ns):] or "#" in n[len(ns):]:
                    banned.add(name)
                    continue
                used[name] = ns
                break
    return {k: v for k, v in sorted(used.items()) if k not in banned}


def serialize_triples(triples: list[ox.Triple], fmt: ox.RdfFormat, base: str) -> bytes:
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        names = {t.predicate.value for t in triples}
        names.update(t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode))
        names.update(t.object.value for t in triples if isinstance(t.object, ox.NamedNode))
        names.update(t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)
                     and not t.object.language)
        used = turtle_prefixes_for(names, base)
        data = ox.serialize(triples, format=fmt, prefixes=used) or b""
        if fmt == ox.RdfFormat.TURTLE:  # stable prefix order
            lines = data.split(b"\n")
            head = sorted(ln for ln in lines if ln.startswith(b"@prefix "))
            data = b"\n".join(head + [ln for ln in lines if not ln.startswith(b"@prefix ")])
        return data
    return ox.serialize(triples, format=fmt) or b""


# --------------------------------------------------------------------------- home page data
CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class
"""
REPORTS = """
PREFIX tkg: <{tkg}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
SELECT ?report (SAMPLE(?t) AS ?title) (SAMPLE(?id) AS ?symbol) (SAMPLE(?rep) AS ?reporter)
       (SAMPLE(?ps) AS ?start) (SAMPLE(?pe) AS ?end) (SAMPLE(?k) AS ?kind)
       (COUNT(DISTINCT ?a) AS ?activities)
WHERE {{
  ?report a tkg:Report .
  OPTIONAL {{ ?report dct:title ?t }}
  OPTIONAL {{ ?report dct:identifier ?id }}
  OPTIONAL {{ ?report tkg:reporter ?rep }}
  OPTIONAL {{ ?report tkg:dataKind ?k }}
  OPTIONAL {{ ?report tkg:reportingPeriod ?p . ?p schema:startDate ?ps . OPTIONAL {{ ?p schema:endDate ?pe }} }}
  OPTIONAL {{ ?a dct:isPartOf ?report ; a tkg:Activity }}
}} GROUP BY ?report ORDER BY DESC(?start) ?report
"""
BY_YEAR = """
PREFIX tkg: <{tkg}>
SELECT ?year (COUNT(DISTINCT ?a) AS ?n) WHERE {{
  ?a a tkg:Activity ; tkg:startDay ?d . BIND(YEAR(?d) AS ?year)
}} GROUP BY ?year ORDER BY ?year
"""
BY_REGION = """
PREFIX tkg: <{tkg}>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?region (COUNT(DISTINCT ?a) AS ?n) WHERE {{
  ?a a tkg:Activity ; tkg:beneficiary ?b .
  ?b dct:isPartOf* ?region .
  ?region a tkg:Region ; dct:isPartOf <{id}region/001> .
}} GROUP BY ?region ORDER BY DESC(?n) ?region
"""
BY_POLICY = """
PREFIX tkg: <{tkg}>
SELECT ?area (COUNT(DISTINCT ?a) AS ?n) WHERE {{
  ?a a tkg:Activity ; tkg:policyArea ?area .
}} GROUP BY ?area ORDER BY DESC(?n) ?area LIMIT 15
"""


HOME_DESCRIPTION = (
    "The technical cooperation activities reported to the WTO Council for TRIPS under "
    "Article 67 of the TRIPS Agreement, as linked data: each report and its cover-note "
    "paragraphs, the facts extracted from them (with the paragraph they come from), the "
    "activities of the annexes, and reference data on countries, WTO Members, least developed "
    "countries (with dates), regions, organizations, treaties and cooperation frameworks. "
    "Example and synthetic data are labelled as such."
)


@dataclass
class Bar:
    label: str
    value: int
    iri: str | None = None


@dataclass
class Download:
    name: str
    size: int
    sha256: str
    media_type: str


@dataclass
class ClassCount:
    iri: str
    label: str
    curie: str
    slug: str
    count: int


@dataclass
class HomeData:
    title: str
    description: str
    build: Mapping[str, object]
    classes: list[ClassCount]
    reports: list[dict[str, object]]
    charts: dict[str, list[Bar]]
    downloads: list[Download]


def class_slug(curie: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", curie.replace(":", "-")).strip("-") or "class"


def _q(store: ox.Store, text: str) -> list[ox.QuerySolution]:
    return list(store.query(text, use_default_graph_as_union=True))  # type: ignore[arg-type]


def class_counts(store: ox.Store, view: GraphView) -> list[ClassCount]:
    namer = Namer(view)
    out = []
    slugs: set[str] = set()
    for row in _q(store, CLASS_COUNTS):
        c = row["class"]
        if not isinstance(c, ox.NamedNode):
            continue
        curie = namer.curie(c.value)
        slug = class_slug(curie)
        while slug in slugs:
            slug += "-x"
        slugs.add(slug)
        out.append(ClassCount(c.value, namer.label(c.value), curie, slug,
                              int(row["n"].value)))
    return out


def home_data(store: ox.Store, view: GraphView, build: Mapping[str, object],
              downloads: list[Download], classes: list[ClassCount] | None = None) -> HomeData:
    iris = IRIs(view.base)
    namer = Namer(view)
    fmt = {"tkg": iris.tkg, "id": iris.id}
    reports: list[dict[str, object]] = []
    for r in _q(store, REPORTS.format(**fmt)):
        def val(k: str, r: ox.QuerySolution = r) -> str | None:
            t = r[k]
            return t.value if t is not None else None
        rep = val("reporter")
        kind = val("kind")
        reports.append({
            "iri": val("report"), "title": val("title") or namer.label(val("report") or ""),
            "symbol": val("symbol"), "reporter": rep,
            "reporter_label": namer.label(rep) if rep else None,
            "start": val("start"), "end": val("end"),
            "kind": kind.rsplit("/", 1)[-1] if kind else None,
            "activities": int(val("activities") or 0),
        })
    charts = {
        "year": [Bar(r["year"].value, int(r["n"].value)) for r in
                 _q(store, BY_YEAR.format(**fmt)) if r["year"] is not None],
        "region": [Bar(namer.label(r["region"].value), int(r["n"].value),
                       r["region"].value) for r in _q(store, BY_REGION.format(**fmt))],
        "policy": [Bar(namer.label(r["area"].value), int(r["n"].value),
                       r["area"].value) for r in _q(store, BY_POLICY.format(**fmt))],
    }
    return HomeData(
        title="TRIPS technical cooperation knowledge graph",
        description=HOME_DESCRIPTION,
        build=build, classes=classes if classes is not None else class_counts(store, view),
        reports=reports, charts=charts, downloads=downloads,
    )


def list_members(store: ox.Store, view: GraphView, cls: str) -> list[tuple[str, str]]:
    """(label, iri) of every instance of ``cls``, sorted by label."""
    namer = Namer(view)
    subjects = {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                                                 ox.NamedNode(cls))
                if isinstance(q.subject, ox.NamedNode)}
    return sorted(((namer.label(s), s) for s in subjects), key=lambda x: (natural_key(x[0]), x[1]))


def members_csv(members: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["iri", "label"])
    for label, iri in members:
        w.writerow([iri, label])
    return buf.getvalue()


# --------------------------------------------------------------------------- charts
def bar_chart(bars: list[Bar], href: Callable[[str], str] | None = None, width: int = 300
              ) -> dict[str, object]:
    """Geometry of a horizontal bar chart (the template draws the SVG)."""
    top = max((b.value for b in bars), default=0) or 1
    longest = max((min(len(b.label), 22) for b in bars), default=4)
    label_w, row_h = min(150, 12 + round(6.4 * longest)), 22
    plot_w = width - label_w - 34
    items = []
    for i, b in enumerate(bars):
        items.append({
            "label": b.label if len(b.label) <= 22 else b.label[:21] + "…",
            "full": b.label, "value": b.value, "y": i * row_h + 4,
            "w": max(1, round(plot_w * b.value / top)),
            "href": href(b.iri) if (href and b.iri) else None,
        })
    return {"items": items, "width": width, "height": len(bars) * row_h + 8,
            "label_w": label_w, "row_h": row_h}


def column_chart(bars: list[Bar], width: int = 300, height: int = 170) -> dict[str, object]:
    """Geometry of a column chart (one column per year; every k-th label shown)."""
    top = max((b.value for b in bars), default=0) or 1
    n = max(1, len(bars))
    left, bottom, head = 26, 20, 14
    slot = (width - left - 4) / n
    plot_h = height - bottom - head
    every = max(1, -(-n // 7))
    items = []
    for i, b in enumerate(bars):
        h = max(1, round(plot_h * b.value / top))
        items.append({
            "label": b.label, "value": b.value, "x": round(left + i * slot + slot * 0.12, 1),
            "w": round(max(1.0, slot * 0.76), 1), "h": h, "y": head + plot_h - h,
            "cx": round(left + i * slot + slot / 2, 1), "show": i % every == 0,
        })
    return {"items": items, "width": width, "height": height, "top": top, "left": left,
            "base": head + plot_h, "head": head}


# --------------------------------------------------------------------------- templates
class Links(Protocol):
    static_site: bool

    def res(self, iri: str) -> str: ...

    def fmt(self, iri: str, suffix: str) -> str | None: ...

    def page(self, name: str, **params: object) -> str: ...

    def static(self, path: str) -> str: ...

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str: ...

    def download(self, name: str) -> str: ...


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default=True),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.globals["bar_chart"] = bar_chart
    env.globals["column_chart"] = column_chart
    env.filters["filesize"] = _filesize
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _filesize(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def render(template: str, links: Links, **context: object) -> str:
    return environment().get_template(template).render(u=links, **context)


# --------------------------------------------------------------------------- static site
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%-]+(/[A-Za-z0-9._~%-]+)*/?$")


@lru_cache(maxsize=100_000)
def local_path(iri: str, base: str) -> str | None:
    """The site path (without suffix) of a dataset IRI, or None for IRIs the site does not host."""
    if not iri.startswith((base + "id/", base + "def/")) and iri != base + "def":
        return None
    rel = iri[len(base):]
    if not _SAFE_PATH.match(rel) or any(seg in (".", "..") for seg in rel.split("/")):
        return None
    return rel + "index" if rel.endswith("/") else rel


class SiteLinks:
    """Relative links between the files of ``dist/site`` (works from file:// and any server)."""

    static_site = True

    def __init__(self, base: str, hosted: set[str], depth: int = 0) -> None:
        self.base = base
        self.hosted = hosted
        self.up = "../" * depth

    def at(self, rel: str) -> SiteLinks:
        return SiteLinks(self.base, self.hosted, rel.count("/"))

    def res(self, iri: str) -> str:
        path = local_path(iri, self.base)
        if path is not None and path in self.hosted:
            return f"{self.up}{path}.html"
        return iri

    def fmt(self, iri: str, suffix: str) -> str | None:
        path = local_path(iri, self.base)
        if path is None or suffix not in ("ttl", "jsonld"):
            return None
        return f"{self.up}{path}.{suffix}"

    def page(self, name: str, **params: object) -> str:
        return f"{self.up}{'index' if name == 'home' else name}.html"

    def static(self, path: str) -> str:
        return f"{self.up}static/{path}"

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str:
        if suffix == "csv":
            return f"{self.up}list/{slug}.csv"
        return f"{self.up}list/{slug}{'' if page == 1 else f'.p{page}'}.html"

    def download(self, name: str) -> str:
        return f"{self.up}../{name}"


def file_downloads(folder: Path, media_types: Mapping[str, str]) -> list[Download]:
    out = []
    for name, mt in media_types.items():
        p = folder / name
        if p.is_file():
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            out.append(Download(name, p.stat().st_size, h, mt))
    return out


def write_site(result: BuildResult, folder: Path) -> int:
    """Write the static linked-data site into ``folder``; returns the number of resources."""
    import json

    from .publish import MEDIA_TYPES

    base = result.iris.base
    view = IndexView(result.store, base)
    folder.mkdir(parents=True, exist_ok=True)
    subjects = [s for s in view.subjects() if local_path(s, base) is not None]
    hosted = {local_path(s, base) for s in subjects}
    hosted.discard(None)
    root = SiteLinks(base, hosted)  # type: ignore[arg-type]
    classes = class_counts(result.store, view)
    instance_counts = {c.iri: c for c in classes}
    namer = Namer(view)
    for iri in subjects:
        rel = local_path(iri, base)
        assert rel is not None
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        cc = instance_counts.get(iri)
        res = describe(view, iri, instance_count=cc.count if cc else 0, namer=namer)
        assert res is not None
        links = root.at(rel)
        html = render("resource.html", links, r=res, cls=cc, lang="en")
        target.with_name(target.name + ".html").write_text(html, encoding="utf-8")
        triples = description_triples(view, iri)
        target.with_name(target.name + ".ttl").write_bytes(
            serialize_triples(triples, ox.RdfFormat.TURTLE, base))
        target.with_name(target.name + ".jsonld").write_bytes(
            serialize_triples(triples, ox.RdfFormat.JSON_LD, base))
    build_json = folder.parent / "build.json"
    build = json.loads(build_json.read_text(encoding="utf-8")) if build_json.is_file() else {}
    downloads = file_downloads(folder.parent, {
        **MEDIA_TYPES, "void.ttl": "text/turtle", "context.jsonld": "application/ld+json",
        "validation.ttl": "text/turtle", "build.json": "application/json"})
    home = home_data(result.store, view, build, downloads, classes)
    (folder / "index.html").write_text(render("home.html", root, h=home), encoding="utf-8")
    (folder / "classes.html").write_text(render("classes.html", root, classes=classes),
                                         encoding="utf-8")
    (folder / "list").mkdir(exist_ok=True)
    for c in classes:
        members = list_members(result.store, view, c.iri)
        pages = max(1, -(-len(members) // PAGE_SIZE))
        for page in range(1, pages + 1):
            chunk = members[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            html = render("list.html", root.at("list/x"), c=c, members=chunk, page=page,
                          pages=pages, total=len(members), offset=(page - 1) * PAGE_SIZE)
            name = f"{c.slug}.html" if page == 1 else f"{c.slug}.p{page}.html"
            (folder / "list" / name).write_text(html, encoding="utf-8")
        (folder / "list" / f"{c.slug}.csv").write_text(members_csv(members), encoding="utf-8")
    for asset in ("style.css", "favicon.svg"):
        shutil.copy(STATIC / asset, _mk(folder / "static") / asset)
    for name in ("htaccess.example", "nginx.conf.example"):
        text = (TEMPLATES / "site" / name).read_text(encoding="utf-8")
        (folder / (".htaccess" if name == "htaccess.example" else "nginx.conf.example")
         ).write_text(text, encoding="utf-8")
    return len(subjects)


def _mk(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p

