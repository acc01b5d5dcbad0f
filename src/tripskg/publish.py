"""Published artifacts: RDF dumps, checksums, validation report, build record, atomic swap."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .build import BuildResult
from .iris import IRIs
from .vocab import STANDARD_PREFIXES, VANN

DUMPS = {
    # file name -> (format, quads?)
    "tripskg.ttl": (ox.RdfFormat.TURTLE, False),
    "tripskg.nt.gz": (ox.RdfFormat.N_TRIPLES, False),
    "tripskg.trig": (ox.RdfFormat.TRIG, True),
    "tripskg.nq.gz": (ox.RdfFormat.N_QUADS, True),
    "tripskg.jsonld": (ox.RdfFormat.JSON_LD, True),
    "tripskg.rdf": (ox.RdfFormat.RDF_XML, False),
}
MEDIA_TYPES = {
    "tripskg.ttl": "text/turtle",
    "tripskg.nt.gz": "application/n-triples",
    "tripskg.trig": "application/trig",
    "tripskg.nq.gz": "application/n-quads",
    "tripskg.jsonld": "application/ld+json",
    "tripskg.rdf": "application/rdf+xml",
}


def prefixes(iris: IRIs) -> dict[str, str]:
    """Prefixes for readable Turtle: only namespaces whose local names have no '/'."""
    out = dict(STANDARD_PREFIXES)
    out["vann"] = VANN
    out["tkg"] = iris.tkg
    for name in ("country", "region", "group", "org", "member", "treaty", "framework",
                 "meeting"):
        out[name] = f"{iris.id}{name}/"
    for scheme in ("policy-area", "activity-type", "ip-field", "target-group", "mode",
                   "data-kind", "role"):
        out[scheme.replace("-", "")] = f"{iris.tkg}{scheme}/"
    return out


def sorted_quads(store: ox.Store) -> list[ox.Quad]:
    return sorted(store, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate),
                                        str(q.object)))


def sorted_triples(store: ox.Store) -> list[ox.Triple]:
    seen = {q.triple for q in store}
    return sorted(seen, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _sorted_prefix_header(data: bytes) -> bytes:
    """pyoxigraph writes prefixes in hash order: sort them so output is byte-stable."""
    lines = data.split(b"\n")
    head = [ln for ln in lines if ln.startswith(b"@prefix ")]
    rest = [ln for ln in lines if not ln.startswith(b"@prefix ")]
    return b"\n".join(sorted(head) + rest)


def write_dump(path: Path, fmt: ox.RdfFormat, items: Iterable[ox.Triple] | Iterable[ox.Quad],
               pfx: dict[str, str]) -> None:
    kwargs = {"prefixes": pfx} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG,
                                          ox.RdfFormat.RDF_XML) else {}
    data = ox.serialize(items, format=fmt, **kwargs)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        data = _sorted_prefix_header(data)
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                   filename="") as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksums(folder: Path) -> None:
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


def publish(result: BuildResult, folder: Path, progress: Callable[[str], None] | None = None
            ) -> dict[str, object]:
    """Write every artifact of the build into ``folder`` (which must exist and be empty)."""
    pfx = prefixes(result.iris)
    triples = sorted_triples(result.store)
    quads = sorted_quads(result.store)
    for name, (fmt, is_quads) in DUMPS.items():
        if progress:
            progress(f"writing {name}")
        write_dump(folder / name, fmt, quads if is_quads else triples, pfx)
    (folder / "validation.ttl").write_bytes(
        ox.serialize(ox.parse(result.validation_report, format=ox.RdfFormat.N_TRIPLES),
                     format=ox.RdfFormat.TURTLE, prefixes={"sh": STANDARD_PREFIXES["sh"]})
    )
    record = build_record(result, len(triples), len(quads))
    (folder / "build.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
    write_checksums(folder)
    return record


def build_record(result: BuildResult, n_triples: int, n_quads: int) -> dict[str, object]:
    from .resources import project_root

    root = project_root()

    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return p.name

    ts = build_timestamp(result.inputs)
    graphs: dict[str, int] = {}
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
            "activities": len(result.activities),
            "graphs": dict(sorted(graphs.items())),
            "violations": len(result.violations),
            "warnings": sum(1 for r in result.results if r.severity == "Warning"),
        },
    }


# --------------------------------------------------------------------------- atomic output
BUILDS_SUFFIX = ".builds"


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a fresh folder; on success make ``out`` point to it in one atomic step.

    ``out`` is a symbolic link to ``<out>.builds/<id>``; the switch is an atomic
    ``rename(2)`` of a new link over the old one, so readers see either the old build or the
    new one, never a half-written folder. On failure the new folder is removed and ``out`` is
    untouched. A real folder left at ``out`` by other tools is moved into ``<out>.builds``.
    """
    out = out.absolute()
    builds = out.parent / (out.name + BUILDS_SUFFIX)
    builds.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=builds))
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    os.chmod(work, 0o755)
    if out.exists() and not out.is_symlink():
        legacy = Path(tempfile.mkdtemp(prefix="legacy-", dir=builds))
        os.rename(out, legacy / "dist")
        os.symlink(os.path.relpath(legacy / "dist", out.parent), out)
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(os.path.relpath(work, out.parent), link)
    previous = out.resolve() if out.is_symlink() else None
    os.replace(link, out)
    _prune(builds, keep={work.resolve(), *(p for p in [previous] if p)})


def _prune(builds: Path, keep: set[Path]) -> None:
    """Remove older builds, keeping the current and the previous one."""
    for child in builds.iterdir():
        resolved = child.resolve()
        if resolved in keep or any(resolved in k.parents for k in keep):
            continue
        shutil.rmtree(child, ignore_errors=True)
