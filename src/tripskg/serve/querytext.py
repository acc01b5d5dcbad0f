"""Scanning SPARQL query text without parsing it: dataset clauses and bracket nesting.

Strings, IRIs and comments are masked first, so that '#', 'from' or brackets inside them do
not count.
"""

from __future__ import annotations

import re

STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'
                     r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>')
COMMENT = re.compile(r"#[^\n]*")
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?(<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its dataset with FROM / FROM NAMED (then it wins over the
    union default graph). IRIs and strings are masked first so that '#' and 'from' inside
    them do not count."""
    masked = STRINGS.sub(lambda m: "<>" if m.group(0).startswith("<") else '""', query)
    return bool(_FROM.search(COMMENT.sub("", masked)))


_BRACKETS = re.compile(r"[(){}\[\]]")


def nesting_depth(query: str) -> int:
    """Deepest bracket nesting of a query, outside strings, IRIs and comments (the query
    parser recurses once per level: a query nested thousands deep could exhaust its stack)."""
    masked = COMMENT.sub("", STRINGS.sub('""', query))
    depth = deepest = 0
    for m in _BRACKETS.finditer(masked):
        if m.group() in "({[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest
