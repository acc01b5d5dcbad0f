"""The three forms of a :class:`~tripskg.releases.diff.Diff`: a text summary for people, CSV
(one row per added or removed resource and per changed property) and an RDF Patch.

RDF Patch (https://afs.github.io/rdf-patch/): a header naming the two versions, then one
transaction: ``D`` lines (triples removed), then ``A`` lines (triples added), each an
N-Triples triple of the union graph exactly as the dumps write it, in sorted order. Applying it
to the old build's ``tripskg.nt.gz`` gives the new one's.
"""

from __future__ import annotations

import csv
import io

from .diff import KINDS, Change, Diff, curie, literal_text, property_name

STATUSES = ("added", "removed", "changed", "moved")
CSV_COLUMNS = ("status", "kind", "iri", "label", "report", "reporter", "property",
               "old", "new")
SHOWN_VALUES = 3  # values of a changed property shown in the text summary
SHOWN_PROPERTIES = 8  # changed properties shown per resource in the text summary


def _short(iri: str | None, base: str) -> str:
    if not iri:
        return ""
    return iri[len(base) + 3:] if iri.startswith(base + "id/") else curie(iri, base)


def _values(terms: list[str]) -> str:
    return " | ".join(literal_text(t) for t in sorted(terms))


def summary_line(diff: Diff) -> str:
    """'2 activities added, 1 activity changed' (also void.ttl's version notes)."""
    parts = []
    for kind in KINDS:
        for status in STATUSES:
            n = diff.count(kind, status)
            if n:
                noun = kind if n == 1 else ("activities" if kind == "activity" else "reports")
                parts.append(f"{n} {noun} {status}")
    if not parts:
        return ("no report or activity changed (other triples did)" if not diff.equal
                else "no change")
    return ", ".join(parts)


def _version(v: str | None) -> str:
    return f"version {v}" if v else "no version"


def text_summary(diff: Diff, limit: int | None = None) -> str:
    """A readable summary: counts, then each changed resource (``limit`` per status)."""
    base = diff.new.base
    out = [f"{diff.old.folder} ({_version(diff.old.version)}) -> "
           f"{diff.new.folder} ({_version(diff.new.version)})"]
    if diff.equal:
        out.append(f"no differences ({diff.new.triples:,} triples)")
        return "\n".join(out) + "\n"
    out.append(summary_line(diff))
    out.append(f"triples: {len(diff.added_lines):,} added, {len(diff.removed_lines):,} "
               f"removed ({diff.old.triples:,} -> {diff.new.triples:,})")
    if diff.other:
        n = sum(diff.other.values())
        out.append(f"other resources: {len(diff.other):,} with {n:,} differing triples "
                   "(reference data, ontology, vocabularies)")
    for status in STATUSES:
        items = [c for c in diff.changes if c.status == status]
        for i, c in enumerate(items):
            if limit is not None and i == limit:
                out.append(f"  … {len(items) - limit} more {status}")
                break
            out.append(_change_line(c, base))
            for j, pc in enumerate(c.properties):
                if j == SHOWN_PROPERTIES:
                    out.append(f"      … {len(c.properties) - j} more properties (--format csv "
                               "lists them all)")
                    break
                old, new = _values(pc.old), _values(pc.new)
                text = f"      {property_name(pc, base)}: "
                if len(pc.old) > SHOWN_VALUES or len(pc.new) > SHOWN_VALUES:
                    text += f"{len(pc.old)} values removed, {len(pc.new)} added"
                else:
                    text += f"{old or '(none)'} -> {new or '(none)'}"
                out.append(text)
    return "\n".join(out) + "\n"


def _change_line(c: Change, base: str) -> str:
    label = f' "{c.label}"' if c.label else ""
    where = f" (report {_short(c.report, base)})" if c.kind == "activity" and c.report else ""
    props = ""
    if c.properties:
        names = list(dict.fromkeys(property_name(p, base) for p in c.properties))
        more = f", … {len(names) - SHOWN_PROPERTIES} more" if len(names) > SHOWN_PROPERTIES else ""
        props = ": " + ", ".join(names[:SHOWN_PROPERTIES]) + more
    return f"  {c.status} {c.kind} {_short(c.iri, base)}{label}{where}{props}"


def loss_warnings(diff: Diff) -> list[str]:
    base = diff.new.base
    return [
        f"{_short(loss.reporter, base) or 'an unknown reporter'} loses {loss.removed} of its "
        f"{loss.before} activities ({loss.before} -> {loss.after}): check that no annex "
        "was left out or renumbered"
        for loss in diff.losses
    ]


def csv_text(diff: Diff) -> str:
    """CSV, one row per added or removed resource and one per changed property."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in diff.changes:
        head = [c.status, c.kind, c.iri, c.label, c.report or "", c.reporter or ""]
        if not c.properties:
            w.writerow([*head, "", "", ""])
        for pc in c.properties:
            w.writerow([*head, property_name(pc, diff.new.base), _values(pc.old),
                        _values(pc.new)])
    return buf.getvalue()


def rdf_patch(diff: Diff) -> bytes:
    """The difference as an RDF Patch (see the module docstring)."""
    base = diff.new.base
    head = []
    if diff.new.version:
        head.append(f"H id <{base}dataset/version/{diff.new.version}> .\n".encode())
    if diff.old.version:
        head.append(f"H prev <{base}dataset/version/{diff.old.version}> .\n".encode())
    body = [b"D " + line for line in diff.removed_lines]
    body += [b"A " + line for line in diff.added_lines]
    return b"".join([*head, b"TX .\n", *body, b"TC .\n"])
