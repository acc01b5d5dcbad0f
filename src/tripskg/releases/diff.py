"""``tripskg diff``: what changed between two builds, read from their sorted N-Triples dumps.

Both dumps (``tripskg.nt.gz``) are sorted byte-wise, so one merge pass finds every triple that
is in one build and not the other; memory grows with the number of reports and activities and
with the size of the difference, never with the product of the two. A differing triple belongs
to the report or activity whose IRI is its subject or a parent of it (``…/period``,
``…/count/year/2019`` belong to their report).

An activity or report is *added* (only in the new build), *removed* (only in the old one) or
*changed* (in both, with different triples; the properties that differ are listed with their
old and new values) or *moved* (only its ``tkg:sourceLocation`` differs: rows were added or
removed above it in its annex). Everything else that differs (reference data, the ontology) is counted.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TripsKGError
from ..vocab import DCT, RDF, RDFS, SCHEMA, SKOS, STANDARD_PREFIXES

DUMP = "tripskg.nt.gz"
KINDS = ("report", "activity")
# label properties, best first (English or plain literals)
LABELS = {SKOS + "prefLabel": 0, DCT + "title": 1, RDFS + "label": 2}


class DiffError(TripsKGError):
    """A folder is not a build, or its dump cannot be read."""


@dataclass
class PropertyChange:
    """One property of a changed resource: the values only in the old and only in the new
    build (N-Triples terms). ``node`` is the sub-node it sits on ('' for the resource)."""

    node: str
    predicate: str
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


@dataclass
class Change:
    kind: str  # report | activity
    status: str  # added | removed | changed | moved (only the source location changed)
    iri: str
    label: str = ""
    report: str | None = None  # an activity's report IRI
    reporter: str | None = None  # the report's reporter IRI
    properties: list[PropertyChange] = field(default_factory=list)


@dataclass
class Loss:
    """A reporter whose activities went away between the builds."""

    reporter: str
    removed: int
    before: int
    after: int


@dataclass
class Side:
    """What one dump says about its reports and activities (one entry per resource)."""

    folder: Path
    base: str
    version: str | None
    kinds: dict[str, str] = field(default_factory=dict)  # IRI -> report | activity
    labels: dict[str, str] = field(default_factory=dict)
    report_of: dict[str, str] = field(default_factory=dict)  # activity -> report
    reporter_of: dict[str, str] = field(default_factory=dict)  # report -> reporter
    start: dict[str, str] = field(default_factory=dict)  # activity -> start day (lexical)
    # activity -> country, policy-area ... IRIs (tkg:beneficiary, tkg:policyArea)
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    triples: int = 0


@dataclass
class Diff:
    old: Side
    new: Side
    changes: list[Change]
    removed_lines: list[bytes]
    added_lines: list[bytes]
    other: dict[str, int]  # subject IRIs outside reports and activities -> differing triples
    losses: list[Loss]

    @property
    def equal(self) -> bool:
        return not self.removed_lines and not self.added_lines

    def count(self, kind: str, status: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind and c.status == status)


@dataclass(frozen=True)
class LossRule:
    """Warn when a reporter loses at least ``min_count`` activities that are at least
    ``min_share`` of the activities it had."""

    min_count: int = 5
    min_share: float = 0.2


# --------------------------------------------------------------------------- reading
def dump_path(folder: Path) -> Path:
    path = folder / DUMP
    if not folder.is_dir():
        raise DiffError(f"'{folder}' is not a folder", hint="give two built dist/ folders")
    if not path.is_file():
        raise DiffError(f"'{folder}' has no {DUMP}", hint="is it a folder written by "
                        "'tripskg build'?")
    return path


def _recorded(path: Path, key: str) -> str | None:
    """The string ``key`` of the JSON object in ``path`` (None: no such file, object or string)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = record.get(key)
    return value if isinstance(value, str) else None


def dist_base(folder: Path) -> str | None:
    return _recorded(folder / "build.json", "base")


def dist_version(folder: Path) -> str | None:
    """The version recorded in ``release.json`` (None: a build without one)."""
    return _recorded(folder / "release.json", "version")


BLOCK = 1 << 22  # bytes of decompressed dump read at a time


@dataclass
class Block:
    """Consecutive whole lines of a dump (each with its newline), and their bytes joined."""

    lines: list[bytes]
    data: bytes


