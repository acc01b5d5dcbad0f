"""Records: what the readers extract from sources, each carrying its source location."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Location
from .ingest.dates import PartialDate

DATA_KINDS = ("real", "example", "synthetic", "test-fixture")


@dataclass(frozen=True)
class Mention:
    """A resource (treaty, framework, organization, group, concept) named in a paragraph."""

    iri: str
    kind: str  # treaty | framework | organization | group | policy-area | target-group | member
    text: str  # the words that matched


@dataclass
class Paragraph:
    key: str  # "3" for numbered paragraph 3, "p1" for the first unnumbered paragraph
    position: int
    text: str
    location: Location
    number: int | None = None
    mentions: list[Mention] = field(default_factory=list)


@dataclass(frozen=True)
class Fact:
    """A value extracted from a paragraph, e.g. the communication date."""

    value: object
    paragraph: str  # Paragraph.key


@dataclass
class Report:
    key: str
    location: Location
    title: str | None = None
    reporter: Fact | None = None  # value: IRI
    communication_date: Fact | None = None  # value: PartialDate (day precision)
    meeting: Fact | None = None  # value: (PartialDate, PartialDate)
    review_meeting: Fact | None = None  # value: (PartialDate, PartialDate)
    period: Fact | None = None  # value: (PartialDate, PartialDate)
    previous_report: Fact | None = None  # value: str symbol
    paragraphs: list[Paragraph] = field(default_factory=list)
    symbol: str | None = None
    source_url: str | None = None
    language: str | None = None
    activity_list_complete: bool | None = None
    data_kind: str = "real"
    has_note: bool = True  # False when the report is known only from the register
    compiled: bool = False  # True: no document seen; tripskg grouped publicly named activities
    label: str | None = None  # display label: the title, or one made from reporter and key

    def mentioned(self) -> list[Mention]:
        seen: dict[str, Mention] = {}
        for para in self.paragraphs:
            for m in para.mentions:
                seen.setdefault(m.iri, m)
        return list(seen.values())


@dataclass
class Activity:
    report_key: str
    id: str
    title: str
    location: Location
    description: str | None = None
    start: PartialDate | None = None
    end: PartialDate | None = None
    beneficiaries: list[str] = field(default_factory=list)  # IRIs
    activity_types: list[str] = field(default_factory=list)
    policy_areas: list[str] = field(default_factory=list)
    ip_fields: list[str] = field(default_factory=list)
    treaties: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    place: str | None = None
    source_url: str | None = None
    data_kind: str = "real"
