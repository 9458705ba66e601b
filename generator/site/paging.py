"""Long lists split into pages with permanent URLs: page 1 is the list's own page, page k its
``page/k`` sub-page (``tags/x.md``, ``tags/x/page/2.md``, ...: :func:`generator.site.routes.list_page`
spells them), every page ``PER_PAGE`` items.

A list is a sequence of *sections* (the papers of a tag, then those tagged by inference; the
months of a year), paged as one sequence: a page holds the slices of the sections it overlaps,
and a section cut by a page boundary goes on, marked as continued, on the next page. Nothing
here knows what the items are; :mod:`generator.site.listings` fills the pages with paper cards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.site.routes import list_page

PER_PAGE = 100
"""Items per page: a page of 100 paper cards is about 100 KB of HTML."""
WINDOW = 2
"""Pages linked on each side of the current one in a pager (plus the first and the last)."""

T = TypeVar("T")


def page_count(items: int, per_page: int = PER_PAGE) -> int:
    """Pages of a list of ``items`` (at least one: an empty list still has its page)."""
    return max(1, -(-items // per_page))


def page_of(index: int, per_page: int = PER_PAGE) -> int:
    """The page (1-based) that holds the item at ``index`` (0-based) of a list."""
    return index // per_page + 1


@dataclass(frozen=True)
class Section(Generic[T]):
    """A titled part of a list (``title`` None: the list has no sections)."""

    title: str | None
    anchor: str | None  # the heading's id where the section starts
    note: str | None  # one line under the heading where the section starts
    items: Sequence[T]


@dataclass(frozen=True)
class Slice(Generic[T]):
    """The part of a section on one page."""

    section: Section[T]
    items: Sequence[T]
    continued: bool  # the section started on an earlier page


def page_slices(sections: Sequence[Section[T]], number: int, per_page: int = PER_PAGE) -> list[Slice[T]]:
    """The slices of ``sections`` on page ``number``: items ``(number-1)*per_page`` onwards, in order."""
    start, stop = (number - 1) * per_page, number * per_page
    out: list[Slice[T]] = []
    offset = 0
    for section in sections:
        n = len(section.items)
        lo, hi = max(start - offset, 0), min(stop - offset, n)
        if lo < hi:
            out.append(Slice(section, section.items[lo:hi], lo > 0))
        offset += n
    return out


@dataclass(frozen=True)
class PagerLink:
    number: int
    src: str  # the page's source


def pager(first_src: str, number: int, pages: int, window: int = WINDOW) -> list[PagerLink | None]:
    """Page links around ``number``: the first, ``window`` on each side, the last; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, number - window), min(pages, number + window) + 1)})
    out: list[PagerLink | None] = []
    previous = 0
    for k in shown:
        if k > previous + 1:
            out.append(None)
        out.append(PagerLink(k, list_page(first_src, k)))
        previous = k
    return out


def later_pages(first_src: str, items: int, per_page: int = PER_PAGE) -> Iterator[str]:
    """The sources of pages 2.. of a list of ``items``."""
    for k in range(2, page_count(items, per_page) + 1):
        yield list_page(first_src, k)
