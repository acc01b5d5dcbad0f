"""Reading SPARQL query and update text with a tokenizer (no full parse): dataset clauses,
SERVICE calls, bracket nesting, and the protocol's update dataset.

The tokenizer knows the lexical grammar of SPARQL 1.1 (§19.8): strings, IRIs, comments,
variables, prefixed names and keywords are single tokens, so that ``?from`` in
``FILTER(?from <= ?day)``, ``"FROM"`` in a string, ``# SERVICE`` in a comment or
``<http://x/service>`` are not read as keywords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>[(){}\[\]]|[^\s\w#"'<?$:(){}\[\]]+|.)
""", re.VERBOSE | re.DOTALL)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str  # comment, string, iri, var, pname, word or other
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> list[Token]:
    """The tokens of a SPARQL text, without whitespace and comments (an unterminated string
    becomes single characters: the query parser reports it)."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def unescape_codepoints(text: str) -> str:
    """SPARQL processes ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes before parsing (§19.2)."""
    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 else m.group()
    return _ESCAPE.sub(one, text)


def _mentions(text: str, word: str) -> bool:
    """Whether ``word`` can be in the text at all (directly or through codepoint escapes):
    most texts are ruled out without tokenizing them."""
    return word in text.lower() or "\\u" in text or "\\U" in text


def _variants(text: str) -> list[list[Token]]:
    plain = unescape_codepoints(text)
    return [tokens(text)] if plain == text else [tokens(text), tokens(plain)]


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its dataset with FROM / FROM NAMED (then it wins over the
    union default graph): the keyword FROM followed by an IRI, a prefixed name or NAMED."""
    if not _mentions(query, "from"):
        return False
    for toks in _variants(query):
        for a, b in zip(toks, toks[1:], strict=False):
            if a.is_word("FROM") and (b.kind in ("iri", "pname") or b.is_word("NAMED")):
                return True
    return False


@dataclass(frozen=True)
class ServiceCall:
    iri: str | None  # None: SERVICE ?var (an endpoint chosen at run time)
    written: str  # as written in the query


def service_calls(text: str, base: str | None = None) -> list[ServiceCall]:
    """Every SERVICE of a query or update, with its endpoint IRI resolved against PREFIX and
    BASE declarations (and ``base``)."""
    calls: list[ServiceCall] = []
    if not _mentions(text, "service"):
        return calls
    for toks in _variants(text):
        prefixes: dict[str, str] = {}
        current = base or ""
        for i, t in enumerate(toks):
            nxt = toks[i + 1:i + 4]
            if t.is_word("BASE") and nxt and nxt[0].kind == "iri":
                current = urljoin(current, nxt[0].text[1:-1])
            elif (t.is_word("PREFIX") and len(nxt) >= 2 and nxt[0].kind == "pname"
                  and nxt[1].kind == "iri"):
                prefixes[nxt[0].text.rstrip(":")] = urljoin(current, nxt[1].text[1:-1])
            elif t.is_word("SERVICE"):
                target = nxt[1] if nxt and nxt[0].is_word("SILENT") and len(nxt) > 1 else (
                    nxt[0] if nxt else None)
                calls.append(_service_call(target, prefixes, current))
    return calls


def _service_call(target: Token | None, prefixes: dict[str, str], base: str) -> ServiceCall:
    if target is None:
        return ServiceCall(None, "")
    if target.kind == "iri":
        return ServiceCall(urljoin(base, target.text[1:-1]), target.text)
    if target.kind == "pname":
        prefix, _, local = target.text.partition(":")
        if prefix in prefixes:
            return ServiceCall(prefixes[prefix] + local.replace("\\", ""), target.text)
    return ServiceCall(None, target.text)


class DatasetConflict(ValueError):
    """The protocol names the update's dataset and the update names its own (USING/WITH)."""


def with_update_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with ``USING <g>`` / ``USING NAMED <g>`` added to every DELETE/INSERT …
    WHERE operation (SPARQL 1.1 Protocol §2.2.3: ``using-graph-uri`` and
    ``using-named-graph-uri``). Raises DatasetConflict when an operation has its own USING or
    WITH. ``DELETE WHERE`` and the other operations have no WHERE dataset: left unchanged."""
    if not using and not using_named:
        return update
    clauses = " ".join([f"USING <{g}>" for g in using]
                       + [f"USING NAMED <{g}>" for g in using_named])
    toks = tokens(update)
    depth = 0
    inserts: list[int] = []
    for i, t in enumerate(toks):
        if t.kind == "other" and t.text == "{":
            depth += 1
        elif t.kind == "other" and t.text == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and t.is_word("USING", "WITH"):
            raise DatasetConflict(
                f"the update names its dataset with {t.text.upper()} and the request with "
                "using-graph-uri / using-named-graph-uri: give one or the other")
        elif depth == 0 and t.is_word("WHERE") and not (i and toks[i - 1].is_word("DELETE")):
            inserts.append(t.start)
    for pos in reversed(inserts):
        update = f"{update[:pos]}{clauses} {update[pos:]}"
    return update


_BRACKETS = re.compile(r"[(){}\[\]]")
_MASK = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'''
                   r'''"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*''')


def nesting_depth(query: str) -> int:
    """Deepest bracket nesting of a query, outside strings, IRIs and comments (the query
    parser recurses once per level: a query nested thousands deep could exhaust its stack).
    A regular expression masks them (fast on a megabyte: this runs before anything else)."""
    masked = _MASK.sub(lambda m: "" if m.group().startswith("#") else '""', query)
    depth = deepest = 0
    for m in _BRACKETS.finditer(masked):
        if m.group() in "({[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest
