"""Dates as reports write them, kept at the precision they are given.

Accepted forms: ISO ``2025-03-12``, ``dd/mm/yyyy``, ``12 March 2025``, ``March 2025``, ``2025``,
English, French and Spanish month names, and ranges ``12-14 March 2025``, ``28 and 29 October
2014``, ``30 March - 2 April 2025``, ``September 2013 to September 2014``.
"""

from __future__ import annotations

import re

from ..errors import InputError
from ..model import PartialDate

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        ("january", "jan", "janvier", "janv", "enero", "ene"),
        ("february", "feb", "fevrier", "février", "fev", "févr", "febrero"),
        ("march", "mar", "mars", "marzo"),
        ("april", "apr", "avril", "avr", "abril", "abr"),
        ("may", "mai", "mayo"),
        ("june", "jun", "juin", "junio"),
        ("july", "jul", "juillet", "juil", "julio"),
        ("august", "aug", "aout", "août", "agosto", "ago"),
        ("september", "sep", "sept", "septembre", "septiembre", "setiembre"),
        ("october", "oct", "octobre", "octubre"),
        ("november", "nov", "novembre", "noviembre"),
        ("december", "dec", "decembre", "décembre", "diciembre", "dic"),
    ],
    start=1,
):
    for _n in _names:
        MONTHS[_n] = _i

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
MONTH_PATTERN = rf"(?:{_MONTH_RE})\.?"


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_MY_NUM = re.compile(r"^(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_D_MONTH_Y = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?:de\s+)?({MONTH_PATTERN})\s*,?\s+(?:de\s+)?(\d{{4}})$", re.I)
_MONTH_D_Y = re.compile(rf"^({MONTH_PATTERN})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.I)
_MONTH_Y = re.compile(rf"^({MONTH_PATTERN})\s*,?\s+(?:de\s+)?(\d{{4}})$", re.I)


def parse_date(text: str) -> PartialDate:
    """Parse one date; raise :class:`InputError` (without location) if it is not a date."""
    s = " ".join(text.strip().split())
    if m := _ISO.match(s):
        return PartialDate(int(m[1]), int(m[2]), int(m[3]))
    if m := _ISO_MONTH.match(s):
        return PartialDate(int(m[1]), int(m[2]))
    if m := _DMY.match(s):
        return PartialDate(int(m[3]), int(m[2]), int(m[1]))
    if m := _MY_NUM.match(s):
        return PartialDate(int(m[2]), int(m[1]))
    if m := _YEAR.match(s):
        return PartialDate(int(m[1]))
    if m := _D_MONTH_Y.match(s):
        return PartialDate(int(m[3]), _month(m[2]), int(m[1]))
    if m := _MONTH_D_Y.match(s):
        return PartialDate(int(m[3]), _month(m[1]), int(m[2]))
    if m := _MONTH_Y.match(s):
        return PartialDate(int(m[2]), _month(m[1]))
    raise InputError(
        f"cannot read date '{text.strip()[:60]}'",
        hint="expected e.g. 2025-03-12, 12/03/2025, 12 March 2025, 12-14 March 2025, March 2025 or 2025",
    )


_DASH = r"\s*(?:-|–|—|to|au|a|al|and|et|y|until)\s*"
# 12-14 March 2025 / 28 and 29 October 2014
_DD_MONTH_Y = re.compile(rf"^(\d{{1,2}}){_DASH}(\d{{1,2}})\s+({MONTH_PATTERN})\s*,?\s+(\d{{4}})$", re.I)
# 30 March - 2 April 2025
_DM_DM_Y = re.compile(
    rf"^(\d{{1,2}})\s+({MONTH_PATTERN}){_DASH}(\d{{1,2}})\s+({MONTH_PATTERN})\s*,?\s+(\d{{4}})$", re.I
)
# March - April 2025
_M_M_Y = re.compile(rf"^({MONTH_PATTERN}){_DASH}({MONTH_PATTERN})\s+(\d{{4}})$", re.I)
# <date> - <date> (two complete dates)
_SPLIT = re.compile(r"\s+(?:-|–|—|to|au|al|until)\s+|\s*[–—]\s*", re.I)


def parse_range(text: str) -> tuple[PartialDate, PartialDate | None]:
    """Parse a date or a date range; returns (start, end or None for a single date)."""
    s = " ".join(text.strip().split())
    if m := _DD_MONTH_Y.match(s):
        month, year = _month(m[3]), int(m[4])
        return PartialDate(year, month, int(m[1])), PartialDate(year, month, int(m[2]))
    if m := _DM_DM_Y.match(s):
        year = int(m[5])
        return PartialDate(year, _month(m[2]), int(m[1])), PartialDate(year, _month(m[4]), int(m[3]))
    if m := _M_M_Y.match(s):
        year = int(m[3])
        return PartialDate(year, _month(m[1])), PartialDate(year, _month(m[2]))
    parts = _SPLIT.split(s)
    if len(parts) == 2 and all(parts):
        return parse_date(parts[0]), parse_date(parts[1])
    return parse_date(s), None
