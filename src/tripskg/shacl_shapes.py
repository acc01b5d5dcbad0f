"""The shapes graph of the SPARQL SHACL validator (:mod:`tripskg.shacl`): the shapes read with
rdflib, the constraint components supported, and the SPARQL fragments of the nested shapes
(``sh:or``/``sh:and``/``sh:not``/``sh:node``) that the compiled checks embed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from .errors import TripsKGError

COMPONENTS = {
    "class", "datatype", "nodeKind", "minCount", "maxCount", "hasValue", "in", "pattern",
    "flags", "languageIn", "uniqueLang", "lessThan", "lessThanOrEquals", "equals", "disjoint",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength",
    "or", "and", "not", "node", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "sparql", "property",
}
# Shape attributes that are not constraints.
IGNORED = {
    "path", "message", "severity", "name", "description", "targetClass", "targetNode",
    "targetSubjectsOf", "targetObjectsOf", "deactivated", "order", "group", "defaultValue",
    "prefixes", "declare", "closed", "ignoredProperties", "qualifiedValueShapesDisjoint",
}


@dataclass(frozen=True)
class ShaclResult:
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: str | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    shape: str | None  # IRI of the (node or property) shape, if it has one
    component: str


def int_param(term: rdflib.term.Node | None) -> int:
    """An integer-valued shape parameter (sh:minCount 1, sh:maxLength 80 …)."""
    return int(str(term))


def n3(term: rdflib.term.Node) -> str:
    if isinstance(term, BNode):
        raise TripsKGError("blank node used as a constant in a shape")
    return term.n3()


class ShapesGraph:
    """The shapes, read with rdflib (small), compiled to SPARQL per constraint."""

    def __init__(self, turtle: str) -> None:
        self.g = rdflib.Graph().parse(data=turtle, format="turtle")
        self._counter = 0

    def node_shapes(self) -> Iterator[rdflib.term.Node]:
        seen = set()
        for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            for s in self.g.subjects(pred, None):
                if s not in seen:
                    seen.add(s)
                    yield s
        for s in self.g.subjects(RDF.type, SH.NodeShape):
            if s not in seen and (s, RDF.type, RDFS.Class) in self.g:
                seen.add(s)
                yield s

    def value(self, s: rdflib.term.Node, p: URIRef) -> rdflib.term.Node | None:
        return self.g.value(s, p)

    def values(self, s: rdflib.term.Node, p: URIRef) -> list[rdflib.term.Node]:
        return list(self.g.objects(s, p))

    def items(self, s: rdflib.term.Node) -> list[rdflib.term.Node]:
        return list(Collection(self.g, s))

    # ------------------------------------------------------------------ paths
    def path(self, p: rdflib.term.Node) -> str:
        if isinstance(p, URIRef):
            return p.n3()
        if (p, RDF.first, None) in self.g:
            return "/".join(self.path(x) for x in self.items(p))
        if (inv := self.value(p, SH.inversePath)) is not None:
            return f"^({self.path(inv)})"
        if (alt := self.value(p, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(x) for x in self.items(alt)) + ")"
        for pred, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                         (SH.zeroOrOnePath, "?")):
            if (inner := self.value(p, pred)) is not None:
                return f"({self.path(inner)}){op}"
        raise TripsKGError(f"unsupported SHACL path {p!r}")

    def path_label(self, p: rdflib.term.Node) -> str | None:
        return str(p) if isinstance(p, URIRef) else None

    # ------------------------------------------------------------------ conditions
    def condition(self, shape: rdflib.term.Node, v: str) -> str:
        """A SPARQL boolean expression: value ``v`` conforms to ``shape``."""
        if (shape, SH.path, None) in self.g:
            return self._property_condition(shape, v)
        parts: list[str] = []
        for pred, obj in self.g.predicate_objects(shape):
            name = str(pred).removeprefix(str(SH))
            if not str(pred).startswith(str(SH)) or name in IGNORED:
                continue
            parts.append(self._condition_part(shape, name, obj, v))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _condition_part(self, shape: rdflib.term.Node, name: str, obj: rdflib.term.Node,
                        v: str) -> str:
        if name == "class":
            return f"EXISTS {{ {instances(v, obj)} }}"
        if name == "datatype":
            return f"(isLiteral({v}) && datatype({v}) = {n3(obj)})"
        if name == "nodeKind":
            return node_kind(obj, v)
        if name == "hasValue":
            return f"sameTerm({v}, {n3(obj)})"
        if name == "in":
            return f"({v} IN ({', '.join(n3(x) for x in self.items(obj))}))"
        if name == "pattern":
            flags = self.value(shape, SH.flags)
            fl = f", {Literal(str(flags)).n3()}" if flags else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {Literal(str(obj)).n3()}{fl}))"
        if name == "flags":
            return "true"
        if name == "languageIn":
            tags = " || ".join(f'langMatches(lang({v}), {Literal(str(t)).n3()})'
                               for t in self.items(obj))
            return f"(isLiteral({v}) && ({tags or 'false'}))"
        if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">",
                  "maxExclusive": "<"}[name]
            return f"COALESCE({v} {op} {n3(obj)}, false)"
        if name in ("minLength", "maxLength"):
            op = ">=" if name == "minLength" else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int_param(obj)})"
        if name == "or":
            return "(" + " || ".join(self.condition(x, v) for x in self.items(obj)) + ")"
        if name == "and":
            return "(" + " && ".join(self.condition(x, v) for x in self.items(obj)) + ")"
        if name == "not":
            return f"(!{self.condition(obj, v)})"
        if name == "node":
            return self.condition(obj, v)
        if name == "property":
            return self._property_condition(obj, v)
        raise TripsKGError(f"SHACL component sh:{name} is not supported inside sh:or/sh:node")

    def _property_condition(self, prop: rdflib.term.Node, v: str) -> str:
        path = self.path(self.value(prop, SH.path))  # type: ignore[arg-type]
        self._counter += 1
        w = f"?w{self._counter}"
        parts = []
        min_count = self.value(prop, SH.minCount)
        max_count = self.value(prop, SH.maxCount)
        inner = [
            self._condition_part(prop, str(p).removeprefix(str(SH)), o, w)
            for p, o in self.g.predicate_objects(prop)
            if str(p).startswith(str(SH)) and str(p).removeprefix(str(SH)) not in IGNORED
            and str(p).removeprefix(str(SH)) not in ("minCount", "maxCount")
        ]
        if inner:
            parts.append(f"NOT EXISTS {{ {v} {path} {w} FILTER(!({' && '.join(inner)})) }}")
        if min_count is not None and int_param(min_count) > 0:
            if int_param(min_count) != 1:
                raise TripsKGError("sh:minCount > 1 inside a nested shape is not supported")
            parts.append(f"EXISTS {{ {v} {path} {w} }}")
        if max_count is not None:
            if int_param(max_count) == 0:
                parts.append(f"NOT EXISTS {{ {v} {path} {w} }}")
            elif int_param(max_count) == 1:
                parts.append(f"NOT EXISTS {{ {v} {path} {w}, {w}x FILTER({w} != {w}x) }}")
            else:
                raise TripsKGError("sh:maxCount > 1 inside a nested shape is not supported")
        return "(" + " && ".join(parts) + ")" if parts else "true"


CLASS_MARK = re.compile(r"§CLASS (\S+) (<[^>]+>)§")


def instances(var: str, cls: rdflib.term.Node) -> str:
    """Pattern 'var is an instance of cls or of a subclass'; the subclasses are looked up in the
    data once per run (see :meth:`Validator.validate`) instead of a ``rdf:type/rdfs:subClassOf*``
    path evaluated per node."""
    return f"§CLASS {var} {n3(cls)}§"


def node_kind(kind: rdflib.term.Node, v: str) -> str:
    return {
        SH.IRI: f"isIRI({v})",
        SH.Literal: f"isLiteral({v})",
        SH.BlankNode: f"isBlank({v})",
        SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
        SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
        SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
    }[kind]  # type: ignore[index]