def _blocks(path: Path) -> Iterator[Block]:
    """The dump's lines, a block at a time, each checked to come after the one before (in
    C: per-line Python work on millions of lines was most of a diff's time)."""
    try:
        with gzip.open(path, "rb") as f:
            rest, previous, seen = b"", b"", 0
            while True:
                chunk = f.read(BLOCK)
                data = rest + chunk
                cut = data.rfind(b"\n") + 1 if chunk else len(data)
                data, rest = data[:cut], data[cut:]
                # N-Triples escapes CR in literals, so a raw CR or LF only ends a line
                lines = data.splitlines(keepends=True)
                if lines:
                    _check_order(path, lines, previous, seen)
                    previous, seen = lines[-1], seen + len(lines)
                    yield Block(lines, data)
                if not chunk:
                    return
    except (OSError, EOFError) as e:
        raise DiffError(f"{path}: cannot read the dump ({e})") from None


def _check_order(path: Path, lines: list[bytes], previous: bytes, seen: int) -> None:
    if lines[0] >= previous and lines == sorted(lines):  # timsort: linear on sorted input
        return
    at = 0 if lines[0] < previous else next(
        i for i in range(1, len(lines)) if lines[i] < lines[i - 1])
    raise DiffError(f"{path}: line {seen + at + 1} is out of order",
                    hint="the N-Triples dump of a build is sorted; was it edited?")


def split(line: bytes) -> tuple[str, str, str]:
    """Subject IRI, predicate IRI and object term (as written) of an N-Triples line."""
    s_end = line.index(b"> ")
    p_end = line.index(b"> ", s_end + 2)
    obj = line[p_end + 2:].rstrip()
    return (line[1:s_end].decode("utf-8"), line[s_end + 3:p_end].decode("utf-8"),
            obj[:-1].rstrip().decode("utf-8"))


class _Collector:
    """Picks the types, labels and links of reports and activities out of one dump
    (``links``: also each activity's start day and linked IRIs, which only feeds use)."""

    def __init__(self, side: Side, links: bool = True) -> None:
        self.side = side
        tkg = side.base + "def/"
        self.types = {f"<{tkg}Report>": "report", f"<{tkg}Activity>": "activity"}
        self.reporter = tkg + "reporter"
        self.start = tkg + "startDay"
        self.linked = {tkg + "beneficiary", tkg + "policyArea"}
        self.activity_prefix = side.base + "id/activity/"
        self.label_rank: dict[str, int] = {}
        # only lines with these predicates are looked at, found with bytes.find over a whole
        # block (sorted: a subject's lines are seen in the dump's order); every other line
        # (most of a dump) is only counted
        of_activities = {DCT + "isPartOf", self.start, *self.linked}
        wanted = sorted({RDF + "type", *LABELS, self.reporter, *of_activities}
                        - (set() if links else {self.start, *self.linked}))
        self.needles = [(f"> <{w}> ".encode(), w, w in of_activities) for w in wanted]
        self.activity_subject = ("<" + self.activity_prefix).encode("utf-8")

    def see_block(self, block: Block) -> None:
        self.side.triples += len(block.lines)
        data, activity = block.data, self.activity_subject
        for needle, p, of_activities in self.needles:
            at = data.find(needle)
            while at != -1:
                start = data.rfind(b"\n", 0, at) + 1
                end = data.find(b"\n", at)
                end = len(data) if end == -1 else end
                if not of_activities or data.startswith(activity, start):
                    subject = data[start:at]
                    if subject[:1] == b"<" and b"> " not in subject:  # not inside a literal
                        o = data[at + len(needle):end].rstrip()
                        self.see(subject[1:].decode("utf-8"), p,
                                 o[:-1].rstrip().decode("utf-8"))
                at = data.find(needle, end)

    def see(self, s: str, p: str, o: str) -> None:
        if p == RDF + "type":
            if o in self.types:
                self.side.kinds[s] = self.types[o]
        elif p in LABELS:
            if o.endswith('"') or o.endswith('"@en'):  # English or plain labels only
                rank = LABELS[p]
                if rank < self.label_rank.get(s, 9):
                    self.label_rank[s] = rank
                    self.side.labels[s] = literal_text(o)
        elif p == DCT + "isPartOf" and s.startswith(self.activity_prefix):
            self.side.report_of[s] = o[1:-1]
        elif p == self.reporter:
            self.side.reporter_of[s] = o[1:-1]
        elif p == self.start and s.startswith(self.activity_prefix):
            self.side.start[s] = literal_text(o)
        elif p in self.linked and s.startswith(self.activity_prefix) and o.startswith("<"):
            self.side.links[s].append(o[1:-1])


def literal_text(term: str) -> str:
    """The lexical form of an N-Triples literal (or the IRI of an IRI term)."""
    if term.startswith("<"):
        return term[1:-1]
    end = term.rfind('"')
    text = term[1:end]
    if "\\" in text:
        with contextlib.suppress(ValueError):  # \UXXXXXXXX escapes: shown as written
            text = json.loads('"' + text.replace("\\'", "'") + '"')
    return text


