"""The build: sources -> records (:mod:`tripskg.ingest.report`) -> parts, one named graph
per report (:mod:`tripskg.parts`, from the build cache when unchanged) -> the store. The
validation step (:func:`tripskg.validate.validate_graph`) and publishing
(:mod:`tripskg.publish`) take the :class:`BuildResult` from here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from .buildcache import MANIFEST, CacheState, PartCache, load_manifest, publish_digest
from .errors import ErrorGroup, TripsKGError, Warning_
from .graph import ontology_quads, owned_part, reference_quads, shared_graph
from .graphlines import GraphLines
from .ingest.needs import Needs, read_needs
from .ingest.report import REGISTER, Source, discover
from .iris import IRIs, owner_key, safe_key
from .model import Report
from .needs_graph import needs_locations, needs_quads
from .parts import Part, read_part
from .reference import Reference, load_reference
from .settings import BuildSettings
from .validate import Result, Validation, shacl_results, validate_graph
from .workers import can_fork, cpu_jobs, fork_pool

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """The built store with what the next stages need: the records, the sorted lines of the
    data graphs, where each node came from, and the build cache's side (``cache``)."""

    store: ox.Store
    iris: IRIs
    reports: list[Report]
    n_activities: int
    warnings: list[Warning_] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    graphs: list[GraphLines] = field(default_factory=list)  # sorted lines of the data graphs
    report_graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> report key
    cache: CacheState | None = None  # with a build cache
    # report graphs kept out of the store beyond ``BuildSettings.store_quads``: checked in
    # batches, each in a store of its own (:func:`batches`, :func:`batch_store`)
    held: dict[str, GraphLines] = field(default_factory=dict)

    @property
    def settled(self) -> dict[str, str]:
        """Report graphs kept out of the store (see :class:`CacheState`)."""
        return self.cache.settled if self.cache is not None else {}

    @cached_property
    def _graph_of(self) -> dict[str, str]:
        return {safe_key(report): g for g, report in self.report_graphs.items()}

    def owner_graph(self, iri: str) -> str | None:
        """The graph of the report that owns ``iri`` (None: a shared subject)."""
        key = owner_key(self.iris, iri)
        return None if key is None else self._graph_of.get(key)

    def batches(self, max_quads: int) -> list[list[str]]:
        """The held report graphs in batches of at most ``max_quads`` quads (a larger graph
        alone), in graph order."""
        out: list[list[str]] = []
        size = 0
        for name in sorted(self.held):
            n = self.held[name].n_lines
            if not out or size + n > max_quads:
                out.append([])
                size = 0
            out[-1].append(name)
            size += n
        return out


def reference_locations(ref: Reference) -> dict[str, str]:
    return {ref.rebase(default_iri): str(e.location)
            for default_iri, e in ref.entities.items() if e.location}


# state of the worker processes (inherited through fork, never pickled)
_WORKER: tuple[Path, Reference, IRIs] | None = None


def _work(src: Source) -> Part:
    assert _WORKER is not None
    return read_part(src, *_WORKER)


PARALLEL_MIN_BYTES = 4 << 20  # below ~4 MB of annexes, worker start-up costs more than it saves


def jobs_for(sources: list[Source], jobs: int | None = None) -> int:
    """Worker processes for reading reports: ``jobs`` if given, else one per CPU on large
    inputs."""
    if jobs is not None:
        return jobs
    size = sum(s.annex.stat().st_size for s in sources if s.annex is not None)
    return 1 if size < PARALLEL_MIN_BYTES else cpu_jobs()


def read_parts(sources: list[Source], data_dir: Path, ref: Reference, iris: IRIs,
               progress: Progress | None = None, cache: PartCache | None = None,
               on_part: Callable[[Part], None] | None = None,
               jobs: int | None = None) -> list[Part]:
    """Read every source (from the cache when its inputs are unchanged), in worker processes
    on large inputs; the parts come back in source order. ``on_part`` is called with each part
    as soon as it is there (the build loads it into the store while the next are read)."""
    global _WORKER
    parts: dict[str, Part] = {}
    todo: list[Source] = []
    for src in sources:
        cached = cache.get(src) if cache else None
        if cached is not None:
            cached.digest = cache.key(src) if cache else None
            parts[src.key] = cached
            if on_part:
                on_part(cached)
        else:
            todo.append(src)
    if cache and progress and parts:
        progress(f"{len(parts)} of {len(sources)} reports unchanged (from the build cache)")

    def done(part: Part, src: Source) -> None:
        parts[part.key] = part
        if cache and not part.errors:
            part.digest = cache.key(src)
            cache.put(src, part)
        if on_part:
            on_part(part)
        if progress:
            progress(f"read {part.key}")

    processes = min(jobs_for(todo, jobs), len(todo))
    if processes > 1 and can_fork():
        _WORKER = (data_dir, ref, iris)
        try:
            with fork_pool(processes) as pool:
                for src, part in zip(todo, pool.imap(_work, todo), strict=True):
                    done(part, src)
        finally:
            _WORKER = None
    else:
        for src in todo:
            done(read_part(src, data_dir, ref, iris), src)
    return [parts[s.key] for s in sources]


def build_graph(
    data_dir: Path, settings: BuildSettings | None = None, progress: Progress | None = None,
) -> BuildResult:
    """Read the sources and build the store (not yet validated).

    ``settings.cache_dir``: keep each report's parsed records and named graph there, keyed by
    the checksum of its inputs, the reference data and the tripskg code, and reuse them on the
    next build (see :mod:`tripskg.buildcache`). ``settings.jobs``: worker processes reading
    the reports.

    Without the site (``settings.site=False``) and with a cache: reports unchanged since the
    last build, whose SHACL results and figures that build kept, are not loaded into the store
    (only their lines about shared subjects, such as Council meetings, are); publishing reuses
    what the last build wrote for them. Nothing that queries the whole graph (the static site)
    may run on such a store.
    """
    settings = settings or BuildSettings()
    iris, cache_dir, full_store = settings.iris, settings.cache_dir, settings.site
    ref = load_reference(iris.base)  # cached per base IRI
    sources, errors = discover(data_dir)
    cache = PartCache(cache_dir, data_dir, iris) if cache_dir is not None else None
    manifest_path = cache_dir / MANIFEST if cache_dir is not None else None
    manifest = load_manifest(manifest_path, publish_digest(iris))
    store = ox.Store()
    store.extend(ontology_quads(iris))
    graphs = [reference_quads(ref)]
    graphs[0].load_into(store)
    needs = _read_needs(data_dir, ref, errors)
    if needs is not None:
        graphs.append(needs_quads(needs, ref).graph_lines())
        graphs[-1].load_into(store)
    part_graphs: dict[str, tuple[str, str | None]] = {}
    others: dict[str, Sequence[bytes]] = {}
    candidates: dict[str, GraphLines] = {}
    held: dict[str, GraphLines] = {}
    loaded = 0  # report quads in the store

    def place(g: GraphLines) -> None:
        """Into the store while it holds fewer report quads than ``store_quads``; else held
        out, for a batch of its own."""
        nonlocal loaded
        n = g.n_lines
        if full_store or loaded + n <= settings.store_quads:
            g.load_into(store)
            loaded += n
        else:
            held[g.graph] = g

    def load(part: Part) -> None:
        if part.graph is None or errors:
            return
        g, others[part.graph.graph] = owned_part(part.graph, iris, part.key)
        graphs.append(g)
        part_graphs[g.graph] = (part.key, part.digest)
        if not full_store and manifest and part.digest in manifest.parts:
            candidates[g.graph] = g
        else:
            place(g)

    parts = read_parts(sources, data_dir, ref, iris, progress, cache, load, settings.jobs)
    for part in parts:
        errors.extend(part.errors)
    if errors:
        raise ErrorGroup(errors)
    shared_key = shared_checksum(others)
    if meetings := shared_graph(iris, others):
        graphs.append(meetings)
        meetings.load_into(store)
    if candidates and manifest is not None and manifest.shared != shared_key:
        for g in candidates.values():  # lines about shared subjects changed: check them all
            place(g)
        candidates = {}
    inputs = [data_dir / REGISTER] if (data_dir / REGISTER).is_file() else []
    warnings: list[Warning_] = []
    locations = reference_locations(ref)
    if needs is not None:
        inputs.extend(needs.inputs)
        locations.update(needs_locations(needs, iris))
    for part in parts:
        inputs.extend(part.inputs)
        warnings.extend(part.warnings)
        locations.update(part.locations)
    if cache is not None:
        cache.prune()
    reports = [p.report for p in parts if p.report is not None]
    settled = {name: d for name, (_, d) in part_graphs.items() if name in candidates and d}
    if settled and progress:
        progress(f"{len(settled)} unchanged reports kept out of the store (their SHACL results "
                 "and figures come from the last build)")
    if held and progress:
        progress(f"{len(held)} reports held out of the store (over {settings.store_quads:,} "
                 "report quads): checked in batches, each in a store of its own")
    state = None
    if manifest_path is not None:
        state = CacheState(manifest_path, manifest,
                           {g: d for g, (_, d) in part_graphs.items() if d}, settled, shared_key)
    return BuildResult(store, iris, reports, sum(p.n_activities for p in parts), warnings,
                       locations=locations, inputs=inputs, graphs=graphs,
                       report_graphs={g: key for g, (key, _) in part_graphs.items()},
                       cache=state, held=held)


