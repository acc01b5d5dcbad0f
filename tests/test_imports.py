"""Measures of issue 17 on the import graph of src/tripskg (circles and layers: see
test_architecture.py): no private names imported from another module, and the query workers'
formats module free of the web stack.

Imports under ``if TYPE_CHECKING:`` are left out: they never run."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in (SRC / "tripskg").rglob("*.py")}


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """(imported module, names) of every ``from`` import of a tripskg module, at any depth."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(sub) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for sub in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in typing_only:
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            for n in names:
                if f"{target}.{n}" in MODULES:
                    out.append((f"{target}.{n}", []))
            if target in MODULES:
                out.append((target, names))
    return out


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _ in _imports(m):
            parts = target.split(".")
            # importing a.b.c runs a/__init__ and a/b/__init__ first
            for i in range(2, len(parts) + 1):
                dep = ".".join(parts[:i])
                if dep in MODULES and dep != m and not m.startswith(dep + "."):
                    edges[m].add(dep)
    return edges


def _reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(edges[m])
    return seen


def test_no_private_names_imported_across_modules() -> None:
    private = [f"{m} imports {n} from {t}" for m in MODULES for t, names in _imports(m)
               for n in names if n.startswith("_") and n != "__version__"]
    assert private == []


def test_web_formats_imports_no_other_tripskg_module() -> None:
    # query worker processes import it: it must not pull in Jinja or Starlette
    assert _reaches(_graph(), "tripskg.web.formats") <= {"tripskg", "tripskg.web"}
