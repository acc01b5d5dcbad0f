"""dist/ontology/: HTML documentation of the ontology and concept schemes, Turtle alongside.

Rendered from the store's ``ontology`` and ``vocabularies`` graphs (so ``--base`` is honoured)
with the Jinja2 template ``templates/ontology.html.j2`` (autoescaped).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..iris import IRIs
from ..prefixes import prefixes
from ..resources import ontology_dir, vocab_files
from ..vocab import DCT, DEFAULT_BASE, OWL, RDF, RDFS, SKOS, VANN

LANGS = ("en", "fr", "es")
PROPERTY_KINDS = (
    (OWL + "ObjectProperty", "Object properties", "object"),
    (OWL + "DatatypeProperty", "Datatype properties", "datatype"),
    (OWL + "AnnotationProperty", "Annotation properties", "annotation"),
)

Node = dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]


@dataclass
class Link:
    href: str
    text: str
    iri: str
    local: bool


@dataclass
class Term:
    iri: str
    anchor: str
    name: str
    labels: dict[str, list[str]]
    comments: dict[str, list[str]]
    rows: list[tuple[str, list[Link | str]]] = field(default_factory=list)
    depth: int = 0


@dataclass
class Scheme:
    term: Term
    concepts: list[Term]


def _describe(store: ox.Store, graph: str) -> dict[str, Node]:
    out: dict[str, Node] = defaultdict(lambda: defaultdict(list))
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        if isinstance(q.subject, ox.NamedNode) and not isinstance(q.object, ox.Triple):
            out[q.subject.value][q.predicate.value].append(q.object)
    for node in out.values():
        for values in node.values():
            values.sort(key=str)
    return out


def _by_lang(values: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for v in values:
        if isinstance(v, ox.Literal):
            out[v.language or ""].append(v.value)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] not in LANGS,
                                                    LANGS.index(kv[0]) if kv[0] in LANGS else 0,
                                                    kv[0])))


class Linker:
    def __init__(self, anchors: dict[str, str], labels: dict[str, str], pfx: dict[str, str]):
        self.anchors, self.labels = anchors, labels
        self.pfx = sorted(pfx.items(), key=lambda kv: -len(kv[1]))

    def curie(self, iri: str) -> str:
        for name, ns in self.pfx:
            if iri.startswith(ns) and iri != ns:
                return f"{name}:{iri[len(ns):]}"
        return iri

    def __call__(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Link | str:
        if isinstance(term, ox.Literal):
            return term.value + (f" @{term.language}" if term.language else "")
        if isinstance(term, ox.BlankNode):
            return "(anonymous)"
        iri = term.value
        if iri in self.anchors:
            return Link("#" + self.anchors[iri], self.labels.get(iri) or self.curie(iri), iri,
                        True)
        return Link(iri, self.curie(iri), iri, False)


_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def ontology_context(store: ox.Store, iris: IRIs) -> dict[str, object]:
    onto = _describe(store, iris.graph("ontology"))
    vocab = _describe(store, iris.graph("vocabularies"))
    pfx = prefixes(iris)

    def types(node: Node) -> set[str]:
        return {t.value for t in node.get(RDF + "type", []) if isinstance(t, ox.NamedNode)}

    def label(node: Node, pred: str = RDFS + "label") -> str | None:
        langs = _by_lang(node.get(pred, []))
        for lang in (*LANGS, ""):
            if langs.get(lang):
                return langs[lang][0]
        return None

    anchors: dict[str, str] = {}
    labels: dict[str, str] = {}
    classes = sorted(i for i, n in onto.items() if OWL + "Class" in types(n))
    props = {kind: sorted(i for i, n in onto.items() if kind in types(n))
             for kind, _, _ in PROPERTY_KINDS}
    for iri in classes + [i for k in props.values() for i in k]:
        anchors[iri] = _ANCHOR_UNSAFE.sub("-", _local(iri))
        labels[iri] = label(onto[iri]) or _local(iri)
    scheme_iris = sorted(i for i, n in vocab.items() if SKOS + "ConceptScheme" in types(n))
    concept_iris = sorted(i for i, n in vocab.items() if SKOS + "Concept" in types(n))
    for iri in scheme_iris:
        anchors.setdefault(iri, "scheme-" + _ANCHOR_UNSAFE.sub("-", _local(iri)))
        labels.setdefault(iri, label(vocab[iri], SKOS + "prefLabel") or _local(iri))
    scheme_anchor = {iri: "scheme-" + _ANCHOR_UNSAFE.sub("-", _local(iri)) for iri in scheme_iris}
    for iri in concept_iris:
        scheme = iri.rsplit("/", 1)[0]
        anchors[iri] = _ANCHOR_UNSAFE.sub("-", f"{_local(scheme)}-{_local(iri)}")
        labels[iri] = label(vocab[iri], SKOS + "prefLabel") or _local(iri)
    link = Linker(anchors, labels, pfx)

    def term(iri: str, node: Node, rows: list[tuple[str, str]], anchor: str | None = None,
             label_pred: str = RDFS + "label", comment_pred: str = RDFS + "comment") -> Term:
        t = Term(iri, anchor or anchors[iri], link.curie(iri), _by_lang(node.get(label_pred, [])),
                 _by_lang(node.get(comment_pred, [])))
        for title, pred in rows:
            values = [link(v) for v in node.get(pred, [])]
            if values:
                t.rows.append((title, values))
        return t

    # inverse facts: subclasses, properties whose domain/range is a class
    subclasses: dict[str, list[ox.NamedNode]] = defaultdict(list)
    in_domain: dict[str, list[ox.NamedNode]] = defaultdict(list)
    in_range: dict[str, list[ox.NamedNode]] = defaultdict(list)
    for iri, node in sorted(onto.items()):
        for sup in node.get(RDFS + "subClassOf", []):
            subclasses[sup.value].append(ox.NamedNode(iri))
        for d in node.get(RDFS + "domain", []):
            in_domain[d.value].append(ox.NamedNode(iri))
        for r in node.get(RDFS + "range", []):
            in_range[r.value].append(ox.NamedNode(iri))
    class_terms = []
    for iri in classes:
        t = term(iri, onto[iri], [("Subclass of", RDFS + "subClassOf"),
                                  ("Equivalent to", OWL + "equivalentClass")])
        for title, values in (("Subclasses", subclasses.get(iri, [])),
                              ("In the domain of", in_domain.get(iri, [])),
                              ("In the range of", in_range.get(iri, []))):
            if values:
                t.rows.append((title, [link(v) for v in values]))
        class_terms.append(t)
    property_groups = []
    for kind, title, key in PROPERTY_KINDS:
        terms = [term(iri, onto[iri], [("Domain", RDFS + "domain"), ("Range", RDFS + "range"),
                                       ("Subproperty of", RDFS + "subPropertyOf"),
                                       ("Inverse of", OWL + "inverseOf"),
                                       ("Equivalent to", OWL + "equivalentProperty")])
                 for iri in props[kind]]
        if terms:
            property_groups.append({"title": title, "key": key, "terms": terms})

    schemes = []
    for s_iri in scheme_iris:
        node = vocab[s_iri]
        st = term(s_iri, node, [("Title", DCT + "title"), ("Description", DCT + "description"),
                                ("Licence", DCT + "license")], scheme_anchor[s_iri],
                  SKOS + "prefLabel", SKOS + "definition")
        members = [c for c in concept_iris
                   if any(v.value == s_iri for v in vocab[c].get(SKOS + "inScheme", []))]
        children: dict[str | None, list[str]] = defaultdict(list)
        member_set = set(members)
        for c in members:
            parents = [b.value for b in vocab[c].get(SKOS + "broader", [])
                       if b.value in member_set]
            children[parents[0] if parents else None].append(c)
        ordered = _hierarchy(children, labels)
        seen = {c for c, _ in ordered}
        ordered += [(c, 0) for c in members if c not in seen]  # cycles: still listed
        concepts = []
        for c, depth in ordered:
            ct = term(c, vocab[c], [("Notation", SKOS + "notation"),
                                    ("Alternative labels", SKOS + "altLabel"),
                                    ("Broader", SKOS + "broader"),
                                    ("Narrower", SKOS + "narrower"),
                                    ("Related", SKOS + "related"),
                                    ("Exact match", SKOS + "exactMatch"),
                                    ("Close match", SKOS + "closeMatch")],
                      label_pred=SKOS + "prefLabel", comment_pred=SKOS + "definition")
            ct.depth = depth
            concepts.append(ct)
        schemes.append(Scheme(st, concepts))

    meta_node = onto.get(iris.tkg, {})
    meta = term(iris.tkg, meta_node, [
        ("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"),
        ("Licence", DCT + "license"), ("Creator", DCT + "creator"), ("Created", DCT + "created"),
        ("Modified", DCT + "modified"), ("Preferred prefix", VANN + "preferredNamespacePrefix"),
        ("Namespace", VANN + "preferredNamespaceUri"), ("See also", RDFS + "seeAlso"),
    ], anchor="ontology", label_pred=DCT + "title", comment_pred=DCT + "description")
    return {
        "meta": meta,
        "classes": class_terms,
        "property_groups": property_groups,
        "schemes": schemes,
        "prefixes": sorted(pfx.items()),
        "langs": LANGS,
        "vocab_files": [p.name for p in vocab_files()],
        "title": label(meta_node, DCT + "title") or "tripskg ontology",
    }


def _hierarchy(children: dict[str | None, list[str]], labels: dict[str, str]
               ) -> list[tuple[str, int]]:
    """Concepts depth first from the top concepts, siblings by label (iterative)."""
    ordered: list[tuple[str, int]] = []
    seen: set[str] = set()

    def kids(parent: str | None) -> list[str]:
        return sorted(children.get(parent, []), key=lambda i: ((labels.get(i) or i).casefold(), i))

    stack = [(c, 0) for c in reversed(kids(None))]
    while stack:
        c, depth = stack.pop()
        if c in seen:
            continue
        seen.add(c)
        ordered.append((c, depth))
        stack.extend((k, depth + 1) for k in reversed(kids(c)))
    return ordered


def render_ontology_html(store: ox.Store, iris: IRIs) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("tripskg", "templates"),
                      autoescape=select_autoescape(["html", "j2"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.tests["link"] = lambda v: isinstance(v, Link)
    return env.get_template("ontology.html.j2").render(**ontology_context(store, iris))


def _rebased(path: Path, base: str) -> bytes:
    text = path.read_text(encoding="utf-8")
    if base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)
    return text.encode("utf-8")


def write_ontology_docs(folder: Path, store: ox.Store, iris: IRIs) -> list[Path]:
    """Write ontology/index.html, ontology/tripskg.ttl and ontology/vocab/*.ttl."""
    (folder / "vocab").mkdir(parents=True, exist_ok=True)
    written = [folder / "index.html", folder / "tripskg.ttl"]
    (folder / "index.html").write_text(render_ontology_html(store, iris), encoding="utf-8")
    (folder / "tripskg.ttl").write_bytes(_rebased(ontology_dir() / "tripskg.ttl", iris.base))
    for path in vocab_files():
        (folder / "vocab" / path.name).write_bytes(_rebased(path, iris.base))
        written.append(folder / "vocab" / path.name)
    return written