class _Pending:
    """The lines of one dump read and not yet compared, and its collector."""

    def __init__(self, blocks: Iterator[Block], collector: _Collector) -> None:
        self.blocks, self.collector = blocks, collector
        self.lines: list[bytes] = []
        self.done = False

    def fill(self) -> None:
        while not self.lines and not self.done:
            block = next(self.blocks, None)
            if block is None:
                self.done = True
            else:
                self.collector.see_block(block)
                self.lines = block.lines

    def take(self, upto: bytes | None) -> list[bytes]:
        """The lines up to ``upto`` (all of them: None), removed from the pending ones."""
        cut = len(self.lines) if upto is None else bisect.bisect_right(self.lines, upto)
        taken, self.lines = self.lines[:cut], self.lines[cut:]
        return taken


def _merge(old: _Pending, new: _Pending, removed: list[bytes], added: list[bytes]) -> None:
    """The lines only in the old dump and only in the new one, in order. Both are read a
    block at a time; each round compares the lines up to the smaller of the two blocks' last
    lines as sets, so memory stays at about two blocks."""
    while True:
        old.fill()
        new.fill()
        if not old.lines and not new.lines:
            return
        ends = [side.lines[-1] for side in (old, new) if not side.done]
        upto = min(ends) if ends else None
        a, b = set(old.take(upto)), set(new.take(upto))
        removed.extend(sorted(a - b))
        added.extend(sorted(b - a))


# --------------------------------------------------------------------------- diffing
def diff_dists(old_dir: Path, new_dir: Path, rule: LossRule | None = None,
               base: str | None = None) -> Diff:
    """Compare two built folders (see the module docstring); ``base``: the new build's base
    IRI when its build.json is not written yet."""
    old_path, new_path = dump_path(old_dir), dump_path(new_dir)
    old_base, new_base = dist_base(old_dir), base or dist_base(new_dir)
    if old_base and new_base and old_base != new_base:
        raise DiffError(f"the builds have different base IRIs ({old_base}, {new_base})",
                        hint="rebuild one with --base so both use the same")
    base = new_base or old_base or "https://w3id.org/tripskg/"
    old = Side(old_dir, base, dist_version(old_dir))
    new = Side(new_dir, base, dist_version(new_dir))
    removed: list[bytes] = []
    added: list[bytes] = []
    _merge(_Pending(_blocks(old_path), _Collector(old, links=False)),
           _Pending(_blocks(new_path), _Collector(new)), removed, added)
    changes, other = _attribute(old, new, removed, added)
    return Diff(old, new, changes, removed, added, other,
                reporter_losses(old, new, changes, rule or LossRule()))


def scan(folder: Path, base: str) -> Side:
    """What one build's dump says about its reports and activities (one pass)."""
    side = Side(folder, base, dist_version(folder))
    see = _Collector(side).see_block
    for block in _blocks(dump_path(folder)):
        see(block)
    return side


def side_of_lines(folder: Path, base: str, runs: Iterable[Sequence[bytes]],
                  version: str | None = None) -> Side:
    """What a dump says, read from its sorted lines in memory (a run of lines at a time, in
    the dump's order) instead of from the file: the same as :func:`scan` of that dump."""
    side = Side(folder, base, version)
    see = _Collector(side).see_block
    for lines in runs:
        if lines:
            see(Block(list(lines), b"".join(lines)))
    return side


@dataclass
class Members:
    """An N-Triples dump written as gzip members (see ``publish/pieces.py``): its path and
    where each member is, by piece key."""

    path: Path
    spans: dict[str, tuple[int, int]]

    def lines(self, keys: Iterable[str]) -> list[bytes]:
        """The lines of the members ``keys``, in the dump's order."""
        out: list[bytes] = []
        try:
            with self.path.open("rb") as fh:
                for off, n in sorted(self.spans[k] for k in keys):
                    fh.seek(off)
                    out.extend(gzip.decompress(fh.read(n)).splitlines(keepends=True))
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise DiffError(f"{self.path}: cannot read the dump ({e})") from None
        return out


def diff_members(old: Side, old_dump: Members, new_dump: Members, new_folder: Path,
                 rule: LossRule | None = None) -> Diff:
    """:func:`diff_dists` of two dumps made of gzip members, reading only the members that
    are not in both (a rebuild changes a few; the others are the same bytes). ``old``: what
    the old dump says (saved by the build that wrote it). Each subject's lines sit in one
    member and each line in one member of a dump, so the lines only in the old dump are those
    of its own members not found in the new one's own members, and the other way round."""
    gone = old_dump.lines(k for k in old_dump.spans if k not in new_dump.spans)
    come = new_dump.lines(k for k in new_dump.spans if k not in old_dump.spans)
    minus, plus = (side_of_lines(new_folder, old.base, [lines]) for lines in (gone, come))
    new = _patched(old, minus, plus, new_folder)
    a, b = set(gone), set(come)
    removed, added = sorted(a - b), sorted(b - a)
    changes, other = _attribute(old, new, removed, added)
    return Diff(old, new, changes, removed, added, other,
                reporter_losses(old, new, changes, rule or LossRule()))


