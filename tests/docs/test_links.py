"""Every relative link of the project's Markdown (README, ARCHITECTURE, docs/, …) resolves.

A link to a file must name an existing file or folder; a link with ``#anchor`` into a Markdown
file must name one of its headings (GitHub's slugs) or an explicit ``<a id>``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())

_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files(root: Path = ROOT) -> list[Path]:
    files = [root / "README.md", root / "ARCHITECTURE.md", root / "ontology" / "MODEL.md"]
    files += [root / "data" / "SOURCES-REPORTS.md", root / "data" / "reference" / "SOURCES.md"]
    folders = [root / "docs", root / "benchmarks"]
    return [f for f in files if f.is_file()] + sorted(f for d in folders for f in d.glob("*.md"))


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans (their brackets are not links)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set(_HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for heading in _HEADING.findall(text):
        base = slug(heading)
        n = seen.get(base, 0)
        found.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """'file: target (why)' for each relative link of path that does not resolve."""
    bad = []
    for target in _LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if _SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            bad.append(f"{path.relative_to(root)}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{path.relative_to(root)}: {target} (no heading #{anchor})")
    return bad


def test_every_relative_link_resolves() -> None:
    files = markdown_files()
    assert ROOT / "README.md" in files and (ROOT / "docs").is_dir()
    bad = [b for f in files for b in broken_links(f)]
    assert bad == [], "broken links:\n" + "\n".join(bad)


def test_the_checker_finds_broken_files_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# The `b` file — notes\n\n## Usage\n## Usage\n",
                                   encoding="utf-8")
    a = tmp_path / "a.md"
    a.write_text("[ok](b.md#the-b-file--notes) [ok](b.md#usage-1) [ok](#top)\n"
                 "<a id=\"top\"></a> [gone](c.md) [bad anchor](b.md#nothing)\n"
                 "`[in code](nowhere.md)` [web](https://example.org/x.md)\n"
                 "```\n[in a block](nowhere.md)\n```\n", encoding="utf-8")
    assert broken_links(a, tmp_path) == ["a.md: c.md (no such file)",
                                         "a.md: b.md#nothing (no heading #nothing)"]


def test_slugs_follow_github() -> None:
    assert slug("What `tripskg build` publishes") == "what-tripskg-build-publishes"
    assert slug("Scaling out: Virtuoso") == "scaling-out-virtuoso"
    assert slug("The data: real, example and synthetic") == "the-data-real-example-and-synthetic"
    assert slug("tripskg push") == "tripskg-push"
