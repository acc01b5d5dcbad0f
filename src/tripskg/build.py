"""The build: sources -> records -> graph -> validated graph (then publish.py writes dist/)."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .buildcache import MANIFEST, Manifest, PartCache, load_manifest, publish_digest
from .errors import ErrorGroup, InputError, Location, TripsKGError, Warning_
from .graph import (
    GraphLines,
    line_offsets,
    ontology_quads,
    owned_prefixes,
    reference_quads,
    report_quads,
    split_owned,
)
from .ingest.annex import READERS, read_annex
from .ingest.covernote import parse_cover_note
from .ingest.dates import PartialDate, parse_date
from .ingest.text import display_path
from .iris import IRIs
from .model import DATA_KINDS, Activity, Fact, Report
from .reference import Reference, load_reference, read_csv
from .validate import Result, validate_store
from .vocab import DEFAULT_BASE
from .workers import can_fork, cpu_jobs, env_jobs, fork_pool

Progress = Callable[[str], None]


@dataclass
class Source:
    key: str
    data_kind: str
    note: Path | None = None
    annex: Path | None = None
    register: tuple[Location, dict[str, str]] | None = None


@dataclass
class BuildResult:
    store: ox.Store
    iris: IRIs
    reports: list[Report]
    n_activities: int
    warnings: list[Warning_] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    validation_report: bytes = b""
    locations: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    graphs: list[GraphLines] = field(default_factory=list)  # sorted lines of the data graphs
    validated: bool = False  # results and validation_report are set
    # report graphs: graph IRI -> (report key, build-cache digest or None)
    parts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # report graphs whose owned subjects are not in the store: their SHACL results and VoID
    # figures come from the last build (graph IRI -> digest; see publish/pieces.py)
    settled: dict[str, str] = field(default_factory=dict)
    manifest: Manifest | None = None  # where the last build's pieces are
    manifest_path: Path | None = None  # where this build's will be kept
    shared_key: str = ""  # checksum of the lines about subjects no report owns

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]


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
                             ("meeting", "meeting_start", "meeting_end")):
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


def part_locations(report: Report, activities: list[Activity], iris: IRIs) -> dict[str, str]:
    """Source location of each IRI a report mints (for messages about its nodes)."""
    locs = {iris.report(report.key): str(report.location)}
    for p in report.paragraphs:
        locs[iris.paragraph(report.key, p.key)] = f"{p.location} ¶{p.number or p.key}"
    for a in activities:
        locs[iris.activity(a.report_key, a.id)] = str(a.location)
    return locs


def reference_locations(ref: Reference) -> dict[str, str]:
    return {ref.rebase(default_iri): str(e.location)
            for default_iri, e in ref.entities.items() if e.location}


@dataclass
class Part:
    """One report read and turned into its named graph: the unit of parallel work and of the
    build cache (:mod:`tripskg.buildcache`)."""

    key: str
    report: Report | None = None
    n_activities: int = 0
    graph: GraphLines | None = None
    warnings: list[Warning_] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    errors: list[TripsKGError] = field(default_factory=list)
    digest: str | None = None  # build-cache key of its inputs


def read_part(src: Source, data_dir: Path, ref: Reference, iris: IRIs) -> Part:
    """Read one report (cover note, annex, register row) and write its named graph."""
    disp = lambda p: display_path(p, data_dir)  # noqa: E731
    part = Part(src.key, inputs=[p for p in (src.note, src.annex) if p is not None])
    activities: list[Activity] = []
    try:
        report = _read_report(src, ref, part.warnings, disp)
        if src.annex is not None:
            activities, warns = read_annex(
                src.annex, src.key, disp(src.annex), ref, src.data_kind,
                default_source=report.source_url,
            )
            part.warnings.extend(warns)
    except ErrorGroup as g:
        part.errors = list(g.errors)
        return part
    except TripsKGError as e:
        part.errors = [e]
        return part
    report.label = report_label(report, ref)
    part.report = report
    part.n_activities = len(activities)
    part.graph = report_quads(report, activities, iris)
    part.locations = part_locations(report, activities, iris)
    return part


# state of the worker processes (inherited through fork, never pickled)
_WORKER: tuple[Path, Reference, IRIs] | None = None


def _work(src: Source) -> Part:
    assert _WORKER is not None
    return read_part(src, *_WORKER)


PARALLEL_MIN_BYTES = 4 << 20  # below ~4 MB of annexes, worker start-up costs more than it saves


def jobs_for(sources: list[Source]) -> int:
    """Worker processes for reading reports: ``TRIPSKG_JOBS`` or one per CPU on large inputs."""
    if (n := env_jobs()) is not None:
        return n
    size = sum(s.annex.stat().st_size for s in sources if s.annex is not None)
    return 1 if size < PARALLEL_MIN_BYTES else cpu_jobs()


def read_parts(sources: list[Source], data_dir: Path, ref: Reference, iris: IRIs,
               progress: Progress | None = None, cache: PartCache | None = None,
               on_part: Callable[[Part], None] | None = None) -> list[Part]:
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

    jobs = min(jobs_for(todo), len(todo))
    if jobs > 1 and can_fork():
        _WORKER = (data_dir, ref, iris)
        try:
            with fork_pool(jobs) as pool:
                for src, part in zip(todo, pool.imap(_work, todo), strict=True):
                    done(part, src)
        finally:
            _WORKER = None
    else:
        for src in todo:
            done(read_part(src, data_dir, ref, iris), src)
    return [parts[s.key] for s in sources]


def build_graph(
    data_dir: Path, base: str = DEFAULT_BASE, progress: Progress | None = None,
    cache_dir: Path | None = None, full_store: bool = True,
) -> BuildResult:
    """Read the sources and build the store (not yet validated).

    ``cache_dir``: keep each report's parsed records and named graph there, keyed by the
    checksum of its inputs, the reference data and the tripskg code, and reuse them on the
    next build (see :mod:`tripskg.buildcache`).

    ``full_store=False`` (with ``cache_dir``): reports unchanged since the last build, whose
    SHACL results and figures that build kept, are not loaded into the store (only their
    lines about shared subjects, such as Council meetings, are); publishing reuses what the
    last build wrote for them. Nothing that queries the whole graph (the static site) may run
    on such a store.
    """
    iris = IRIs(base)
    ref = load_reference(iris.base)
    sources, errors = discover(data_dir)
    cache = PartCache(cache_dir, data_dir, iris) if cache_dir is not None else None
    manifest_path = cache_dir / MANIFEST if cache_dir is not None else None
    manifest = load_manifest(manifest_path, publish_digest(iris.base))
    store = ox.Store()
    store.extend(ontology_quads(iris))
    graphs = [reference_quads(ref)]
    graphs[0].load_into(store)
    part_graphs: dict[str, tuple[str, str | None]] = {}
    others: dict[str, Sequence[bytes]] = {}
    candidates: dict[str, GraphLines] = {}

    def load(part: Part) -> None:
        if part.graph is None or errors:
            return
        g, others[part.graph.graph] = owned_part(part.graph, iris, part.key)
        graphs.append(g)
        part_graphs[g.graph] = (part.key, part.digest)
        if not full_store and manifest and part.digest in manifest.parts:
            candidates[g.graph] = g
        else:
            g.load_into(store)

    parts = read_parts(sources, data_dir, ref, iris, progress, cache, load)
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
            g.load_into(store)
        candidates = {}
    inputs = [data_dir / REGISTER] if (data_dir / REGISTER).is_file() else []
    warnings: list[Warning_] = []
    locations = reference_locations(ref)
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
    return BuildResult(store, iris, reports, sum(p.n_activities for p in parts), warnings,
                       locations=locations, inputs=inputs, graphs=graphs, parts=part_graphs,
                       settled=settled, manifest=manifest, manifest_path=manifest_path,
                       shared_key=shared_key)


SHARED_GRAPH = "shared"  # graph/shared: subjects several reports name (Council meetings)


def owned_part(graph: GraphLines, iris: IRIs, report_key: str
               ) -> tuple[GraphLines, Sequence[bytes]]:
    """(the report's named graph with only the subjects it owns, its lines about shared
    subjects). A shared subject such as a Council meeting goes to the shared graph once
    (:func:`shared_graph`), not into each report graph that names it: every triple is then
    in one named graph, and the union default graph is a set."""
    owned, rest = split_owned(graph.lines(), owned_prefixes(iris, report_key))
    if not rest:
        return graph, rest
    kept = list(owned)
    return GraphLines(graph.graph, b"".join(kept), line_offsets(kept)), rest


def shared_graph(iris: IRIs, others: dict[str, Sequence[bytes]]) -> GraphLines | None:
    """The shared graph: the report graphs' lines about subjects no report owns, once."""
    lines: list[bytes] = []
    for line in heapq.merge(*(others[name] for name in sorted(others))):
        if not lines or line != lines[-1]:
            lines.append(line)
    if not lines:
        return None
    return GraphLines(iris.graph(SHARED_GRAPH), b"".join(lines), line_offsets(lines))


def shared_checksum(others: dict[str, Sequence[bytes]]) -> str:
    """Checksum of the report graphs' lines about subjects no report owns."""
    h = hashlib.sha256()
    for name in sorted(others):
        h.update(name.encode("utf-8") + b"\n")
        for line in others[name]:
            h.update(line)
    return h.hexdigest()


def build_and_validate(
    data_dir: Path, base: str = DEFAULT_BASE, progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> BuildResult:
    result = build_graph(data_dir, base, progress, cache_dir)
    if progress:
        progress("validating with SHACL")
    result.results, result.validation_report = validate_store(
        result.store, result.iris.base, result.locations, progress
    )
    result.validated = True
    return result
