"""Static checks of the ontology, the SKOS concept schemes and the SHACL shapes.

Some of these checks (notation = last IRI segment, unique English prefLabel per scheme, broader
within the scheme ...) would need SPARQL-based shapes; the vocabularies are static files, so they
are checked here instead, keeping the shapes graph cheap to run on every validation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "tripskg.ttl"
VOCAB_DIR = ROOT / "ontology" / "vocab"
SHAPES_DIR = ROOT / "shapes"
MODEL = ROOT / "ontology" / "MODEL.md"

TKG = Namespace("https://w3id.org/tripskg/def/")
TKGSH = Namespace("https://w3id.org/tripskg/def/shapes/")
ONTOLOGY = URIRef(str(TKG))
VERSION_IRI = URIRef(f"{TKG}0.1.0")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCT = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")
# plain Namespace: pytest probing rdflib's closed XSD namespace emits a UserWarning
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
SCHEMES = ("policy-area", "activity-type", "ip-field", "target-group", "mode", "data-kind", "role",
           "attribution", "report-kind", "source-kind")
LANGS = ("en", "fr", "es")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TERM_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def all_ttl() -> list[Path]:
    return sorted([*ROOT.joinpath("ontology").rglob("*.ttl"), *SHAPES_DIR.glob("*.ttl")])


@cache
def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@cache
def ontology() -> Graph:
    return parse(ONTOLOGY_FILE)


@cache
def vocab() -> Graph:
    g = Graph()
    for path in sorted(VOCAB_DIR.glob("*.ttl")):
        g += parse(path)
    return g


@cache
def shapes() -> Graph:
    g = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        g += parse(path)
    return g


def declared_terms() -> set[URIRef]:
    g = ontology()
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}


def scheme_iri(name: str) -> URIRef:
    """A scheme's IRI: <def/name>, but <def/attribution/> (the property tkg:attribution is
    <def/attribution>)."""
    return TKG[name + "/"] if name == "attribution" else TKG[name]


def schemes() -> set[URIRef]:
    return {s for s in vocab().subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)}


def concepts() -> set[URIRef]:
    return {s for s in vocab().subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}


def langs(g: Graph, s, p) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language:
            out[o.language].append(str(o))
    return out


def short(term) -> str:
    return str(term).replace(str(TKG), "tkg:")


# ---------------------------------------------------------------- parsing, hygiene


@pytest.mark.parametrize("path", all_ttl(), ids=lambda p: str(p.relative_to(ROOT)))
def test_parses(path: Path) -> None:
    assert len(parse(path)) > 0


@pytest.mark.parametrize("path", all_ttl(), ids=lambda p: str(p.relative_to(ROOT)))
def test_prefixes_are_used(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    for name in re.findall(r"^@prefix\s+([A-Za-z][\w-]*)?:", text, re.MULTILINE):
        assert re.search(rf"(?<![\w/#-]){re.escape(name)}:", body), f"unused prefix {name}:"


@pytest.mark.parametrize(
    "path",
    [p for p in all_ttl() if p.parent != SHAPES_DIR],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_blank_nodes_outside_shapes(path: Path) -> None:
    bnodes = {n for t in parse(path) for n in t if isinstance(n, BNode)}
    assert not bnodes, f"{path.name} uses blank nodes"


# ---------------------------------------------------------------- ontology


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY, OWL.versionIRI) == VERSION_IRI
    assert g.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert g.value(ONTOLOGY, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY, DCT.creator) == Literal("tripskg contributors")
    assert g.value(ONTOLOGY, DCT.created) == Literal("2026-11-25", datatype=XSD.date)
    assert g.value(ONTOLOGY, DCT.modified) is not None
    assert "en" in langs(g, ONTOLOGY, DCT.title)
    assert "en" in langs(g, ONTOLOGY, DCT.description)
    assert g.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("tkg")


def test_declared_terms_are_documented() -> None:
    g = ontology()
    terms = declared_terms()
    assert len(terms) >= 40
    for term in terms:
        types = set(g.objects(term, RDF.type)) & set(TERM_TYPES)
        assert len(types) == 1, f"{short(term)} has types {types}"
        assert TERM_LOCAL.match(str(term).removeprefix(str(TKG))), f"odd term name {term}"
        labels = langs(g, term, RDFS.label)
        for lang in LANGS:
            assert len(labels.get(lang, [])) == 1, f"{short(term)} needs one rdfs:label @{lang}"
        assert langs(g, term, RDFS.comment).get("en"), f"{short(term)} needs rdfs:comment @en"
        assert g.value(term, RDFS.isDefinedBy) == ONTOLOGY, f"{short(term)} rdfs:isDefinedBy"


def test_datatype_properties_have_xsd_ranges() -> None:
    g = ontology()
    for prop in g.subjects(RDF.type, OWL.DatatypeProperty):
        rng = g.value(prop, RDFS.range)
        assert rng is not None and str(rng).startswith(str(XSD)), f"{short(prop)} range {rng}"


def test_domains_and_ranges_are_known() -> None:
    g = ontology()
    terms = declared_terms()
    for p in (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf):
        for _, o in g.subject_objects(p):
            if str(o).startswith(str(TKG)):
                assert o in terms, f"{p} points to undeclared {short(o)}"


def used_tkg_terms() -> dict[URIRef, set[str]]:
    """tkg: IRIs used in ontology, vocabularies and shapes (SPARQL text included)."""
    used: dict[URIRef, set[str]] = defaultdict(set)
    for path in all_ttl():
        g = parse(path)
        for triple in g:
            for node in triple:
                if isinstance(node, URIRef) and str(node).startswith(str(TKG)):
                    used[node].add(path.name)
        for query in g.objects(None, SH.select):
            for local in re.findall(r"\btkg:([A-Za-z][A-Za-z0-9]*)\b(?!-)", str(query)):
                used[TKG[local]].add(path.name)
    return used


def test_every_used_term_is_declared() -> None:
    exempt = schemes() | concepts() | {ONTOLOGY, VERSION_IRI}
    declared = declared_terms()
    for term, files in used_tkg_terms().items():
        if term in exempt or str(term).startswith(str(TKGSH)):
            continue
        assert term in declared, f"{short(term)} (used in {sorted(files)}) is not declared"


def test_every_model_term_is_declared() -> None:
    """MODEL.md is the contract: every tkg: term it names exists (or is a concept scheme)."""
    text = MODEL.read_text(encoding="utf-8")
    names = set(re.findall(r"tkg:([A-Za-z][A-Za-z0-9-]*)", text))
    known = declared_terms() | schemes()
    for name in sorted(names):
        assert TKG[name] in known, f"MODEL.md names tkg:{name}, which is not declared"


def test_only_known_pun_between_schemes_and_terms() -> None:
    """MODEL.md gives the property tkg:mode and the scheme <def/mode> the same IRI."""
    assert declared_terms() & schemes() == {TKG.mode}


# ---------------------------------------------------------------- concept schemes


def test_scheme_files() -> None:
    names = sorted(p.stem for p in VOCAB_DIR.glob("*.ttl"))
    assert names == sorted(SCHEMES)
    for name in SCHEMES:
        g = parse(VOCAB_DIR / f"{name}.ttl")
        assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme_iri(name)}
        for c in g.subjects(RDF.type, SKOS.Concept):
            assert set(g.objects(c, SKOS.inScheme)) == {scheme_iri(name)}, f"{c} in {name}.ttl"


@pytest.mark.parametrize("name", SCHEMES)
def test_scheme(name: str) -> None:
    g = vocab()
    scheme = scheme_iri(name)
    labels = langs(g, scheme, SKOS.prefLabel)
    for lang in LANGS:
        assert len(labels.get(lang, [])) == 1, f"{name}: prefLabel @{lang}"
    assert g.value(scheme, DCT.title) is not None
    members = set(g.subjects(SKOS.inScheme, scheme))
    tops = set(g.objects(scheme, SKOS.hasTopConcept))
    assert tops, f"{name}: no top concepts"
    assert tops == set(g.subjects(SKOS.topConceptOf, scheme)), f"{name}: hasTopConcept/topConceptOf"
    assert tops <= members
    seen: dict[str, URIRef] = {}
    for c in sorted(members):
        pref = langs(g, c, SKOS.prefLabel)
        assert pref.get("en"), f"{c}: prefLabel @en"
        # every label (pref or alt, English, case-insensitive) names one concept only, so that
        # text from reports can be resolved to a concept without ambiguity
        own = {label.lower() for label in pref["en"]}
        alts = {label.lower() for label in langs(g, c, SKOS.altLabel).get("en", [])}
        assert not own & alts, f"{c}: altLabel repeats prefLabel"
        for label in own | alts:
            assert label not in seen, f"{name}: '{label}' labels both {seen[label]} and {c}"
            seen[label] = c


@pytest.mark.parametrize("concept", sorted(concepts()), ids=short)
def test_concept(concept: URIRef) -> None:
    g = vocab()
    in_schemes = set(g.objects(concept, SKOS.inScheme))
    assert len(in_schemes) == 1, f"{concept}: skos:inScheme"
    (scheme,) = in_schemes
    notations = list(g.objects(concept, SKOS.notation))
    assert len(notations) == 1, "exactly one skos:notation"
    notation = notations[0]
    assert isinstance(notation, Literal) and notation.datatype is None and not notation.language
    assert SLUG.match(str(notation)), f"notation {notation!r} is not a slug"
    assert str(concept) == f"{str(scheme).rstrip('/')}/{notation}", "IRI is <scheme>/<notation>"
    pref = langs(g, concept, SKOS.prefLabel)
    for lang in LANGS:
        assert len(pref.get(lang, [])) == 1, f"prefLabel @{lang}"
    assert langs(g, concept, SKOS.definition).get("en"), "skos:definition @en"
    tops = set(g.objects(concept, SKOS.topConceptOf))
    broader = set(g.objects(concept, SKOS.broader))
    assert tops or broader, "skos:topConceptOf or skos:broader"
    assert tops <= {scheme}, "topConceptOf its own scheme"
    for b in broader:
        assert (b, SKOS.inScheme, scheme) in g, f"broader {b} outside the scheme"
        assert b != concept


def test_broader_is_acyclic() -> None:
    g = vocab()
    for c in concepts():
        seen = {c}
        stack = list(g.objects(c, SKOS.broader))
        while stack:
            b = stack.pop()
            assert b not in seen, f"skos:broader cycle through {b}"
            seen.add(b)
            stack.extend(g.objects(b, SKOS.broader))


def resolve(name: str, label: str) -> URIRef | None:
    g = vocab()
    for c in g.subjects(SKOS.inScheme, TKG[name]):
        for p in (SKOS.prefLabel, SKOS.altLabel):
            if any(str(o).lower() == label.lower() for o in g.objects(c, p)):
                return c
    return None


@pytest.mark.parametrize(
    ("name", "label", "slug"),
    [
        # the seed cover note: "health, trade, education, research, competition, and technology
        # transfer"; "MSMEs as well as women and youth innovators and creators"
        ("policy-area", "health", "health"),
        ("policy-area", "public health", "health"),
        ("policy-area", "trade", "trade"),
        ("policy-area", "education", "education"),
        ("policy-area", "research", "research"),
        ("policy-area", "competition", "competition"),
        ("policy-area", "technology transfer", "technology-transfer"),
        ("policy-area", "IP enforcement", "enforcement"),
        ("policy-area", "green technology", "climate-change"),
        ("activity-type", "legislative advice", "legislative-advice"),
        ("activity-type", "workshop", "seminar-workshop"),
        ("activity-type", "distance learning", "online-course"),
        ("activity-type", "IT modernization", "ip-office-modernisation"),
        ("ip-field", "copyright", "copyright-related-rights"),
        ("ip-field", "undisclosed information", "trade-secrets"),
        ("target-group", "MSMEs", "msmes"),
        ("target-group", "SMEs", "msmes"),
        ("target-group", "women", "women"),
        ("target-group", "youth", "youth"),
        ("target-group", "creators", "creators"),
        ("mode", "virtual", "online"),
        ("data-kind", "real", "real"),
        ("role", "observer", "observer"),
    ],
)
def test_labels_resolve(name: str, label: str, slug: str) -> None:
    assert resolve(name, label) == URIRef(f"{TKG}{name}/{slug}")


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("data-kind", {"real", "example", "synthetic", "test-fixture"}),
        ("role", {"member", "observer"}),
        ("mode", {"in-person", "online", "hybrid"}),
    ],
)
def test_closed_schemes(name: str, required: set[str]) -> None:
    slugs = {str(c).rsplit("/", 1)[-1] for c in vocab().subjects(SKOS.inScheme, TKG[name])}
    assert slugs == required


# ---------------------------------------------------------------- shapes


def test_shape_iris() -> None:
    g = shapes()
    for s in set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape)):
        assert isinstance(s, URIRef) and str(s).startswith(str(TKGSH)), s


def test_every_constraint_has_an_english_message() -> None:
    g = shapes()
    property_shapes = set(g.objects(None, SH.property)) | set(
        g.subjects(RDF.type, SH.PropertyShape)
    )
    for ps in property_shapes:
        assert langs(g, ps, SH.message).get("en"), f"property shape {ps} has no sh:message @en"
    for c in g.objects(None, SH.sparql):
        assert langs(g, c, SH.message).get("en"), f"SPARQL constraint {c} has no sh:message @en"
        assert g.value(c, SH.prefixes) == URIRef(str(TKGSH)), f"{c}: sh:prefixes tkgsh:"
        assert "$this" in str(g.value(c, SH.select)), f"{c}: not $this-anchored"
    for ns in g.subjects(RDF.type, SH.NodeShape):
        node_level = [SH["class"], SH["or"], SH.node]
        if any(g.value(ns, p) is not None for p in node_level):
            assert langs(g, ns, SH.message).get("en"), f"node shape {ns} has no sh:message @en"


def test_shapes_cover_every_class() -> None:
    g = shapes()
    targeted = set(g.objects(None, SH.targetClass))
    classes = {s for s in ontology().subjects(RDF.type, OWL.Class)}
    missing = {short(c) for c in classes - targeted}
    assert not missing, f"no shape targets {missing}"
