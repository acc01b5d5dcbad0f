"""Compacted JSON-LD, written in one linear pass over the sorted quads.

The ``@context`` (prefixes and one term per ``tkg:`` property, with the property's type
coercion) is published as ``context.jsonld`` and embedded in ``tripskg.jsonld`` so that the
dump parses offline. Compaction is done by hand, not with a JSON-LD processor: every value is
written either in the short form the term's coercion allows or as an explicit value object
(``{"@id": …}`` / ``{"@value": …, "@type"|"@language": …}``), which JSON-LD never coerces, so
expansion gives back exactly the quads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..iris import IRIs
from ..oxutil import select
from ..prefixes import prefixes
from ..vocab import OWL, RDF, RDFS, XSD

RDF_TYPE = RDF + "type"
RDF_TYPE_NT = f"<{RDF_TYPE}>"
XSD_STRING = XSD + "string"
LANG_STRING = RDF + "langString"
CONTEXT_FILE = "context.jsonld"


def context(iris: IRIs, store: ox.Store | None = None) -> dict[str, Any]:
    """The JSON-LD context: prefixes, then a term per tkg property declared in the ontology."""
    pfx = prefixes(iris)
    pfx["id"] = iris.id
    pfx["graph"] = iris.base + "graph/"
    terms: dict[str, Any] = {}
    if store is not None:
        terms = _property_terms(iris, store)
    # a prefix may not share its name with a term (treaty, framework are tkg properties)
    ctx: dict[str, Any] = {k: v for k, v in sorted(pfx.items()) if k not in terms}
    ctx.update(sorted(terms.items()))
    return ctx


def _property_terms(iris: IRIs, store: ox.Store) -> dict[str, Any]:
    ontology = ox.NamedNode(iris.graph("ontology"))
    terms: dict[str, Any] = {}
    rows = select(store,
        f"""SELECT ?p ?kind (SAMPLE(?r) AS ?range) WHERE {{
              GRAPH <{ontology.value}> {{
                ?p a ?kind . FILTER(?kind IN (<{OWL}ObjectProperty>, <{OWL}DatatypeProperty>))
                FILTER(STRSTARTS(STR(?p), "{iris.tkg}"))
                OPTIONAL {{ ?p <{RDFS}range> ?r }}
              }} }} GROUP BY ?p ?kind"""
    )
    for row in rows:
        iri = row["p"].value
        local = iri[len(iris.tkg):]
        if not local or not local.replace("_", "").isalnum():
            continue
        definition: dict[str, str] = {"@id": "tkg:" + local}
        if row["kind"].value == OWL + "ObjectProperty":
            definition["@type"] = "@id"
        elif row["range"] is not None and row["range"].value.startswith(XSD) and \
                row["range"].value != XSD_STRING:
            definition["@type"] = "xsd:" + row["range"].value[len(XSD):]
        terms[local] = definition
    return terms


class Compactor:
    """Compacts IRIs and values against one context (longest matching prefix wins)."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.prefixes = sorted(((v, k) for k, v in ctx.items() if isinstance(v, str)),
                               key=lambda x: -len(x[0]))
        self.terms = {v["@id"]: (k, v.get("@type")) for k, v in ctx.items()
                      if isinstance(v, dict)}
        self._cache: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        hit = self._cache.get(iri)
        if hit is not None:
            return hit
        out = iri
        for ns, name in self.prefixes:
            if iri.startswith(ns):
                suffix = iri[len(ns):]
                if suffix and not suffix.startswith("//"):
                    out = f"{name}:{suffix}"
                break
        if len(self._cache) < 200_000:
            self._cache[iri] = out
        return out

    def key(self, predicate: str) -> tuple[str, str | None]:
        """The key for a predicate and the coercion of its term (None: no term)."""
        compact = self.iri(predicate)
        term = self.terms.get(compact)
        if term is not None:
            return term
        return compact, None

    def value(self, obj: str, coercion: str | None) -> Any:
        """The JSON-LD value of an object term given in N-Triples syntax."""
        if obj[0] == "<":
            iri = self.iri(obj[1:-1])
            return iri if coercion == "@id" else {"@id": iri}
        if obj[0] == "_":
            return obj if coercion == "@id" else {"@id": obj}
        end = obj.rindex('"')  # the suffix (@lang, ^^<datatype>) holds no quote
        lexical = _unescape(obj[1:end])
        suffix = obj[end + 1:]
        if suffix.startswith("@"):
            return {"@value": lexical, "@language": suffix[1:]}
        dt = suffix[3:-1] if suffix else XSD_STRING
        if coercion is None and dt == XSD_STRING:
            return lexical
        if coercion is not None and coercion != "@id" and self.iri(dt) == coercion:
            return lexical
        if dt == XSD_STRING:
            return {"@value": lexical}
        return {"@value": lexical, "@type": self.iri(dt)}

    def node_id(self, term: str) -> str:
        """A subject or graph name in N-Triples syntax, compacted."""
        return self.iri(term[1:-1]) if term[0] == "<" else term


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
          "\\": "\\"}


