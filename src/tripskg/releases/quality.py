"""The quality report: a build's SHACL results (``dist/validation.ttl``) grouped by severity,
then message, then report, with counts and the source location (file:row) of each result.

Messages that differ only by the value they quote ("starts (2018-06-01) more than …") are
grouped under one *message pattern*: the quoted values (in parentheses or quotes) are replaced
by "…" for the grouping and kept in each result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import TripsKGError
from ..validate import SEVERITY_ORDER, Result, result_order
from ..vocab import RDF, SH

_QUOTED = re.compile(r"\([^()]*\d[^()]*\)|'[^']*'|\"[^\"]*\"")


class QualityError(TripsKGError):
    pass


@dataclass(frozen=True)
class ReportGroup:
    report: str | None  # the report key (None: shared data such as reference entries)
    results: tuple[Result, ...]


@dataclass(frozen=True)
class MessageGroup:
    severity: str
    message: str  # the pattern (quoted values replaced by …)
    count: int
    reports: tuple[ReportGroup, ...]


@dataclass
class Quality:
    groups: list[MessageGroup] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(g.count for g in self.groups if g.severity == severity)

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    def severities(self) -> list[tuple[str, list[MessageGroup]]]:
        out: dict[str, list[MessageGroup]] = defaultdict(list)
        for g in self.groups:
            out[g.severity].append(g)
        return sorted(out.items(), key=lambda kv: SEVERITY_ORDER.get(kv[0], 9))


def pattern(message: str) -> str:
    return _QUOTED.sub("…", message)


def report_of(focus: str, base: str) -> str | None:
    """The key of the report a focus node belongs to (None: shared data)."""
    for ns in (base + "id/activity/", base + "id/report/"):
        if focus.startswith(ns):
            return focus[len(ns):].split("/", 1)[0]
    return None


def group_results(results: Iterable[Result], base: str) -> Quality:
    """Group by severity, message pattern and report (most frequent messages first)."""
    tree: dict[tuple[str, str], dict[str | None, list[Result]]] = defaultdict(
        lambda: defaultdict(list))
    for r in results:
        tree[(r.severity, pattern(r.message))][report_of(r.focus, base)].append(r)
    groups = []
    for (severity, message), by_report in tree.items():
        reports = tuple(ReportGroup(k, tuple(sorted(v, key=result_order)))
                        for k, v in sorted(by_report.items(), key=lambda kv: kv[0] or "~"))
        groups.append(MessageGroup(severity, message,
                                   sum(len(g.results) for g in reports), reports))
    groups.sort(key=lambda g: (SEVERITY_ORDER.get(g.severity, 9), -g.count, g.message))
    return Quality(groups)


def read_validation(dist: Path, base: str) -> list[Result]:
    """The results of ``dist/validation.ttl`` (as the build wrote them)."""
    path = dist / "validation.ttl"
    try:
        store = ox.Store()
        store.load(path.read_bytes(), format=ox.RdfFormat.TURTLE)
    except (OSError, SyntaxError, ValueError) as e:
        raise QualityError(f"cannot read {path} ({e})",
                           hint="is it a folder written by 'tripskg build'?") from None
    loc = ox.NamedNode(base + "def/sourceLocation")

    def one(s: ox.NamedNode, p: str | ox.NamedNode) -> str | None:
        pred = p if isinstance(p, ox.NamedNode) else ox.NamedNode(p)
        for q in store.quads_for_pattern(s, pred, None):
            o = q.object
            return o.value if isinstance(o, ox.NamedNode | ox.Literal) else str(o)
        return None

    out = []
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                     ox.NamedNode(SH + "ValidationResult")):
        s = q.subject
        assert isinstance(s, ox.NamedNode)
        focus = one(s, SH + "focusNode") or ""
        severity = (one(s, SH + "resultSeverity") or SH + "Violation").removeprefix(SH)
        out.append(Result(severity, one(s, loc) or f"<{focus}>", focus,
                          one(s, SH + "resultPath"), one(s, SH + "resultMessage") or "",
                          one(s, SH + "sourceShape"), None))
    return sorted(out, key=result_order)


def quality_text(quality: Quality, base: str, limit: int | None = None) -> str:
    """The grouped results as text (``limit``: locations listed per report)."""
    if not quality.groups:
        return "no SHACL results: the data conforms, with no warnings\n"
    lines = []
    for severity, groups in quality.severities():
        n = sum(g.count for g in groups)
        lines.append(f"{severity.lower()}s: {n}")
        for g in groups:
            lines.append(f"  {g.count} × {g.message}")
            for rg in g.reports:
                shown = rg.results if limit is None else rg.results[:limit]
                where = ", ".join(r.location for r in shown)
                if len(shown) < len(rg.results):
                    where += f", … {len(rg.results) - len(shown)} more"
                lines.append(f"    {rg.report or 'shared data'} ({len(rg.results)}): {where}")
    return "\n".join(lines) + "\n"