def _read_needs(data_dir: Path, ref: Reference, errors: list[TripsKGError]) -> Needs | None:
    """The LDC priority needs of ``<data>/needs/`` (None without that folder); their errors
    join ``errors``."""
    try:
        return read_needs(data_dir, ref)
    except ErrorGroup as e:
        errors.extend(e.errors)
        return None


def shared_checksum(others: dict[str, Sequence[bytes]]) -> str:
    """Checksum of the report graphs' lines about subjects no report owns."""
    h = hashlib.sha256()
    for name in sorted(others):
        h.update(name.encode("utf-8") + b"\n")
        for line in others[name]:
            h.update(line)
    return h.hexdigest()


def batch_store(result: BuildResult, names: Sequence[str]) -> ox.Store:
    """A store of what every batch shares (the ontology, reference data, LDC needs, the
    shared graph) and the held report graphs ``names``."""
    store = ox.Store()
    store.extend(ontology_quads(result.iris))
    wanted = set(names)
    for g in result.graphs:
        if g.graph in wanted or g.graph not in result.report_graphs:
            g.load_into(store)
    return store


def held_results(result: BuildResult, store: ox.Store, names: Sequence[str]) -> list[Result]:
    """SHACL results about the subjects the report graphs ``names`` own, on their batch's
    store. A report's own subjects are checked against its graph and the shared ones, as
    a rebuild checks a changed report (:func:`build_graph`); the results about shared
    subjects come from the build's own store."""
    owned = set(names)
    return [r for r in shacl_results(store, result.iris, result.locations)
            if result.owner_graph(r.focus) in owned]


def validate_build(result: BuildResult, max_quads: int, progress: Progress | None = None
                   ) -> Validation:
    """SHACL on the build's store and on each batch (of ``max_quads``) of held report
    graphs."""
    if not result.held:
        return validate_graph(result.store, result.iris, result.locations, progress)

    def kept(focus: str) -> bool:
        return result.owner_graph(focus) in result.held

    validation = validate_graph(result.store, result.iris, result.locations, progress,
                                settled=kept)
    found = list(validation.results)
    for names in result.batches(max_quads):
        if progress:
            progress(f"validating a batch of {len(names)} held reports")
        found.extend(held_results(result, batch_store(result, names), names))
    return Validation.of(found, result.iris)


def build_and_validate(
    data_dir: Path, settings: BuildSettings | None = None, progress: Progress | None = None,
) -> tuple[BuildResult, Validation]:
    """Build the store, then the validation step (``tripskg validate``)."""
    settings = settings or BuildSettings()
    result = build_graph(data_dir, settings, progress)
    if progress:
        progress("validating with SHACL")
    return result, validate_build(result, settings.store_quads, progress)