def _unescape(text: str) -> str:
    """The value of an N-Triples string literal's content (ECHAR and UCHAR escapes)."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16))
                       if m.group(3) is None else _ECHAR[m.group(3)], text)


Triple = tuple[str, str, str]  # subject, predicate, object in N-Triples syntax


def ntriples_triples(lines: Iterable[bytes]) -> Iterator[Triple]:
    """Triples of canonical N-Triples lines (IRIs hold no space, so the first two spaces
    end the subject and the predicate; a line ends with ' .')."""
    text = b"".join(lines).decode("utf-8")
    for line in text.split("\n"):
        if line:
            s, p, rest = line.split(" ", 2)
            yield s, p, rest[:-2]


def _nodes(triples: Iterable[Triple], comp: Compactor) -> Iterator[dict[str, Any]]:
    for subject, group in groupby(triples, key=lambda t: t[0]):
        node: dict[str, Any] = {"@id": comp.node_id(subject), "@type": None}
        for predicate, ptriples in groupby(group, key=lambda t: t[1]):
            objects = [t[2] for t in ptriples]
            if predicate == RDF_TYPE_NT and all(o[0] == "<" for o in objects):
                types = [comp.iri(o[1:-1]) for o in objects]
                node["@type"] = types[0] if len(types) == 1 else types
                continue
            key, coercion = comp.key(predicate[1:-1])
            values = [comp.value(o, coercion) for o in objects]
            node[key] = values[0] if len(values) == 1 else values
        if node["@type"] is None:
            del node["@type"]
        yield node


def _one_line(node: dict[str, Any]) -> str:
    # no indent: keeps json's C encoder (3x faster); one node per line is still diffable
    return json.dumps(node, ensure_ascii=False, separators=(", ", ": "))


def jsonld_head(ctx: dict[str, Any]) -> str:
    return ('{\n  "@context": '
            + json.dumps(ctx, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            + ',\n  "@graph": [')


JSONLD_TAIL = "\n  ]\n}\n"


def graph_block(graph: ox.NamedNode | ox.DefaultGraph, triples: Iterable[Triple],
                comp: Compactor) -> str:
    """One entry of the top-level ``@graph``: a named graph object (or, for the default
    graph, its nodes at top level); blocks are joined with ``,``."""
    parts: list[str] = []
    if isinstance(graph, ox.DefaultGraph):
        for node in _nodes(triples, comp):
            parts.append("\n    ")
            parts.append(_one_line(node))
        return ",".join(parts[i] + parts[i + 1] for i in range(0, len(parts), 2))
    parts.append('\n    {"@id": ')
    parts.append(json.dumps(comp.node_id(str(graph)), ensure_ascii=False))
    parts.append(', "@graph": [')
    first = True
    for node in _nodes(triples, comp):
        parts.append("\n      " if first else ",\n      ")
        first = False
        parts.append(_one_line(node))
    parts.append("\n    ]}")
    return "".join(parts)


def write_context(path: Path, ctx: dict[str, Any]) -> None:
    path.write_text(json.dumps({"@context": ctx}, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
