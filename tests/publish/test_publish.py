"""Publishing: the files of dist/, their round trip, reproducibility and atomicity.

Builds are shared: one session fixture runs four `tripskg build` subprocesses in parallel on a
small data folder (the seed cover note with the example annex as its annex): two with SOURCE_DATE_EPOCH unset
and two with it set, each with a different PYTHONHASHSEED. The kill -9 tests also run their
builds in parallel. Golden files (tests/data/golden/) hold the outputs of a tiny hand-made
store; regenerate them with TRIPSKG_UPDATE_GOLDEN=1 after an intended change.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import ROOT, SEED, make_data, run_cli
from tripskg.build import BuildResult, build_graph
from tripskg.iris import IRIs
from tripskg.publish import DUMPS, PAUSE_ENV, PAUSE_STEPS, publish
from tripskg.publish.jsonld import context
from tripskg.publish.ontodoc import render_ontology_html
from tripskg.publish.void import Options, validate_void, void_triples
from tripskg.validate import Validation
from tripskg.vocab import DCAT, DCT, RDF, RDFS, SPDX, VOID, XSD

GOLDEN = ROOT / "tests" / "data" / "golden"
TRIPSKG = str(Path(sys.executable).with_name("tripskg"))
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
INPUT_MTIME = 1750000000  # 2025-06-15T15:06:40Z
RAPPER = shutil.which("rapper")
FORMAT_NAMES = {
    "tripskg.ttl": "turtle", "tripskg.nt.gz": "nt", "tripskg.trig": "trig",
    "tripskg.nq.gz": "nquads", "tripskg.jsonld": "json-ld", "tripskg.rdf": "xml",
}


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publish-data")
    data = make_data(root, notes={SEED.stem: SEED.read_text(encoding="utf-8")},
                     annexes={f"{SEED.stem}.csv": ROOT / "data" / "examples" / "example-annex.csv"})
    for p in data.rglob("*"):
        if p.is_file():
            os.utime(p, (INPUT_MTIME, INPUT_MTIME))
    return data


def build_env(epoch: str | None, seed: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", PAUSE_ENV)}
    env["PYTHONHASHSEED"] = str(seed)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    env.update(extra)
    return env


def start_build(data: Path, out: Path, env: dict[str, str], log: Path,
                *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [TRIPSKG, "--quiet", "build", "--data", str(data), "--out", str(out), *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), cwd=out.parent,
    )


@dataclass
class Builds:
    root: Path
    data: Path

    def dist(self, name: str) -> Path:
        return self.root / name / "dist"


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Builds:
    root = tmp_path_factory.mktemp("publish-builds")
    runs = {"a": (None, 1), "b": (None, 2), "c": (EPOCH, 3), "d": (EPOCH, 4)}
    procs = {}
    for name, (epoch, seed) in runs.items():
        (root / name).mkdir()
        procs[name] = start_build(data_dir, root / name / "dist", build_env(epoch, seed),
                                  root / f"{name}.log")
    for name, proc in procs.items():
        assert proc.wait(timeout=600) == 0, (root / f"{name}.log").read_text()
    return Builds(root, data_dir)


@pytest.fixture(scope="session")
def dist(builds: Builds) -> Path:
    return builds.dist("a")


@pytest.fixture(scope="session")
def built_store(data_dir: Path) -> ox.Store:
    """The graph the build publishes (same inputs, built in-process)."""
    return build_graph(data_dir).store


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def nt_lines(items) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(t) for t in items}


# ------------------------------------------------------------------------------ the files
@pytest.mark.slow
def test_dist_holds_every_file(dist: Path) -> None:
    names = set(files_of(dist))
    expected = {*DUMPS, "context.jsonld", "void.ttl", "validation.ttl", "build.json",
                "SHA256SUMS", "ontology/index.html", "ontology/tripskg.ttl"}
    assert expected <= names
    vocab = {f"ontology/vocab/{p.name}" for p in (ROOT / "ontology" / "vocab").glob("*.ttl")}
    assert vocab <= names
    assert dist.is_symlink() and dist.resolve().parent.name == "dist.builds"
    assert {p.name for p in dist.parent.iterdir()} == {"dist", "dist.builds", "dist.cache"}
    assert sorted(p.name for p in (dist.parent / "dist.builds").iterdir() if p.is_dir()) == [
        dist.resolve().name, dist.resolve().name + ".store"]  # the build and its query store


@pytest.mark.slow
def test_sha256sums_verify_with_sha256sum(dist: Path) -> None:
    proc = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=dist,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = {line.split("  ", 1)[1] for line in (dist / "SHA256SUMS").read_text().splitlines()}
    assert listed == set(files_of(dist)) - {"SHA256SUMS"}


@pytest.mark.slow
def test_gzip_dumps_have_no_timestamp(dist: Path) -> None:
    for name in ("tripskg.nt.gz", "tripskg.nq.gz"):
        head = (dist / name).read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b" and head[4:8] == b"\0\0\0\0", name


@pytest.mark.slow
def test_build_json(dist: Path, built_store: ox.Store) -> None:
    record = json.loads((dist / "build.json").read_text())
    assert record["counts"]["quads"] == len(built_store)
    assert record["counts"]["violations"] == 0
    assert record["built"] == "2025-06-15T15:06:40Z"  # newest input, not the clock


# ------------------------------------------------------------------------------ round trip
def parse_ox(path: Path) -> list[ox.Quad] | list[ox.Triple]:
    name = path.name
    fmt, _ = DUMPS[name]
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return list(ox.parse(data, format=fmt))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DUMPS))
def test_dump_round_trips_with_pyoxigraph(dist: Path, built_store: ox.Store, name: str) -> None:
    assert not any(isinstance(t, ox.BlankNode) for q in built_store for t in q)  # MODEL.md
    parsed = parse_ox(dist / name)
    if DUMPS[name][1]:
        assert nt_lines(parsed) == nt_lines(built_store)
        assert len(parsed) == len(built_store)
    else:
        assert nt_lines(parsed) == nt_lines(q.triple for q in built_store)


def rdflib_expected(store: ox.Store, quads: bool) -> rdflib.Graph | rdflib.Dataset:
    if quads:
        ds = rdflib.Dataset()
        ds.parse(data=ox.serialize(store, format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
        return ds
    return rdflib.Graph().parse(
        data=ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES).decode(),
        format="nt")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DUMPS))
def test_dump_round_trips_with_rdflib(dist: Path, built_store: ox.Store, name: str) -> None:
    path = dist / name
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    quads = DUMPS[name][1]
    expected = rdflib_expected(built_store, quads)
    if quads:
        got = rdflib.Dataset()
        got.parse(data=data, format=FORMAT_NAMES[name])
        exp_graphs = {str(g.identifier): g for g in expected.graphs() if len(g)}
        got_graphs = {str(g.identifier): g for g in got.graphs() if len(g)}
        assert exp_graphs.keys() == got_graphs.keys()
        for iri, g in exp_graphs.items():
            assert isomorphic(g, got_graphs[iri]), iri
    else:
        got = rdflib.Graph().parse(data=data, format=FORMAT_NAMES[name])
        assert len(got) == len(expected)
        assert isomorphic(got, expected)


@pytest.mark.slow
@pytest.mark.skipif(RAPPER is None, reason="rapper (raptor2-utils) not installed: make system-deps")
@pytest.mark.parametrize(("name", "syntax"), [
    ("tripskg.ttl", "turtle"), ("tripskg.rdf", "rdfxml"), ("tripskg.trig", "trig"),
    ("void.ttl", "turtle"), ("ontology/tripskg.ttl", "turtle"), ("validation.ttl", "turtle"),
])
def test_independent_parser_rapper(dist: Path, built_store: ox.Store, name: str,
                                   syntax: str) -> None:
    proc = subprocess.run([RAPPER, "-i", syntax, "-c", str(dist / name)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr
    if name in ("tripskg.ttl", "tripskg.rdf"):
        n = len({q.triple for q in built_store})
        assert f"returned {n} triples" in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------ JSON-LD
@pytest.mark.slow
def test_jsonld_is_compacted_one_object_per_graph(dist: Path, built_store: ox.Store) -> None:
    doc = json.loads((dist / "tripskg.jsonld").read_text())
    published = json.loads((dist / "context.jsonld").read_text())
    assert doc["@context"] == published["@context"]
    graphs = sorted({q.graph_name.value for q in built_store})
    ctx = doc["@context"]
    assert [ctx["graph"] + g["@id"].removeprefix("graph:") for g in doc["@graph"]] == graphs
    # every tkg property of the ontology has a term, and terms are used as keys
    props = {q.subject.value for q in built_store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), None, ox.NamedNode(IRIs().graph("ontology")))
        if q.object.value.endswith(("ObjectProperty", "DatatypeProperty"))}
    for iri in props:
        assert ctx[iri.rsplit("/", 1)[1]]["@id"] == "tkg:" + iri.rsplit("/", 1)[1]
    report = next(g for g in doc["@graph"] if g["@id"].startswith("graph:report/"))
    node = next(n for n in report["@graph"] if n.get("@type") == "tkg:Report")
    assert node["reporter"] == "organization:wipo"
    assert node["dataKind"] == "dk:real"
    assert isinstance(node["communicationDate"], str)


# ------------------------------------------------------------------------------ VoID / DCAT
def void_graph(dist: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dist / "void.ttl", format="turtle")


@pytest.mark.slow
def test_void_conforms_to_its_shapes(dist: Path) -> None:
    triples = list(ox.parse((dist / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    assert validate_void(triples) == []
    assert not any(isinstance(t, ox.BlankNode) for tr in triples for t in tr)


@pytest.mark.slow
def test_void_shapes_catch_a_broken_description(dist: Path) -> None:
    triples = [t for t in ox.parse((dist / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
               if t.predicate.value not in (DCAT + "byteSize", DCT + "license")]
    problems = validate_void(triples)
    assert any("byteSize" in p for p in problems) and any("license" in p for p in problems)


@pytest.mark.slow
def test_void_counts_sizes_and_checksums(dist: Path, built_store: ox.Store) -> None:
    g = void_graph(dist)
    V, D = rdflib.Namespace(VOID), rdflib.Namespace(DCAT)  # noqa: N806
    ds = rdflib.URIRef(IRIs().dataset)
    assert int(g.value(ds, V.triples)) == len({q.triple for q in built_store})
    subsets = list(g.objects(ds, V.subset))
    graphs = {q.graph_name.value for q in built_store}
    assert len(subsets) == len(graphs)
    assert sum(int(g.value(s, V.triples)) for s in subsets) == len(built_store)
    # class partition of tkg:Activity counts the activities
    acts = {q.subject for q in built_store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(IRIs().tkg + "Activity"))}
    part = next(p for p in g.objects(ds, V.classPartition)
                if g.value(p, V["class"]) == rdflib.URIRef(IRIs().tkg + "Activity"))
    assert int(g.value(part, V.entities)) == len(acts) == 4
    label_part = next(p for p in g.objects(ds, V.propertyPartition)
                      if g.value(p, V.property) == rdflib.RDFS.label)
    assert int(g.value(label_part, V.triples)) == len(
        {q.triple for q in built_store.quads_for_pattern(None, ox.NamedNode(RDFS + "label"), None)})
    dists = list(g.objects(ds, D.distribution))
    assert len(dists) == len(DUMPS)
    sums = dict(reversed(line.split("  ", 1))
                for line in (dist / "SHA256SUMS").read_text().splitlines())
    for d in dists:
        url = str(g.value(d, D.downloadURL))
        name = url.rsplit("/", 1)[1]
        assert url == f"{IRIs().base}downloads/{name}"
        assert int(g.value(d, D.byteSize)) == (dist / name).stat().st_size
        assert g.value(d, D.byteSize).datatype == rdflib.URIRef(XSD + "nonNegativeInteger")
        checksum = g.value(d, rdflib.URIRef(SPDX + "checksum"))
        assert isinstance(checksum, rdflib.URIRef)
        assert str(g.value(checksum, rdflib.URIRef(SPDX + "checksumValue"))) == sums[name]
        assert str(g.value(d, D.mediaType)).startswith("http://www.iana.org/assignments/")
    assert g.value(ds, V.sparqlEndpoint) == rdflib.URIRef(IRIs().base + "sparql")
    text = (dist / "void.ttl").read_text()
    assert 'dct:modified "2025-06-15T15:06:40Z"^^xsd:dateTime' in text  # newest input mtime
    assert g.value(ds, rdflib.URIRef(DCT + "license")) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert rdflib.URIRef(IRIs().tkg) in set(g.objects(ds, V.vocabulary))


def test_void_endpoint_and_download_base_are_configurable(built_store: ox.Store) -> None:
    from tripskg.publish.void import Distribution

    triples = void_triples(built_store, IRIs(), [Distribution("tripskg.ttl", 10, "0" * 64)], 0,
                           Options("https://sparql.example.org/q", "https://dl.example.org/x"))
    objs = {(t.predicate.value, t.object.value) for t in triples}
    assert (VOID + "sparqlEndpoint", "https://sparql.example.org/q") in objs
    assert (DCAT + "downloadURL", "https://dl.example.org/x/tripskg.ttl") in objs
    assert (DCT + "modified", "1970-01-01T00:00:00Z") in objs


# ------------------------------------------------------------------------------ ontology docs
class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.slow
def test_ontology_docs(dist: Path, built_store: ox.Store) -> None:
    html = (dist / "ontology" / "index.html").read_text()
    parser = Anchors()
    parser.feed(html)
    assert len(parser.ids) == len(set(parser.ids)), "duplicate anchors"
    missing = [h for h in parser.hrefs if h.startswith("#") and h[1:] not in parser.ids]
    assert not missing
    for anchor in ("Activity", "Report", "reporter", "communicationDate", "mode",
                   "scheme-mode", "mode-online", "scheme-policy-area"):
        assert anchor in parser.ids, anchor
    text = " ".join(parser.text)
    assert "rapport sur la coopération technique" in text  # fr label
    assert "informe sobre la cooperación técnica" in text  # es label
    assert "Domain" in text and "Range" in text
    for href in ("tripskg.ttl", "vocab/mode.ttl"):
        assert href in parser.hrefs and (dist / "ontology" / href).is_file()
    # every concept of the vocabularies has an anchor
    concepts = {q.subject.value for q in built_store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept"))}
    assert len([i for i in parser.ids if "-" in i and not i.startswith("scheme-")]) >= len(
        concepts)


def test_ontology_docs_escape_text() -> None:
    iris = IRIs()
    store = ox.Store()
    g = ox.NamedNode(iris.graph("ontology"))
    c = ox.NamedNode(iris.tkg + "Evil")
    store.add(ox.Quad(c, ox.NamedNode(RDF + "type"),
                      ox.NamedNode("http://www.w3.org/2002/07/owl#Class"), g))
    store.add(ox.Quad(c, ox.NamedNode(RDFS + "label"),
                      ox.Literal("<script>alert(1)</script>", language="en"), g))
    store.add(ox.Quad(c, ox.NamedNode(RDFS + "comment"), ox.Literal('a "quote" & <b>'), g))
    html = render_ontology_html(store, iris)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;" in html and "&amp;" in html


# ------------------------------------------------------------------------------ reproducible
@pytest.mark.slow
def test_reproducible_without_source_date_epoch(builds: Builds) -> None:
    a, b = files_of(builds.dist("a")), files_of(builds.dist("b"))
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


@pytest.mark.slow
def test_reproducible_with_source_date_epoch(builds: Builds) -> None:
    c, d = files_of(builds.dist("c")), files_of(builds.dist("d"))
    assert c.keys() == d.keys()
    assert [k for k in c if c[k] != d[k]] == []
    assert "2026-01-01T00:00:00Z" in c["void.ttl"].decode()
    # only the files that carry the date differ from the build without SOURCE_DATE_EPOCH
    # (and those named or dated by the version, whose date is the build's: docs/releases.md)
    a = files_of(builds.dist("a"))
    dated = ("site/", "feeds/", "versions/")
    assert {k for k in a if a[k] != c.get(k)} <= {
        "void.ttl", "build.json", "SHA256SUMS", "release.json"} | {
        k for k in a if k.startswith(dated)}
    named = ("versions/", "site/dataset/version/")  # file names that carry the version
    assert {k for k in a if not k.startswith(named)} == {
        k for k in c if not k.startswith(named)}


# ------------------------------------------------------------------------------ atomic
def copy_dist(src: Path, folder: Path) -> Path:
    """A copy of a built dist (link + dist.builds) in ``folder``; returns the new link."""
    folder.mkdir(parents=True)
    shutil.copytree(src.parent / "dist.builds", folder / "dist.builds", symlinks=True)
    os.symlink(os.readlink(src), folder / "dist")
    return folder / "dist"


def assert_complete(dist: Path) -> None:
    proc = subprocess.run(["sha256sum", "-c", "--quiet", "--strict", "SHA256SUMS"], cwd=dist,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_failure_midway_leaves_old_dist(builds: Builds, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import tripskg.publish as pub

    out = copy_dist(builds.dist("a"), tmp_path / "site")
    old_target, old_files = os.readlink(out), files_of(out)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(pub, "write_ontology_docs", boom)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # would change void.ttl if it got through
    with pytest.raises(RuntimeError, match="injected"):
        run_cli("--quiet", "build", "--data", str(builds.data), "--out", str(out))
    assert os.readlink(out) == old_target
    assert files_of(out) == old_files
    assert_complete(out)
    assert sorted(p.name for p in (out.parent / "dist.builds").iterdir()) == sorted(
        [".lock", Path(old_target).name, Path(old_target).name + ".store"])
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist", "dist.builds", "dist.cache"]


@pytest.mark.slow
def test_void_that_does_not_conform_fails_the_build(builds: Builds, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import tripskg.publish as pub

    out = copy_dist(builds.dist("a"), tmp_path / "site")
    old_target = os.readlink(out)
    monkeypatch.setattr(pub, "validate_void", lambda triples: ["<x> dcat:byteSize: missing"])
    result = run_cli("build", "--data", str(builds.data), "--out", str(out))
    assert result.exit_code == 1
    assert "void.ttl does not conform" in result.output
    assert os.readlink(out) == old_target
    assert not [p for p in (out.parent / "dist.builds").iterdir() if p.name.startswith("build-")
                and p.name.removesuffix(".store") != Path(old_target).name]


@dataclass
class Killed:
    step: str
    out: Path
    old_target: str
    old_files: dict[str, bytes]


@pytest.fixture(scope="module")
def killed(builds: Builds, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Killed]:
    """One build per pause point, started in parallel, each killed with SIGKILL there."""
    root = tmp_path_factory.mktemp("kill")
    runs = {}
    for i, step in enumerate(PAUSE_STEPS):
        out = copy_dist(builds.dist("c"), root / step)
        log = root / f"{step}.log"
        proc = start_build(builds.data, out, build_env(None, 10 + i, **{PAUSE_ENV: step}), log)
        runs[step] = (proc, log, Killed(step, out, os.readlink(out), files_of(out)))
    deadline = time.monotonic() + 600
    try:
        for step, (proc, log, _) in runs.items():
            while f"paused at {step}" not in log.read_text(errors="replace"):
                assert proc.poll() is None, f"build exited before {step}: {log.read_text()}"
                assert time.monotonic() < deadline, f"never paused at {step}"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:  # a failed check leaves no build paused (asleep for an hour) behind
        for proc, _, _ in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    return {step: k for step, (_, _, k) in runs.items()}


@pytest.mark.slow
@pytest.mark.parametrize("step", PAUSE_STEPS)
def test_kill_9_leaves_a_complete_dist(killed: dict[str, Killed], step: str) -> None:
    k = killed[step]
    assert_complete(k.out)
    if step == "prune":  # the swap happened: the new build is in place (and complete)
        assert os.readlink(k.out) != k.old_target
        assert "2025-06-15T15:06:40Z" in (k.out / "void.ttl").read_text()
    else:
        assert os.readlink(k.out) == k.old_target
        assert files_of(k.out) == k.old_files


@pytest.mark.slow
def test_next_build_after_kill_9_cleans_up(killed: dict[str, Killed], builds: Builds,
                                           tmp_path: Path) -> None:
    swap = killed["swap"]  # leaves a finished build folder and a temporary link behind
    # on a copy: test_kill_9_leaves_a_complete_dist[swap] checks the folder as the kill left it,
    # whichever of the two runs first
    shutil.copytree(swap.out.parent, tmp_path / "swap", symlinks=True)
    k = replace(swap, out=tmp_path / "swap" / swap.out.name)
    assert list(k.out.parent.glob(".dist.link-*"))
    assert len([p for p in (k.out.parent / "dist.builds").iterdir() if p.is_dir()
                and not p.name.endswith(".store")]) == 2
    proc = subprocess.run(
        [TRIPSKG, "--quiet", "build", "--data", str(builds.data), "--out", str(k.out)],
        env=build_env(None, 99), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert_complete(k.out)
    assert not list(k.out.parent.glob(".dist.link-*"))
    kept = sorted(p.name for p in (k.out.parent / "dist.builds").iterdir() if p.is_dir()
                  and not p.name.endswith(".store"))
    assert kept == sorted([Path(k.old_target).name, Path(os.readlink(k.out)).name])


# ------------------------------------------------------------------------------ golden files
def tiny_store(iris: IRIs) -> ox.Store:
    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    tkg, rid = iris.tkg, iris.id
    onto, rep = n(iris.graph("ontology")), n(iris.graph("report/tiny"))
    r, a = n(rid + "report/tiny"), n(rid + "activity/tiny/A1")
    s = ox.Store()
    for q in [
        (n(tkg), n(RDF + "type"), n("http://www.w3.org/2002/07/owl#Ontology"), onto),
        (n(tkg), n(DCT + "title"), ox.Literal("tiny ontology", language="en"), onto),
        (n(tkg + "reporter"), n(RDF + "type"),
         n("http://www.w3.org/2002/07/owl#ObjectProperty"), onto),
        (n(tkg + "communicationDate"), n(RDF + "type"),
         n("http://www.w3.org/2002/07/owl#DatatypeProperty"), onto),
        (n(tkg + "communicationDate"), n(RDFS + "range"), n(XSD + "date"), onto),
        (r, n(RDF + "type"), n(tkg + "Report"), rep),
        (r, n(DCT + "title"), ox.Literal('A "tiny" report — ünïcode', language="en"), rep),
        (r, n(tkg + "reporter"), n(rid + "org/wipo"), rep),
        (r, n(tkg + "communicationDate"), ox.Literal("2025-09-26", datatype=n(XSD + "date")),
         rep),
        (r, n(DCT + "source"), ox.Literal("not an IRI"), rep),
        (a, n(RDF + "type"), n(tkg + "Activity"), rep),
        (a, n(DCT + "isPartOf"), r, rep),
        (a, n(tkg + "position"), ox.Literal("1", datatype=n(XSD + "integer")), rep),
        (a, n(tkg + "reporter"), ox.Literal("a string where an IRI is expected"), rep),
    ]:
        s.add(ox.Quad(*q))
    return s


@pytest.fixture(scope="module")
def tiny_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    iris = IRIs()
    # published as given (validation given): the golden files cover terms SHACL would reject
    result = BuildResult(tiny_store(iris), iris, [], 0)
    folder = tmp_path_factory.mktemp("tiny")
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        publish(result, folder, validation=Validation.of([], iris))
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return folder


GOLDEN_FILES = ["void.ttl", "context.jsonld", "tripskg.jsonld", "tripskg.ttl", "tripskg.trig",
                "tripskg.nq.gz", "tripskg.rdf", "validation.ttl"]


@pytest.mark.slow
@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden(tiny_dist: Path, name: str) -> None:
    data = (tiny_dist / name).read_bytes()
    if name.endswith(".gz"):
        data, name = gzip.decompress(data), name.removesuffix(".gz")
    golden = GOLDEN / f"tiny-{name}"
    if os.environ.get("TRIPSKG_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.is_file(), f"missing {golden}: run with TRIPSKG_UPDATE_GOLDEN=1"
    assert data.decode() == golden.read_text(encoding="utf-8")


@pytest.mark.slow
def test_tiny_jsonld_round_trips(tiny_dist: Path) -> None:
    """Values that do not fit a term's coercion are written as explicit value objects."""
    store = tiny_store(IRIs())
    got = list(ox.parse((tiny_dist / "tripskg.jsonld").read_bytes(),
                        format=ox.RdfFormat.JSON_LD))
    assert nt_lines(got) == nt_lines(store)
    ds = rdflib.Dataset()
    ds.parse(tiny_dist / "tripskg.jsonld", format="json-ld")
    nquads = ds.serialize(format="nquads").encode()
    assert nt_lines(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) == nt_lines(store)


def test_context_follows_base() -> None:
    iris = IRIs("https://example.org/kg/")
    ctx = context(iris, tiny_store(iris))
    assert ctx["tkg"] == "https://example.org/kg/def/"
    assert ctx["reporter"] == {"@id": "tkg:reporter", "@type": "@id"}
    assert ctx["communicationDate"] == {"@id": "tkg:communicationDate", "@type": "xsd:date"}
