"""A SHACL Core (+ SPARQL-based constraints) validator that runs as SPARQL on pyoxigraph.

pyshacl walks the graph node by node in Python and needs the data in rdflib; at 100k
activities that takes minutes. Here every constraint component of every shape becomes one
SPARQL query over all focus nodes at once, evaluated by Oxigraph. The supported subset is the
one the project's shapes use (see ``COMPONENTS``); an unsupported component is an error, never
silently skipped. ``tests/validate/test_shacl.py`` checks that the results equal pyshacl's on every shape
fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import SH, XSD

from .errors import TripsKGError
from .shacl_shapes import (
    CLASS_MARK,
    COMPONENTS,
    IGNORED,
    ShaclResult,
    ShapesGraph,
    instances,
    int_param,
    n3,
)

UNFOCUSED_MIN = 2_000  # focus nodes from which a check scans its path instead (see _Check)


@dataclass
class _Check:
    """One compiled constraint: a SELECT yielding ?this (and ?value) for each violation."""

    query: str
    severity: str
    message: str
    shape: str | None
    path: str | None
    component: str
    focus_filter: bool = False  # results must be intersected with the focus nodes
    # merged checks (one scan of the focus nodes and their values for several components):
    flags: tuple[tuple[str, str], ...] = ()  # (component, ?var true when it is not met)
    counts: tuple[tuple[str, int], ...] = ()  # (minCount|maxCount, bound), ?n the count
    # the same check without the focus nodes in the query (every subject the path starts
    # from), its results then intersected with the focus nodes: on a large focus (100k
    # activities) a scan of the path's predicate is 2-4x faster than joining it with them
    unfocused: str | None = None


@dataclass
class Validator:
    shapes: ShapesGraph
    checks: list[tuple[str, _Check]] = field(default_factory=list)  # (focus pattern, check)

    @classmethod
    def from_turtle(cls, turtle: str) -> Validator:
        v = cls(ShapesGraph(turtle))
        v._compile()
        return v

    # ------------------------------------------------------------------ compile
    def _targets(self, shape: rdflib.term.Node) -> str:
        g = self.shapes
        alts = []
        for c in g.values(shape, SH.targetClass):
            alts.append(f"{{ {instances('?this', c)} }}")
        if (shape, RDF.type, RDFS.Class) in g.g:
            alts.append(f"{{ {instances('?this', shape)} }}")
        for n in g.values(shape, SH.targetNode):
            alts.append(f"{{ BIND({n3(n)} AS ?this) }}")
        for p in g.values(shape, SH.targetSubjectsOf):
            alts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this {n3(p)} ?any }} }}")
        for p in g.values(shape, SH.targetObjectsOf):
            alts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?any {n3(p)} ?this }} }}")
        return " UNION ".join(alts)

    def _compile(self) -> None:
        for shape in self.shapes.node_shapes():
            if self.shapes.value(shape, SH.deactivated) == Literal(True):
                continue
            focus = self._targets(shape)
            self._compile_shape(shape, focus)

    def _severity(self, shape: rdflib.term.Node, default: str = "Violation") -> str:
        sev = self.shapes.value(shape, SH.severity)
        return str(sev).removeprefix(str(SH)) if sev is not None else default

    def _message(self, *shapes: rdflib.term.Node) -> str:
        for s in shapes:
            msgs = self.shapes.values(s, SH.message)
            en = [m for m in msgs if isinstance(m, Literal) and m.language in (None, "en")]
            if en or msgs:
                return str((en or msgs)[0])
        return ""

    def _components(self, shape: rdflib.term.Node) -> Iterator[tuple[str, rdflib.term.Node]]:
        """The constraint components of a shape (local name, value); unsupported ones fail."""
        for pred, obj in self.shapes.g.predicate_objects(shape):
            name = str(pred).removeprefix(str(SH))
            if not str(pred).startswith(str(SH)) or name in IGNORED:
                continue
            if name not in COMPONENTS:
                raise TripsKGError(f"SHACL component sh:{name} is not supported",
                                   hint="extend tripskg.shacl or validate with pyshacl")
            yield name, obj

    def _compile_shape(self, shape: rdflib.term.Node, focus: str) -> None:
        g = self.shapes
        shape_iri = str(shape) if isinstance(shape, URIRef) else None
        severity = self._severity(shape)
        # node-level constraints: the value node is the focus node itself
        for name, obj in self._components(shape):
            if name == "property":
                self._compile_property(shape, obj, focus)
            elif name == "sparql":
                self._compile_sparql(shape, obj, focus, None, severity)
            elif name in ("flags", "qualifiedMinCount", "qualifiedMaxCount"):
                continue
            else:
                cond = g._condition_part(shape, name, obj, "?this")
                q = (f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {focus} "
                     f"FILTER(!{cond}) }}")
                self.checks.append((focus, _Check(q, severity, self._message(shape), shape_iri,
                                                  None, name)))

    def _compile_property(self, node_shape: rdflib.term.Node, prop: rdflib.term.Node,
                          focus: str) -> None:
        g = self.shapes
        if g.value(prop, SH.deactivated) == Literal(True):
            return
        path_node = g.value(prop, SH.path)
        if path_node is None:
            raise TripsKGError("property shape without sh:path")
        path = g.path(path_node)
        label = g.path_label(path_node)
        severity = self._severity(prop, self._severity(node_shape))
        message = self._message(prop, node_shape)
        shape_iri = str(prop) if isinstance(prop, URIRef) else (
            str(node_shape) if isinstance(node_shape, URIRef) else None)

        def add(q: str, component: str) -> None:
            self.checks.append((focus, _Check(q, severity, message, shape_iri, label,
                                              component)))

        values: list[tuple[str, str]] = []  # value-level components: (name, condition)
        counts: list[tuple[str, int]] = []
        for name, obj in self._components(prop):
            if name in ("minCount", "maxCount"):
                counts.append((name, int_param(obj)))
            elif name == "uniqueLang":
                if obj == Literal(True):
                    add(f"SELECT DISTINCT ?this WHERE {{ {{ SELECT ?this ?lang "
                        f"(COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} ?this {path} ?v "
                        f"BIND(lang(?v) AS ?lang) FILTER(?lang != \"\") }} GROUP BY ?this "
                        f"?lang }} FILTER(?n > 1) }}", name)
            elif name == "hasValue":
                add(f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS "
                    f"{{ ?this {path} {n3(obj)} }} }}", name)
            elif name in ("lessThan", "lessThanOrEquals"):
                op = "<" if name == "lessThan" else "<="
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                    f"?this {n3(obj)} ?w FILTER(!COALESCE(?value {op} ?w, false)) }}", name)
            elif name == "equals":
                # MINUS (a set difference Oxigraph computes once) rather than a NOT EXISTS
                # per row, which is quadratic when the path has several steps
                other = n3(obj)
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {{ {focus} ?this {path} ?value "
                    f"MINUS {{ ?this {other} ?value }} }} UNION {{ {focus} ?this {other} ?value "
                    f"MINUS {{ ?this {path} ?value }} }} }}", name)
            elif name == "disjoint":
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                    f"?this {n3(obj)} ?value }}", name)
            elif name == "qualifiedValueShape":
                cond = g.condition(obj, "?v")
                qmin = g.value(prop, SH.qualifiedMinCount)
                qmax = g.value(prop, SH.qualifiedMaxCount)
                inner = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} OPTIONAL "
                         f"{{ ?this {path} ?v FILTER({cond}) }} }} GROUP BY ?this")
                if qmin is not None:
                    add(f"SELECT ?this WHERE {{ {{ {inner} }} FILTER(?n < {int_param(qmin)}) }}",
                        "qualifiedMinCount")
                if qmax is not None:
                    add(f"SELECT ?this WHERE {{ {{ {inner} }} FILTER(?n > {int_param(qmax)}) }}",
                        "qualifiedMaxCount")
            elif name == "sparql":
                self._compile_sparql(prop, obj, focus, path, severity, label)
            elif name in ("flags", "qualifiedMinCount", "qualifiedMaxCount"):
                continue
            elif name == "property":
                raise TripsKGError("nested sh:property inside a property shape is not supported")
            else:  # value-level constraint
                values.append((name, g._condition_part(prop, name, obj, "?value")))
        # one query per property shape for its value-level components, and one for its
        # cardinality: each scans the focus nodes once (as many scans as components before).
        # A condition that raises an error leaves its flag unbound, i.e. met, as a FILTER
        # would have treated it.
        if values:
            flags = tuple((name, f"?_f{i}") for i, (name, _) in enumerate(values))
            binds = " ".join(f"BIND(!{cond} AS {var})"
                             for (_, cond), (_, var) in zip(values, flags, strict=True))
            any_flag = " || ".join(var for _, var in flags)
            def value_query(focus_part: str) -> str:
                return (f"SELECT DISTINCT ?this ?value {' '.join(v for _, v in flags)} "
                        f"WHERE {{ {focus_part} ?this {path} ?value {binds} "
                        f"FILTER({any_flag}) }}")
            self.checks.append((focus, _Check(
                value_query(focus), severity, message, shape_iri, label, values[0][0],
                flags=flags, unfocused=value_query(""))))
        if counts:
            bounds = dict(counts)
            optional = "minCount" in bounds and bounds["minCount"] > 0
            values_of = f"OPTIONAL {{ ?this {path} ?v }}" if optional else f"?this {path} ?v"
            test = " || ".join(f"?n {'<' if name == 'minCount' else '>'} {n}"
                               for name, n in counts)
            def count_query(focus_part: str) -> str:
                return (f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?v) AS ?n) "
                        f"WHERE {{ {focus_part} {values_of} }} GROUP BY ?this }} "
                        f"FILTER({test}) }}")
            # a node without values is a result only when it is a focus node (minCount)
            self.checks.append((focus, _Check(
                count_query(focus), severity, message, shape_iri, label, counts[0][0],
                counts=tuple(counts), unfocused=None if optional else count_query(""))))

    def _compile_sparql(self, shape: rdflib.term.Node, constraint: rdflib.term.Node,
                        focus: str, path: str | None, severity: str,
                        path_label: str | None = None) -> None:
        g = self.shapes
        select = g.value(constraint, SH.select)
        if select is None:
            raise TripsKGError("sh:sparql constraint without sh:select")
        prefixes = []
        for pfx_node in g.values(constraint, SH.prefixes):
            for decl in g.values(pfx_node, SH.declare):
                prefixes.append(f"PREFIX {g.value(decl, SH.prefix)}: "
                                f"<{g.value(decl, SH.namespace)}>")
        text = str(select).replace("$this", "?this")
        if path is not None:
            text = text.replace("$PATH", path)
        message = self._message(constraint, shape)
        sev = self._severity(constraint, severity)
        shape_iri = str(shape) if isinstance(shape, URIRef) else None
        self.checks.append((focus, _Check("\n".join(prefixes) + "\n" + text, sev, message,
                                          shape_iri, path_label, "sparql", focus_filter=True)))

    # ------------------------------------------------------------------ run
    def _expand_classes(self, store: ox.Store, text: str, cache: dict[str, str]) -> str:
        counter = iter(range(1_000_000))

        def subclasses(match: re.Match[str]) -> str:
            var, cls = match.group(1), match.group(2)
            if cls not in cache:
                found = {cls} | {
                    str(s["c"]) for s in store.query(  # type: ignore[union-attr]
                        f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>+ {cls} }}",
                        use_default_graph_as_union=True)
                    if isinstance(s["c"], ox.NamedNode)
                }
                cache[cls] = " ".join(sorted(found))
            classes = cache[cls]
            if " " not in classes:
                return f"{var} <{RDF.type}> {classes} ."
            c = f"?_cls{next(counter)}"
            return f"VALUES {c} {{ {classes} }} {var} <{RDF.type}> {c} ."

        return CLASS_MARK.sub(subclasses, text)

    def validate(self, store: ox.Store) -> list[ShaclResult]:
        results: list[ShaclResult] = []
        focus_cache: dict[str, set[object]] = {}
        class_cache: dict[str, str] = {}
        def focus_nodes(focus: str) -> set[object]:
            if focus not in focus_cache:
                focus_cache[focus] = {
                    s["this"] for s in store.query(
                        f"SELECT DISTINCT ?this WHERE {{ {focus} }}",
                        use_default_graph_as_union=True)  # type: ignore[union-attr]
                }
            return focus_cache[focus]

        for focus_marked, check in self.checks:
            focus = self._expand_classes(store, focus_marked, class_cache)
            text = check.query
            allowed: set[object] | None = None
            if check.focus_filter:
                allowed = focus_nodes(focus)
            elif check.unfocused is not None and len(focus_nodes(focus)) >= UNFOCUSED_MIN:
                text, allowed = check.unfocused, focus_nodes(focus)
            query = self._expand_classes(store, text, class_cache)
            try:
                solutions = store.query(query, use_default_graph_as_union=True)
            except SyntaxError as e:
                raise TripsKGError(f"compiled SHACL query is invalid: {e}",
                                   hint=query[:400]) from None
            variables = {v.value for v in solutions.variables}  # type: ignore[union-attr]
            for sol in solutions:  # type: ignore[union-attr]
                this = sol["this"]
                if this is None or (allowed is not None and this not in allowed):
                    continue
                value = sol["value"] if "value" in variables else None
                for component in _failed(check, sol):
                    results.append(ShaclResult(
                        this, check.path, value, check.severity,
                        _fill(check.message, this, value) or _default_message(check, component),
                        check.shape, component,
                    ))
        return results


def _failed(check: _Check, sol: ox.QuerySolution) -> Iterator[str]:
    """The components a solution of ``check`` reports as not met."""
    if check.flags:
        for component, var in check.flags:
            flag = sol[var[1:]]
            if flag is not None and flag.value == "true":
                yield component
    elif check.counts:
        n = int(sol["n"].value)  # type: ignore[union-attr,unused-ignore]
        for component, bound in check.counts:
            if (n < bound) if component == "minCount" else (n > bound):
                yield component
    else:
        yield check.component


def _fill(message: str, this: object, value: object) -> str:
    if not message:
        return message
    for key, term in (("this", this), ("value", value)):
        text = getattr(term, "value", "") if term is not None else ""
        message = message.replace("{$" + key + "}", text).replace("{?" + key + "}", text)
    return message


def _default_message(check: _Check, component: str | None = None) -> str:
    where = f" on {check.path}" if check.path else ""
    return f"constraint sh:{component or check.component} not met{where}"


def datatype_of(literal: ox.Literal) -> str:
    return literal.datatype.value if literal.datatype else str(XSD.string)
