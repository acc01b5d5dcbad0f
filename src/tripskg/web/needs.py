"""The LDC needs pages: the rows of the saved query ``needs-coverage`` grouped by country,
submission and need (docs/needs.md), for the summary page ``needs`` and one page per LDC
``needs/<code>``, on the server and in the static site."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..iris import IRIs
from ..queries import bind, get_query, run_local
from ..reference import Reference
from .home import home_query
from .views import GraphView, Namer

_CODE = re.compile(r"^[A-Za-z0-9-]{1,40}$")


@dataclass
class MatchedActivity:
    iri: str
    title: str
    start: str | None
    reporter: str | None
    reporter_label: str | None
    beneficiary: str | None
    beneficiary_label: str | None
    via_group: bool
    attribution: str | None


@dataclass
class NeedRow:
    iri: str
    text: str
    paragraph: str
    source: str
    activities: list[MatchedActivity] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "addressed" if self.activities else "open"


@dataclass
class NeedsSubmission:
    iri: str
    label: str
    symbol: str | None
    submitted: str
    kind: str
    sources: list[str] = field(default_factory=list)
    needs: list[NeedRow] = field(default_factory=list)


@dataclass
class LdcNeeds:
    country: str
    code: str
    name: str
    submissions: list[NeedsSubmission] = field(default_factory=list)

    @property
    def needs(self) -> list[NeedRow]:
        return [n for s in self.submissions for n in s.needs]

    @property
    def addressed(self) -> int:
        return sum(1 for n in self.needs if n.status == "addressed")

    @property
    def open(self) -> int:
        return sum(1 for n in self.needs if n.status == "open")

    @property
    def activities(self) -> int:
        """Distinct activities matched to at least one need."""
        return len({a.iri for n in self.needs for a in n.activities})

    @property
    def kinds(self) -> list[str]:
        """The data kinds of the submissions other than real (shown as badges)."""
        return sorted({s.kind for s in self.submissions} - {"real"})


def country_code(iri: str) -> str:
    """The page name of a country: the last segment of its IRI (``id/country/UGA`` → UGA)."""
    code = iri.rstrip("/").rsplit("/", 1)[-1]
    return code if _CODE.match(code) else re.sub(r"[^A-Za-z0-9-]+", "-", code).strip("-")


def _v(t: object) -> str | None:
    return None if t is None else str(t.value)  # type: ignore[attr-defined]


def ldc_needs(store: ox.Store, view: GraphView, reference: Reference, kind: str = "all",
              langs: tuple[str, ...] = ("en",)) -> list[LdcNeeds]:
    """Every LDC with a needs submission in the graph, its submissions and their needs with
    the activities ``needs-coverage`` matches; sorted by country name. ``kind``: the data kind
    of the needs (``all``: every kind, each non-real one shown as such)."""
    namer = Namer(view, langs)
    iris = IRIs(view.base)
    ldcs: dict[str, LdcNeeds] = {}
    submissions: dict[str, NeedsSubmission] = {}
    kind_filter = None if kind == "all" else iris.concept("data-kind", kind)
    for r in store.query(home_query("needs-submissions", view.base),  # type: ignore[union-attr]
                         use_default_graph_as_union=True):
        row_kind = str(r["kind"].value)
        if kind_filter is not None and row_kind != kind_filter:
            continue
        country = str(r["country"].value)
        ldc = ldcs.get(country)
        if ldc is None:
            ldc = ldcs[country] = LdcNeeds(country, country_code(country),
                                           _v(r["country_name"]) or namer.label(country))
        iri = str(r["submission"].value)
        sub = submissions.get(iri)
        if sub is None:
            sub = submissions[iri] = NeedsSubmission(
                iri, namer.label(iri), _v(r["symbol"]), str(r["submitted"].value),
                row_kind.rsplit("/", 1)[-1])
            ldc.submissions.append(sub)
        source = _v(r["source"])
        if source and source not in sub.sources:
            sub.sources.append(source)
    text, _ = bind(get_query("needs-coverage"), {"kind": kind}, reference, iris)
    needs: dict[str, NeedRow] = {}
    for row in run_local(store, text).rows:
        sub = submissions.get(_v(row["submission"]) or "")
        if sub is None:
            continue
        iri = str(_v(row["need"]))
        need = needs.get(iri)
        if need is None:
            need = needs[iri] = NeedRow(iri, str(_v(row["need_text"])),
                                        str(_v(row["paragraph"])), str(_v(row["source"])))
            sub.needs.append(need)
        activity = _v(row["activity"])
        if activity is None or any(a.iri == activity for a in need.activities):
            continue
        reporter, beneficiary = _v(row["reporter"]), _v(row["beneficiary"])
        attribution = _v(row["attribution"])
        need.activities.append(MatchedActivity(
            activity, str(_v(row["title"])), _v(row["start"]), reporter,
            namer.label(reporter) if reporter else None, beneficiary,
            namer.label(beneficiary) if beneficiary else None,
            beneficiary is not None and beneficiary != _v(row["country"]),
            namer.label(attribution) if attribution else None))
    return sorted(ldcs.values(), key=lambda x: (x.name, x.country))
