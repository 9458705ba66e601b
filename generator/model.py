"""Value objects shared by every stage: diagnostics, raw entries, paper records.

Records are frozen dataclasses holding tuples, so a whole corpus is one immutable
value that later stages (tags, links, rendering) read but never change in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, pinned to a place: ``corpus/003_x.txt:142: date "Smarch 45" ...``."""

    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    severity: Severity = field(compare=False)
    message: str = field(compare=True)
    kind: str = field(default="", compare=False)
    """A short name for the kind of problem (``untagged``, ``cut-off``); see :attr:`category`."""

    @property
    def category(self) -> str:
        """What the problem is, without its particulars: :attr:`kind` if set, else the message with
        quoted values and numbers blanked (``paper "…" matches no tag``). Summaries group by it."""
        return self.kind or _PARTICULARS.sub(_blank, self.message)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity.value}: {self.message}"
        return text if text.isprintable() else "".join(_printable(c) for c in text)


_PARTICULARS = re.compile(r'"[^"]*"|\'[^\']*\'|\d+')


def _blank(match: re.Match[str]) -> str:
    text = match.group()
    return "N" if text[0].isdigit() else text[0] + "…" + text[0]


def display_path(path: Path) -> str:
    """``<corpus folder name>/<file name>``: what messages and records call a file.

    It depends on nothing but the corpus itself (not on the working folder), so the same
    corpus gives the same output wherever it lives. Characters that do not print (a newline in a
    file name) are written as escapes (``\\n``), so a name can never start a new line of a log
    or of a workflow command.
    """
    shown = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return shown if shown.isprintable() else "".join(_printable(c) for c in shown)


def _printable(char: str) -> str:
    return char if char.isprintable() else repr(char)[1:-1]


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    """How many of ``diagnostics`` have ``severity``."""
    return sum(d.severity is severity for d in diagnostics)


@dataclass(frozen=True)
class Organization:
    handle: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"handle": self.handle, "name": self.name}


@dataclass(frozen=True)
class RawDate:
    """A date as written: ``Dec 28, 2023`` or ``May 21`` (year omitted)."""

    month: int
    day: int
    year: int | None
    line: int


@dataclass(frozen=True)
class RawEntry:
    """One entry of one listing file, as parsed, before validation and merging."""

    path: str
    title: str
    abstract: str
    title_line: int
    abstract_line: int
    authors: int | None = None
    organization: Organization | None = None
    date: RawDate | None = None
    upvotes: int | None = None


@dataclass(frozen=True)
class Collection:
    """One corpus file. ``id`` is the file stem made URL-safe; it never changes."""

    id: str
    path: str
    name: str
    description: str
    capture_year: int | None
    entry_count: int


@dataclass(frozen=True)
class Paper:
    """A validated, merged paper record. See README "Record schema"."""

    id: str
    title: str
    abstract: str
    authors: int | None
    organization: Organization | None
    published: str | None  # ISO date
    upvotes: int | None
    code_urls: tuple[str, ...]
    collections: tuple[str, ...]
    sources: tuple[str, ...]  # "path:line" of every copy, for diagnostics and provenance

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": self.authors,
            "organization": self.organization.to_json() if self.organization else None,
            "published": self.published,
            "upvotes": self.upvotes,
            "code_urls": list(self.code_urls),
            "collections": list(self.collections),
            "sources": list(self.sources),
        }
