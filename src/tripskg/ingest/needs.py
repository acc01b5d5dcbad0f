"""LDC priority needs: the register of submissions, their needs and the matching rule.

Three CSV files in ``<data>/needs/`` (docs/needs.md, data/SOURCES-NEEDS.md):

* ``submissions.csv`` -- one row per submission to the Council for TRIPS (key, country,
  symbol, date, title, source, data_kind, note);
* ``needs.csv`` -- one row per need stated in a public page (submission, n, need,
  policy_areas, activity_types, ip_fields, location, source);
* ``matching.csv`` -- which activity concepts address a need concept (need_concept,
  activity_concepts, note).

Every problem of the three files is collected and raised together (:class:`ErrorGroup`), each
at ``file:row:column`` with a did-you-mean hint for unknown countries, concepts and keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..errors import ErrorGroup, InputError, Location, TripsKGError, did_you_mean
from ..model import PartialDate
from ..reference import Reference, read_csv, split_list
from .dates import parse_date
from .text import display_path

FOLDER = "needs"
SUBMISSIONS = "submissions.csv"
NEEDS = "needs.csv"
MATCHING = "matching.csv"
DATA_KINDS = ("real", "example", "synthetic", "test-fixture")
# the concept columns of needs.csv and the scheme of each
CONCEPT_COLUMNS = {"policy_areas": "policy-area", "activity_types": "activity-type",
                   "ip_fields": "ip-field"}
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SYMBOL = re.compile(r"^IP/C/W/\d+(/[A-Za-z0-9.]+)*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
MAX_NEED = 200  # characters: a need is a short statement in our words, never copied prose

T = TypeVar("T")


@dataclass(frozen=True)
class Submission:
    key: str
    country: str  # IRI
    date: PartialDate
    location: Location
    symbol: str | None = None
    title: str | None = None
    sources: tuple[str, ...] = ()
    data_kind: str = "real"


@dataclass(frozen=True)
class Need:
    submission: str  # key
    number: int
    text: str
    concepts: tuple[str, ...]  # concept IRIs
    where: str  # paragraph or table row in the page
    source: str
    location: Location


@dataclass(frozen=True)
class Match:
    need_concept: str  # IRI
    activity_concepts: tuple[str, ...]  # IRIs
    location: Location


@dataclass
class Needs:
    submissions: list[Submission] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)


class _Rows:
    """Reads one CSV file of the folder, collecting located errors."""

    def __init__(self, path: Path, shown: str, errors: list[TripsKGError]) -> None:
        self.path, self.shown, self.errors = path, shown, errors

    def rows(self, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        header_checked = False
        for line, row in read_csv(self.path, self.shown):
            if not header_checked:
                header_checked = True
                missing = [c for c in required if c not in row]
                if missing:
                    self.errors.append(InputError.at(
                        Location(self.shown, line), f"missing column(s) {', '.join(missing)}",
                        f"expected columns {', '.join(required)}"))
                    return
            yield line, row

    def at(self, line: int, column: str) -> Location:
        return Location(self.shown, line, column)

    def check(self, loc: Location, convert: Callable[..., T], *args: object) -> T | None:
        """``convert(*args)``, or None with its error recorded at ``loc``."""
        try:
            return convert(*args)
        except InputError as e:
            self.errors.append(InputError.at(loc, e.message, e.hint))
            return None

    def fail(self, loc: Location, message: str, hint: str | None = None) -> None:
        self.errors.append(InputError.at(loc, message, hint))


def read_needs(data_dir: Path, ref: Reference) -> Needs | None:
    """The needs of ``<data_dir>/needs/``, or None when the folder does not exist."""
    folder = data_dir / FOLDER
    if not folder.is_dir():
        return None

    def shown(name: str) -> str:
        return display_path(folder / name, data_dir)

    errors: list[TripsKGError] = []
    out = Needs()
    for name in (SUBMISSIONS, NEEDS, MATCHING):
        if not (folder / name).is_file():
            errors.append(InputError(f"missing {name}", shown(name),
                                     hint=f"{FOLDER}/ needs {SUBMISSIONS}, {NEEDS} and {MATCHING}"))
        else:
            out.inputs.append(folder / name)
    if errors:
        raise ErrorGroup(errors)
    keys: set[str] = set()  # every well-formed key, so a bad row is reported once
    out.submissions = _submissions(_Rows(folder / SUBMISSIONS, shown(SUBMISSIONS), errors), ref,
                                   keys)
    out.needs = _needs(_Rows(folder / NEEDS, shown(NEEDS), errors), ref, keys)
    out.matches = _matches(_Rows(folder / MATCHING, shown(MATCHING), errors), ref)
    if errors:
        raise ErrorGroup(errors)
    return out


def _sources(r: _Rows, line: int, cell: str, column: str = "source") -> tuple[str, ...]:
    urls = tuple(split_list(cell))
    if not urls:
        r.fail(r.at(line, column), "no source page", "give the public page (URL) it comes from")
    for u in urls:
        if not URL.fullmatch(u):
            r.fail(r.at(line, column), f"'{u}' is not a URL", "expected http(s)://…")
    return urls


def _submissions(r: _Rows, ref: Reference, keys: set[str]) -> list[Submission]:
    out: list[Submission] = []
    seen: dict[str, int] = {}
    for line, row in r.rows(("key", "country", "symbol", "date", "source")):
        key = row.get("key", "")
        if not KEY.fullmatch(key):
            r.fail(r.at(line, "key"), f"bad submission key '{key}'",
                   "lower-case letters, digits and '-'")
            continue
        if key in seen:
            r.fail(r.at(line, "key"), f"duplicate submission key '{key}'",
                   f"first on row {seen[key]}")
            continue
        seen[key] = line
        keys.add(key)
        country = r.check(r.at(line, "country"), ref.resolve, row.get("country", ""),
                          ("country",), "country")
        date = r.check(r.at(line, "date"), parse_date, row.get("date", ""))
        symbol = row.get("symbol") or None
        if symbol and not SYMBOL.fullmatch(symbol):
            r.fail(r.at(line, "symbol"), f"'{symbol}' is not a TRIPS Council working-document "
                   "symbol", "expected IP/C/W/<number>")
        kind = row.get("data_kind") or "real"
        if kind not in DATA_KINDS:
            r.fail(r.at(line, "data_kind"), f"unknown data kind '{kind}'",
                   did_you_mean(kind, DATA_KINDS) or f"expected one of {', '.join(DATA_KINDS)}")
        sources = _sources(r, line, row.get("source", ""))
        if country is None or date is None:
            continue
        out.append(Submission(key, country, date, Location(r.shown, line), symbol,
                              row.get("title") or None, sources, kind))
    return out


def _needs(r: _Rows, ref: Reference, submissions: set[str]) -> list[Need]:
    out: list[Need] = []
    seen: dict[tuple[str, int], int] = {}
    for line, row in r.rows(("submission", "n", "need", "location", "source",
                             *CONCEPT_COLUMNS)):
        sub = row.get("submission", "")
        if sub not in submissions:
            r.fail(r.at(line, "submission"), f"unknown submission '{sub}'",
                   did_you_mean(sub, submissions, cutoff=0.6) or f"add it to {SUBMISSIONS}")
            continue
        number = row.get("n", "")
        if not number.isdigit() or int(number) < 1:
            r.fail(r.at(line, "n"), f"bad need number '{number}'", "a positive integer")
            continue
        if (sub, int(number)) in seen:
            r.fail(r.at(line, "n"), f"duplicate need {sub} {number}",
                   f"first on row {seen[sub, int(number)]}")
            continue
        seen[sub, int(number)] = line
        text = " ".join(row.get("need", "").split())
        if not text:
            r.fail(r.at(line, "need"), "empty need")
        elif len(text) > MAX_NEED:
            r.fail(r.at(line, "need"), f"need text of {len(text)} characters",
                   f"state it in your own words in at most {MAX_NEED} characters")
        concepts: list[str] = []
        for column, scheme in CONCEPT_COLUMNS.items():
            for value in split_list(row.get(column, "")):
                iri = r.check(r.at(line, column), ref.concept, scheme, value,
                              scheme.replace("-", " "))
                if iri is not None:
                    concepts.append(iri)
        if not any(split_list(row.get(c, "")) for c in CONCEPT_COLUMNS):
            r.fail(r.at(line, "policy_areas"), "the need concerns no policy area, activity "
                   "type or IP field", "name at least one, so the query can match it")
        where = row.get("location", "")
        if not where:
            r.fail(r.at(line, "location"), "no location",
                   "give the paragraph or table row of the page that states the need")
        sources = _sources(r, line, row.get("source", ""))
        if len(sources) > 1:
            r.fail(r.at(line, "source"), "one source page per need",
                   "split the need, or cite the page whose paragraph is given")
        if text and len(text) <= MAX_NEED and where and len(sources) == 1:
            out.append(Need(sub, int(number), text, tuple(dict.fromkeys(concepts)), where,
                            sources[0], Location(r.shown, line)))
    return out


def _concept_ref(r: _Rows, ref: Reference, loc: Location, value: str) -> str | None:
    scheme, _, slug = value.partition("/")
    if scheme not in CONCEPT_COLUMNS.values() or not slug:
        r.fail(loc, f"'{value}' is not <scheme>/<notation>",
               did_you_mean(scheme, CONCEPT_COLUMNS.values(), cutoff=0.6)
               or f"scheme one of {', '.join(CONCEPT_COLUMNS.values())}")
        return None
    return r.check(loc, ref.concept, scheme, slug, scheme.replace("-", " "))


def _matches(r: _Rows, ref: Reference) -> list[Match]:
    out: list[Match] = []
    seen: dict[str, int] = {}
    for line, row in r.rows(("need_concept", "activity_concepts")):
        need = _concept_ref(r, ref, r.at(line, "need_concept"), row.get("need_concept", ""))
        targets = [_concept_ref(r, ref, r.at(line, "activity_concepts"), v)
                   for v in split_list(row.get("activity_concepts", ""))]
        if not targets:
            r.fail(r.at(line, "activity_concepts"), "no activity concept")
        if need is None or not targets or None in targets:
            continue
        if need in seen:
            r.fail(r.at(line, "need_concept"), "need concept listed twice",
                   f"first on row {seen[need]}; put all its activity concepts on one row")
            continue
        seen[need] = line
        out.append(Match(need, tuple(t for t in targets if t is not None),
                         Location(r.shown, line)))
    return out
