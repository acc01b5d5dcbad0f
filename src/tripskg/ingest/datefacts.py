"""Dates in cover-note sentences, each assigned to a field only by its governing words.

A cover note names several dates: the Council meeting whose invitation the report answers ("At
its meeting of 26-27 June 2025, the Council for TRIPS agreed to invite ..."), the meeting the
report is submitted for ("for the meeting of the Council for TRIPS scheduled for 28 and 29
October 2014"), the communication date, the reporting period, and unrelated dates (the entry
into force of an agreement, the date of a previous document). :func:`date_facts` finds every
date or range in a paragraph and reads the words just before it; a date goes to a field only
when those words say so. A range whose words name no field is reported as a
:class:`Unassigned` date (the parser turns it into a warning) and never reused for another
field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import InputError
from ..model import PartialDate
from .dates import MONTH_PATTERN, parse_date

Field = Literal["meeting", "review_meeting", "period", "communication"]

_M = MONTH_PATTERN
_D = r"\d{1,2}(?:st|nd|rd|th)?"
_Y = r"\d{4}"
# connectors of a range: hyphen, en dash, em dash, minus, "to", "and", "until", "through"
_SEP = r"\s*(?:-|‐|‑|–|—|−|\bto\b|\band\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b)\s*"
_COMMA = r",?\s+"

# One regex, alternatives longest first; named groups d1 m1 y1 d2 m2 y2.
DATE_EXPR = re.compile(
    rf"""(?ix)
    (?<![\w/])
    (?:
      # 30 June to 1 July 2022 / 30 December 2013 - 2 January 2014 / 1 October 2023 to 16 ...
      (?P<a_d1>{_D})\s+(?P<a_m1>{_M})(?:{_COMMA}(?P<a_y1>{_Y}))?{_SEP}
      (?P<a_d2>{_D})\s+(?P<a_m2>{_M})(?:{_COMMA}(?P<a_y2>{_Y}))?
    | # 6-7 March 2025 / 28 and 29 October 2014 / 24 to 25 October 2011
      (?P<b_d1>{_D}){_SEP}(?P<b_d2>{_D})\s+(?P<b_m2>{_M})(?:{_COMMA}(?P<b_y2>{_Y}))?
    | # April 2018 - March 2019 / September 2013 to September 2014 / January to December 2023
      (?P<c_m1>{_M})(?:{_COMMA}(?P<c_y1>{_Y}))?{_SEP}(?P<c_m2>{_M}){_COMMA}(?P<c_y2>{_Y})
    | # 26 September 2025 / 26 September
      (?P<e_d1>{_D})\s+(?P<e_m1>{_M})(?:{_COMMA}(?P<e_y1>{_Y}))?
    | # September 26, 2025
      (?P<f_m1>{_M})\s+(?P<f_d1>{_D}),\s*(?P<f_y1>{_Y})
    | # March 2025
      (?P<g_m1>{_M}){_COMMA}(?P<g_y1>{_Y})
    )
    (?![\w/])
    """
)

# Governing words, as regexes searched in the text before a date (the "lead"). The cue that
# ends nearest to the date decides; at equal ends the earlier entry of this list wins.
_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("communication", re.compile(
        r"\b(?:communications?|letter|note\s+verbale|submission)\s*,?\s+"
        r"(?:dated|of|received\s+on|sent\s+on)\s*$", re.I)),
    # the meeting the report is submitted for / reviewed at
    ("review_meeting", re.compile(
        r"\b(?:submitted|prepared|provided|made\s+available|circulated|information)?\s*for\s+"
        r"(?:the\s+|its\s+)?(?:next\s+|forthcoming\s+|upcoming\s+|coming\s+)?"
        r"(?:Council'?s\s+|TRIPS\s+Council\s+)?meeting\b", re.I)),
    ("review_meeting", re.compile(
        r"\b(?:scheduled\s+for|to\s+be\s+held|will\s+be\s+held|due\s+to\s+be\s+held"
        r")\b", re.I)),
    ("review_meeting", re.compile(
        r"\b(?:review(?:ed)?|considered|presented|discussed|introduced|examined)\s+"
        r"(?:by\s+the\s+Council\s+)?at\s+(?:its|the)\s+(?:next\s+|forthcoming\s+)?"
        r"(?:Council'?s\s+|TRIPS\s+Council\s+)?meeting\b", re.I)),
    # the meeting whose invitation the report answers
    ("meeting", re.compile(
        r"\bat\s+(?:its|the|their)\s+(?:last\s+|previous\s+|formal\s+)?"
        r"(?:Council'?s\s+|TRIPS\s+Council\s+)?meeting\b", re.I)),
    # the reporting period
    ("period", re.compile(
        r"\b(?:period|covering|covers?|covered|during|over|fiscal\s+year|financial\s+year"
        r"|FY|reporting\s+year|undertaken|carried\s+out|conducted|implemented|took\s+place"
        r"|taken\s+place)\b", re.I)),
    # words that govern a date of no field: a "meeting" without "at its"/"for" is ambiguous
    ("ambiguous", re.compile(r"\bmeetings?\b", re.I)),
    ("other", re.compile(
        r"\b(?:dated|invitation|invited|entered\s+into\s+force|into\s+force|adopted|signed"
        r"|launched|established|airgram|since|until|before|after|as\s+of|last\s+report)\b",
        re.I)),
]
# A cue only governs dates in its own clause: these end a clause.
_CLAUSE_BREAK = re.compile(r"[;:)]|,\s+(?:and|but|while|which|whereas)\b|\.\s", re.I)


_FIELDS: dict[str, Field] = {"meeting": "meeting", "review_meeting": "review_meeting",
                             "period": "period", "communication": "communication"}
_LABELS = {"meeting": "Council meeting", "review_meeting": "review meeting",
           "period": "reporting period", "communication": "communication date"}


@dataclass(frozen=True)
class DateSpan:
    """A date or range as written: its text, offsets and parsed value (None when it has no
    year)."""

    text: str
    start: int
    end: int
    value: tuple[PartialDate, PartialDate] | None
    single: bool
    error: InputError | None = None  # "30 February 2025": a date that does not exist


@dataclass(frozen=True)
class Assigned:
    field: Field
    value: tuple[PartialDate, PartialDate]
    text: str


@dataclass(frozen=True)
class Unassigned:
    """A date whose governing words do not say which field it belongs to."""

    text: str
    reason: str


def find_dates(text: str) -> list[DateSpan]:
    """Every date or date range in a text, in order."""
    return [_span(m) for m in DATE_EXPR.finditer(text)]


def _span(m: re.Match[str]) -> DateSpan:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    form = next(iter(g))[0]
    d1, m1, y1, d2, m2, y2 = (g.get(f"{form}_{n}") for n in ("d1", "m1", "y1", "d2", "m2", "y2"))
    single = d2 is None and m2 is None
    m1 = m1 or m2
    y_end = y2 if not single else y1
    value, error = None, None
    if y_end is not None:
        try:
            value = _value(d1, m1, y1, d2, m2, y2, single)
        except InputError as e:
            error = e  # an error only if field words govern it
    text = m.group(0)
    if text.endswith(".") and re.search(r"[a-z]{4,}\.$", text, re.I):
        text = text[:-1]  # "6-7 November." ends a sentence; "Sept." is an abbreviation
    return DateSpan(text, m.start(), m.start() + len(text), value, single, error)


def _num(day: str | None) -> str:
    return re.sub(r"\D", "", day or "")


def _value(d1: str | None, m1: str | None, y1: str | None, d2: str | None, m2: str | None,
           y2: str | None, single: bool) -> tuple[PartialDate, PartialDate]:
    if single:
        start = parse_date(f"{_num(d1)} {m1} {y1}".strip())
        return start, start
    assert y2 is not None
    end = parse_date(f"{_num(d2)} {m2} {y2}".strip())
    start = parse_date(f"{_num(d1)} {m1} {y1 or y2}".strip())
    if y1 is None and start.first_day() > end.first_day():
        # "December to January 2020", "30 December to 2 January 2014": the start is a year earlier
        start = parse_date(f"{_num(d1)} {m1} {int(y2) - 1}".strip())
    if start.first_day() > end.last_day():
        raise InputError(f"ends ({PartialDate.of(end.last_day()).lexical()}) before it starts "
                         f"({PartialDate.of(start.first_day()).lexical()})")
    return start, end


def governing(lead: str) -> str | None:
    """The field named by the words before a date (``lead``), 'ambiguous', 'other' or None."""
    best: tuple[int, int, str] | None = None
    for rank, (kind, regex) in enumerate(_CUES):
        for m in regex.finditer(lead):
            key = (m.end(), -rank, kind)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _lead(text: str, start: int, previous_end: int) -> str:
    lead = text[previous_end:start]
    breaks = list(_CLAUSE_BREAK.finditer(lead))
    return lead[breaks[-1].end():] if breaks else lead


def date_facts(text: str) -> list[Assigned | Unassigned]:
    """The dates of a paragraph with the field each belongs to, or why it has none.

    Single dates governed by no field words (an entry into force, a document date) are
    dropped silently: they are not candidates for any field. Ranges without field words, and
    any date after "meeting" words that do not say which meeting, are :class:`Unassigned`.
    A field's date that does not exist ("30 February 2025") raises :class:`InputError`.
    """
    out: list[Assigned | Unassigned] = []
    previous_end = 0
    for span in find_dates(text):
        lead = _lead(text, span.start, previous_end)
        previous_end = span.end
        kind = governing(lead)
        if kind in _FIELDS:
            if span.error is not None:
                message = span.error.message
                if message.startswith("ends"):
                    message = f"{_LABELS[kind]} {message}"
                raise InputError(message, hint=span.error.hint)
            if span.value is None:
                out.append(Unassigned(span.text, "it has no year"))
            elif kind == "communication" and not span.single:
                out.append(Unassigned(span.text, "a communication date is one day"))
            elif kind == "period" and span.single:
                continue  # "since April 2019", "in FY2012": one end of a period is not a period
            else:
                out.append(Assigned(_FIELDS[kind], span.value, span.text))
        elif kind == "ambiguous":
            out.append(Unassigned(span.text, "the words do not say which meeting it is"))
        elif not span.single and kind != "other":
            out.append(Unassigned(span.text, "no meeting, period or communication words govern it"))
    return out


def year_span_period(text: str) -> str | None:
    """A period written only as years ("covering the 2023-2024 period", "for the period
    2012-2013"): its text, so the parser can say why the period was left out."""
    m = re.search(
        r"\b(?:period|covering|covers?|fiscal\s+year|FY)\s*(?:of\s+|from\s+)?(?:the\s+)?"
        r"(\d{4}\s*[-–—/]\s*\d{2,4})(?:\s+period)?\b", text, re.I)
    return m.group(1) if m else None
