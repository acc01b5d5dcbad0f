"""Records and reference data -> RDF quads (pyoxigraph terms), one named graph per source."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from .graphlines import (
    GraphLines,
    Quads,
    Term,
    bool_lit,
    date_lit,
    day_lit,
    int_lit,
    line_offsets,
    lit,
    split_owned,
    uri_or_lit,
)
from .iris import IRIs, owned_prefixes, report_graph_iri
from .model import Activity, Fact, PartialDate, Report
from .provenance import add_attribution, add_report_kind, add_source_kind
from .reference import Entity, Membership, Reference
from .resources import ontology_dir, vocab_files
from .vocab import DCT, DEFAULT_BASE, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, TIME, XSD


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
    # the dataset's own description and licence, so that every dump carries them
    yield from turtle_file_quads(ontology_dir() / "dataset.ttl", iris.graph("ontology"), iris.base)
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


def _source(q: Quads, s: str, cell: str | None, iris: IRIs) -> None:
    for part in (cell or "").split(";"):
        if part.strip():
            q.add(s, DCT + "source", src := uri_or_lit(part.strip()))
            add_source_kind(q, src, iris)


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
    _source(q, s, r.get("source") or _file_citation(e), iris)
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
        _source(q, s, m.source, iris)
    if m.start or m.end:
        during = s + "/during"
        q.add(s, ORG + "memberDuring", during)
        q.add(during, RDF + "type", TIME + "ProperInterval")
        _dates(q, during, tkg, m.start, m.end)


# --------------------------------------------------------------------------- reports
FACT_PROPERTIES = {
    "reporter": "reporter",
    "communication_date": "communicationDate",
    "meeting": "councilMeeting",
    "review_meeting": "reviewMeeting",
    "period": "reportingPeriod",
    "previous_report": "previousReportSymbol",
}


def report_quads(report: Report, activities: Iterable[Activity], iris: IRIs) -> GraphLines:
    """The report's named graph."""
    q = Quads(report_graph_iri(iris, report.key, report.data_kind))
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
    add_report_kind(q, report, r, iris)
    if report.symbol:
        q.add(r, DCT + "identifier", lit(report.symbol))
    if report.source_url:
        q.add(r, DCT + "source", src := uri_or_lit(report.source_url))
        add_source_kind(q, src, iris)
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
    if field in ("meeting", "review_meeting"):
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
        q.add(a, DCT + "source", src := uri_or_lit(act.source_url))
        add_source_kind(q, src, iris)
    add_attribution(q, act, a, iris)
    for attr, local in LIST_PROPS:
        for iri in getattr(act, attr):
            q.add(a, tkg + local, iri)


SHARED_GRAPH = "shared"  # graph/shared: subjects several reports name (Council meetings)


def owned_part(graph: GraphLines, iris: IRIs, report_key: str
               ) -> tuple[GraphLines, Sequence[bytes]]:
    """(the report's named graph with only the subjects it owns, its lines about shared
    subjects). A shared subject such as a Council meeting goes to the shared graph once
    (:func:`shared_graph`), not into each report graph that names it: every triple is then
    in one named graph, and the union default graph is a set."""
    owned, rest = split_owned(graph.lines(), owned_prefixes(iris, report_key))
    if not rest:
        return graph, rest
    kept = list(owned)
    return GraphLines(graph.graph, b"".join(kept), line_offsets(kept)), rest


def shared_graph(iris: IRIs, others: dict[str, Sequence[bytes]]) -> GraphLines | None:
    """The shared graph: the report graphs' lines about subjects no report owns, once."""
    lines: list[bytes] = []
    for line in heapq.merge(*(others[name] for name in sorted(others))):
        if not lines or line != lines[-1]:
            lines.append(line)
    if not lines:
        return None
    return GraphLines(iris.graph(SHARED_GRAPH), b"".join(lines), line_offsets(lines))
