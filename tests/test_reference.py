"""Reference data integrity (data/reference/*.csv) and that every Turtle file parses."""

from __future__ import annotations

import csv
import subprocess
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from tripskg.errors import fold
from tripskg.ingest.dates import parse_date
from tripskg.reference import load_reference

from .conftest import ROOT

REF = ROOT / "data" / "reference"


def rows(name: str) -> list[dict[str, str]]:
    with (REF / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(("name", "key"), [
    ("countries.csv", "alpha3"), ("regions.csv", "m49"), ("wto_members.csv", "key"),
    ("groups.csv", "key"), ("organizations.csv", "key"), ("treaties.csv", "key"),
    ("frameworks.csv", "key"),
])
def test_keys_are_unique_and_every_row_cites_a_source(name: str, key: str) -> None:
    data = rows(name)
    keys = [r[key] for r in data]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert all(keys), f"{name}: empty {key}"
    if "source" in data[0]:
        assert [r[key] for r in data if not r["source"].strip()] == []
    assert (REF / "SOURCES.md").read_text(encoding="utf-8").count(name) >= 1, \
        f"{name} must be cited in SOURCES.md"


def test_country_codes_are_unique_and_well_formed() -> None:
    data = rows("countries.csv")
    assert len(data) == 249  # ISO 3166-1
    for col, length in (("alpha2", 2), ("alpha3", 3), ("numeric", 3)):
        values = [r[col] for r in data]
        assert len(set(values)) == len(values), col
        assert all(len(v) == length for v in values), col
    owners: dict[str, set[str]] = {}
    for r in data:
        for n in [r["name_en"], r["name_fr"], r["name_es"], *r["alt_names"].split(";")]:
            if n:
                owners.setdefault(fold(n), set()).add(r["alpha3"])
    assert {n: c for n, c in owners.items() if len(c) > 1} == {}, "a name of two countries"


def test_every_wto_member_resolves_to_a_country_or_customs_territory() -> None:
    countries = {r["alpha3"] for r in rows("countries.csv")}
    members = [r for r in rows("wto_members.csv") if r["status"] == "member"]
    assert len(members) == 166
    assert [r["key"] for r in members if r["key"] not in countries and r["key"] != "EU"] == []
    ref = load_reference()
    for r in members:
        iri = ref.resolve(r["wto_name"], ("country", "member"), "WTO Member")
        assert iri.endswith("/" + r["key"]), (r["wto_name"], iri)
        assert parse_date(r["date"]).precision == "day", r
    assert ref.resolve("Kyrgyz Republic", ("country",), "country").endswith("/KGZ")
    assert ref.resolve("Chinese Taipei", ("country",), "country").endswith("/TWN")


def test_ldc_dates_are_ordered_and_graduations_known() -> None:
    ldc = {r["member"]: r for r in rows("group_members.csv") if r["group"] == "ldc"}
    for code, r in ldc.items():
        start = parse_date(r["start_date"]) if r["start_date"] else None
        end = parse_date(r["end_date"]) if r["end_date"] else None
        if start and end:
            assert start.first_day() <= end.last_day(), code
    current = [c for c, r in ldc.items() if not r["end_date"]]
    assert len(current) == 44
    assert ldc["BTN"]["end_date"] == "2023-12-13"
    assert ldc["STP"]["end_date"] == "2024-12-13"


def test_group_members_and_parties_resolve() -> None:
    countries = {r["alpha3"] for r in rows("countries.csv")}
    groups = {r["key"] for r in rows("groups.csv")}
    orgs = {r["key"] for r in rows("organizations.csv")}
    for r in rows("group_members.csv"):
        assert r["group"] in groups and r["member"] in countries, r
    for r in rows("treaties.csv"):
        assert not r["administered_by"] or r["administered_by"] in orgs, r
        assert not r["adopted"] or parse_date(r["adopted"]).precision == "day", r
    for r in rows("frameworks.csv"):
        assert all(p in orgs for p in r["parties"].split(";") if p), r
    regions = {r["m49"] for r in rows("regions.csv")}
    assert all(not r["m49_subregion"] or r["m49_subregion"] in regions
               for r in rows("countries.csv"))
    assert all(not r["parent_m49"] or r["parent_m49"] in regions for r in rows("regions.csv"))


def tracked_turtle() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.ttl"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return [ROOT / p for p in out]


def test_every_turtle_file_in_the_repository_parses() -> None:
    files = tracked_turtle()
    assert len(files) > 100
    for path in files:
        with path.open("rb") as fh:
            try:
                list(ox.parse(fh, ox.RdfFormat.TURTLE, base_iri="https://w3id.org/tripskg/"))
            except SyntaxError as e:
                raise AssertionError(f"{path.relative_to(ROOT)}: {e}") from None
