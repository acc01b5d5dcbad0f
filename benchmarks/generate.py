#!/usr/bin/env python3
"""Generate SYNTHETIC input data for tripskg benchmarks, in the real input formats.

    python benchmarks/generate.py --activities 100000 --reports 100 --seed 1 --out /tmp/syn

writes ``DIR/documents/<key>.txt`` (cover notes in the four template families of BRIEF §1),
``DIR/annex/<key>.csv`` (one row per activity, with every date and beneficiary form the readers
accept) and ``DIR/reports.csv`` (the register, ``data_kind`` = ``synthetic`` on every row), so a
benchmark exercises the real ingestion path: ``tripskg build --data DIR``.

Nothing here is real. Every report title starts with "SYNTHETIC benchmark report (not from
<org>)", every activity title with "SYNTHETIC", and the build marks every report and activity
with ``tkg:dataKind <…/def/data-kind/synthetic>``. Reporters are real reference organizations
only because the graph needs a reporter that resolves; they wrote none of it. No source URLs and
no real document symbols are written.

The output depends only on the arguments (same seed -> byte-identical files). Names are drawn
from ``data/reference/*.csv`` and concept labels from ``ontology/vocab/*.ttl`` through
:mod:`tripskg.reference`, and every name is checked to resolve before it is used.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import io
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tripskg.reference import Reference, load_reference

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench package beside this file
from bench.gen_pools import Pools, build_pools  # noqa: E402

ANNEX_COLUMNS = (
    "id", "title", "description", "start_date", "end_date", "beneficiaries", "activity_type",
    "policy_areas", "ip_fields", "treaties", "partners", "target_groups", "location", "mode",
    "framework", "source",
)
REGISTER_COLUMNS = (
    "key", "symbol", "reporter", "title", "communication_date", "period_start", "period_end",
    "meeting_start", "meeting_end", "language", "activity_list", "source", "data_kind",
)
MONTHS_EN = list(calendar.month_name)[1:]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]
MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
             "septiembre", "octubre", "noviembre", "diciembre"]
PLACES = ("Geneva", "online", "Nairobi", "Bangkok", "Lima", "Dakar", "Harare", "Almaty",
          "Port of Spain", "Tunis", "Kathmandu", "Suva", "Panama City", "Yaoundé", "Manila")
TEMPLATES = ("igo", "wto", "article67", "older")


def disclaimer(seed: int) -> str:
    return (
        f"SYNTHETIC DATA generated with tripskg benchmarks/generate.py (seed {seed}) for "
        "benchmarks. This is not a WTO document: its text, dates and activities are invented, "
        "and the organization named in it did not write or report any of them."
    )


# --------------------------------------------------------------------------- dates
def d_long(d: dt.date) -> str:
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def m_long(d: dt.date) -> str:
    return f"{MONTHS_EN[d.month - 1]} {d.year}"


def last_of_month(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


@dataclass
class Period:
    start: dt.date
    end: dt.date
    text: str  # the words of the note


def make_period(rng: random.Random, year: int, template: str) -> Period:
    style = rng.randrange(3)
    if template == "wto" or style == 0 and template != "older":
        # an exact period: 1 October 2023 to 16 September 2024
        start = dt.date(year - 1, 10, 1)
        end = dt.date(year, 9, rng.randint(10, 20))
        return Period(start, end, f"{d_long(start)} to {d_long(end)}")
    if template == "older" or style == 1:
        start = dt.date(year - 1, 9, 1)
        end = last_of_month(year, 9 if template == "older" else 8)
        return Period(start, end, f"{m_long(start)} to {m_long(end)}")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    text = f"January to December {year}" if rng.random() < 0.5 else \
        f"January {year} to December {year}"
    return Period(start, end, text)


def meeting_words(rng: random.Random, first: dt.date, older: bool) -> tuple[str, dt.date, dt.date]:
    """A one- or two-day Council meeting and how the note writes it."""
    # the length depends on the date only: reports citing the same meeting (whose IRI is its
    # first day) must agree on its last day, or the graph gets two schema:endDate values
    rng.random()  # still drawn, so the other choices of a seed do not change
    two = random.Random(first.toordinal()).random() < 0.7 and \
        first.day < calendar.monthrange(first.year, first.month)[1]
    last = first + dt.timedelta(days=1) if two else first
    month = f"{MONTHS_EN[first.month - 1]} {first.year}"
    if not two:
        return f"{first.day} {month}", first, last
    sep = " and " if older else "-"
    return f"{first.day}{sep}{last.day} {month}", first, last


# one date form per entry: (name, weight)
DATE_FORMS = (("iso", 4), ("dmy", 3), ("day-range", 3), ("month", 2), ("year", 1),
              ("long", 1), ("french", 1), ("spanish", 1))
_FORM_NAMES = [f for f, w in DATE_FORMS for _ in range(w)]


def activity_dates(r: Callable[[], float], period: Period) -> tuple[str, str]:
    """A start (and maybe end) date inside the period, in one of the forms reports use."""
    span = max(1, (period.end - period.start).days - 5)
    start = period.start + dt.timedelta(days=int(r() * span))
    form = _FORM_NAMES[int(r() * len(_FORM_NAMES))]
    length = _LENGTHS[int(r() * len(_LENGTHS))]
    end = start + dt.timedelta(days=length)
    if form == "year" and dt.date(start.year, 1, 1) < period.start - dt.timedelta(days=31):
        form = "month"  # a bare year must not start far before the reporting period
    if form == "day-range" and (end.month != start.month or length == 0):
        form = "iso"
    if form == "iso":
        return start.isoformat(), end.isoformat() if length else ""
    if form == "dmy":
        return (f"{start.day:02d}/{start.month:02d}/{start.year}",
                f"{end.day:02d}/{end.month:02d}/{end.year}" if length else "")
    if form == "day-range":
        return f"{start.day}-{end.day} {m_long(start)}", ""
    if form == "month":
        return m_long(start), ""
    if form == "year":
        return str(start.year), ""
    if form == "long":
        return d_long(start), d_long(end) if length else ""
    if form == "french":
        return f"{start.day} {MONTHS_FR[start.month - 1]} {start.year}", ""
    return f"{start.day} de {MONTHS_ES[start.month - 1]} de {start.year}", ""


_LENGTHS = (0, 0, 1, 2, 4)


# --------------------------------------------------------------------------- cover notes
@dataclass
class ReportSpec:
    key: str
    template: str
    reporter_name: str  # as the register writes it
    title: str
    note: str
    period: Period
    communication: dt.date | None
    meeting: tuple[dt.date, dt.date] | None
    year: int
    n_activities: int = 0


def _topics(rng: random.Random, pools: Pools) -> str:
    area = rng.choice(pools.concept_en["policy-area"]).lower()
    treaty = rng.choice(pools.treaty_names)
    group = rng.choice(pools.group_names).lower() if pools.group_names else "developing countries"
    return f"Activities addressed {area}, the {treaty} and the needs of {group}."


def make_report(rng: random.Random, pools: Pools, seed: int, index: int, template: str
                ) -> ReportSpec:
    year = rng.randint(2008, 2025)
    period = make_period(rng, year, template)
    comm = period.end + dt.timedelta(days=rng.randint(7, 40))
    meet_first = period.end + dt.timedelta(days=rng.randint(20, 60))
    meet_text, m1, m2 = meeting_words(rng, meet_first, template == "older")
    paras: list[str] = []
    if template == "igo":
        key_org, name, acr = rng.choice(pools.igo)
        named = f"{name} ({acr})" if acr else name
        title = (f"SYNTHETIC benchmark report (not from {name}) - Technical cooperation "
                 "activities: information from other intergovernmental organizations")
        reporter = name
        opening = rng.choice((
            f"At its meeting of {meet_text}, the Council for TRIPS invited intergovernmental "
            "organization observers to update the information on their technical cooperation "
            "activities.",
            f"At its meeting held on {meet_text}, the Council for TRIPS invited observers to "
            "report on their technical cooperation programmes.",
        ))
        comm_text = rng.choice((
            f"The present document reproduces the information received from the {named} by "
            f"means of a communication dated {d_long(comm)}.",
            f"The present document reproduces the information received from the {named} in a "
            f"communication of {d_long(comm)}.",
        ))
        paras += [opening, comm_text,
                  f"1.  The Annex lists activities undertaken in the period from {period.text}.",
                  "2.  " + _topics(rng, pools)]
        key = f"synthetic-{index:05d}-{key_org}"
    elif template == "wto":
        title = ("SYNTHETIC benchmark report (not from the WTO Secretariat) - Technical "
                 "cooperation activities: information from the Secretariat")
        reporter = "World Trade Organization"
        prev = f"IP/C/R/TC/SYNTHETIC/{index}"
        paras += ["TECHNICAL COOPERATION ACTIVITIES: INFORMATION FROM THE SECRETARIAT",
                  "Note by the Secretariat",
                  "1.  This note provides information on the technical cooperation activities "
                  f"of the WTO Secretariat in the period from {period.text}. It updates the "
                  f"information in the previous report ({prev}).",
                  "2.  " + _topics(rng, pools)]
        comm = None
        m1 = m2 = None  # type: ignore[assignment]
        key = f"synthetic-{index:05d}-wto"
    elif template == "article67":
        member = rng.choice(pools.members)
        title = (f"SYNTHETIC benchmark report (not from {member}) - Technical cooperation "
                 "activities: information from Members")
        reporter = member
        paras += [f"The following communication, dated {d_long(comm)}, is being circulated at "
                  f"the request of the delegation of {member}.",
                  "TECHNICAL COOPERATION ACTIVITIES",
                  "1.  This report describes technical and financial cooperation under Article "
                  "66.2 and Article 67 of the TRIPS Agreement for the period "
                  f"{period.text}.",
                  "2.  " + _topics(rng, pools)]
        m1 = m2 = None  # type: ignore[assignment]
        key = f"synthetic-{index:05d}-{member.lower().replace(' ', '-')}"
    else:
        acr = rng.choice(pools.secretariats)
        title = (f"SYNTHETIC benchmark report (not from the {acr} Secretariat) - Technical "
                 f"cooperation activities - Note prepared by the {acr} Secretariat")
        reporter = acr
        paras += ["TECHNICAL COOPERATION ON TRADE-RELATED ASPECTS OF INTELLECTUAL PROPERTY RIGHTS",
                  f"Note prepared by the {acr} Secretariat",
                  "1.  This information is submitted for the meeting of the Council for TRIPS "
                  f"of {meet_text} and covers activities carried out from {period.text}.",
                  "2.  " + _topics(rng, pools)]
        comm = None
        key = f"synthetic-{index:05d}-{acr.lower()}"
    text = "\n\n".join([title, disclaimer(seed), *paras]) + "\n"
    meeting = (m1, m2) if m1 else None
    return ReportSpec(key, template, reporter, title, text, period, comm, meeting, year)


# --------------------------------------------------------------------------- annex rows
def _pick(r: Callable[[], float], items: list[str], most: int) -> str:
    """0..most distinct items joined with ';' (uniform number, uniform items)."""
    n = int(r() * (most + 1))
    if n == 0 or not items:
        return ""
    k = len(items)
    if n == 1:
        return items[int(r() * k)]
    return ";".join(dict.fromkeys(items[int(r() * k)] for _ in range(n)))


_N_BENEFICIARIES = (1, 1, 1, 2, 2, 3, 4)


def activity_rows(rng: random.Random, pools: Pools, spec: ReportSpec, seed: int,
                  n: int) -> list[list[str]]:
    r = rng.random  # float-indexing is ~3x faster than rng.choice and just as deterministic
    ben_pools = list(pools.beneficiaries.values())
    nb = len(ben_pools)
    types = pools.concepts["activity-type"]
    types_en = [t.lower() for t in pools.concept_en["activity-type"]]
    fields_en = [f.lower() for f in pools.concept_en["ip-field"]]
    policy, ipf = pools.concepts["policy-area"], pools.concepts["ip-field"]
    targets, modes = pools.concepts["target-group"], pools.concepts["mode"]
    treaties, partners, frameworks = pools.treaties, pools.partners, pools.frameworks
    description = f"Synthetic benchmark row (seed {seed}); not a real activity."
    rows = []
    for i in range(1, n + 1):
        bens = []
        for _ in range(_N_BENEFICIARIES[int(r() * 7)]):
            pool = ben_pools[int(r() * nb)]
            bens.append(pool[int(r() * len(pool))])
        start, end = activity_dates(r, spec.period)
        title = (f"SYNTHETIC activity {i}: {types_en[int(r() * len(types_en))]} on "
                 f"{fields_en[int(r() * len(fields_en))]} for {bens[0]}")
        rows.append([
            f"S{i}", title, description, start, end, ";".join(dict.fromkeys(bens)),
            types[int(r() * len(types))],
            _pick(r, policy, 3),
            _pick(r, ipf, 2),
            _pick(r, treaties, 2),
            _pick(r, partners, 2),
            _pick(r, targets, 2),
            PLACES[int(r() * len(PLACES))] if r() < 0.6 else "",
            modes[int(r() * len(modes))] if r() < 0.8 else "",
            frameworks[int(r() * len(frameworks))] if r() < 0.2 else "",
            "",  # never a source URL: nothing here comes from a public page
        ])
    return rows


def _csv_bytes(header: tuple[str, ...], rows: list[list[str]], quote_all: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n",
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- main
_WORKER: dict[str, object] = {}


def _write_annex(job: tuple[ReportSpec, int, int]) -> int:
    """Write one annex; its rows depend only on (seed, report key), not on scheduling."""
    spec, seed, index = job
    pools = _WORKER["pools"]
    out = _WORKER["out"]
    assert isinstance(pools, Pools) and isinstance(out, Path)
    rng = random.Random(f"{seed}/{spec.key}")
    rows = activity_rows(rng, pools, spec, seed, spec.n_activities)
    (out / "annex" / f"{spec.key}.csv").write_bytes(
        _csv_bytes(ANNEX_COLUMNS, rows, quote_all=index % 2 == 0))
    return len(rows)


def generate(out: Path, activities: int, reports: int, seed: int, force: bool = False,
             ref: Reference | None = None, jobs: int = 1) -> dict[str, int]:
    """Write the synthetic data folder; returns counts. Output does not depend on ``jobs``."""
    if activities < 0 or reports < 1:
        raise ValueError("need --activities >= 0 and --reports >= 1")
    if out.exists() and any(out.iterdir()):
        if not force and not (out / "SYNTHETIC.txt").is_file():
            raise FileExistsError(
                f"{out} is not empty and was not written by this generator (use --force)")
        for sub in ("documents", "annex"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for f in ("reports.csv", "SYNTHETIC.txt"):
            (out / f).unlink(missing_ok=True)
    (out / "documents").mkdir(parents=True, exist_ok=True)
    (out / "annex").mkdir(parents=True, exist_ok=True)
    ref = ref or load_reference()
    pools = build_pools(ref)
    rng = random.Random(seed)
    base, extra = divmod(activities, reports)
    register: list[list[str]] = []
    work: list[tuple[ReportSpec, int, int]] = []
    for index in range(1, reports + 1):
        template = TEMPLATES[(index - 1) % len(TEMPLATES)] if index <= len(TEMPLATES) \
            else rng.choice(TEMPLATES)
        spec = make_report(rng, pools, seed, index, template)
        spec.n_activities = base + (1 if index <= extra else 0)
        (out / "documents" / f"{spec.key}.txt").write_bytes(spec.note.encode("utf-8"))
        work.append((spec, seed, index))
        register.append([
            spec.key, "", spec.reporter_name, f"SYNTHETIC benchmark report (not from "
            f"{spec.reporter_name})", "", "", "", "", "", "en", "complete", "", "synthetic",
        ])
    _WORKER.update(pools=pools, out=out)
    if jobs > 1 and len(work) > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs) as pool:
            written = sum(pool.imap_unordered(_write_annex, work, chunksize=1))
    else:
        written = sum(map(_write_annex, work))
    assert written == activities
    (out / "reports.csv").write_bytes(_csv_bytes(REGISTER_COLUMNS, register, quote_all=False))
    (out / "SYNTHETIC.txt").write_text(
        "SYNTHETIC DATA for tripskg benchmarks - not real TRIPS Council reports.\n"
        f"generated by benchmarks/generate.py --activities {activities} --reports {reports} "
        f"--seed {seed}\n"
        "Reporters are real organizations only so that the graph resolves; they wrote none of "
        "this. Every report and activity is marked tkg:dataKind data-kind/synthetic.\n",
        encoding="utf-8",
    )
    return {"reports": reports, "activities": activities}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--activities", type=int, default=1000, help="number of activities")
    ap.add_argument("--reports", type=int, default=None,
                    help="number of reports [default: one per 1000 activities, at least 1]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="data folder to write")
    ap.add_argument("--jobs", type=int, default=None,
                    help="worker processes [default: all CPUs from 50,000 activities up]; "
                         "the output is the same for any value")
    ap.add_argument("--force", action="store_true",
                    help="replace documents/, annex/ and reports.csv in a non-empty folder")
    args = ap.parse_args(argv)
    reports = args.reports or max(1, round(args.activities / 1000))
    t0 = time.perf_counter()
    try:
        jobs = args.jobs or ((os.cpu_count() or 1) if args.activities >= 50_000 else 1)
        counts = generate(args.out, args.activities, reports, args.seed, args.force, jobs=jobs)
    except (ValueError, FileExistsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {counts['reports']} SYNTHETIC reports, {counts['activities']:,} activities "
          f"to {args.out} ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
