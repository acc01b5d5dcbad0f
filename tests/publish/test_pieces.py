"""Dumps put together from pieces (publish/pieces.py): the same bytes as one serialization of
the whole graph, and rebuilds that reuse the last build's pieces, SHACL results and figures
give the same bytes as a clean build."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli, tree_digest
from tests.test_buildcache import build, epoch, first_build, synthetic  # noqa: F401 - fixtures
from tripskg.graphlines import split_owned
from tripskg.iris import IRIs, owned_prefixes, owner_key
from tripskg.oxutil import serialize
from tripskg.prefixes import prefixes
from tripskg.publish.pieces import merge_unique, sorted_prefix_header, union_runs

ROOT = Path(__file__).resolve().parents[2]
PIECES = re.compile(r"(\d+) pieces to write, (\d+) reused")


def members(data: bytes) -> int:
    """Number of gzip members in ``data``."""
    n = 0
    while data:
        d = zlib.decompressobj(31)
        d.decompress(data)
        data = d.unused_data
        n += 1
    return n


def _whole(source: bytes, src: ox.RdfFormat, target: ox.RdfFormat) -> bytes:
    out = serialize(ox.parse(source, format=src), target, prefixes(IRIs()))
    if target == ox.RdfFormat.RDF_XML:
        return out
    end = 0
    while out.startswith(b"@prefix ", end):
        end = out.index(b"\n", end) + 1
    return sorted_prefix_header(prefixes(IRIs())) + out[end:]


@pytest.mark.parametrize("name,source,src,target", [
    ("tripskg.ttl", "tripskg.nt.gz", ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE),
    ("tripskg.rdf", "tripskg.nt.gz", ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML),
    ("tripskg.trig", "tripskg.nq.gz", ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG),
])
def test_pieces_put_together_are_one_serialization_of_the_whole(
        small_dist: Path, name: str, source: str, src: ox.RdfFormat,
        target: ox.RdfFormat) -> None:
    lines = gzip.decompress((small_dist / source).read_bytes())
    assert (small_dist / name).read_bytes() == _whole(lines, src, target)


@pytest.mark.parametrize("name", ["tripskg.nt.gz", "tripskg.nq.gz"])
def test_gzip_dumps_are_series_of_members_read_as_one_stream(
        small_dist: Path, name: str) -> None:
    data = (small_dist / name).read_bytes()
    assert members(data) > 1  # one per piece
    text = gzip.decompress(data)
    assert subprocess.run(["gzip", "-dc"], input=data, capture_output=True,
                          check=True).stdout == text
    lines = text.splitlines(keepends=True)
    assert len(set(lines)) == len(lines)
    if name == "tripskg.nt.gz":  # N-Quads: sorted within each graph, graphs in IRI order
        assert lines == sorted(lines)
    assert len(lines) == len(list(ox.parse(text, format=ox.RdfFormat.N_QUADS)))


def test_reports_own_only_the_subjects_they_mint() -> None:
    iris = IRIs()
    lines = sorted(f"<{iri}> <urn:p> \"x\" .\n".encode() for iri in [
        iris.report("a"), iris.report("a") + "/para/1", iris.activity("a", "1"),
        iris.report("a-2"), iris.activity("a-2", "1"), iris.report("a0"),
        iris.meeting("2024-03-01"), iris.country("KEN")])
    owned, other = split_owned(lines, owned_prefixes(iris, "a"))
    assert [line.split(b" ")[0].decode() for line in owned] == sorted(
        f"<{i}>" for i in (iris.report("a"), iris.report("a") + "/para/1",
                           iris.activity("a", "1")))
    assert sorted(owned + other) == lines
    # owner_key reads the same ownership back from an IRI
    owned_iris = {ln.split(b" ")[0].decode()[1:-1] for ln in owned}
    for ln in lines:
        iri = ln.split(b" ")[0].decode()[1:-1]
        assert (owner_key(iris, iri) == "a") == (iri in owned_iris)


line = st.builds(lambda s, o: f"<urn:s:{s}> <urn:p> \"{o}\" .\n".encode(),
                 st.text("abc/", min_size=1, max_size=4), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(line, max_size=12), min_size=1, max_size=5))
def test_union_runs_cut_the_sorted_union_into_runs_of_one_owner(
        groups: list[list[bytes]]) -> None:
    # owners with disjoint subjects: each subject goes to the first group that has it
    owner_of: dict[bytes, int] = {}
    owners: list[set[bytes]] = [set() for _ in groups]
    for i, g in enumerate(groups):
        for ln in g:
            subject = ln.split(b" ")[0]
            owners[owner_of.setdefault(subject, i)].add(ln)
    sorted_owners = [sorted(o) for o in owners]
    runs = union_runs(sorted_owners)
    assert b"".join(b"".join(sorted_owners[i][a:b]) for i, a, b in runs) == b"".join(
        merge_unique(sorted_owners))
    for (i, _, _), (j, _, _) in zip(runs, runs[1:], strict=False):
        assert i != j  # maximal runs


# ------------------------------------------------------------------------------ rebuilds
def pieces(log: str) -> tuple[int, int]:
    m = PIECES.search(log)
    assert m, log
    return int(m.group(1)), int(m.group(2))


@pytest.mark.slow
def test_rebuild_writes_only_the_changed_reports_pieces(
        synthetic: Path, tmp_path: Path, epoch: None) -> None:  # noqa: F811
    data, out, first, log = first_build(synthetic, tmp_path)
    written, reused = pieces(log)
    assert reused == 0
    annex = sorted((data / "annex").glob("*.csv"))[3]
    annex.write_text(annex.read_text(encoding="utf-8").replace(
        "SYNTHETIC", "SYNTHETIC (edited)", 1), encoding="utf-8")
    log = build(data, out)
    changed, kept = pieces(log)
    assert 0 < changed < written / 4 and kept == written - changed
    # the unchanged reports were not loaded into the store: SHACL ran on a small one
    assert "5 unchanged reports kept out of the store" in log
    build(data, tmp_path / "clean", "--no-cache", "--previous", str(first))
    assert tree_digest(out) == tree_digest(tmp_path / "clean")


@pytest.mark.slow
def test_a_tampered_earlier_build_is_not_copied_from(
        synthetic: Path, tmp_path: Path, epoch: None) -> None:  # noqa: F811
    out = tmp_path / "dist"
    build(synthetic, out)
    clean = tree_digest(out)
    ttl = out.resolve() / "tripskg.ttl"
    ttl.write_bytes(ttl.read_bytes().replace(b"SYNTHETIC", b"TAMPERED", 1))
    log = build(synthetic, out)
    written, _ = pieces(log)
    assert written > 0  # tripskg.ttl was serialized again, not copied
    assert tree_digest(out) == clean


@pytest.mark.slow
def test_rebuild_still_reports_the_warnings_of_unchanged_reports(
        tmp_path: Path, epoch: None) -> None:  # noqa: F811
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    out = tmp_path / "dist"
    first = run_cli("build", "--data", str(data), "--out", str(out), "--no-site")
    assert first.exit_code == 0, first.output
    assert "eu-2020.csv:2: Warning [startDay]" in first.output
    previous = tmp_path / "first"  # the build the next ones follow (docs/releases.md)
    shutil.copytree(out.resolve(), previous)
    register = data / "reports.csv"  # a new title for one report (its register row)
    text = register.read_text(encoding="utf-8")
    row = next(r for r in text.splitlines() if r.startswith("canada-2019,"))
    register.write_text(text.replace(row, row.replace(",Canada,,", ",Canada,Edited title,", 1)),
                        encoding="utf-8")
    second = run_cli("-v", "build", "--data", str(data), "--out", str(out), "--no-site")
    assert second.exit_code == 0, second.output
    assert "read canada-2019" in second.output and "read eu-2020" not in second.output
    assert "eu-2020.csv:2: Warning [startDay]" in second.output  # from the build cache
    clean = run_cli("build", "--data", str(data), "--out", str(tmp_path / "clean"),
                    "--no-site", "--no-cache", "--previous", str(previous))
    assert tree_digest(out) == tree_digest(tmp_path / "clean")
    assert second.output.count("Warning [") == clean.output.count("Warning [")


@settings(max_examples=200, deadline=None)
@given(st.lists(line, max_size=30, unique=True),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=4))
def test_lines_view_behaves_like_the_list_of_lines(
        lines: list[bytes], cuts: list[tuple[int, int]]) -> None:
    from bisect import bisect_left

    from tripskg.graphlines import Lines, line_offsets

    lines = sorted(lines)
    view = Lines(b"".join(lines), line_offsets(lines))
    assert len(view) == len(lines) and list(view) == lines
    assert [view[i] for i in range(-len(lines), len(lines))] == lines + lines
    ranges = sorted((min(a, b), max(a, b)) for a, b in cuts)
    ranges = [(a, b) for i, (a, b) in enumerate(ranges)
              if all(b <= c for c, _ in ranges[i + 1:])]  # disjoint, in order
    expected = [x for a, b in ranges for x in lines[a:b]]
    sub = view.select(ranges)
    assert list(sub) == expected and len(sub) == len(expected)
    for a in range(len(expected) + 1):
        assert sub[a:] == expected[a:] and sub[:a] == expected[:a]
    for probe in lines + [b"<urn:s:", b"<urn:s:~"]:
        assert bisect_left(sub, probe) == bisect_left(expected, probe)
    owned_view, other_view = split_owned(view, [b"<urn:s:a"])
    owned_list, other_list = split_owned(lines, [b"<urn:s:a"])
    assert list(owned_view) == owned_list and list(other_view) == other_list


def test_void_figures_combined_per_graph_equal_those_of_the_whole_store() -> None:
    """publish sums each report's figures for the subjects it owns and adds the shared lines'
    (Council meetings are named by several reports): the same as counting on the union."""
    from tripskg.build import build_graph
    from tripskg.publish import graph_sources
    from tripskg.publish.jsonld import context
    from tripskg.publish.pieces import plan_dumps
    from tripskg.publish.void import LineStats, combine_counts, dataset_counts, graph_stats

    result = build_graph(ROOT / "data")
    iris, store = result.iris, result.store
    plan = plan_dumps(graph_sources(result, keyed=False), iris, prefixes(iris),
                      context(iris, store), keyed=False)
    # Council meetings are described once, in graph/shared, not in the report graphs
    assert not any(plan.others.values())
    assert any(b"/id/meeting/" in line for line in plan.shared)
    combined = combine_counts(
        graph_stats(store, iris),
        {g: LineStats.of(lines, iris.base) for g, lines in plan.others.items()},
        LineStats.of(plan.shared, iris.base))
    assert combined == dataset_counts(store, iris)
    assert combined.triples == plan.union_triples


@pytest.mark.slow
def test_rebuild_validates_every_report_again_when_shared_subjects_change(
        synthetic: Path, tmp_path: Path, epoch: None) -> None:  # noqa: F811
    """A report that now names another Council meeting changes the lines about shared
    subjects: cached SHACL results could depend on them, so every report is checked again."""
    data, out, first, _ = first_build(synthetic, tmp_path)
    when = re.compile(r"(meeting\D{0,40}?)(\d{1,2})( (?:and \d{1,2} )?[A-Z][a-z]+ \d{4})")
    note = next(p for p in sorted((data / "documents").glob("*.txt"))
                if when.search(p.read_text(encoding="utf-8")))
    text = note.read_text(encoding="utf-8")
    note.write_text(when.sub(lambda m: f"{m[1]}{int(m[2]) % 27 + 1}{m[3]}", text, count=1),
                    encoding="utf-8")
    log = build(data, out)
    assert f"read {note.stem}" in log and "kept out of the store" not in log
    _, reused = pieces(log)
    assert reused > 0  # the unchanged reports' dump pieces are still copied
    build(data, tmp_path / "clean", "--no-cache", "--previous", str(first))
    assert tree_digest(out) == tree_digest(tmp_path / "clean")
