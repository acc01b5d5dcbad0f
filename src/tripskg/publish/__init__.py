"""Published artifacts: RDF dumps, VoID/DCAT, ontology docs, checksums, atomic swap.

``publish(result, folder)`` writes every file of ``dist/`` into ``folder``;
``atomic_output(out)`` gives the folder to write into and swaps it into place atomically.

Test hook: ``TRIPSKG_TEST_PAUSE_AT=<step>`` (one of ``atomic.PAUSE_STEPS``) makes a build print
``tripskg: paused at <step>`` on stderr and sleep there, so tests can ``kill -9`` it at a known
point (``TRIPSKG_TEST_PAUSE_SECONDS`` sets the sleep, default 3600).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .. import __version__
from ..build import BuildResult
from ..buildcache import Manifest, publish_digest, save_manifest
from ..checksums import sha256
from ..errors import ValidationFailed
from ..graph import owner_key
from ..iris import IRIs, safe_key
from ..oxutil import dump, serialize
from ..site import write_site
from ..validate import Result, report_ntriples, result_order, validate_store
from ..vocab import STANDARD_PREFIXES
from ..workers import Helper
from .atomic import BUILDS_SUFFIX, PAUSE_ENV, PAUSE_STEPS, atomic_output, pause_point
from .dumps import DUMPS, MEDIA_TYPES, prefixes, write_dump
from .jsonld import CONTEXT_FILE, context, write_context
from .ontodoc import write_ontology_docs
from .pieces import GraphSource, assemble_all, content_key, plan_dumps, reusable_spans
from .void import (
    Distribution,
    GraphStats,
    LineStats,
    Options,
    VoidError,
    combine_counts,
    graph_stats,
    validate_void,
    void_triples,
    write_void,
)
from .writers import PIECES_DIR, Job, piece_jobs, processes_for, run_jobs

__all__ = [
    "BUILDS_SUFFIX", "DUMPS", "MEDIA_TYPES", "PAUSE_ENV", "PAUSE_STEPS", "atomic_output",
    "build_record", "build_timestamp", "prefixes", "publish", "sha256",
    "validate_void", "write_checksums", "write_dump",
]


def write_checksums(folder: Path, known: dict[str, str] | None = None) -> None:
    """SHA256SUMS of every file under ``folder`` (format of ``sha256sum -c``), sorted;
    ``known``: checksums already computed (relative path -> hex)."""
    known = known or {}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = []
    for p in files:
        rel = p.relative_to(folder).as_posix()
        lines.append(f"{known.get(rel) or sha256(p)}  {rel}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_timestamp(inputs: Iterable[Path]) -> int:
    """SOURCE_DATE_EPOCH if set, else the newest input's modification time (not the clock)."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    mtimes = [int(p.stat().st_mtime) for p in inputs if p.exists()]
    return max(mtimes, default=0)


@dataclass
class PartOutcome:
    """What publishing found for one report's graph, kept for the next build: the SHACL
    results about the subjects it owns and the graph's VoID figures."""

    results: list[Result]
    stats: GraphStats


def graph_sources(result: BuildResult, keyed: bool) -> list[GraphSource]:
    """Every graph as sorted lines, named graphs in IRI order, then the default graph."""
    given = {g.graph: g for g in result.graphs}
    store = result.store
    named = {*given, *(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))}
    names: list[str | None] = [*sorted(named)]
    default = dump(store, ox.RdfFormat.N_TRIPLES, ox.DefaultGraph())
    if default:
        names.append(None)  # the default graph last, as N-Quads sort it ("<…>" before "")
    out = []
    for i, name in enumerate(names):
        report, digest = result.parts.get(name or "", (None, None))
        lines: Sequence[bytes]
        if name is not None and name in given:
            lines = given[name].lines()
        else:
            data = default if name is None else dump(store, ox.RdfFormat.N_TRIPLES,
                                                     ox.NamedNode(name))
            lines = sorted(data.splitlines(keepends=True))
        key = digest if digest and keyed else (content_key(lines) if keyed else f"local-{i}")
        out.append(GraphSource(name, lines, key, report))
    return out


