"""Versions, ``tripskg diff`` and the Atom feeds, on real builds of a small data folder."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pyoxigraph as ox
import pytest

from tripskg.releases.feeds import ATOM

from ..conftest import MINIMAL_NOTE, make_data, run_cli, tree_digest

BASE = "https://w3id.org/tripskg/"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
ADMS = "http://www.w3.org/ns/adms#"
HEADER = "id,title,description,start_date,end_date,beneficiaries,policy_areas\n"
ROWS = [
    "1,Workshop on patents,Two days on examination,2025-03-14,,Kenya,health\n",
    "2,Seminar on trademarks,For examiners,2025-04-02,,Ghana; Kenya,\n",
    "3,Course on copyright,Online course,2025-05-20,,Cambodia,education\n",
    "4,Study visit,Office visit,2025-06-11,,Cambodia,\n",
    "5,Roundtable on GIs,Regional meeting,2025-07-01,,Senegal,agriculture\n",
    "6,Workshop on enforcement,Customs officers,2025-08-19,,Senegal,enforcement\n",
]
SEC = "who-2025"


def write_annex(data: Path, rows: list[str]) -> None:
    (data / "annex" / f"{SEC}.csv").write_text(HEADER + "".join(rows), encoding="utf-8")


def build(root: Path, *extra: str) -> None:
    result = run_cli("-q", "build", "--data", "data", "--out", "dist", "--no-site",
                     "--no-cache", *extra, cwd=root)
    assert result.exit_code == 0, result.output


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    data = make_data(tmp_path, notes={SEC: MINIMAL_NOTE})
    write_annex(data, ROWS)
    return tmp_path


def release(dist: Path) -> dict[str, str]:
    return json.loads((dist / "release.json").read_text(encoding="utf-8"))


def void_values(dist: Path, subject: str, predicate: str) -> list[str]:
    store = ox.Store()
    store.load((dist / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    return sorted(q.object.value for q in store.quads_for_pattern(   # type: ignore[union-attr]
        ox.NamedNode(subject), ox.NamedNode(predicate), None))


def test_first_build_has_a_version(root: Path) -> None:
    build(root)
    dist = root / "dist"
    r = release(dist)
    assert r["issued"] == "2026-01-01"
    nq = (dist / "tripskg.nq.gz").read_bytes()
    import hashlib

    assert r["digest"] == hashlib.sha256(nq).hexdigest()
    assert r["version"] == "2026-01-01." + r["digest"][:8]
    assert r["previous"] is None
    dataset = BASE + "dataset"
    assert void_values(dist, dataset, DCAT + "version") == [r["version"]]
    assert void_values(dist, dataset, DCT + "issued") == ["2026-01-01"]
    assert void_values(dist, dataset, DCAT + "previousVersion") == []
    assert void_values(dist, dataset, ADMS + "versionNotes") == [
        "First version: 1 report, 6 activities."]
    version = f"{dataset}/version/{r['version']}"
    assert void_values(dist, dataset, DCAT + "hasCurrentVersion") == [version]
    urls = void_values(dist, f"{version}/distribution/tripskg.ttl", DCAT + "downloadURL")
    assert urls == [f"{BASE}downloads/versions/{r['version']}/tripskg.ttl"]
    # the versioned files are the latest ones (hard links), listed in SHA256SUMS
    folder = dist / "versions" / r["version"]
    assert (folder / "tripskg.ttl").read_bytes() == (dist / "tripskg.ttl").read_bytes()
    sums = (dist / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"  versions/{r['version']}/tripskg.nq.gz\n" in sums


def test_rebuild_over_the_same_data_changes_no_byte(root: Path) -> None:
    build(root)
    before = tree_digest(root / "dist")
    build(root)
    assert tree_digest(root / "dist") == before


def test_edited_row_diff_names_that_activity_and_property(root: Path) -> None:
    build(root)
    first = release(root / "dist")
    rows = list(ROWS)
    rows[1] = rows[1].replace("For examiners", "For trademark examiners")
    write_annex(root / "data", rows)
    build(root)
    dist = root / "dist"
    second = release(dist)
    assert second["previous"] == first["version"] != second["version"]
    assert second["notes"] == f"Changes since version {first['version']}: 1 activity changed."
    old = dist / "versions" / first["version"]  # the earlier version is kept in dist/
    assert release(old) == first

    result = run_cli("diff", "--format", "csv", str(old), str(dist))
    assert result.exit_code == 1
    rows_out = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["status"], r["kind"], r["iri"], r["property"], r["old"], r["new"])
            for r in rows_out] == [
        ("changed", "activity", f"{BASE}id/activity/{SEC}/2", "dct:description",
         "For examiners", "For trademark examiners")]

    text = run_cli("diff", str(old), str(dist))
    assert text.exit_code == 1
    assert "1 activity changed" in text.stdout
    assert (f'changed activity activity/{SEC}/2 "Seminar on trademarks" (report report/{SEC})'
            ": dct:description") in text.stdout

    dataset = BASE + "dataset"
    assert void_values(dist, dataset, DCAT + "previousVersion") == [
        f"{dataset}/version/{first['version']}"]
    assert void_values(dist, dataset, ADMS + "versionNotes") == [second["notes"]]


def nt_lines(dist: Path) -> set[bytes]:
    return set(gzip.decompress((dist / "tripskg.nt.gz").read_bytes()).splitlines(keepends=True))


def test_rdf_patch_turns_the_old_dump_into_the_new(root: Path, tmp_path: Path) -> None:
    build(root)
    old = tmp_path / "old"
    old.mkdir()
    for f in (root / "dist").iterdir():
        if f.is_file():
            (old / f.name).write_bytes(f.read_bytes())
    rows = [r for r in ROWS if not r.startswith("3,")]
    rows.append("7,New workshop,Added row,2025-09-09,,Peru,\n")
    rows[0] = rows[0].replace("Kenya", "Uganda")
    write_annex(root / "data", rows)
    build(root)
    result = run_cli("diff", "--format", "rdf", str(old), str(root / "dist"))
    assert result.exit_code == 1
    lines = result.stdout_bytes.splitlines(keepends=True)
    assert lines[0].startswith(b"H id <") and b"TX .\n" in lines and lines[-1] == b"TC .\n"
    state = nt_lines(old)
    for line in lines:
        if line.startswith(b"D "):
            state.remove(line[2:])
        elif line.startswith(b"A "):
            state.add(line[2:])
    assert state == nt_lines(root / "dist")
    text = run_cli("diff", str(old), str(root / "dist")).stdout
    assert f"added activity activity/{SEC}/7" in text
    assert f"removed activity activity/{SEC}/3" in text
    assert f"changed activity activity/{SEC}/1" in text
    # rows below the removed one have another row number: moved, not changed
    assert f"moved activity activity/{SEC}/4" in text
    assert "1 activity added, 1 activity removed, 1 activity changed, 3 activities moved" in text
    feed = parse(root / "dist" / "feeds" / "all.atom")
    version = f"{BASE}dataset/version/{release(root / 'dist')['version']}"
    assert sorted(e.id for e in feed.entries if e.id.startswith(version)) == [
        f"{version}#id/activity/{SEC}/1", f"{version}#id/activity/{SEC}/7"]


def test_diff_equal_and_errors(root: Path, tmp_path: Path) -> None:
    build(root)
    same = run_cli("diff", str(root / "dist"), str(root / "dist"))
    assert same.exit_code == 0
    assert "no differences" in same.stdout
    missing = run_cli("diff", str(root / "dist"), str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert "is not a folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = run_cli("diff", str(root / "dist"), str(tmp_path / "empty"))
    assert empty.exit_code == 2
    assert "has no tripskg.nt.gz" in empty.stderr


def test_diff_warns_when_a_reporter_loses_many_activities(root: Path, tmp_path: Path
                                                          ) -> None:
    build(root)
    first = release(root / "dist")["version"]
    write_annex(root / "data", ROWS[:1])
    built = run_cli("build", "--data", "data", "--out", "dist", "--no-site", "--no-cache",
                    cwd=root)
    assert "warning: org/who loses 5 of its 6 activities (6 -> 1)" in built.stderr
    result = run_cli("diff", str(root / "dist" / "versions" / first), str(root / "dist"))
    assert result.exit_code == 1
    assert "warning: org/who loses 5 of its 6 activities (6 -> 1)" in result.stderr
    quiet = run_cli("diff", "--warn-loss", "6", str(root / "dist" / "versions" / first),
                    str(root / "dist"))
    assert "loses" not in quiet.stderr


def test_explicit_version_and_bad_options(root: Path) -> None:
    build(root, "--data-version", "2026.1", "--issued", "2026-02-03")
    r = release(root / "dist")
    assert (r["version"], r["issued"]) == ("2026.1", "2026-02-03")
    for args, message in ((("--issued", "2026-02-30"), "not a YYYY-MM-DD date"),
                          (("--data-version", "../x"), "cannot be a path segment")):
        bad = run_cli("build", "--data", "data", "--out", "dist", *args, cwd=root)
        assert bad.exit_code == 2
        assert message in bad.stderr


# --------------------------------------------------------------------------- feeds
def parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def rfc4287(path: Path) -> None:
    """The RFC 4287 musts: atom:feed has one id, title, updated, an author (or every entry
    has), a self link; every entry one id, title, updated and an alternate link."""
    root = ET.parse(path).getroot()
    ns = {"a": ATOM}
    assert root.tag == f"{{{ATOM}}}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"a:{tag}", ns)) == 1, tag
    assert root.find("a:author/a:name", ns) is not None
    assert root.find("a:link[@rel='self']", ns) is not None
    for entry in root.findall("a:entry", ns):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"a:{tag}", ns)) == 1, tag
        assert entry.find("a:link[@rel='alternate']", ns) is not None


def test_first_build_feeds_list_the_latest_activities(root: Path) -> None:
    build(root)
    feeds = root / "dist" / "feeds"
    names = sorted(p.relative_to(feeds).as_posix() for p in feeds.rglob("*.atom"))
    assert names == ["all.atom", "country/GHA.atom",
                     "country/KEN.atom", "country/KHM.atom", "country/SEN.atom",
                     "policy-area/agriculture.atom", "policy-area/education.atom",
                     "policy-area/enforcement.atom", "policy-area/health.atom",
                     "reporter/org/who.atom"]
    for p in feeds.rglob("*.atom"):
        rfc4287(p)
        parse(p)
    khm = parse(feeds / "country" / "KHM.atom")
    assert khm.feed.id == f"{BASE}feeds/country/KHM.atom"
    assert khm.feed.updated == "2026-01-01T00:00:00Z"
    assert khm.feed.author == "tripskg contributors"
    assert khm.feed.link == f"{BASE}id/country/KHM"
    # latest start first
    assert [e.link for e in khm.entries] == [f"{BASE}id/activity/{SEC}/4",
                                             f"{BASE}id/activity/{SEC}/3"]
    assert [e.title for e in khm.entries] == ["Study visit", "Course on copyright"]
    assert len(parse(feeds / "all.atom").entries) == 6


def test_feeds_get_entries_for_new_and_changed_activities(root: Path) -> None:
    build(root)
    rows = list(ROWS)
    rows[2] = rows[2].replace("Online course", "Online course (revised)")
    rows.append("7,Workshop on designs,New row,2025-09-09,,Cambodia,\n")
    write_annex(root / "data", rows)
    build(root)
    r = release(root / "dist")
    khm = parse(root / "dist" / "feeds" / "country" / "KHM.atom")
    version = f"{BASE}dataset/version/{r['version']}"
    fresh = [(e.id, e.tags[0].term) for e in khm.entries if e.id.startswith(version)]
    assert fresh == [(f"{version}#id/activity/{SEC}/7", "new"),
                     (f"{version}#id/activity/{SEC}/3", "changed")]
    assert "Changed: dct:description." in khm.entries[1].summary
    # the first build's entries are kept after the new ones
    assert len(khm.entries) == 4
    # a feed nothing new concerns keeps its entries unchanged
    sen = parse(root / "dist" / "feeds" / "country" / "SEN.atom")
    assert all(not e.id.startswith(version) for e in sen.entries)
    assert len(sen.entries) == 2


def test_void_shapes_check_the_version(root: Path) -> None:
    from tripskg.publish.void import validate_void

    build(root)
    triples = list(ox.parse((root / "dist" / "void.ttl").read_bytes(),
                            format=ox.RdfFormat.TURTLE))
    assert validate_void(triples) == []
    no_date = [t for t in triples if t.predicate.value != DCT + "issued"]
    assert any(p.endswith("One dct:issued, an xsd:date.") for p in validate_void(no_date))
    no_version = [t for t in triples if t.predicate.value != DCAT + "version"]
    assert any("The dataset has a version" in p for p in validate_void(no_version))


def test_a_build_for_another_base_starts_a_new_version_line(root: Path) -> None:
    build(root)
    build(root, "--base", "https://example.org/kg/")
    r = release(root / "dist")
    assert r["previous"] is None and r["notes"].startswith("First version")
    assert [p.name for p in (root / "dist" / "versions").iterdir()] == [r["version"]]
