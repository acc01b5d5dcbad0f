"""Cover-note parser: the text of a TRIPS Council document -> a :class:`Report` record.

It recognises the family of templates in BRIEF §1 (intergovernmental organizations, WTO
Secretariat, developed Members under Article 67, older "note prepared by the Secretariat"
forms). Every extracted fact keeps the paragraph it came from. What it cannot find is reported
as a missing-field warning and left out; nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Location, Warning_, fold
from ..model import Fact, Mention, Paragraph, PartialDate, Report
from ..reference import Reference
from .datefacts import Assigned, date_facts, year_span_period
from .text import read_text

SYMBOL_RE = re.compile(r"\bIP/C/(?:R/TC|W)/[A-Za-z0-9][A-Za-z0-9./-]*[A-Za-z0-9]")
PREVIOUS_CUE = re.compile(
    r"\b(previous|preceding|earlier|last|prior|update[sd]?|updating|see\s+document)\b", re.I
)
REPORTER_RES = [
    # "received from the United Nations Conference on Trade and Development (UNCTAD)":
    # a name closed by its acronym may contain "on", "and", ...
    re.compile(r"\breceived\s+from\s+(?:the\s+)?(?P<n>[A-Z][^()]{2,150}?\s*\((?P<a>[A-Z]{2,10})\))"),
    re.compile(
        r"\bat\s+the\s+request\s+of\s+(?:the\s+)?(?:delegation|Permanent\s+Mission)\s+of\s+"
        r"(?:the\s+)?(?P<n>[A-Z][^,.;()]+?)(?:\s+\((?P<a>[A-Z]{2,10})\))?\s*(?:[,.;]|$)",
    ),
    re.compile(
        r"\breceived\s+from\s+(?:the\s+)?(?P<n>.+?)\s+(?:by\s+means\s+of|in\s+a|through|with|on\b|dated)",
        re.I,
    ),
    re.compile(r"\b(?:note|information)\s+prepared\s+by\s+the\s+(?P<n>.+?)\s+Secretariat\b", re.I),
    re.compile(
        r"\b(?:communication|information|report|notification)\s+(?:submitted\s+)?(?:from|by)\s+"
        r"(?:the\s+)?(?:delegation\s+of\s+(?:the\s+)?)?(?P<n>[A-Z][^,.;()]+?)"
        r"(?:\s+\((?P<a>[A-Z]{2,10})\))?\s*(?:[,.;]|under|pursuant|on\b|in\b|dated|to\b|$)",
    ),
]
SECRETARIAT_RE = re.compile(r"\b(?:note|report)\s+(?:prepared\s+)?by\s+the\s+Secretariat\b", re.I)
PREPARED_BY_RE = re.compile(r"\b(?:note|information)\s+prepared\s+by\s+the\b", re.I)
# Names that contain a mention-like word but are not mentions ("Council for TRIPS")
NOT_MENTIONS = re.compile(
    r"Council\s+for\s+(?:TRIPS|Trade-Related\s+Aspects\s+of\s+Intellectual\s+Property\s+Rights)"
    r"|TRIPS\s+Council",
    re.I,
)
HEADING_NUMBERED = re.compile(r"^\d+(?:\.\d+)*\.?\s{1,}\S.{0,80}$")
NUMBERED_PARA = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
SEPARATOR = re.compile(r"^[\s_*=\-–—.]*$")

MENTION_KINDS = {
    "treaty": ("treaty",),
    "framework": ("framework",),
    "organization": ("organization",),
    "group": ("group",),
}
CONCEPT_MENTIONS = {"policy-area": "policy-area", "target-group": "target-group"}


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    iri: str
    kind: str


def _mention_patterns(ref: Reference) -> list[_Pattern]:
    """Surface forms of everything a note may mention, longest first."""
    forms: dict[tuple[str, bool], tuple[str, str]] = {}

    def add(name: str, iri: str, kind: str) -> None:
        name = name.strip()
        if len(name) < 3 and not name.isupper():
            return
        exact = name.isupper() or (len(name) <= 6 and any(c.isupper() for c in name[1:]))
        forms.setdefault((name if exact else fold(name), exact), (iri, kind))

    for iri, e in ref.entities.items():
        kind = {"treaty": "treaty", "framework": "framework", "organization": "organization",
                "group": "group"}.get(e.kind)
        if kind:
            for n in e.names():
                add(n, ref.rebase(iri), kind)
    for scheme, kind in CONCEPT_MENTIONS.items():
        for c in ref.concepts.get(scheme, {}).values():
            # preferred labels, plus synonyms specific enough to be a mention on their own
            # (several words, or an acronym such as "MSMEs"); not one-word synonyms ("public")
            specific = [a for a in c.alt if " " in a.strip() or any(ch.isupper() for ch in a)]
            for n in c.labels.get("en", [])[:1] + specific:
                add(n, ref.rebase(c.iri), kind)
    out = []
    for (name, exact), (iri, kind) in sorted(forms.items(), key=lambda kv: -len(kv[0][0])):
        # a hyphen and a space are the same joint ("WIPO-WTO Agreement" / "WIPO WTO Agreement",
        # "developing-country Members" / "developing country Members")
        body = _JOINT.join(re.escape(part) for part in re.split(r"[\s\-‐‑]+", name))
        flags = 0 if exact else re.I
        out.append(_Pattern(re.compile(rf"(?<![\w-]){body}(?![\w-])", flags), iri, kind))
    return out


_JOINT = r"[\s\-‐‑]+"
_PATTERN_CACHE: dict[int, list[_Pattern]] = {}
# "developing and least developed country Members", "least-developed and developing-country
# Members", "developed or developing countries": the head noun after the last conjunct also
# belongs to the first one.
COORDINATED = re.compile(
    r"(?<![\w-])(?P<a>\w+(?:[\s\-‐‑]+\w+)?)\s+(?:and|or|and/or|as\s+well\s+as)\s+"
    r"(?:the\s+)?(?:\w+(?:[\s\-‐‑]+\w+)?)[\s\-‐‑]+"
    r"(?P<head>country\s+Members|countries|country|Members|economies|States)(?![\w-])",
    re.I,
)


def _coordinated(text: str, patterns: list[_Pattern]) -> list[tuple[int, Mention]]:
    """Mentions of the first conjunct of a coordinated group phrase, completed with the head
    noun of the last one; only completions that are known names count."""
    out = []
    for m in COORDINATED.finditer(text):
        words = re.split(r"[\s\-‐‑]+", m.group("a"))
        heads = [m.group("head"), m.group("head").split()[0], "countries"]
        for first in (" ".join(words), words[-1]):
            found = next((p for h in heads for p in patterns
                          if p.regex.fullmatch(f"{first} {h}" if p.regex.flags & re.I == 0
                                               else _fold_keep_length(f"{first} {h}"))), None)
            if found:
                start = m.start("a") + m.group("a").rfind(first.split()[0])
                out.append((start, Mention(found.iri, found.kind, text[start:m.end("a")])))
                break
    return out


def find_mentions(text: str, ref: Reference) -> list[Mention]:
    """Non-overlapping mentions in a paragraph, longest surface form first, in text order."""
    patterns = _PATTERN_CACHE.get(id(ref))
    if patterns is None:
        patterns = _PATTERN_CACHE[id(ref)] = _mention_patterns(ref)
    folded = _fold_keep_length(text)
    taken: list[tuple[int, int]] = [m.span() for m in NOT_MENTIONS.finditer(text)]
    found: list[tuple[int, Mention]] = []
    for p in patterns:
        subject = text if p.regex.flags & re.I == 0 else folded
        for m in p.regex.finditer(subject):
            span = m.span()
            if any(span[0] < b and a < span[1] for a, b in taken):
                continue
            taken.append(span)
            found.append((span[0], Mention(p.iri, p.kind, text[span[0]:span[1]])))
    found.extend(_coordinated(text, patterns))
    found.sort(key=lambda x: x[0])
    seen: set[str] = set()
    out = []
    for _, mention in found:
        if mention.iri not in seen:
            seen.add(mention.iri)
            out.append(mention)
    return out


def _fold_keep_length(text: str) -> str:
    """Case- and accent-folded text of the same length (so spans map back)."""
    out = []
    for c in text:
        f = fold(c) if c.strip() else c
        out.append(f if len(f) == 1 else c.lower())
    return "".join(out)


def split_paragraphs(text: str, source: str) -> tuple[str | None, list[Paragraph]]:
    """Title (first line) and body paragraphs with their first line numbers."""
    lines = text.split("\n")
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for n, line in enumerate(lines, start=1):
        if line.strip() and not SEPARATOR.match(line):
            if not current:
                start = n
            current.append(line.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    if not blocks:
        return None, []
    title = " ".join(blocks[0][1])
    paragraphs: list[Paragraph] = []
    unnumbered = 0
    for start, block in blocks[1:]:
        joined = " ".join(block)
        numbered = NUMBERED_PARA.match(joined)
        if not numbered and _is_heading(joined):
            continue
        position = len(paragraphs) + 1
        loc = Location(source, start)
        if numbered:
            number = int(numbered.group(1))
            body = joined[numbered.end():]
            paragraphs.append(Paragraph(str(number), position, body, loc, number))
        else:
            unnumbered += 1
            paragraphs.append(Paragraph(f"p{unnumbered}", position, joined, loc))
    return title, paragraphs


def _is_heading(text: str) -> bool:
    if SECRETARIAT_RE.search(text) or PREPARED_BY_RE.search(text):
        return False  # "Note by the Secretariat": a heading that states who reports
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return True
    if HEADING_NUMBERED.match(text) and not text.rstrip().endswith((".", ":", ";")):
        return len(text.split()) <= 10
    return len(text) < 60 and not text.rstrip().endswith((".", ":", ";"))


def parse_cover_note(path: Path, key: str, display: str, ref: Reference) -> tuple[
    Report, list[Warning_]
]:
    """Parse one cover note; returns the record and warnings for the fields not found."""
    text = read_text(path, display)
    if "\x00" in text:
        raise InputError("NUL character in text", display)
    title, paragraphs = split_paragraphs(text, display)
    report = Report(key=key, location=Location(display), title=title, paragraphs=paragraphs)
    if not paragraphs:
        raise InputError(
            "no paragraphs found", display, 1,
            hint="a cover note has a title line, then paragraphs separated by blank lines",
        )
    found: list[Warning_] = []
    for para in paragraphs:
        para.mentions = find_mentions(para.text, ref)
        found.extend(_extract(report, para, ref))
    if report.reporter is None and title:
        report.reporter = _reporter_from_title(title, ref)
    warnings = [
        Warning_(f"missing field '{name}': not found in the cover note", Location(display))
        for name, value in (
            ("reporter", report.reporter),
            ("communication_date", report.communication_date),
            ("council_meeting", report.meeting),
            ("reporting_period", report.period),
        )
        if value is None
    ]
    return report, warnings + found


def _extract(report: Report, para: Paragraph, ref: Reference) -> list[Warning_]:
    text = para.text
    warnings = _dated_facts(report, para)
    if report.previous_report is None:
        for sentence in re.split(r"(?<=[.;])\s+", text):
            sym = SYMBOL_RE.search(sentence)
            if sym and PREVIOUS_CUE.search(sentence):
                report.previous_report = Fact(sym.group(0).rstrip("."), para.key)
                break
    if report.reporter is None:
        iri = _reporter(text, ref)
        if iri:
            report.reporter = Fact(iri, para.key)
    return warnings


_FIELDS = {"meeting": "meeting", "review_meeting": "review_meeting", "period": "period",
           "communication": "communication_date"}


def _dated_facts(report: Report, para: Paragraph) -> list[Warning_]:
    """Meeting, review meeting, period and communication date, each only from its own words
    (see :mod:`.datefacts`); dates whose words name no field become warnings."""
    warnings = []
    try:
        facts = date_facts(para.text)
    except InputError as e:
        raise InputError.at(para.location, e.message, e.hint) from None
    for found in facts:
        if isinstance(found, Assigned):
            attr = _FIELDS[found.field]
            if getattr(report, attr) is not None:
                continue  # the first statement of a field wins
            value: object = found.value
            if found.field == "communication":
                value = found.value[0]
            elif found.field == "period":
                value = (PartialDate.of(found.value[0].first_day()),
                         PartialDate.of(found.value[1].last_day()))
            setattr(report, attr, Fact(value, para.key))
        else:
            warnings.append(Warning_(
                f"date '{found.text}' left out: {found.reason}", para.location))
    if report.period is None and (years := year_span_period(para.text)):
        warnings.append(Warning_(
            f"period '{years}' left out: given only as years (calendar or fiscal?)",
            para.location))
    return warnings


_KINDS = ("organization", "member", "country")


def _resolve_name(name: str, ref: Reference, acronym: str | None = None) -> str | None:
    candidates = [name]
    if m := re.match(r"^(.*?)\s*\(([A-Z][A-Za-z]{1,9})\)$", name.strip()):
        candidates = [m.group(1), m.group(2)]
    if acronym:
        candidates.append(acronym)
    candidates += [re.sub(r"^the\s+", "", c, flags=re.I) for c in candidates]
    for c in candidates:
        try:
            return ref.resolve(c, _KINDS, "reporter")
        except InputError:
            continue
    return None


def _reporter(text: str, ref: Reference) -> str | None:
    for r in REPORTER_RES:
        for m in r.finditer(text):
            iri = _resolve_name(m.group("n"), ref, m.groupdict().get("a"))
            if iri:
                return iri
    if SECRETARIAT_RE.search(text):
        return _resolve_name("WTO", ref)
    return None


def _reporter_from_title(title: str, ref: Reference) -> Fact | None:
    # "... information from other intergovernmental organizations - World Health Organization (WHO)"
    parts = re.split(r"\s+[-–—]\s+", title)
    for part in reversed(parts[1:]):
        iri = _resolve_name(part, ref)
        if iri:
            return Fact(iri, "title")
    return None
