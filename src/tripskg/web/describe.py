"""The view model of one resource and its RDF description.

:func:`describe` turns a resource into a view model (labels in the reader's language, property
rows with linked labels, incoming links, and the source paragraph or annex row of each fact);
the templates turn it into HTML. :func:`description_triples` is what a client gets when it asks
for RDF, written by :func:`serialize_triples` with the dumps' prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from ..iris import IRIs
from ..prefixes import prefixes
from ..vocab import DCT, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from .views import RDF_TYPE, GraphView, Namer, Term

INCOMING_SHOWN = 100
INCOMING_SCAN = 20_000
HIDDEN_INCOMING = {RDF + "type", RDF + "subject", RDF + "object"}


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


@cache
def _turtle_prefixes(base: str) -> tuple[tuple[str, str], ...]:
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
