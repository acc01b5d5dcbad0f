"""Reading one report: find the reports of a data folder (cover notes, annexes, register
rows), read each into its records (:class:`~tripskg.model.Report`, its activities, warnings),
fill what its cover note lacks from the register, and give it a display label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Location, TripsKGError, Warning_
from ..model import DATA_KINDS, Activity, Fact, PartialDate, Report
from ..reference import Reference, read_csv
from .annex import READERS, read_annex
from .covernote import parse_cover_note
from .dates import parse_date
from .text import display_path


@dataclass
class Source:
    """The inputs of one report found in a data folder (at least one of the three)."""

    key: str
    data_kind: str
    note: Path | None = None
    annex: Path | None = None
    register: tuple[Location, dict[str, str]] | None = None


REGISTER = "reports.csv"


def discover(data_dir: Path) -> tuple[list[Source], list[TripsKGError]]:
    """Find the reports of a data folder: cover notes, annexes, register rows, examples."""
    sources: dict[str, Source] = {}
    errors: list[TripsKGError] = []
    disp = lambda p: display_path(p, data_dir)  # noqa: E731

    def get(key: str, kind: str) -> Source:
        return sources.setdefault(key, Source(key, kind))

    for folder, kind in ((data_dir, "real"), (data_dir / "examples", "example")):
        docs = folder / "documents" if kind == "real" else folder
        annex = folder / "annex" if kind == "real" else folder
        for path in sorted(docs.glob("*.txt")) if docs.is_dir() else []:
            src = get(path.stem, kind)
            src.note = path
        for path in sorted(annex.iterdir()) if annex.is_dir() else []:
            if path.suffix.lower() not in READERS or path.name.startswith((".", "~$")):
                continue
            if kind == "example" and path.name == REGISTER:
                continue
            src = get(path.stem, kind)
            if src.annex is not None:
                errors.append(InputError(
                    f"two annexes for report '{path.stem}'", disp(path),
                    hint=f"also {disp(src.annex)}; keep one",
                ))
            src.annex = path
    register = data_dir / REGISTER
    if register.is_file():
        shown = disp(register)
        for line, row in read_csv(register, shown):
            loc = Location(shown, line)
            key = row.get("key", "")
            if not key:
                errors.append(InputError.at(Location(shown, line, "key"), "empty report key"))
                continue
            kind = row.get("data_kind") or "real"
            if kind not in DATA_KINDS:
                errors.append(InputError.at(
                    Location(shown, line, "data_kind"), f"unknown data kind '{kind}'",
                    f"expected one of {', '.join(DATA_KINDS)}",
                ))
                continue
            src = get(key, kind)
            if src.register is not None:
                errors.append(InputError.at(loc, f"duplicate report key '{key}'",
                                            f"first on line {src.register[0].line}"))
            src.register = (loc, row)
            src.data_kind = kind
    return [sources[k] for k in sorted(sources)], errors


def _register_date(row: dict[str, str], col: str, loc: Location) -> PartialDate | None:
    if not row.get(col):
        return None
    try:
        return parse_date(row[col])
    except InputError as e:
        raise InputError.at(Location(loc.source, loc.line, col), e.message, e.hint) from None


def apply_register(report: Report, loc: Location, row: dict[str, str], ref: Reference) -> None:
    """Fill a report from its register row (document symbol, source, and facts the note lacks)."""
    report.symbol = row.get("symbol") or report.symbol
    report.source_url = row.get("source") or report.source_url
    report.language = row.get("language") or report.language
    report.compiled = row.get("compiled", "").strip().lower() in ("yes", "true", "1")
    listed = row.get("activity_list", "")
    if listed in ("complete", "partial"):
        report.activity_list_complete = listed == "complete"
    if not report.title and row.get("title"):
        report.title = row["title"]
    if report.reporter is None and row.get("reporter"):
        try:
            iri = ref.resolve(row["reporter"], ("organization", "member", "country"), "reporter")
        except InputError as e:
            raise InputError.at(Location(loc.source, loc.line, "reporter"), e.message,
                                e.hint) from None
        report.reporter = Fact(iri, "register")
    if report.communication_date is None and (d := _register_date(row, "communication_date", loc)):
        report.communication_date = Fact(d, "register")
    for field_name, a, b in (("period", "period_start", "period_end"),
                             ("meeting", "meeting_start", "meeting_end"),
                             ("review_meeting", "review_meeting_start", "review_meeting_end")):
        if getattr(report, field_name) is None:
            start, end = _register_date(row, a, loc), _register_date(row, b, loc)
            if start and end:
                if end.first_day() < start.first_day():
                    raise InputError.at(Location(loc.source, loc.line, b),
                                        f"{b} is before {a}")
                setattr(report, field_name, Fact((start, end), "register"))


def report_label(report: Report, ref: Reference) -> str:
    """The report's title, or (register entries without one) reporter and symbol or key."""
    if report.title:
        return report.title
    who = ""
    if report.reporter is not None and (e := ref.entity(str(report.reporter.value))):
        who = e.name + ": "
    return f"{who}technical cooperation report {report.symbol or report.key}"


def _read_report(
    src: Source, ref: Reference, warnings: list[Warning_], disp: Callable[[Path], str]
) -> Report:
    if src.note is not None:
        report, warns = parse_cover_note(src.note, src.key, disp(src.note), ref)
        report.data_kind = src.data_kind
    elif src.register is not None:
        report = Report(src.key, src.register[0], has_note=False, data_kind=src.data_kind)
        warns = []
    else:
        assert src.annex is not None
        raise InputError(
            f"annex for report '{src.key}' has no cover note and no register entry",
            disp(src.annex),
            hint=f"add documents/{src.key}.txt or a row with key '{src.key}' to {REGISTER}",
        )
    if src.register is not None:
        apply_register(report, src.register[0], src.register[1], ref)
        # fields the register supplied are no longer missing
        warns = [w for w in warns if not _filled(report, w)]
    warnings.extend(warns)
    return report


def _filled(report: Report, w: Warning_) -> bool:
    for name, attr in (("reporter", "reporter"), ("communication_date", "communication_date"),
                       ("council_meeting", "meeting"), ("reporting_period", "period")):
        if f"'{name}'" in w.message:
            return getattr(report, attr) is not None
    return False


@dataclass
class Records:
    """What reading one report gives: the report (labelled), its activities, warnings."""

    report: Report
    activities: list[Activity] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)


def read_report(src: Source, data_dir: Path, ref: Reference) -> Records:
    """Read one report (cover note, annex, register row); raises :class:`InputError` or
    :class:`~tripskg.errors.ErrorGroup` on bad input."""
    disp = lambda p: display_path(p, data_dir)  # noqa: E731
    warnings: list[Warning_] = []
    report = _read_report(src, ref, warnings, disp)
    activities: list[Activity] = []
    if src.annex is not None:
        activities, warns = read_annex(
            src.annex, src.key, disp(src.annex), ref, src.data_kind,
            default_source=report.source_url,
        )
        warnings.extend(warns)
    report.label = report_label(report, ref)
    return Records(report, activities, warnings)


def inputs(src: Source) -> list[Path]:
    """The files a report is read from."""
    return [p for p in (src.note, src.annex) if p is not None]

