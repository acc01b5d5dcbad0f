"""LDC priority needs -> the shared named graph ``<base>graph/needs`` (ontology/MODEL.md).

No report owns these IRIs (``id/submission/…``, ``id/need/…``): like the reference data they
are shared subjects, published in their own graph.
"""

from __future__ import annotations

from .graphlines import Quads, date_lit, day_lit, lit
from .ingest.needs import Need, Needs, Submission
from .iris import IRIs, safe_key
from .provenance import add_source_kind
from .reference import Reference
from .vocab import DCT, RDF, RDFS

GRAPH = "needs"


def submission_iri(iris: IRIs, key: str) -> str:
    return f"{iris.id}submission/{safe_key(key)}"


def need_iri(iris: IRIs, need: Need) -> str:
    return f"{iris.id}need/{safe_key(need.submission)}/{need.number}"


def needs_quads(needs: Needs, ref: Reference) -> Quads:
    """The needs graph: submissions, needs and the matching rule (``tkg:addressedBy``)."""
    iris = ref.iris
    q = Quads(iris.graph(GRAPH))
    kinds: dict[str, str] = {}
    for s in needs.submissions:
        _submission(q, s, ref)
        kinds[s.key] = s.data_kind
    for n in needs.needs:
        _need(q, n, iris, kinds[n.submission])
    addressed_by = iris.term("addressedBy")
    for m in needs.matches:
        for target in m.activity_concepts:
            q.add(m.need_concept, addressed_by, target)
    return q


def needs_locations(needs: Needs, iris: IRIs) -> dict[str, str]:
    """Source location of each IRI the needs mint (for messages about their nodes)."""
    locs = {submission_iri(iris, s.key): str(s.location) for s in needs.submissions}
    locs.update({need_iri(iris, n): str(n.location) for n in needs.needs})
    return locs


def _submission(q: Quads, s: Submission, ref: Reference) -> None:
    iris = ref.iris
    tkg = iris.tkg
    i = submission_iri(iris, s.key)
    entity = ref.entity(s.country)
    country = entity.name if entity else s.country
    q.add(i, RDF + "type", tkg + "NeedsSubmission")
    label = f"Priority needs of {country} ({s.symbol or s.date.lexical()})"
    q.add(i, RDFS + "label", lit(label, "en"))
    if s.title:
        q.add(i, DCT + "title", lit(s.title, "en"))
    if s.symbol:
        q.add(i, DCT + "identifier", lit(s.symbol))
    q.add(i, DCT + "date", date_lit(s.date))
    q.add(i, tkg + "latestDay", day_lit(s.date, last=True))
    q.add(i, tkg + "submittedBy", s.country)
    for url in s.sources:
        q.add(i, DCT + "source", url)
        add_source_kind(q, url, iris)
    q.add(i, tkg + "dataKind", iris.concept("data-kind", s.data_kind))
    q.add(i, tkg + "sourceLocation", lit(str(s.location)))


def _need(q: Quads, n: Need, iris: IRIs, kind: str) -> None:
    tkg = iris.tkg
    i = need_iri(iris, n)
    q.add(i, RDF + "type", tkg + "Need")
    q.add(i, RDFS + "label", lit(n.text, "en"))
    q.add(i, tkg + "submission", submission_iri(iris, n.submission))
    for c in n.concepts:
        q.add(i, tkg + "concerns", c)
    q.add(i, tkg + "paragraphRef", lit(n.where))
    q.add(i, DCT + "source", n.source)
    add_source_kind(q, n.source, iris)
    q.add(i, tkg + "dataKind", iris.concept("data-kind", kind))
    q.add(i, tkg + "sourceLocation", lit(str(n.location)))
