"""How a fact was reached: activity attribution, report kind and the kind of each cited source.

* ``tkg:attribution`` (activities): ``listed`` (the report's own annex or text lists it),
  ``council-statement`` (the reporter's statement in Council minutes names it for that report),
  ``inferred`` (a programme or press page describes it; tripskg attached it to the report by
  reporter and period). Recorded as data: the annex ``attribution`` column.
* ``tkg:reportKind`` (reports): ``document`` (a TRIPS Council document), ``council-statement``
  (known only from the reporter's statement in the minutes: register keys
  ``<reporter>-<year>-statement-<n>``), ``compilation`` (no document seen: the register's
  ``compiled`` flag).
* ``tkg:sourceKind`` (cited pages): ``primary`` or ``secondary``, by host, from
  ``data/reference/source-kinds.csv``; a host not listed there is secondary
  (data/SOURCES-REPORTS.md, "Source quality").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .graphlines import int_lit
from .iris import IRIs
from .model import Activity, PartialDate, Report
from .resources import reference_dir

if TYPE_CHECKING:
    from .graphlines import Quads

ATTRIBUTIONS = ("listed", "council-statement", "inferred")
REPORT_KINDS = ("document", "council-statement", "compilation")
SOURCE_KINDS = ("primary", "secondary")
STATEMENT_KEY = re.compile(r"-statement-\d+$")
KEY_YEAR = re.compile(r"-((?:19|20)\d\d)(?:-|$)")


def report_kind(report: Report) -> str:
    """The report's kind, from its register entry (compiled flag, statement key)."""
    if report.compiled:
        return "compilation"
    if STATEMENT_KEY.search(report.key) and not report.symbol:
        return "council-statement"
    return "document"


def report_year(report: Report) -> int | None:
    """The year of a report: the year in its key (``eu-2022``, ``canada-2020-statement-21558``:
    "the year in a key is the year of the report", data/SOURCES-REPORTS.md), else the year of
    its communication, Council meeting or period end."""
    if m := KEY_YEAR.search(report.key):
        return int(m.group(1))
    if report.communication_date is not None:
        day: PartialDate = report.communication_date.value  # type: ignore[assignment]
        return day.first_day().year
    if report.meeting is not None:
        start: PartialDate = report.meeting.value[0]  # type: ignore[index]
        return start.first_day().year
    if report.period is not None:
        end: PartialDate = report.period.value[1]  # type: ignore[index]
        return end.last_day().year
    return None


def url_host(url: str) -> str:
    """The host of a URL, lower-cased, without ``www.``, a port or a trailing dot."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return host.removeprefix("www.")


def host_matches(host: str, listed: str) -> bool:
    return host == listed or host.endswith("." + listed)


@dataclass(frozen=True)
class SourcePolicy:
    """Hosts whose pages are primary sources; every other host is secondary. ``denied``:
    hosts never to cite (spam and auto-generated copies)."""

    primary: tuple[str, ...]
    denied: tuple[str, ...]

    def kind(self, url: str) -> str:
        host = url_host(url)
        return "primary" if any(host_matches(host, h) for h in self.primary) else "secondary"

    def is_denied(self, url: str) -> bool:
        host = url_host(url)
        return any(host_matches(host, h) for h in self.denied)


def _hosts(path: Path, kind: str | None = None) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(sorted(r["host"].strip().lower() for r in csv.DictReader(fh)
                            if kind is None or r.get("kind", "").strip() == kind))


@cache
def load_source_policy(folder: Path | None = None) -> SourcePolicy:
    folder = folder or reference_dir()
    return SourcePolicy(_hosts(folder / "source-kinds.csv", "primary"),
                        _hosts(folder / "source-denylist.csv"))


def add_source_kind(q: Quads, url: str, iris: IRIs) -> None:
    """``<url> tkg:sourceKind <def/source-kind/primary|secondary>`` for a cited IRI."""
    if url.startswith(("http://", "https://")):
        q.add(url, iris.tkg + "sourceKind",
              iris.concept("source-kind", load_source_policy().kind(url)))


def add_attribution(q: Quads, act: Activity, activity_iri: str, iris: IRIs) -> None:
    if act.attribution:
        q.add(activity_iri, iris.tkg + "attribution", iris.concept("attribution", act.attribution))


def add_report_kind(q: Quads, report: Report, report_iri: str, iris: IRIs) -> None:
    """``tkg:reportKind`` and, when it is known, ``tkg:reportYear``."""
    q.add(report_iri, iris.tkg + "reportKind", iris.concept("report-kind", report_kind(report)))
    if (year := report_year(report)) is not None:
        q.add(report_iri, iris.tkg + "reportYear", int_lit(year))
