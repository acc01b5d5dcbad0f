"""Reference data (countries, regions, groups, organizations, treaties, frameworks, concept
schemes) and the lookup that resolves the names used in reports to IRIs."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import InputError, Location, did_you_mean, fold
from .ingest.dates import parse_date
from .iris import IRIs, slugify
from .model import PartialDate
from .resources import reference_dir, vocab_files
from .vocab import DEFAULT_BASE, SKOS

KINDS = ("country", "member", "region", "group", "organization", "treaty", "framework")
# Columns every row of a reference file needs (the first one is the file's key)
REQUIRED_COLUMNS = {
    "regions.csv": ("m49",), "countries.csv": ("alpha3", "alpha2"),
    "wto_members.csv": ("key", "wto_name"), "groups.csv": ("key",),
    "group_members.csv": ("group", "member"), "organizations.csv": ("key",),
    "treaties.csv": ("key",), "frameworks.csv": ("key",),
}
UNIQUE_KEYS = set(REQUIRED_COLUMNS) - {"group_members.csv"}


@dataclass
class Entity:
    """One reference resource: its IRI (for the default base), kind, key and names."""

    kind: str
    key: str
    labels: dict[str, str]  # lang -> preferred label
    alt_names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # exact-match identifiers (ISO codes)
    row: dict[str, str] = field(default_factory=dict)
    location: Location | None = None

    @property
    def name(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.key)

    def names(self) -> Iterator[str]:
        yield from self.labels.values()
        yield from self.alt_names


@dataclass(frozen=True)
class Membership:
    """Time-aware membership of a country (or the EU) in a group or organization."""

    organization: str  # key of group or org (e.g. "ldc", "wto")
    org_kind: str  # "group" | "organization"
    member: str  # alpha-3 or member key (e.g. "EU")
    member_kind: str  # "country" | "member"
    role: str = "member"
    start: PartialDate | None = None
    end: PartialDate | None = None
    source: str | None = None
    location: Location | None = None


@dataclass
class Concept:
    scheme: str
    slug: str
    iri: str  # default-base IRI
    labels: dict[str, list[str]]  # lang -> labels (pref first)
    alt: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return (self.labels.get("en") or [self.slug])[0]


def read_csv(path: Path, display: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a reference CSV with their line numbers; '#' comment lines are skipped."""
    from .ingest.text import read_text

    text = read_text(path, display or str(path))
    lines = [(n, line + "\n") for n, line in enumerate(text.split("\n"), start=1)
             if not line.startswith("#")]
    numbers = [n for n, _ in lines]
    reader = csv.DictReader(line for _, line in lines)
    for row in reader:
        # reader.line_num counts physical lines consumed, including the header
        line = numbers[min(reader.line_num - 1, len(numbers) - 1)]
        yield line, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def split_list(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(";") if p.strip()]


def _date(cell: str, loc: Location) -> PartialDate | None:
    if not cell:
        return None
    try:
        return parse_date(cell)
    except InputError as e:
        raise InputError.at(loc, e.message, e.hint) from None


