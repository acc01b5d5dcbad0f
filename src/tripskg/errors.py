"""One error family for the whole pipeline, rendered the same way everywhere."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar


@dataclass(frozen=True)
class Location:
    """Where a fact or a problem sits in a source file.

    ``line`` is a 1-based line (or spreadsheet row); ``column`` is a column name for tables or
    a 1-based character offset for text; ``paragraph`` names a cover-note paragraph.
    """

    source: str
    line: int | None = None
    column: str | int | None = None
    paragraph: str | None = None

    def __str__(self) -> str:
        text = self.source
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.paragraph is not None:
            text += f" ¶{self.paragraph}"
        return text


E = TypeVar("E", bound="TripsKGError")


@dataclass
class TripsKGError(Exception):
    """An error a user can act on: what is wrong, where, and what to do."""

    message: str
    source: str | None = None
    line: int | None = None
    column: str | int | None = None
    hint: str | None = None
    paragraph: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @classmethod
    def at(cls: type[E], loc: Location, message: str, hint: str | None = None) -> E:
        return cls(message, loc.source, loc.line, loc.column, hint, loc.paragraph)

    @property
    def location(self) -> Location | None:
        if self.source is None:
            return None
        return Location(self.source, self.line, self.column, self.paragraph)

    def render(self) -> str:
        loc = self.location
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:
        return self.render()


class InputError(TripsKGError):
    """A source file (cover note, annex, reference CSV) cannot be read as expected."""


class ValidationFailed(TripsKGError):
    """SHACL validation found violations."""


@dataclass
class QueryError(TripsKGError):
    """A saved query, a parameter or an endpoint failed; ``parameter``: the query parameter
    at fault, if one is."""

    parameter: str | None = None


@dataclass
class ErrorGroup(Exception):
    """Several errors found in one run (all errors of a file are reported together)."""

    errors: list[TripsKGError] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(e.render() for e in self.errors)


@dataclass(frozen=True)
class Warning_:
    """A non-fatal finding (a missing field, an unknown column)."""

    message: str
    location: Location | None = None

    def render(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive key used for name matching."""
    if text.isascii():
        return " ".join(text.casefold().split())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return " ".join(text.casefold().split())


def did_you_mean(
    value: str, candidates: Iterable[str] | Mapping[str, str], n: int = 3, cutoff: float = 0.8
) -> str | None:
    """A "did you mean ..." hint from the closest candidates, or None.

    ``candidates`` may map each matchable name to the name to suggest (so a misspelt ISO name
    suggests the WTO spelling: 'Kyrgyztan' -> 'Kyrgyz Republic').
    """
    pairs = candidates.items() if isinstance(candidates, Mapping) else (
        (c, c) for c in candidates)
    by_fold: dict[str, str] = {}
    for name, shown in pairs:
        by_fold.setdefault(fold(name), shown)
    close = difflib.get_close_matches(fold(value), list(by_fold), n=n * 3, cutoff=cutoff)
    shown_names = list(dict.fromkeys(by_fold[c] for c in close))[:n]
    if not shown_names:
        return None
    quoted = " or ".join(f"'{s}'" for s in shown_names)
    return f"did you mean {quoted}?"
