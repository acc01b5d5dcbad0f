"""Records: what the readers extract from sources, each carrying its source location."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from .errors import InputError, Location
from .vocab import XSD

DATA_KINDS = ("real", "example", "synthetic", "test-fixture")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1000 <= self.year <= 9999:
            raise InputError(f"year {self.year} is out of range", hint="expected a 4-digit year")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InputError(f"month {self.month} does not exist", hint="expected 1-12")
        if self.day is not None:
            if self.month is None:
                raise InputError("a day needs a month")
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InputError(
                    f"{self.year:04d}-{self.month:02d}-{self.day:02d} does not exist",
                    hint=f"{calendar.month_name[self.month]} {self.year} has {last} days",
                )

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def lexical(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def datatype(self) -> str:
        return XSD + {"day": "date", "month": "gYearMonth", "year": "gYear"}[self.precision]

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    @classmethod
    def of(cls, d: dt.date) -> PartialDate:
        return cls(d.year, d.month, d.day)


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
    attribution: str | None = None  # "listed" | "council-statement" | "inferred"
