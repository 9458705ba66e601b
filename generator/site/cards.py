"""The paper card: how a paper appears in every list (home, tags, topics, collections, years,
related papers, mentions): title, byline (date, organisation or author count, upvotes), tag
chips and the first sentence of the abstract; a related paper's card says why, in one line.

:class:`Card` is a view object (links are final URLs relative to the listing page, from
:mod:`generator.site.routes`, for the raw HTML a card list is written as);
``templates/_card.md.j2`` presents it. The page-independent parts of a paper's card (byline,
first sentence) are computed once per paper, however many lists hold it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.model import Paper
from generator.site.escape import first_sentence

if TYPE_CHECKING:
    from generator.site.views import Chip

FIRST_SENTENCE_CHARS = 160
REASON_TAGS = 2  # tag names in a related paper's reason, at most
REASON_TERMS = 3  # shared terms in a related paper's reason, at most


@dataclass(frozen=True)
class Card:
    title: str
    href: str  # URL of the paper's page relative to the listing page (Routes.href)
    published: str | None  # ISO date
    who: str | None  # the organisation, else "3 authors"
    upvotes: int | None
    chips: tuple[Chip, ...] = ()
    first: str | None = None  # the abstract's first sentence
    reason: str | None = None  # why it is listed (related papers)


def who(p: Paper) -> str | None:
    if p.organization:
        return p.organization.name
    if p.authors is not None:
        return f"{p.authors} author{'s' if p.authors != 1 else ''}"
    return None


def reason(tags: Sequence[str], terms: Sequence[str], meaning: bool = False) -> str:
    """Why a paper is related, in one short line: ``Shared: Tag A, Tag B · term, term, term``, then
    ``; similar in meaning`` when the semantic vectors chose it (shared words alone would not have)."""
    parts = []
    if tags:
        named = ", ".join(tags[:REASON_TAGS])
        parts.append(named + (f" +{len(tags) - REASON_TAGS}" if len(tags) > REASON_TAGS else ""))
    if terms:
        parts.append(", ".join(terms[:REASON_TERMS]))
    if not parts:
        return "Similar in meaning" if meaning else "Similar wording"
    return "Shared: " + " · ".join(parts) + ("; similar in meaning" if meaning else "")


class CardMaker:
    """Cards for one site. ``chips(paper, src)`` gives a paper's tag chips as seen from ``src``."""

    def __init__(self, chips: Callable[[Paper, str], tuple[Chip, ...]], link: Callable[[str, str], str]):
        """``link(src, paper_id)``: the URL of a paper's page relative to the page ``src``."""
        self._chips = chips
        self._link = link
        self._first: dict[str, str] = {}
        self._who: dict[str, str | None] = {}

    def first(self, p: Paper) -> str:
        found = self._first.get(p.id)
        if found is None:
            found = self._first[p.id] = first_sentence(p.abstract, FIRST_SENTENCE_CHARS)
        return found

    def who(self, p: Paper) -> str | None:
        if p.id not in self._who:
            self._who[p.id] = who(p)
        return self._who[p.id]

    def card(self, p: Paper, src: str, without: str | None = None) -> Card:
        """The full card, on the page ``src``; ``without``: the id of a chip not to show (the
        tag or topic whose page this is: every card there would repeat it)."""
        chips = self._chips(p, src)
        if without is not None:
            chips = tuple(c for c in chips if c.id != without)
        return Card(p.title, self._link(src, p.id), p.published, self.who(p), p.upvotes, chips, self.first(p))

    def compact(self, p: Paper, src: str, why: str | None = None) -> Card:
        """A short card (title, byline, and the reason if any): related papers and mentions."""
        return Card(p.title, self._link(src, p.id), p.published, self.who(p), p.upvotes, reason=why)
