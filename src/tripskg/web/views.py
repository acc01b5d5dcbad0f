"""Read access to the graph and names for its IRIs.

:class:`GraphView` is what the presentation reads: the server reads the store through
:class:`StoreView` (indexed pyoxigraph lookups); the static site through :class:`IndexView`,
built by grouping the quads by subject and object once (no per-resource query, nothing
quadratic). :class:`Namer` gives labels and short names of IRIs in the reader's languages.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Protocol

import pyoxigraph as ox

from ..iris import IRIs
from ..vocab import DCT, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, STANDARD_PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal

LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCT + "title", SCHEMA + "name",
                    FOAF + "name")
DESCRIPTION_PREDICATES = (DCT + "description", SKOS + "definition", RDFS + "comment")
RDF_TYPE = RDF + "type"


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


def first_label(props: Iterable[tuple[str, Term]], langs: tuple[str, ...]) -> str | None:
    """The label of a resource with these (predicate, object) pairs: the best literal (by
    :func:`pick_literal`) of the first of ``LABEL_PREDICATES`` that has one."""
    props = list(props)
    for pred in LABEL_PREDICATES:
        lit = pick_literal((o for p, o in props if p == pred and isinstance(o, ox.Literal)),
                           langs)
        if lit is not None:
            return lit.value
    return None


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
    "http://www.w3.org/ns/sparql-service-description#name": "graph name",
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
        text = first_label(props, self.langs)
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
