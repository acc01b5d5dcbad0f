"""Published artifacts: RDF dumps, VoID/DCAT, ontology docs, checksums, atomic swap.

``publish(result, folder)`` writes every file of ``dist/`` into ``folder`` (running the
validation step beside the dumps unless it is given its outcome);
``atomic_output(out)`` gives the folder to write into and swaps it into place atomically.

Test hook: ``TRIPSKG_TEST_PAUSE_AT=<step>`` (one of ``atomic.PAUSE_STEPS``) makes a build print
``tripskg: paused at <step>`` on stderr and sleep there, so tests can ``kill -9`` it at a known
point (``TRIPSKG_TEST_PAUSE_SECONDS`` sets the sleep, default 3600).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .. import __version__
from ..build import BuildResult, batch_store, held_results
from ..buildcache import CacheState, Manifest, publish_digest, save_manifest
from ..checksums import sha256
from ..oxutil import dump, serialize
from ..prefixes import prefixes
from ..querystore import DUMP as DUMP_NQ
from ..querystore import QueryStoreWriter, changed_graphs
from ..releases.diff import DUMP as DUMP_NT
from ..releases.diff import Members, Side, side_of_lines
from ..releases.step import ReleaseOptions, load_last_read, release_step, write_last_read
from ..settings import BuildSettings
from ..validate import Result, Validation, validate_graph
from ..vocab import STANDARD_PREFIXES
from ..web.release import release_view
from ..workers import Helper, forked
from .atomic import BUILDS_SUFFIX, PAUSE_ENV, PAUSE_STEPS, atomic_output, pause_point
from .dumps import DUMPS, MEDIA_TYPES, write_dump
from .findings import CSV_FILE as FINDINGS_CSV
from .findings import findings, write_findings_csv
from .jsonld import CONTEXT_FILE, context, write_context
from .ontodoc import write_ontology_docs
from .pieces import GraphSource, assemble_all, content_key, plan_dumps, reusable_spans
from .site import DOWNLOADS, site_downloads, write_site
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
    "BUILDS_SUFFIX", "DUMPS", "MEDIA_TYPES", "PAUSE_ENV", "PAUSE_STEPS", "Published",
    "atomic_output",
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


@dataclass(frozen=True)
class Published:
    """What publishing hands back: the build record (``build.json``) and the validation."""

    record: dict[str, object]
    validation: Validation


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
        report = result.report_graphs.get(name or "")
        digest = result.cache.digests.get(name or "") if result.cache is not None else None
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


def publish(result: BuildResult, folder: Path, progress: Callable[[str], None] | None = None,
            *, settings: BuildSettings | None = None, validation: Validation | None = None
            ) -> Published:
    """Write every artifact of the build into ``folder`` (which must exist and be empty).

    Without ``validation``, the validation step runs while the dumps are written; on SHACL
    violations it raises :class:`~tripskg.validate.Nonconforming` before anything but scratch
    pieces is written. With a build cache (``result.cache``), pieces of the dumps unchanged
    since the last build are copied from its files, and what this build wrote is recorded for
    the next one (see :mod:`.pieces`). ``settings`` (its base must be the build's): jobs,
    site, the links of void.ttl.
    """
    settings = replace(settings or BuildSettings(), iris=result.iris)  # the build's base

    def step(msg: str) -> None:
        if progress:
            progress(msg)

    pause_point("publish-start")
    # a helper process checks void.ttl with pyshacl at the end: it imports pyshacl and reads
    # the shapes meanwhile
    with Helper(warm=("tripskg.publish.void", "void_shapes"), jobs=settings.jobs) as helper:
        return _publish(result, folder, step, helper, settings, validation)


def _validation_job(result: BuildResult, cost: float) -> Job:
    """The validation step as a job run beside the dumps: reports the build cache settled
    (not in the store) keep the results the last build found about their subjects; held
    reports are checked by their batch's job (:func:`_batch_job`)."""
    settled = result.settled
    held = result.held
    earlier = [r for o in _settled_outcomes(result).values() for r in o.results]

    def kept(focus: str) -> bool:
        owner = result.owner_graph(focus)
        return owner in settled or owner in held

    return Job("validate", cost, lambda: validate_graph(
        result.store, result.iris, result.locations, settled=kept, earlier=earlier))


BATCH_JOB = "check-batch-"


def _batch_job(result: BuildResult, i: int, names: list[str], validating: bool) -> Job:
    """A batch of held report graphs, in a store of its own: its SHACL results (when the
    validation step runs beside the dumps) and its graphs' VoID figures."""
    quads = sum(result.held[n].n_lines for n in names)

    def run() -> tuple[list[Result], dict[str, GraphStats]]:
        store = batch_store(result, names)
        results = held_results(result, store, names) if validating else []
        stats = graph_stats(store, result.iris)
        return results, {g: s for g, s in stats.items() if g in names}

    return Job(f"{BATCH_JOB}{i}", (4.0 + 7.0 * validating + 2.0) * quads, run)


def _publish(result: BuildResult, folder: Path, step: Callable[[str], None], helper: Helper,
             settings: BuildSettings, validation: Validation | None) -> Published:
    step("planning the dumps")
    sources = graph_sources(result, result.cache is not None)
    # the query store is written beside the dumps, from the same graphs; a failed build
    # stops it and leaves no store behind
    writer = _query_store(result, folder, sources, step) if settings.query_store else None
    keeper = _ReadKeeper(_last_read_path(result), settings.jobs)
    try:
        published, digest = _write(result, folder, step, helper, settings, validation, sources,
                                   keeper)
    except BaseException:
        keeper.discard()
        if writer is not None:
            writer.abandon()
        raise
    if writer is not None:
        step("waiting for the query store (beside the build: <build>.store/)")
        writer.finish(folder, digest)
        step(f"query store written ({writer.cpu_s:.1f} CPU-s)")
    return published


def _write(result: BuildResult, folder: Path, step: Callable[[str], None], helper: Helper,
           settings: BuildSettings, validation: Validation | None, sources: list[GraphSource],
           keeper: _ReadKeeper) -> tuple[Published, str]:
    """Everything ``publish`` writes into ``folder``; returns the N-Quads dump's digest."""
    iris = result.iris
    keyed = result.cache is not None
    ctx = context(iris, result.store)
    plan = plan_dumps(sources, iris, prefixes(iris), ctx, keyed)
    spans = reusable_spans(plan, result.cache.manifest if result.cache else None)
    missing = [p for p in plan.pieces() if (p.file, p.key) not in spans]
    n_quads = sum(len(g.lines) for g in sources)
    in_store = n_quads - sum(len(g.lines) - len(plan.others.get(g.name or "", []))
                             for g in sources if g.name in result.settled)
    batches = result.batches(settings.store_quads)
    in_main = in_store - sum(g.n_lines for g in result.held.values())
    # beside the jobs, in a thread of this (otherwise waiting) process: what the N-Triples
    # dump says, for feeds/ (a first version), or the previous build's reading of its own
    # (a rebuild compares only the dump's changed members)
    background = ThreadPoolExecutor(max_workers=1)
    last_read = background.submit(load_last_read, _last_read_path(result), settings.previous)
    read: Future[Side] | None = None
    if settings.previous is None:
        read = background.submit(side_of_lines, folder, iris.base, plan.union_lines())
    background.shutdown(wait=False)
    processes = processes_for(sum(p.size for p in missing) / 6 + in_store, settings.jobs)
    jobs = piece_jobs(missing, folder, max(1, processes * 2 if processes > 1 else 1))
    pending_validation = validation is None
    if pending_validation:
        jobs.append(_validation_job(result, 7.0 * in_main))
    jobs.append(Job("void-stats", 2.0 * in_main,
                    lambda: graph_stats(result.store, iris)))
    jobs.extend(_batch_job(result, i, names, pending_validation)
                for i, names in enumerate(batches, 1))
    what = "writing the dumps" + (", validating with SHACL" if pending_validation else "")
    step(f"{what} ({len(missing)} pieces to write, {len(spans)} reused; {len(jobs)} jobs, "
         f"{processes} process{'es' if processes > 1 else ''})")
    done: dict[str, object] = {}
    paused = False  # the "dumps" pause point: once some pieces are written
    held_found: list[Result] = []
    held_stats: dict[str, GraphStats] = {}
    for name, value, seconds, cpu in run_jobs(jobs, processes):
        if name.startswith(BATCH_JOB):
            found, figures = cast(tuple[list[Result], dict[str, GraphStats]], value)
            held_found.extend(found)
            held_stats.update(figures)
        elif "#" in name:
            for f, k, path, off, n in cast(list[tuple[str, str, str, int, int]], value):
                spans[(f, k)] = (path, off, n)
            if not paused:
                paused = True
                pause_point("dumps")
        else:
            done[name] = value
        step(f"done: {name} ({seconds:.1f}s, {cpu:.1f} CPU-s)")
    if not paused:
        pause_point("dumps")
    outcomes = _settled_outcomes(result)
    if validation is None:
        validation = cast(Validation, done["validate"])
        if batches:
            validation = Validation.of([*validation.results, *held_found], iris)
    validation.check()  # nothing is published unless the graph conforms
    step("putting the dumps together")
    assembled = assemble_all(plan, spans, folder)
    shutil.rmtree(folder / PIECES_DIR, ignore_errors=True)
    pause_point("void")
    step("describing the dataset (void.ttl)")
    ts = build_timestamp(result.inputs)
    dists = [Distribution(name, (folder / name).stat().st_size, assembled[name][0])
             for name in DUMPS]
    stats = cast(dict[str, GraphStats], done["void-stats"])
    stats.update(held_stats)
    for g, o in outcomes.items():
        stats[g] = o.stats
    counts = combine_counts(
        stats, {g: LineStats.of(lines, iris.base) for g, lines in plan.others.items()},
        LineStats.of(plan.shared, iris.base))
    void = void_triples(result.store, iris, dists, ts,
                        Options(settings.sparql_endpoint, settings.download_base), counts=counts)
    # the version: named from the content digest, compared with the earlier build
    nt_members = Members(folder.resolve() / DUMP_NT, assembled[DUMP_NT][1])
    last = last_read.result()
    if last is not None:
        changed = sum(k not in last.dump.spans for k in nt_members.spans)
        step(f"naming the version (comparing {changed} changed pieces of "
             f"{len(nt_members.spans)} with the previous build's)")
    else:
        step("naming the version (comparing with the previous build)")
    releasing = release_step(folder, assembled["tripskg.nq.gz"][0], ts, ReleaseOptions(
        settings.data_version, settings.issued, settings.previous, settings.keep_versions),
        iris, len(result.reports), result.n_activities, last=last,
        dump=nt_members, read=read.result if read is not None else None)
    keeper.start(releasing.side, nt_members)  # what the dump says, pickled beside what follows
    void = releasing.void(void, iris, settings.download_base)
    void_problems = helper.submit(__name__, "validate_void", void)  # beside what follows
    write_void(folder / "void.ttl", void, iris)
    write_context(folder / CONTEXT_FILE, ctx)
    (folder / "validation.ttl").write_bytes(
        serialize(ox.parse(validation.report, format=ox.RdfFormat.N_TRIPLES),
                  ox.RdfFormat.TURTLE, {"sh": STANDARD_PREFIXES["sh"]})
    )
    write_findings_csv(folder / FINDINGS_CSV, findings(result.warnings, validation.results))

    pause_point("ontology")
    step("writing ontology/index.html")
    write_ontology_docs(folder / "ontology", result.store, iris)

    graphs = {g.name: len(g.lines) for g in sources if g.name is not None and g.lines}
    record = build_record(result, validation, plan.union_triples, n_quads, graphs)
    (folder / "build.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
    step("checking void.ttl against its shapes")
    problems = cast(list[str], void_problems())
    if problems:
        raise VoidError("void.ttl does not conform to shapes/dcat/void.ttl",
                        hint="; ".join(problems[:5]))
    digests = {name: digest for name, (digest, _) in assembled.items()}
    digests.update({name: sha256(folder / name) for name in DOWNLOADS
                    if name not in digests and (folder / name).is_file()})
    step("writing release.json, feeds/ and versions/")
    versioned = releasing.write(folder, list(DUMPS), iris, digests)
    if settings.site:
        if result.settled or result.held:
            raise RuntimeError("the static site needs every report in the store "
                               "(build_graph(full_store=True))")
        step("writing the static linked-data site (site/)")
        write_site(result, folder / "site", record, site_downloads(folder, digests),
                   release_view(folder, iris.base), folder / "void.ttl")
    pause_point("checksums")
    step("writing SHA256SUMS")
    # SHA256SUMS must stay the last step
    write_checksums(folder, {**digests, **versioned})
    if result.cache is not None:
        step("recording the pieces in the build cache")
        _keep_manifest(result, result.cache, validation, folder, assembled, stats)
        keeper.commit(releasing.side, nt_members)
    return Published(record, validation), assembled[DUMP_NQ][0]


def _query_store(result: BuildResult, folder: Path, sources: list[GraphSource],
                 step: Callable[[str], None]) -> QueryStoreWriter:
    """The query store beside ``folder``, written by a forked process while the build goes on:
    on a rebuild, a copy of the last one with the changed graphs written again; else every
    graph bulk-loaded."""
    target = folder.with_name(folder.name + ".store")
    manifest = result.cache.manifest if result.cache is not None else None
    keys = {s.name or "": s.key for s in sources}
    previous: Path | None = None
    changed: list[str] | None = None
    if manifest is not None:
        last = Path(manifest.folder)
        previous = last.with_name(last.name + ".store")
        names = changed_graphs(previous, keys)
        lines = {s.name or "": s.lines for s in sources}
        total = sum(len(v) for v in lines.values())
        if names is not None and sum(len(lines.get(n, ())) for n in names) < total / 4:
            changed = names
            step(f"query store: {sum(n in lines for n in names)} graphs to write into a copy "
                 "of the last build's")
    graphs = [(s.name, s.lines) for s in sources if s.lines]
    return QueryStoreWriter(target, graphs, keys if result.cache is not None else {},
                            previous, changed)


def _last_read_path(result: BuildResult) -> Path | None:
    """Where the build cache keeps what the last build's N-Triples dump says."""
    return None if result.cache is None else result.cache.manifest_path.with_name(LAST_READ)


LAST_READ = "release-side.pickle"


class _ReadKeeper:
    """Keeps what this build's N-Triples dump says for the next build (``path``, in the build
    cache): pickled by a forked child as soon as it is known (~0.5 s at 100k activities, beside
    the steps that follow), put in place when the build has succeeded."""

    def __init__(self, path: Path | None, jobs: int | None) -> None:
        self.path, self.jobs = path, jobs
        self.tmp = path.with_name(path.name + ".tmp") if path is not None else None
        self.wait: Callable[[], None] | None = None

    def start(self, side: Side | None, dump: Members) -> None:
        if self.tmp is None or side is None:
            return
        tmp = self.tmp
        self.wait = forked(lambda: write_last_read(tmp, side, dump), self.jobs)

    def commit(self, side: Side | None, dump: Members) -> None:
        if self.path is None or self.tmp is None:
            return
        if self.wait is None:  # not known before the feeds were written
            if side is None:
                return
            write_last_read(self.tmp, side, dump)
        else:
            self.wait()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if self.wait is not None:
            with contextlib.suppress(Exception):
                self.wait()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


def _settled_outcomes(result: BuildResult) -> dict[str, PartOutcome]:
    if result.cache is None or not result.cache.settled:
        return {}
    assert result.cache.manifest is not None
    return {g: result.cache.manifest.parts[d] for g, d in result.cache.settled.items()}


def _keep_manifest(result: BuildResult, cache: CacheState, validation: Validation,
                   folder: Path, assembled: dict[str, tuple[str, dict[str, tuple[int, int]]]],
                   stats: dict[str, GraphStats]) -> None:
    """Record where this build's pieces are, and each report's outcome, for the next build."""
    owned: dict[str, list[Result]] = {g: [] for g in result.report_graphs}
    for r in validation.results:
        g = result.owner_graph(r.focus)
        if g is not None and g in owned:
            owned[g].append(r)
    files = {}
    for name in assembled:
        st = (folder / name).stat()
        files[name] = (st.st_size, st.st_mtime_ns)
    parts = {d: PartOutcome(owned[g], stats[g]) for g, d in cache.digests.items() if g in stats}
    save_manifest(cache.manifest_path, Manifest(
        publish_digest(result.iris), str(folder.resolve()), files,
        {name: where for name, (_, where) in assembled.items()}, parts, cache.shared_key))


def build_record(result: BuildResult, validation: Validation, n_triples: int, n_quads: int,
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
            "violations": len(validation.violations),
            "warnings": len(validation.warnings),
        },
    }