def _patched(old: Side, minus: Side, plus: Side, folder: Path) -> Side:
    """``old`` without what ``minus`` read, with what ``plus`` read (both keyed by subject:
    all of a subject's lines are in one member)."""
    new = Side(folder, old.base, None, triples=old.triples - minus.triples + plus.triples)
    for name in ("kinds", "labels", "report_of", "reporter_of", "start", "links"):
        was, gone, come = getattr(old, name), getattr(minus, name), getattr(plus, name)
        target = getattr(new, name)
        target.update((k, v) for k, v in was.items() if k not in gone)
        target.update(come)
    return new


def owner(subject: str, kinds: dict[str, str], stop: str) -> str | None:
    """The report or activity ``subject`` belongs to: itself or its nearest typed parent."""
    probe = subject
    while len(probe) > len(stop):
        if probe in kinds:
            return probe
        probe = probe.rsplit("/", 1)[0]
    return None


def _attribute(old: Side, new: Side, removed: list[bytes], added: list[bytes]
               ) -> tuple[list[Change], dict[str, int]]:
    kinds = {**old.kinds, **new.kinds}
    stop = old.base + "id"
    touched: dict[str, dict[tuple[str, str], PropertyChange]] = defaultdict(dict)
    other: dict[str, int] = defaultdict(int)
    for lines, is_new in ((removed, False), (added, True)):
        for line in lines:
            s, p, o = split(line)
            who = owner(s, kinds, stop)
            if who is None:
                other[s] += 1
                continue
            node = s[len(who) + 1:] if s != who else ""
            pc = touched[who].setdefault((node, p), PropertyChange(node, p))
            (pc.new if is_new else pc.old).append(o)
    changes = []
    for iri in sorted(touched):
        kind = kinds[iri]
        status = ("changed" if iri in old.kinds and iri in new.kinds
                  else "added" if iri in new.kinds else "removed")
        side = old if status == "removed" else new
        report = side.report_of.get(iri) if kind == "activity" else iri
        props = [touched[iri][k] for k in sorted(touched[iri])] if status == "changed" else []
        # tkg:sourceLocation, a row's place in its file: a change of it alone is a move
        if props and all(pc.predicate == old.base + "def/sourceLocation" for pc in props):
            status = "moved"  # only its source row changed (rows added or removed above it)
        changes.append(Change(kind, status, iri, side.labels.get(iri, ""),
                              report if kind == "activity" else None,
                              side.reporter_of.get(report or ""), props))
    order = {k: i for i, k in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.kind], c.status, c.iri))
    return changes, dict(sorted(other.items()))


def reporter_losses(old: Side, new: Side, changes: Iterable[Change], rule: LossRule
                    ) -> list[Loss]:
    """Reporters that lose many activities (removed ones, whatever was added)."""
    def per_reporter(side: Side) -> dict[str, int]:
        n: dict[str, int] = defaultdict(int)
        for iri, kind in side.kinds.items():
            if kind == "activity":
                n[side.reporter_of.get(side.report_of.get(iri, ""), "")] += 1
        return n

    removed: dict[str, int] = defaultdict(int)
    for c in changes:
        if c.kind == "activity" and c.status == "removed":
            removed[c.reporter or ""] += 1
    if not removed:
        return []
    before, after = per_reporter(old), per_reporter(new)
    return [Loss(r, n, before[r], after.get(r, 0)) for r, n in sorted(removed.items())
            if n >= rule.min_count and n >= rule.min_share * before[r]]


# --------------------------------------------------------------------------- showing
def curie(iri: str, base: str) -> str:
    for name, ns in (("tkg", base + "def/"), *STANDARD_PREFIXES.items(), ("schema", SCHEMA)):
        if iri.startswith(ns) and "/" not in iri[len(ns):]:
            return f"{name}:{iri[len(ns):]}"
    return iri[len(base):] if iri.startswith(base) else f"<{iri}>"


def property_name(pc: PropertyChange, base: str) -> str:
    """'dct:title', or 'period schema:startDate' for a property of a sub-node."""
    name = curie(pc.predicate, base)
    return f"{pc.node} {name}" if pc.node else name
