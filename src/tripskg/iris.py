"""Minting of the dataset's IRIs: deterministic, human-readable, relative to one base."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .vocab import DEFAULT_BASE

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII slug: 'Technology transfer' -> 'technology-transfer'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _SLUG_STRIP.sub("-", text).strip("-")


_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


def safe_key(key: str) -> str:
    """A key used inside an IRI path: keep it if IRI-safe, otherwise slugify it."""
    return key if _SAFE_KEY.match(key) else slugify(key) or "x"


@dataclass(frozen=True)
class IRIs:
    """All IRI patterns of BRIEF §2, for one base IRI."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    # --- ontology and vocabularies
    @property
    def tkg(self) -> str:
        return self.base + "def/"

    def term(self, local: str) -> str:
        return self.tkg + local

    def scheme(self, scheme: str) -> str:
        return f"{self.tkg}{scheme}"

    def concept(self, scheme: str, slug: str) -> str:
        return f"{self.tkg}{scheme}/{slug}"

    # --- instances
    @property
    def id(self) -> str:
        return self.base + "id/"

    def org(self, key: str) -> str:
        return f"{self.id}org/{safe_key(key)}"

    def member(self, key: str) -> str:
        return f"{self.id}member/{safe_key(key)}"

    def country(self, alpha3: str) -> str:
        return f"{self.id}country/{alpha3.upper()}"

    def group(self, key: str) -> str:
        return f"{self.id}group/{safe_key(key)}"

    def region(self, m49: str) -> str:
        return f"{self.id}region/{m49}"

    def treaty(self, key: str) -> str:
        return f"{self.id}treaty/{safe_key(key)}"

    def framework(self, key: str) -> str:
        return f"{self.id}framework/{safe_key(key)}"

    def membership(self, org_key: str, member_key: str) -> str:
        return f"{self.id}membership/{safe_key(org_key)}/{safe_key(member_key)}"

    def report(self, key: str) -> str:
        return f"{self.id}report/{safe_key(key)}"

    def paragraph(self, key: str, para: str) -> str:
        return f"{self.report(key)}/para/{para}"

    def fact(self, key: str, local_name: str) -> str:
        return f"{self.report(key)}/fact/{local_name}"

    def period(self, key: str) -> str:
        return f"{self.report(key)}/period"

    def year_count(self, key: str, year: int | None) -> str:
        """Activities of a report starting in ``year`` (None: undated)."""
        return f"{self.report(key)}/count/" + ("undated" if year is None else f"year/{year}")

    def partner_count(self, key: str, partner: str) -> str:
        """Activities of a report naming ``partner`` (an IRI under ``id/``)."""
        local = partner[len(self.id):] if partner.startswith(self.id) else slugify(partner)
        return f"{self.report(key)}/count/partner/{local}"

    def activity(self, key: str, activity_id: str) -> str:
        return f"{self.id}activity/{safe_key(key)}/{safe_key(activity_id)}"

    def meeting(self, start_date: str) -> str:
        return f"{self.id}meeting/{start_date}"

    # --- named graphs
    def graph(self, name: str) -> str:
        return f"{self.base}graph/{name}"

    def report_graph(self, key: str) -> str:
        return self.graph(f"report/{safe_key(key)}")

    def example_graph(self, key: str) -> str:
        return self.graph(f"example/{safe_key(key)}")

    @property
    def dataset(self) -> str:
        return self.base + "dataset"

    def downloads(self, download_base: str | None = None) -> str:
        """Where the dumps are downloaded from (``dcat:downloadURL``), ending in "/": the given
        base, or ``<base>downloads/`` (the path ``tripskg serve`` answers)."""
        url = download_base or self.base + "downloads/"
        return url if url.endswith("/") else url + "/"


def report_graph_iri(iris: IRIs, key: str, data_kind: str) -> str:
    """The named graph of a report (examples have their own graph folder)."""
    if data_kind == "example":
        return iris.example_graph(key)
    return iris.report_graph(key)


# --------------------------------------------------------------------------- ownership
# A report owns the IRIs it mints; only its own named graph describes them (publish/pieces.py).
def owned_prefixes(iris: IRIs, report_key: str) -> list[bytes]:
    """N-Triples prefixes of the subjects a report owns, in sorted order."""
    report = iris.report(report_key)
    return sorted(p.encode("utf-8") for p in (
        f"<{iris.id}activity/{safe_key(report_key)}/", f"<{report}/", f"<{report}> "))


def owner_key(iris: IRIs, iri: str) -> str | None:
    """The IRI key (``safe_key``) of the report that owns ``iri``, or None for a shared
    subject: the IRIs of :func:`owned_prefixes`, read back."""
    for ns in (iris.id + "activity/", iris.id + "report/"):
        if iri.startswith(ns):
            return iri[len(ns):].split("/", 1)[0]
    return None
