"""The validation step: SHACL validation of the built graph, with results mapped back to
source locations (:func:`validate_graph`, used by ``tripskg build`` and ``tripskg validate``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import ValidationFailed
from .iris import IRIs
from .oxutil import serialize
from .resources import shapes_files
from .vocab import DEFAULT_BASE, SH

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True, order=True)
class Result:
    severity: str  # Violation | Warning | Info
    location: str  # where the focus node came from ("data/annex/x.csv:14") or its IRI
    focus: str
    path: str | None
    message: str
    shape: str | None
    value: str | None

    def render(self) -> str:
        where = self.location
        what = f" [{_short(self.path)}]" if self.path else ""
        return f"{where}: {self.severity}{what}: {self.message}"


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def shapes_turtle(iris: IRIs) -> str:
    """All shapes files as one Turtle document, rebased to the base IRI."""
    base = iris.base
    parts = []
    for path in shapes_files():
        text = path.read_text(encoding="utf-8")
        if base != DEFAULT_BASE:
            text = text.replace(DEFAULT_BASE, base)
        parts.append(text)
    return "\n".join(parts)


def locate(iri: str, locations: Mapping[str, str]) -> str:
    """Source location of a node, looking at its parents (``…/during``, ``…/fact/x``) too."""
    probe = iri
    while probe:
        if probe in locations:
            return locations[probe]
        if "/" not in probe.rstrip("/"):
            break
        probe = probe.rsplit("/", 1)[0]
    return f"<{iri}>"


ENGINES = ("sparql", "pyshacl")


@dataclass(frozen=True)
class Validation:
    """The outcome of the validation step: the results (sorted: violations first, then by
    location) and the SHACL validation report as canonical N-Triples."""

    results: list[Result]
    report: bytes

    @classmethod
    def of(cls, results: Iterable[Result], iris: IRIs) -> Validation:
        ordered = sorted(set(results), key=result_order)
        return cls(ordered, report_ntriples(ordered, iris))

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]

    def check(self) -> Validation:
        """Itself if it has no violations; else raise :class:`Nonconforming`."""
        if self.violations:
            raise Nonconforming(self)
        return self


class Nonconforming(ValidationFailed):
    """SHACL violations: the graph is not published (``validation`` has the results)."""

    def __init__(self, validation: Validation) -> None:
        n = len(validation.violations)
        super().__init__(f"{n} SHACL violation{'s' if n != 1 else ''}")
        self.validation = validation


def validate_graph(
    store: ox.Store,
    iris: IRIs,
    locations: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    *,
    settled: Callable[[str], bool] | None = None,
    earlier: Iterable[Result] = (),
) -> Validation:
    """The validation step of a build: SHACL on the store. With a build cache, ``settled``
    tells the focus nodes whose report stayed out of the store (see ``build.build_graph``):
    results about them are not taken from the store but from ``earlier`` (the last build's)."""
    fresh = shacl_results(store, iris, locations, progress)
    if settled is not None:
        fresh = [r for r in fresh if not settled(r.focus)]
    return Validation.of([*fresh, *earlier], iris)


def validate_store(
    store: ox.Store,
    iris: IRIs,
    locations: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    engine: str = "sparql",
) -> tuple[list[Result], bytes]:
    """Validate the store with one engine: the results and the validation report (see
    :func:`shacl_results`)."""
    results = shacl_results(store, iris, locations, progress, engine)
    return results, report_ntriples(results, iris)


def shacl_results(
    store: ox.Store,
    iris: IRIs,
    locations: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    engine: str = "sparql",
) -> list[Result]:
    """Validate the union of all named graphs against ``shapes/*.ttl``.

    ``engine="sparql"`` (default) compiles the shapes to SPARQL run by Oxigraph
    (:mod:`tripskg.shacl`); ``engine="pyshacl"`` runs pyshacl (slow; the reference the
    conformance tests compare against). Returns the results (sorted: violations first, then
    by location); :func:`report_ntriples` makes the SHACL validation report of them.
    """
    if engine == "sparql":
        from .shacl import Validator

        validator = Validator.from_turtle(shapes_turtle(iris))
        if progress:
            progress(f"validating with {len(validator.checks)} compiled SHACL checks")
        out = [
            Result(
                severity=r.severity,
                location=locate(r.focus.value, locations),
                focus=r.focus.value,
                path=r.path,
                message=r.message,
                shape=r.shape,
                value=None if r.value is None else r.value.value,
            )
            for r in validator.validate(store)
        ]
        return sorted(set(out), key=result_order)
    if engine != "pyshacl":
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {ENGINES}")
    import rdflib
    from pyshacl import validate

    data = rdflib.Graph()
    nt = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
    data.parse(data=nt, format="nt")
    shapes = rdflib.Graph().parse(data=shapes_turtle(iris), format="turtle")
    if progress:
        progress(f"validating {len(data):,} triples with {len(shapes):,} shape triples")
    _, report, _ = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return _results(report, locations)


def _results(report: object, locations: Mapping[str, str]) -> list[Result]:
    import rdflib

    g: rdflib.Graph = report  # type: ignore[assignment]
    shn = rdflib.Namespace(SH)
    out = []
    nested = set(g.objects(None, shn.detail))  # pyshacl's sh:detail: causes, not results
    for res in g.subjects(rdflib.RDF.type, shn.ValidationResult):
        if res in nested:
            continue
        focus = g.value(res, shn.focusNode)
        sev = g.value(res, shn.resultSeverity)
        path = g.value(res, shn.resultPath)
        msg = g.value(res, shn.resultMessage)
        shape = g.value(res, shn.sourceShape)
        value = g.value(res, shn.value)
        focus_s = str(focus)
        out.append(Result(
            severity=_short(str(sev)),
            location=locate(focus_s, locations),
            focus=focus_s,
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(msg) if msg is not None else "constraint not met",
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            value=None if value is None else str(value),
        ))
    return sorted(set(out), key=result_order)


def result_order(r: Result) -> tuple[int, str, str, str, str]:
    return (SEVERITY_ORDER.get(r.severity, 9), r.location, r.focus, r.path or "", r.message)


def report_ntriples(results: list[Result], iris: IRIs) -> bytes:
    """A deterministic sh:ValidationReport (result IRIs numbered in sorted order)."""
    base = iris.base
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    report = ox.NamedNode(base + "validation/report")
    quads = [
        ox.Triple(report, ox.NamedNode(rdf), ox.NamedNode(SH + "ValidationReport")),
        ox.Triple(report, ox.NamedNode(SH + "conforms"), ox.Literal(
            "false" if any(r.severity == "Violation" for r in results) else "true",
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))),
    ]
    for i, r in enumerate(results, start=1):
        node = ox.NamedNode(f"{base}validation/result/{i}")
        quads += [
            ox.Triple(report, ox.NamedNode(SH + "result"), node),
            ox.Triple(node, ox.NamedNode(rdf), ox.NamedNode(SH + "ValidationResult")),
            ox.Triple(node, ox.NamedNode(SH + "resultSeverity"), ox.NamedNode(SH + r.severity)),
            ox.Triple(node, ox.NamedNode(SH + "focusNode"), ox.NamedNode(r.focus)
                      if r.focus.startswith(("http:", "https:")) else ox.Literal(r.focus)),
            ox.Triple(node, ox.NamedNode(SH + "resultMessage"), ox.Literal(r.message)),
            ox.Triple(node, ox.NamedNode(base + "def/sourceLocation"), ox.Literal(r.location)),
        ]
        if r.path:
            quads.append(ox.Triple(node, ox.NamedNode(SH + "resultPath"), ox.NamedNode(r.path)))
        if r.shape:
            quads.append(ox.Triple(node, ox.NamedNode(SH + "sourceShape"), ox.NamedNode(r.shape)))
    return serialize(sorted(quads, key=str), ox.RdfFormat.N_TRIPLES)