class Reference:
    """All reference data, loaded once from ``data/reference``."""

    def __init__(self, folder: Path | None = None, iris: IRIs | None = None) -> None:
        self.folder = folder or reference_dir()
        self.iris = iris or IRIs(DEFAULT_BASE)
        self.entities: dict[str, Entity] = {}  # default-base IRI -> entity
        self.memberships: list[Membership] = []
        self.concepts: dict[str, dict[str, Concept]] = {}  # scheme -> slug -> concept
        self._index: dict[str, dict[str, list[str]]] = {}  # kind -> folded name -> IRIs
        self._code_index: dict[str, str] = {}
        self._concept_index: dict[str, dict[str, str]] = {}
        self._resolved: dict[tuple[str, tuple[str, ...]], str] = {}  # successful lookups only
        self._load()

    # ------------------------------------------------------------------ loading
    def _path(self, name: str) -> Path:
        return self.folder / name

    def _rows(self, name: str) -> Iterator[tuple[Location, dict[str, str]]]:
        path = self._path(name)
        display = f"data/reference/{name}"
        if not path.exists():
            raise InputError("reference file is missing", display,
                             hint="restore it from the repository")
        required = REQUIRED_COLUMNS.get(name, ())
        keys: dict[str, int] = {}
        for line, row in read_csv(path, display):
            for col in required:
                if col not in row:
                    raise InputError(f"missing column '{col}'", display, 1,
                                     hint="expected columns include " + ", ".join(required))
                if not row[col]:
                    raise InputError(f"empty '{col}'", display, line, col)
            if name in UNIQUE_KEYS:
                key = row[required[0]]
                if key in keys:
                    raise InputError(f"duplicate {required[0]} '{key}'", display, line,
                                     required[0], hint=f"first on line {keys[key]}")
                keys[key] = line
            yield Location(display, line), row

    def _add(self, iri: str, entity: Entity) -> None:
        self.entities[iri] = entity
        keys = [entity.key] if entity.kind in ("treaty", "framework", "organization", "group") else []
        for name in [*entity.names(), *keys]:
            if name:
                bucket = self._index.setdefault(entity.kind, {}).setdefault(fold(name), [])
                if iri not in bucket:
                    bucket.append(iri)
        for code in entity.codes:
            self._code_index.setdefault(code, iri)

    def _load(self) -> None:
        ids = IRIs(DEFAULT_BASE)
        for loc, r in self._rows("regions.csv"):
            labels = {lang: r[f"name_{lang}"] for lang in ("en", "fr", "es") if r.get(f"name_{lang}")}
            self._add(ids.region(r["m49"]), Entity("region", r["m49"], labels,
                                                   split_list(r.get("alt_names", "")), row=r,
                                                   location=loc))
        wto = {r["key"]: (loc, r) for loc, r in self._rows("wto_members.csv")}
        for loc, r in self._rows("countries.csv"):
            labels = {lang: r[f"name_{lang}"] for lang in ("en", "fr", "es") if r.get(f"name_{lang}")}
            alt = split_list(r.get("alt_names", ""))
            if r["alpha3"] in wto:
                wto_name = wto[r["alpha3"]][1]["wto_name"]
                if wto_name and wto_name != labels.get("en"):
                    alt.insert(0, labels["en"])
                    labels["en"] = wto_name
            codes = [r["alpha2"], r["alpha3"]]
            self._add(
                ids.country(r["alpha3"]),
                Entity("country", r["alpha3"], labels, alt, codes, row=r, location=loc),
            )
        for key, (loc, r) in wto.items():
            role = r.get("status") or "member"
            if ids.country(key) not in self.entities:
                labels = {"en": r["wto_name"]}
                self._add(
                    ids.member(key),
                    Entity("member", key, labels, split_list(r.get("alt_names", "")), [key],
                           row=r, location=loc),
                )
            self.memberships.append(
                Membership(
                    "wto", "organization", key,
                    "country" if ids.country(key) in self.entities else "member",
                    role, _date(r.get("date", ""), loc), None, r.get("source") or None, loc,
                )
            )
        for loc, r in self._rows("groups.csv"):
            labels = {lang: r[f"name_{lang}"] for lang in ("en", "fr", "es") if r.get(f"name_{lang}")}
            self._add(
                ids.group(r["key"]),
                Entity("group", r["key"], labels, split_list(r.get("alt_names", "")), row=r,
                       location=loc),
            )
        for loc, r in self._rows("group_members.csv"):
            member = r["member"]
            if ids.group(r["group"]) not in self.entities:
                raise InputError.at(loc, f"unknown group '{r['group']}'", "add it to groups.csv")
            if ids.country(member) not in self.entities:
                raise InputError.at(loc, f"unknown country code '{member}'")
            start, end = _date(r.get("start_date", ""), loc), _date(r.get("end_date", ""), loc)
            if start and end and start.first_day() > end.last_day():
                raise InputError.at(loc, f"membership ends ({end.lexical()}) before it starts")
            self.memberships.append(
                Membership(r["group"], "group", member, "country", "member", start, end,
                           r.get("source") or None, loc)
            )
        for loc, r in self._rows("organizations.csv"):
            labels = {lang: r[f"name_{lang}"] for lang in ("en", "fr", "es") if r.get(f"name_{lang}")}
            alt = [r["acronym"]] if r.get("acronym") else []
            alt += split_list(r.get("alt_names", ""))
            self._add(ids.org(r["key"]), Entity("organization", r["key"], labels, alt, row=r,
                                                location=loc))
        for name, kind, maker in (
            ("treaties.csv", "treaty", ids.treaty),
            ("frameworks.csv", "framework", ids.framework),
        ):
            for loc, r in self._rows(name):
                labels = {
                    lang: r[f"name_{lang}"] for lang in ("en", "fr", "es") if r.get(f"name_{lang}")
                }
                self._add(maker(r["key"]), Entity(kind, r["key"], labels,
                                                  split_list(r.get("alt_names", "")), row=r,
                                                  location=loc))
        self._load_concepts()

    def _load_concepts(self) -> None:
        import pyoxigraph as ox

        base = DEFAULT_BASE + "def/"
        for path in vocab_files():
            with path.open("rb") as fh:
                for t in ox.parse(fh, ox.RdfFormat.TURTLE, base_iri=base):
                    s = t.subject
                    if not isinstance(s, ox.NamedNode) or not s.value.startswith(base):
                        continue
                    rest = s.value[len(base):]
                    if "/" not in rest or rest.endswith("/"):  # a scheme IRI <def/x/>
                        continue
                    scheme, slug = rest.split("/", 1)
                    concept = self.concepts.setdefault(scheme, {}).setdefault(
                        slug, Concept(scheme, slug, s.value, {})
                    )
                    pred = t.predicate.value
                    if pred in (SKOS + "prefLabel", SKOS + "altLabel") and isinstance(
                        t.object, ox.Literal
                    ):
                        lang = t.object.language or ""
                        labels = concept.labels.setdefault(lang, [])
                        if pred == SKOS + "prefLabel":
                            labels.insert(0, t.object.value)
                        else:
                            concept.alt.append(t.object.value)
                    elif pred == SKOS + "notation" and isinstance(t.object, ox.Literal):
                        concept.alt.append(t.object.value)

    # ------------------------------------------------------------------ lookup
    def rebase(self, iri: str) -> str:
        """Map a default-base IRI to the configured base."""
        if self.iris.base != DEFAULT_BASE and iri.startswith(DEFAULT_BASE):
            return self.iris.base + iri[len(DEFAULT_BASE):]
        return iri

    def unbase(self, iri: str) -> str:
        if iri.startswith(self.iris.base):
            return DEFAULT_BASE + iri[len(self.iris.base):]
        return iri

    def names_of(self, kinds: Iterable[str]) -> dict[str, str]:
        """Every matchable name of these kinds -> the preferred English name to suggest."""
        out: dict[str, str] = {}
        for e in self.entities.values():
            if e.kind in kinds:
                for name in e.names():
                    out.setdefault(name, e.name)
        return out

    def resolve(self, value: str, kinds: Iterable[str], what: str) -> str:
        """Resolve a name, code or IRI to an IRI (configured base); raise with a hint."""
        kinds = tuple(kinds)
        key = (value, kinds)
        hit = self._resolved.get(key)
        if hit is None:
            hit = self._resolved[key] = self._resolve(value, kinds, what)
        return hit

    def _resolve(self, value: str, kinds: tuple[str, ...], what: str) -> str:
        v = value.strip()
        if re.fullmatch(r"https?://\S+", v):
            if self.unbase(v) in self.entities and self.entities[self.unbase(v)].kind in kinds:
                return self.rebase(self.unbase(v))
            raise InputError(f"unknown {what} IRI <{v}>")
        iri = self._code_index.get(v) if re.fullmatch(r"[A-Z]{2,3}", v) else None
        if iri and self.entities[iri].kind in kinds:
            return self.rebase(iri)
        key = fold(v)
        for kind in kinds:
            hits = self._index.get(kind, {}).get(key)
            if hits:
                return self.rebase(hits[0])
        # a known name of another kind: say what it is
        for kind, idx in self._index.items():
            if key in idx and kind not in kinds:
                e = self.entities[idx[key][0]]
                raise InputError(
                    f"'{v}' is {_article(kind)} {kind} ({e.name}), not {_article(what)} {what}",
                )
        raise InputError(f"unknown {what} '{v}'", hint=did_you_mean(v, self.names_of(kinds)))

    def concept(self, scheme: str, value: str, what: str) -> str:
        """Resolve a label (any language), notation or IRI to a concept of ``scheme``."""
        key = (value, ("concept:" + scheme,))
        hit = self._resolved.get(key)
        if hit is None:
            hit = self._resolved[key] = self._concept(scheme, value, what)
        return hit

    def _concept(self, scheme: str, value: str, what: str) -> str:
        v = value.strip()
        concepts = self.concepts.get(scheme, {})
        if v.startswith(("http://", "https://")):
            if self.unbase(v) in {c.iri for c in concepts.values()}:
                return self.rebase(self.unbase(v))
            raise InputError(f"unknown {what} IRI <{v}>")
        index = self._concept_index.get(scheme)
        if index is None:
            index = {}
            for c in concepts.values():
                for name in [*(n for ls in c.labels.values() for n in ls), *c.alt]:
                    index.setdefault(fold(name), c.iri)
            for c in concepts.values():
                index[c.slug] = c.iri
            self._concept_index[scheme] = index
        hit = index.get(fold(v)) or index.get(slugify(v))
        if hit:
            return self.rebase(hit)
        names = {n: c.name for c in concepts.values() for ls in c.labels.values() for n in ls}
        names.update({a: c.name for c in concepts.values() for a in c.alt})
        raise InputError(f"unknown {what} '{v}'", hint=did_you_mean(v, names))

    def entity(self, iri: str) -> Entity | None:
        return self.entities.get(self.unbase(iri))


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


@cache
def load_reference(base: str = DEFAULT_BASE, folder: str | None = None) -> Reference:
    return Reference(Path(folder) if folder else None, IRIs(base))
