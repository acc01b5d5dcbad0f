"""Name pools of the synthetic data generator (``benchmarks/generate.py``): names drawn from
the reference data that resolve back to their entities, and concept labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from tripskg.errors import InputError
from tripskg.ingest.covernote import _reporter
from tripskg.reference import Reference

BENEFICIARY_KINDS = ("country", "member", "group", "region", "organization")
PARTNER_KINDS = ("organization", "member", "country")
REPORTER_KINDS = ("organization", "member", "country")
# Reporters of each template family (keys of the reference data); only names that resolve are used.
IGO_REPORTERS = ("wipo", "who", "unctad", "upov", "wco", "oecd", "itc", "unido", "fao",
                 "unesco", "undp", "unep", "worldbank", "south-centre", "aripo", "oapi", "eapo")
OLD_SECRETARIATS = ("WIPO", "WHO", "UNCTAD", "UPOV", "WCO", "OECD", "UNIDO", "FAO")
ARTICLE67_MEMBERS = ("European Union", "Japan", "Switzerland", "Canada", "Australia", "Norway",
                     "New Zealand", "United States", "United Kingdom", "Iceland")


# --------------------------------------------------------------------------- name pools
@dataclass
class Pools:
    """Surface forms that resolve, grouped so that every form of the readers is exercised."""

    beneficiaries: dict[str, list[str]] = field(default_factory=dict)  # form kind -> names
    concepts: dict[str, list[str]] = field(default_factory=dict)  # scheme -> labels
    concept_en: dict[str, list[str]] = field(default_factory=dict)  # scheme -> English labels
    treaties: list[str] = field(default_factory=list)
    treaty_names: list[str] = field(default_factory=list)  # English names, for cover notes
    frameworks: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)
    igo: list[tuple[str, str, str]] = field(default_factory=list)  # (key, name, acronym)
    secretariats: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


def _resolves(ref: Reference, name: str, kinds: tuple[str, ...], iri: str) -> bool:
    if not name or ";" in name or "\n" in name or name != name.strip():
        return False
    try:
        return ref.resolve(name, kinds, "name") == iri
    except InputError:
        return False


def _is_reporter(ref: Reference, name: str) -> bool:
    """The reference data resolves ``name`` as a reporter."""
    try:
        ref.resolve(name, REPORTER_KINDS, "reporter")
    except InputError:
        return False
    return True


def _uniq(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def build_pools(ref: Reference) -> Pools:
    p = Pools()
    forms: dict[str, list[str]] = {k: [] for k in (
        "wto-name", "iso-name", "alpha2", "alpha3", "french", "spanish", "member", "group",
        "region")}
    for iri, e in ref.entities.items():  # reference order: deterministic
        if e.kind == "country":
            r = e.row
            cand = [("wto-name", e.labels.get("en", "")), ("alpha2", r.get("alpha2", "")),
                    ("alpha3", r.get("alpha3", "")), ("french", e.labels.get("fr", "")),
                    ("spanish", e.labels.get("es", "")), ("iso-name", r.get("name_en", ""))]
            for kind, name in cand:
                if _resolves(ref, name, BENEFICIARY_KINDS, iri):
                    forms[kind].append(name)
        elif e.kind in ("member", "group", "region"):
            for name in e.names():
                if _resolves(ref, name, BENEFICIARY_KINDS, iri):
                    forms[e.kind].append(name)
            if e.kind == "group" and e.labels.get("en"):
                p.group_names.append(e.labels["en"])
        if e.kind == "treaty":
            names = [n for n in e.names() if _resolves(ref, n, ("treaty",), iri)]
            p.treaties += names
            if e.labels.get("en") in names:
                p.treaty_names.append(e.labels["en"])
        elif e.kind == "framework":
            p.frameworks += [n for n in [*e.names(), e.key]
                             if _resolves(ref, n, ("framework",), iri)]
        if e.kind in PARTNER_KINDS and (e.kind != "country" or e.row.get("alpha3") in {
                "JPN", "CHE", "CAN", "AUS", "NOR", "KOR", "SGP", "DEU", "FRA", "SWE"}):
            p.partners += [n for n in list(e.names())[:3] if _resolves(ref, n, PARTNER_KINDS, iri)]
    p.beneficiaries = {k: _uniq(v) for k, v in forms.items() if v}
    # "LDCs", as reports write the group, gets weight of its own (time-aware LDC queries)
    if _resolves(ref, "LDCs", BENEFICIARY_KINDS, ref.iris.group("ldc")):
        p.beneficiaries.setdefault("group", []).extend(["LDCs"] * 5)
    p.group_names = _uniq(p.group_names)
    for scheme in ("activity-type", "policy-area", "ip-field", "target-group", "mode"):
        labels: list[str] = []
        english: list[str] = []
        for c in ref.concepts.get(scheme, {}).values():
            for lang in ("en", "fr", "es"):
                labels += c.labels.get(lang, [])[:1]
            labels += c.alt
            english += c.labels.get("en", [])[:1]
        ok = []
        for name in _uniq(labels):
            if ";" in name or not name.strip():
                continue
            try:
                ref.concept(scheme, name, scheme)
            except InputError:
                continue
            ok.append(name)
        p.concepts[scheme] = ok
        p.concept_en[scheme] = [n for n in _uniq(english) if n in ok]
    for key in IGO_REPORTERS:
        e = ref.entities.get(ref.iris.org(key))
        if e is None:
            continue
        acronym = e.row.get("acronym", "")
        iri = ref.iris.org(key)
        name = e.labels.get("en", "")
        named = f"{name} ({acronym})" if acronym else name
        # keep only names the cover-note parser reads back as this reporter (it cuts a name at
        # words such as "on": "United Nations Conference on Trade and Development" is lost)
        if _resolves(ref, name, REPORTER_KINDS, iri) and _reporter(
                f"information received from the {named} by means of a letter.", ref) == iri:
            p.igo.append((key, name, acronym))
    p.secretariats += [acr for acr in OLD_SECRETARIATS if _is_reporter(ref, acr)]
    p.members += [name for name in ARTICLE67_MEMBERS if _is_reporter(ref, name)]
    return p


