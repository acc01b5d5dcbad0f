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
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .. import __version__
from ..build import BuildResult
from ..checksums import sha256
from ..errors import ValidationFailed
from ..oxutil import serialize
from ..site import write_site
from ..validate import validate_store
from ..vocab import STANDARD_PREFIXES
from .atomic import BUILDS_SUFFIX, PAUSE_ENV, PAUSE_STEPS, atomic_output, pause_point
from .dumps import (
    DUMPS,
    MEDIA_TYPES,
    SortedDump,
    prefixes,
    sorted_dump,
    sorted_quads,
    sorted_triples,
    write_dump,
)
from .jsonld import CONTEXT_FILE, context, write_context
from .ontodoc import write_ontology_docs
from .void import (
    Counts,
    Distribution,
    DumpStats,
    Options,
    VoidError,
    dataset_counts,
    validate_void,
    void_triples,
    write_void,
)
from .writers import (
    DumpContext,
    Job,
    assemble_jsonld,
    dump_jobs,
    n_jsonld_parts,
    processes_for,
    run_jobs,
)

__all__ = [
    "BUILDS_SUFFIX", "DUMPS", "MEDIA_TYPES", "PAUSE_ENV", "PAUSE_STEPS", "atomic_output",
    "build_record", "build_timestamp", "prefixes", "publish", "sha256", "sorted_quads",
    "sorted_triples", "write_checksums", "write_dump",
]


def write_checksums(folder: Path) -> None:
    """SHA256SUMS of every file under ``folder`` (format of ``sha256sum -c``), sorted."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}" for p in files]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_timestamp(inputs: Iterable[Path]) -> int:
    """SOURCE_DATE_EPOCH if set, else the newest input's modification time (not the clock)."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    mtimes = [int(p.stat().st_mtime) for p in inputs if p.exists()]
    return max(mtimes, default=0)


def publish(result: BuildResult, folder: Path, progress: Callable[[str], None] | None = None,
            *, sparql_endpoint: str | None = None, download_base: str | None = None,
            site: bool = True) -> dict[str, object]:
    """Write every artifact of the build into ``folder`` (which must exist and be empty)."""
    def step(msg: str) -> None:
        if progress:
            progress(msg)

    pause_point("publish-start")
    iris = result.iris
    step("sorting the quads")
    dump = sorted_dump(result.store, result.graphs)
    ctx = context(iris, result.store)
    dc = DumpContext(folder, dump, prefixes(iris), ctx)
    processes = processes_for(dump.n_quads)
    jobs = dump_jobs(dc, max(1, processes * 2 if processes > 1 else 1))
    parts = n_jsonld_parts(jobs)
    pending_validation = not result.validated
    if pending_validation:
        jobs.append(Job("validate", 7.0 * dump.n_quads, lambda: validate_store(
            result.store, iris.base, result.locations)))
    jobs.append(Job("void-stats", 2.0 * dump.n_quads, lambda: _void_stats(result, dump)))
    what = "writing the dumps" + (", validating with SHACL" if pending_validation else "")
    step(f"{what} ({len(jobs)} jobs, {processes} process{'es' if processes > 1 else ''})")
    done: dict[str, object] = {}
    for name, value, seconds in run_jobs(jobs, processes):
        done[name] = value
        if progress and not name.startswith("tripskg.jsonld#"):
            progress(f"done: {name} ({seconds:.1f}s)")
        if name == "tripskg.nt.gz":
            pause_point("dumps")
    if pending_validation:
        result.results, result.validation_report = done["validate"]  # type: ignore[misc]
        result.validated = True
        if result.violations:
            n = len(result.violations)
            raise ValidationFailed(f"{n} SHACL violation{'s' if n != 1 else ''}")
    assemble_jsonld(folder, ctx, parts)
    write_context(folder / CONTEXT_FILE, ctx)
    (folder / "validation.ttl").write_bytes(
        serialize(ox.parse(result.validation_report, format=ox.RdfFormat.N_TRIPLES),
                  ox.RdfFormat.TURTLE, {"sh": STANDARD_PREFIXES["sh"]})
    )

    pause_point("void")
    step("describing the dataset (void.ttl)")
    ts = build_timestamp(result.inputs)
    dists = [Distribution(name, (folder / name).stat().st_size, sha256(folder / name))
             for name in DUMPS]
    stats, counts = cast(tuple[DumpStats, Counts], done["void-stats"])
    void = void_triples(result.store, iris, dists, ts, Options(sparql_endpoint, download_base),
                        stats, counts)
    problems = validate_void(void)
    if problems:
        raise VoidError("void.ttl does not conform to shapes/dcat/void.ttl",
                        hint="; ".join(problems[:5]))
    write_void(folder / "void.ttl", void, iris)

    pause_point("ontology")
    step("writing ontology/index.html")
    write_ontology_docs(folder / "ontology", result.store, iris)

    record = build_record(result, len(dump.union), dump.n_quads, dump.graph_counts())
    (folder / "build.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
    if site:
        step("writing the static linked-data site (site/)")
        write_site(result, folder / "site")
    pause_point("checksums")
    # SHA256SUMS must stay the last step
    write_checksums(folder)
    return record


def _void_stats(result: BuildResult, dump: SortedDump) -> tuple[DumpStats, Counts]:
    base = result.iris.base
    subjects, entities = SortedDump.subjects(dump.union, base)
    stats = DumpStats(len(dump.union), subjects, entities, dump.graph_counts(),
                      {g: SortedDump.subjects(lines, base)[1]
                       for g, lines in dump.graphs if g is not None})
    return stats, dataset_counts(result.store, base, stats)


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
