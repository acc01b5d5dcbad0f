"""Atom feeds (RFC 4287) of new and changed activities: one for the whole dataset
(``feeds/all.atom``) and one per beneficiary country (``feeds/country/KHM.atom``), reporter
(``feeds/reporter/org/wipo.atom``: the reporter's path under ``id/``) and policy area
(``feeds/policy-area/health.atom``).

A build over an earlier one adds an entry for each activity the diff finds added or changed,
dated by the version's ``dct:issued`` and identified by ``<version IRI>#<activity path>``
(so a later change of the same activity is a new entry), to the entries the earlier build's
feed already had; a feed that did not exist before (a first build) starts with the latest
activities by start date. The newest ``MAX_ENTRIES`` are kept. Everything comes from the
dumps and the version, never the clock: the same inputs give the same bytes.
"""

from __future__ import annotations

import heapq
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .diff import Diff, Side, curie
from .version import Release

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
FEEDS = "feeds"
MAX_ENTRIES = 50
SHOWN = 8  # beneficiaries named in an entry's summary
AUTHOR = "tripskg contributors"
_SAFE = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")


@dataclass(frozen=True)
class Entry:
    id: str
    activity: str  # the activity's IRI (the entry's alternate link)
    title: str
    updated: str  # RFC 3339
    summary: str
    status: str  # new | changed | listed


@dataclass
class Feed:
    path: str  # 'all', 'country/KHM', 'reporter/org/wipo', 'policy-area/health'
    title: str
    about: str | None  # IRI of what the feed is about (its alternate link)
    entries: list[Entry] = field(default_factory=list)

    @property
    def file(self) -> str:
        return f"{FEEDS}/{self.path}.atom"