def _owner(iri: str, iris: IRIs, graph_of: dict[str, str]) -> str | None:
    """The graph of the report that owns ``iri`` (None: a shared subject)."""
    key = owner_key(iris, iri)
    return None if key is None else graph_of.get(key)


def publish(result: BuildResult, folder: Path, progress: Callable[[str], None] | None = None,
            *, sparql_endpoint: str | None = None, download_base: str | None = None,
            site: bool = True) -> dict[str, object]:
    """Write every artifact of the build into ``folder`` (which must exist and be empty).

    With a build cache (``result.manifest_path``), pieces of the dumps unchanged since the
    last build are copied from its files, and what this build wrote is recorded for the next
    one (see :mod:`.pieces`).
    """
    def step(msg: str) -> None:
        if progress:
            progress(msg)

    pause_point("publish-start")
    # a helper process checks void.ttl with pyshacl at the end: it imports pyshacl and reads
    # the shapes meanwhile
    with Helper(warm=("tripskg.publish.void", "void_shapes")) as helper:
        return _publish(result, folder, step, helper, sparql_endpoint, download_base, site)


def _publish(result: BuildResult, folder: Path, step: Callable[[str], None], helper: Helper,
             sparql_endpoint: str | None, download_base: str | None, site: bool
             ) -> dict[str, object]:
    iris = result.iris
    keyed = result.manifest_path is not None
    step("planning the dumps")
    sources = graph_sources(result, keyed)
    ctx = context(iris, result.store)
    plan = plan_dumps(sources, iris, prefixes(iris), ctx, keyed)
    spans = reusable_spans(plan, result.manifest)
    missing = [p for p in plan.pieces() if (p.file, p.key) not in spans]
    n_quads = sum(len(g.lines) for g in sources)
    in_store = n_quads - sum(len(g.lines) - len(plan.others.get(g.name or "", []))
                             for g in sources if g.name in result.settled)
    processes = processes_for(sum(p.size for p in missing) / 6 + in_store)
    jobs = piece_jobs(missing, folder, max(1, processes * 2 if processes > 1 else 1))
    pending_validation = not result.validated
    if pending_validation:
        jobs.append(Job("validate", 7.0 * in_store, lambda: validate_store(
            result.store, iris.base, result.locations)))
    jobs.append(Job("void-stats", 2.0 * in_store,
                    lambda: graph_stats(result.store, iris.base, iris.tkg)))
    what = "writing the dumps" + (", validating with SHACL" if pending_validation else "")
    step(f"{what} ({len(missing)} pieces to write, {len(spans)} reused; {len(jobs)} jobs, "
         f"{processes} process{'es' if processes > 1 else ''})")
    done: dict[str, object] = {}
    paused = False  # the "dumps" pause point: once some pieces are written
    for name, value, seconds in run_jobs(jobs, processes):
        if "#" in name:
            for f, k, path, off, n in cast(list[tuple[str, str, str, int, int]], value):
                spans[(f, k)] = (path, off, n)
            if not paused:
                paused = True
                pause_point("dumps")
        else:
            done[name] = value
        step(f"done: {name} ({seconds:.1f}s)")
    if not paused:
        pause_point("dumps")
    graph_of = {safe_key(report): g for g, (report, _) in result.parts.items()}
    outcomes = _settled_outcomes(result)
    if pending_validation:
        fresh, _ = cast(tuple[list[Result], bytes], done["validate"])
        results = [r for r in fresh if _owner(r.focus, iris, graph_of) not in result.settled]
        for o in outcomes.values():
            results.extend(o.results)
        result.results = sorted(set(results), key=result_order)
        result.validation_report = report_ntriples(result.results, iris.base)
        result.validated = True
        if result.violations:
            n = len(result.violations)
            raise ValidationFailed(f"{n} SHACL violation{'s' if n != 1 else ''}")
    step("putting the dumps together")
    assembled = assemble_all(plan, spans, folder)
    shutil.rmtree(folder / PIECES_DIR, ignore_errors=True)
    pause_point("void")
    step("describing the dataset (void.ttl)")
    ts = build_timestamp(result.inputs)
    dists = [Distribution(name, (folder / name).stat().st_size, assembled[name][0])
             for name in DUMPS]
    stats = cast(dict[str, GraphStats], done["void-stats"])
    for g, o in outcomes.items():
        stats[g] = o.stats
    counts = combine_counts(
        stats, {g: LineStats.of(lines, iris.base) for g, lines in plan.others.items()},
        LineStats.of(plan.shared, iris.base))
    void = void_triples(result.store, iris, dists, ts, Options(sparql_endpoint, download_base),
                        counts=counts)
    void_problems = helper.submit(__name__, "validate_void", void)  # beside what follows
    write_void(folder / "void.ttl", void, iris)
    write_context(folder / CONTEXT_FILE, ctx)
    (folder / "validation.ttl").write_bytes(
        serialize(ox.parse(result.validation_report, format=ox.RdfFormat.N_TRIPLES),
                  ox.RdfFormat.TURTLE, {"sh": STANDARD_PREFIXES["sh"]})
    )

    pause_point("ontology")
    step("writing ontology/index.html")
    write_ontology_docs(folder / "ontology", result.store, iris)

    graphs = {g.name: len(g.lines) for g in sources if g.name is not None and g.lines}
    record = build_record(result, plan.union_triples, n_quads, graphs)
    (folder / "build.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
    step("checking void.ttl against its shapes")
    problems = cast(list[str], void_problems())
    if problems:
        raise VoidError("void.ttl does not conform to shapes/dcat/void.ttl",
                        hint="; ".join(problems[:5]))
    if site:
        if result.settled:
            raise RuntimeError("the static site needs every report in the store "
                               "(build_graph(full_store=True))")
        step("writing the static linked-data site (site/)")
        write_site(result, folder / "site")
    pause_point("checksums")
    step("writing SHA256SUMS")
    # SHA256SUMS must stay the last step
    write_checksums(folder, {name: digest for name, (digest, _) in assembled.items()})
    if result.manifest_path is not None:
        step("recording the pieces in the build cache")
        _keep_manifest(result, folder, assembled, stats, graph_of)
    return record


def _settled_outcomes(result: BuildResult) -> dict[str, PartOutcome]:
    if not result.settled:
        return {}
    assert result.manifest is not None
    return {g: result.manifest.parts[d] for g, d in result.settled.items()}


def _keep_manifest(result: BuildResult, folder: Path,
                   assembled: dict[str, tuple[str, dict[str, tuple[int, int]]]],
                   stats: dict[str, GraphStats], graph_of: dict[str, str]) -> None:
    """Record where this build's pieces are, and each report's outcome, for the next build."""
    assert result.manifest_path is not None
    owned: dict[str, list[Result]] = {g: [] for g in result.parts}
    for r in result.results:
        g = _owner(r.focus, result.iris, graph_of)
        if g is not None and g in owned:
            owned[g].append(r)
    files = {}
    for name in assembled:
        st = (folder / name).stat()
        files[name] = (st.st_size, st.st_mtime_ns)
    parts = {d: PartOutcome(owned[g], stats[g]) for g, (_, d) in result.parts.items()
             if d and g in stats}
    save_manifest(result.manifest_path, Manifest(
        publish_digest(result.iris.base), str(folder.resolve()), files,
        {name: where for name, (_, where) in assembled.items()}, parts, result.shared_key))


def build_record(result: BuildResult, n_triples: int, n_quads: int,
                 graphs: dict[str, int] | None = None) -> dict[str, object]:
    from ..resources import project_root

    root = project_root()

    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return p.name

    ts = build_timestamp(result.inputs)
    if graphs is None:
        graphs = {}
        for q in result.store:
            graphs[str(q.graph_name.value)] = graphs.get(str(q.graph_name.value), 0) + 1
    return {
        "tool": "tripskg",
        "version": __version__,
        "base": result.iris.base,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)),
        "inputs": {rel(p): sha256(p) for p in sorted(result.inputs)},
        "counts": {
            "triples": n_triples,
            "quads": n_quads,
            "reports": len(result.reports),
            "activities": result.n_activities,
            "graphs": dict(sorted(graphs.items())),
            "violations": len(result.violations),
            "warnings": sum(1 for r in result.results if r.severity == "Warning"),
        },
    }
