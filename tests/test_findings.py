"""Warnings on a terminal stay short (grouped, ≤ 20 lines whatever their number); every one is
in dist/warnings.csv and dist/validation.ttl, and printed with -v. The static site is opt-in."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from tripskg.errors import Location, Warning_
from tripskg.publish.findings import IN_FULL, MAX_LINES, findings, findings_csv, summary
from tripskg.validate import Result

from .conftest import ROOT, run_cli

PERIOD = "The activity starts ({}) more than 31 days outside its report's reporting period."
START = "https://w3id.org/tripskg/def/startDay"


def shacl(i: int, message: str = PERIOD, path: str = START) -> Result:
    return Result("Warning", f"data/annex/r{i % 97}.csv:{i + 2}",
                  f"https://w3id.org/tripskg/id/activity/r/{i}", path,
                  message.format(f"20{10 + i % 10}-0{1 + i % 9}-01"), None, None)


def test_many_warnings_of_one_kind_take_a_few_lines() -> None:
    items = findings([], [shacl(i) for i in range(95_840)])
    lines = summary(items)
    assert len(lines) <= MAX_LINES
    assert "95,840 warnings of 1 kind" in lines[0][1]
    assert lines[1] == ("warning", "95,840 × " + PERIOD.format("…") + " [startDay]")
    assert lines[2][1] == "    at data/annex/r0.csv:2, data/annex/r1.csv:3, data/annex/r2.csv:4, …"


def test_many_kinds_still_fit_in_twenty_lines() -> None:
    readers = [Warning_(f"missing field 'f{i % 40}': not found in the cover note",
                        Location(f"data/documents/d{i}.txt")) for i in range(400)]
    results = [shacl(i, f"Check {i % 60} failed ({{}})", f"{START}{i % 60}")
               for i in range(6_000)]
    items = findings(readers, results)
    lines = summary(items, where="out")
    assert len(lines) <= MAX_LINES
    assert lines[0][1].startswith("6,400 warnings of 100 kinds (every one: out/warnings.csv")
    shown = sum(int(t.split(" × ")[0].replace(",", "")) for k, t in lines if " × " in t)
    rest = lines[-1][1]
    assert rest.startswith("… and ") and f"({6_400 - shown:,} warnings)" in rest


def test_few_warnings_and_verbose_are_printed_in_full() -> None:
    few = findings([Warning_("missing field 'reporter'", Location("a.txt"))],
                   [shacl(i) for i in range(IN_FULL - 1)])
    assert [t for _, t in summary(few)] == [f.render() for f in few]
    many = findings([], [shacl(i) for i in range(500)])
    assert len(summary(many, full=True)) == 500


def test_csv_lists_every_finding() -> None:
    items = findings([Warning_("missing field 'x'", Location("d.txt"))],
                     [shacl(i) for i in range(1000)])
    rows = list(csv.DictReader(io.StringIO(findings_csv(items))))
    assert len(rows) == 1001
    assert rows[0] == {"severity": "Warning", "location": "d.txt", "message": "missing field 'x'",
                       "focus": "", "path": "", "source": "read"}
    assert rows[1]["focus"].endswith("/activity/r/0") and rows[1]["path"] == START


@pytest.fixture(scope="module")
def many_warnings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The data of this repository with one annex copied many times over its dates shifted
    out of the report's period: hundreds of SHACL warnings."""
    root = tmp_path_factory.mktemp("warn")
    data = root / "data"
    shutil.copytree(ROOT / "data", data)
    annex = data / "annex" / "eu-2020.csv"
    head, *rows = list(csv.reader(io.StringIO(annex.read_text(encoding="utf-8"))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(
        [head, *([f"{k}-{row[0]}", *row[1:]] for k in range(60) for row in rows)])
    annex.write_text(buf.getvalue(), encoding="utf-8")
    return data, root / "dist"


def test_build_summarises_and_writes_every_warning(many_warnings: tuple[Path, Path]) -> None:
    data, out = many_warnings
    r = run_cli("build", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    printed = [ln for ln in r.stderr.splitlines() if not ln.startswith(("built ", "no static"))]
    assert len(printed) <= MAX_LINES, printed
    rows = list(csv.DictReader((out / "warnings.csv").open(encoding="utf-8")))
    report = ox.Store()
    report.load(path=str(out / "validation.ttl"))
    sh = "http://www.w3.org/ns/shacl#"
    in_ttl = list(report.quads_for_pattern(None, ox.NamedNode(sh + "resultSeverity"), None))
    assert len(rows) > 100 and sum(row["source"] == "shacl" for row in rows) == len(in_ttl)
    assert f"{len(rows):,} warnings of" in r.stderr
    assert "warnings.csv" in (out / "SHA256SUMS").read_text(encoding="utf-8")
    verbose = run_cli("-v", "build", "--data", str(data), "--out", str(out))
    assert sum(ln.startswith("warning: ") for ln in verbose.stderr.splitlines()) == len(rows)


def test_site_is_opt_in(tmp_path: Path) -> None:
    r = run_cli("build", "--out", str(tmp_path / "a"))
    assert r.exit_code == 0 and not (tmp_path / "a" / "site").exists()
    assert "tripskg build --site" in r.stderr
    r = run_cli("build", "--no-site", "--out", str(tmp_path / "b"))  # old scripts still run
    assert r.exit_code == 0 and not (tmp_path / "b" / "site").exists()
    r = run_cli("build", "--site", "--out", str(tmp_path / "c"))
    assert r.exit_code == 0 and (tmp_path / "c" / "site" / "index.html").is_file()
    assert "no static site" not in r.stderr