class _FeedPaths:
    """The feeds an activity of ``side`` appears in, with the IRI each is about (called per
    activity): the reporter's and each linked IRI's feed are worked out once."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.of_report: dict[str, list[tuple[str, str | None]]] = {}
        self.of_link: dict[str, tuple[str, str | None] | None] = {}

    def __call__(self, activity: str) -> list[tuple[str, str | None]]:
        side = self.side
        report = side.report_of.get(activity, "")
        head = self.of_report.get(report)
        if head is None:
            head = self.of_report[report] = self._head(report)
        links = side.links.get(activity)
        if not links:
            return list(head)
        out = list(head)
        of_link = self.of_link
        for iri in links:
            if iri not in of_link:
                of_link[iri] = self._link(iri)
            path = of_link[iri]
            if path is not None:
                out.append(path)
        return list(dict.fromkeys(out))

    def _head(self, report: str) -> list[tuple[str, str | None]]:
        base = self.side.base
        out: list[tuple[str, str | None]] = [("all", None)]
        reporter = self.side.reporter_of.get(report)
        if reporter and reporter.startswith(base + "id/"):
            path = "reporter/" + reporter[len(base) + 3:]
            if _SAFE.fullmatch(path):
                out.append((path, reporter))
        return out

    def _link(self, iri: str) -> tuple[str, str | None] | None:
        base = self.side.base
        for prefix, name in ((base + "id/country/", "country/"),
                             (base + "def/policy-area/", "policy-area/")):
            if iri.startswith(prefix):
                path = name + iri[len(prefix):]
                return (path, iri) if _SAFE.fullmatch(path) else None
        return None


def _title(path: str, about: str | None, side: Side) -> str:
    if about is None:
        return "tripskg: new and changed technical cooperation activities"
    kind = path.split("/", 1)[0].replace("-", " ")
    name = side.labels.get(about) or about.rsplit("/", 1)[-1]
    return f"tripskg: new and changed activities, {kind} {name}"


def _entry(activity: str, status: str, side: Side, release: Release, base: str,
           properties: Iterable[str] = ()) -> Entry:
    title = side.labels.get(activity) or activity[len(base):]
    report = side.report_of.get(activity, "")
    reporter = side.reporter_of.get(report, "")
    facts = [f"report {report[len(base) + 3:]}" if report.startswith(base) else ""]
    if reporter:
        facts.append("reporter " + (side.labels.get(reporter) or reporter))
    if activity in side.start:
        facts.append("starts " + side.start[activity])
    countries = [side.labels.get(i) or i for i in side.links.get(activity, [])
                 if i.startswith(base + "id/")]
    if countries:
        more = f" and {len(countries) - SHOWN} more" if len(countries) > SHOWN else ""
        facts.append("for " + ", ".join(countries[:SHOWN]) + more)
    lead = {"new": "New activity", "changed": "Changed activity",
            "listed": "Activity"}[status]
    changed = ", ".join(dict.fromkeys(properties))
    text = f"{lead} ({'; '.join(f for f in facts if f)})."
    if changed:
        text += f" Changed: {changed}."
    return Entry(f"{version_iri_from(base, release)}#{activity[len(base):]}", activity,
                 title, f"{release.issued}T00:00:00Z", text, status)


def version_iri_from(base: str, release: Release) -> str:
    return f"{base}dataset/version/{release.version}"


def build_feeds(side: Side, release: Release, diff: Diff | None, previous: Path | None
                ) -> list[Feed]:
    """Every feed of this build (see the module docstring), sorted by path."""
    base = side.base
    fresh: dict[str, list[Entry]] = defaultdict(list)
    about: dict[str, str | None] = {}
    paths_of = _FeedPaths(side)
    if diff is not None:
        for c in diff.changes:
            if c.kind != "activity" or c.status not in ("added", "changed"):
                continue
            props = [curie(p.predicate, base) for p in c.properties]
            e = _entry(c.iri, "new" if c.status == "added" else "changed", side, release,
                       base, props)
            for path, iri in paths_of(c.iri):
                fresh[path].append(e)
                about[path] = iri
    by_start: dict[str, list[str]] = defaultdict(list)
    for iri, kind in side.kinds.items():
        if kind == "activity":
            for path, what in paths_of(iri):
                by_start[path].append(iri)
                about[path] = what
    feeds = []
    for path in sorted(about):
        old = read_feed(previous / FEEDS / f"{path}.atom") if previous else None
        if old is None:  # a first build, or a feed that is new: the latest activities
            latest = heapq.nlargest(MAX_ENTRIES, by_start.get(path, []),
                                    key=lambda a: (side.start.get(a, ""), a))
            old = [_entry(a, "listed", side, release, base) for a in latest]
        new = sorted(fresh.get(path, []), key=lambda e: _start_key(e, side), reverse=True)
        ids = {e.id for e in new}
        # newest first; entries of the same day keep their order (latest start first)
        kept = sorted([*new, *(e for e in old if e.id not in ids)],
                      key=lambda e: e.updated, reverse=True)
        feeds.append(Feed(path, _title(path, about[path], side), about[path],
                          kept[:MAX_ENTRIES]))
    return feeds


def _start_key(e: Entry, side: Side) -> tuple[str, str]:
    return side.start.get(e.activity, ""), e.activity


# --------------------------------------------------------------------------- Atom XML
def _cdata(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return (_cdata(text).replace('"', "&quot;").replace("\r", "&#13;")
            .replace("\n", "&#10;").replace("\t", "&#09;"))


def _el(out: list[str], depth: int, tag: str, text: str | None = None, **attrs: str) -> None:
    """One element without children, on its own line, as ElementTree writes it."""
    pad = "  " * depth
    a = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    out.append(f"{pad}<{tag}{a}>{_cdata(text)}</{tag}>\n" if text else f"{pad}<{tag}{a} />\n")


def feed_xml(feed: Feed, release: Release, base: str, feeds_url: str | None = None,
             page: str | None = None) -> bytes:
    """The Atom document of ``feed``. ``feeds_url``: where the feeds are published (default
    ``<base>feeds/``); ``page``: the HTML page the feed is about (default: its IRI).

    Written as text, byte for byte what ``xml.etree.ElementTree`` writes for the same tree
    (indented, ``xml_declaration``), which took most of the feeds' time on large builds
    (``tests/releases/test_feeds_xml.py`` compares the two)."""
    url = (feeds_url or base + FEEDS + "/") + feed.path + ".atom"
    updated = max((e.updated for e in feed.entries), default=f"{release.issued}T00:00:00Z")
    out = ["<?xml version='1.0' encoding='utf-8'?>\n", f'<feed xmlns="{ATOM}">\n']
    _el(out, 1, "id", url)
    _el(out, 1, "title", feed.title)
    _el(out, 1, "updated", updated)
    out.append("  <author>\n")
    _el(out, 2, "name", AUTHOR)
    out.append("  </author>\n")
    _el(out, 1, "link", rel="self", href=url, type=MEDIA_TYPE)
    _el(out, 1, "link", rel="alternate", href=page or feed.about or base, type="text/html")
    _el(out, 1, "generator", "tripskg", uri="https://w3id.org/tripskg/")
    _el(out, 1, "rights", "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)")
    _el(out, 1, "subtitle", f"Version {release.version}, issued {release.issued}.")
    for e in feed.entries:
        out.append("  <entry>\n")
        _el(out, 2, "id", e.id)
        _el(out, 2, "title", e.title)
        _el(out, 2, "updated", e.updated)
        _el(out, 2, "link", rel="alternate", href=e.activity)
        _el(out, 2, "category", term=e.status, scheme=base + "feeds/status")
        _el(out, 2, "summary", e.summary)
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


def read_feed(path: Path) -> list[Entry] | None:
    """The entries of a feed written by :func:`feed_xml` (None: no such feed)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    ns = {"a": ATOM}
    out = []
    for e in root.findall("a:entry", ns):
        link = e.find("a:link[@rel='alternate']", ns)
        category = e.find("a:category", ns)
        out.append(Entry(e.findtext("a:id", "", ns), link.get("href", "") if link is not None
                         else "", e.findtext("a:title", "", ns),
                         e.findtext("a:updated", "", ns), e.findtext("a:summary", "", ns),
                         category.get("term", "listed") if category is not None else "listed"))
    return out


def write_feeds(folder: Path, feeds: list[Feed], release: Release, base: str) -> list[str]:
    """Write every feed under ``folder/feeds/``; returns their relative paths."""
    written = []
    for feed in feeds:
        target = folder / feed.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(feed_xml(feed, release, base))
        written.append(feed.file)
    return written

