"""The home page's figures (SPARQL over the store), class listings and SVG chart geometry."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ..iris import IRIs
from ..vocab import DEFAULT_BASE
from .describe import natural_key
from .views import RDF_TYPE, GraphView, Namer

PAGE_SIZE = 100  # members per page of a class listing


SPARQL = Path(__file__).resolve().parent / "sparql"  # the home page's queries (.rq files)


@cache
def home_query(name: str, base: str) -> str:
    """The text of ``sparql/<name>.rq`` for the dataset at ``base``."""
    text = (SPARQL / f"{name}.rq").read_text(encoding="utf-8")
    return text if base == DEFAULT_BASE else text.replace(DEFAULT_BASE, base)


HOME_DESCRIPTION = (
    "The technical cooperation activities reported to the WTO Council for TRIPS under "
    "Article 67 of the TRIPS Agreement, as linked data: each report and its cover-note "
    "paragraphs, the facts extracted from them (with the paragraph they come from), the "
    "activities of the annexes, and reference data on countries, WTO Members, least developed "
    "countries (with dates), regions, organizations, treaties and cooperation frameworks. "
    "Example and synthetic data are labelled as such."
)


@dataclass
class Bar:
    label: str
    value: int
    iri: str | None = None


@dataclass
class Download:
    name: str
    size: int
    sha256: str
    media_type: str


@dataclass
class ClassCount:
    iri: str
    label: str
    curie: str
    slug: str
    count: int


@dataclass
class HomeData:
    title: str
    description: str
    build: Mapping[str, object]
    classes: list[ClassCount]
    reports: list[dict[str, object]]
    charts: dict[str, list[Bar]]
    downloads: list[Download]


def class_slug(curie: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", curie.replace(":", "-")).strip("-") or "class"


def _q(store: ox.Store, text: str) -> list[ox.QuerySolution]:
    return list(store.query(text, use_default_graph_as_union=True))  # type: ignore[arg-type]


def class_counts(store: ox.Store, view: GraphView) -> list[ClassCount]:
    namer = Namer(view)
    out = []
    slugs: set[str] = set()
    for row in _q(store, home_query("class-counts", view.base)):
        c = row["class"]
        if not isinstance(c, ox.NamedNode):
            continue
        curie = namer.curie(c.value)
        slug = class_slug(curie)
        while slug in slugs:
            slug += "-x"
        slugs.add(slug)
        out.append(ClassCount(c.value, namer.label(c.value), curie, slug,
                              int(row["n"].value)))
    return out


def home_data(store: ox.Store, view: GraphView, build: Mapping[str, object],
              downloads: list[Download], classes: list[ClassCount] | None = None) -> HomeData:
    iris = IRIs(view.base)
    namer = Namer(view)
    reports: list[dict[str, object]] = []
    for r in _q(store, home_query("reports", iris.base)):
        def val(k: str, r: ox.QuerySolution = r) -> str | None:
            t = r[k]
            return t.value if t is not None else None
        rep = val("reporter")
        kind = val("kind")
        reports.append({
            "iri": val("report"), "title": val("title") or namer.label(val("report") or ""),
            "symbol": val("symbol"), "reporter": rep,
            "reporter_label": namer.label(rep) if rep else None,
            "start": val("start"), "end": val("end"),
            "kind": kind.rsplit("/", 1)[-1] if kind else None,
            "activities": int(val("activities") or 0),
        })
    charts = {
        "year": [Bar(r["year"].value, int(r["n"].value)) for r in
                 _q(store, home_query("by-year", iris.base)) if r["year"] is not None],
        "region": [Bar(namer.label(r["region"].value), int(r["n"].value),
                       r["region"].value) for r in _q(store, home_query("by-region", iris.base))],
        "policy": [Bar(namer.label(r["area"].value), int(r["n"].value),
                       r["area"].value) for r in _q(store, home_query("by-policy", iris.base))],
    }
    return HomeData(
        title="TRIPS technical cooperation knowledge graph",
        description=HOME_DESCRIPTION,
        build=build, classes=classes if classes is not None else class_counts(store, view),
        reports=reports, charts=charts, downloads=downloads,
    )


def list_members(store: ox.Store, view: GraphView, cls: str) -> list[tuple[str, str]]:
    """(label, iri) of every instance of ``cls``, sorted by label."""
    namer = Namer(view)
    subjects = {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                                                 ox.NamedNode(cls))
                if isinstance(q.subject, ox.NamedNode)}
    return sorted(((namer.label(s), s) for s in subjects), key=lambda x: (natural_key(x[0]), x[1]))


def members_csv(members: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["iri", "label"])
    for label, iri in members:
        w.writerow([iri, label])
    return buf.getvalue()


# --------------------------------------------------------------------------- charts
def bar_chart(bars: list[Bar], href: Callable[[str], str] | None = None, width: int = 300
              ) -> dict[str, object]:
    """Geometry of a horizontal bar chart (the template draws the SVG)."""
    top = max((b.value for b in bars), default=0) or 1
    longest = max((min(len(b.label), 22) for b in bars), default=4)
    label_w, row_h = min(150, 12 + round(6.4 * longest)), 22
    plot_w = width - label_w - 34
    items = []
    for i, b in enumerate(bars):
        items.append({
            "label": b.label if len(b.label) <= 22 else b.label[:21] + "…",
            "full": b.label, "value": b.value, "y": i * row_h + 4,
            "w": max(1, round(plot_w * b.value / top)),
            "href": href(b.iri) if (href and b.iri) else None,
        })
    return {"items": items, "width": width, "height": len(bars) * row_h + 8,
            "label_w": label_w, "row_h": row_h}


def column_chart(bars: list[Bar], width: int = 300, height: int = 170) -> dict[str, object]:
    """Geometry of a column chart (one column per year; every k-th label shown)."""
    top = max((b.value for b in bars), default=0) or 1
    n = max(1, len(bars))
    left, bottom, head = 26, 20, 14
    slot = (width - left - 4) / n
    plot_h = height - bottom - head
    every = max(1, -(-n // 7))
    items = []
    for i, b in enumerate(bars):
        h = max(1, round(plot_h * b.value / top))
        items.append({
            "label": b.label, "value": b.value, "x": round(left + i * slot + slot * 0.12, 1),
            "w": round(max(1.0, slot * 0.76), 1), "h": h, "y": head + plot_h - h,
            "cx": round(left + i * slot + slot / 2, 1), "show": i % every == 0,
        })
    return {"items": items, "width": width, "height": height, "top": top, "left": left,
            "base": head + plot_h, "head": head}
