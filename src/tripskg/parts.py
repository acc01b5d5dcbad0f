"""A part: one report read and turned into its named graph, the unit of parallel work and of
the build cache (:mod:`tripskg.buildcache`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ErrorGroup, TripsKGError, Warning_
from .graph import report_quads
from .graphlines import GraphLines
from .ingest.report import Source, inputs, read_report
from .iris import IRIs
from .model import Activity, Report
from .reference import Reference


@dataclass
class Part:
    """One report read and turned into its named graph."""

    key: str
    report: Report | None = None
    n_activities: int = 0
    graph: GraphLines | None = None
    warnings: list[Warning_] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    errors: list[TripsKGError] = field(default_factory=list)
    digest: str | None = None  # build-cache key of its inputs


def part_locations(report: Report, activities: list[Activity], iris: IRIs) -> dict[str, str]:
    """Source location of each IRI a report mints (for messages about its nodes)."""
    locs = {iris.report(report.key): str(report.location)}
    for p in report.paragraphs:
        locs[iris.paragraph(report.key, p.key)] = f"{p.location} ¶{p.number or p.key}"
    for a in activities:
        locs[iris.activity(a.report_key, a.id)] = str(a.location)
    return locs


def read_part(src: Source, data_dir: Path, ref: Reference, iris: IRIs) -> Part:
    """Read one report (cover note, annex, register row) and write its named graph; input
    errors are kept in the part (so worker processes hand them back like any result)."""
    part = Part(src.key, inputs=inputs(src))
    try:
        records = read_report(src, data_dir, ref)
    except ErrorGroup as g:
        part.errors = list(g.errors)
        return part
    except TripsKGError as e:
        part.errors = [e]
        return part
    part.warnings = records.warnings
    part.report = records.report
    part.n_activities = len(records.activities)
    part.graph = report_quads(records.report, records.activities, iris)
    part.locations = part_locations(records.report, records.activities, iris)
    return part
