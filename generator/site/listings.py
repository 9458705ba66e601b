"""The site's long paper lists: tags, automatic topics, collections and years.

Each list is shown newest first as paper cards, ``PER_PAGE`` a page (:mod:`generator.site.paging`):
page 1 is the list's own page (``tags/x/``), the others ``tags/x/page/2/`` and on (paths from :mod:`generator.site.routes`), each linked
from a pager, so without JavaScript every paper is reachable. Each list also gets a data file,
``<list>/cards.json``, that the page script (``docs/assets/javascripts/atlas-lists.js``) fetches
when the reader sorts or filters: every paper of the list with what its card shows.

The data file's format (``v`` 1)::

    {"v": 1, "title": ..., "count": N, "flat": bool,
     "sections": [[title, anchor], ...],          # rows refer to these by index
     "paper": [prefix, suffix],                   # a paper's URL: prefix + id + suffix
     "chips": [[text, url, kind, note], ...],     # kind: rule, inferred, topic
     "collections": [[id, name], ...],
     "rows": [[id, title, date, upvotes, who, [chip], first sentence, [collection], section], ...]}

URLs in it are relative to the data file. Rows are in the list's order (newest first). Corpus
text in it is data: the script only ever sets it as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.enrich.topics import UNSORTED_NAME
from generator.model import Paper
from generator.site import routes
from generator.site.cards import Card
from generator.site.paging import PER_PAGE, Section, later_pages, page_count, page_slices, pager
from generator.site.routes import Routes

if TYPE_CHECKING:
    from generator.site.views import SiteViews

DATA_VERSION = 1
INFERRED_NOTE = "No rule of this tag matches these papers; most of their related papers carry it."


@dataclass(frozen=True)
class PaperList:
    """One list of the site, before paging."""

    src: str  # its first page
    title: str
    sections: tuple[Section[Paper], ...]
    without: str | None = None  # the chip its cards leave out (the tag or topic of the page)
    filters: tuple[str, ...] = ()  # "year", "collection": the filters its page offers
    flat: bool = False  # the sections only split the date order (months): sorted, it is one list
    heading: str | None = "Papers"  # the list's heading, above its tools (a year page has its months)

    @property
    def count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    @property
    def data_path(self) -> str:
        """Its data file, relative to the site root."""
        return routes.list_data(self.src)


@dataclass(frozen=True)
class SectionPart:
    """The part of a section on one page."""

    title: str | None
    anchor: str | None
    note: str | None  # shown where the section starts
    continued: bool
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class ListPage:
    """One page of a list: what a template shows. ``first_md`` is a Markdown link from ``src``; the
    pager's links are final URLs relative to the page (raw HTML)."""

    src: str
    title: str
    heading: str | None
    first_md: str  # page 1, as a Markdown link
    number: int
    pages: int
    total: int
    start: int  # 1-based position of its first card in the list (0: empty)
    end: int
    sections: tuple[SectionPart, ...]
    pager: tuple[tuple[int, str] | None, ...]  # (number, href); None: a gap
    prev: str | None
    next: str | None
    data: str  # URL of the list's data file, relative to this page's URL
    years: str  # the year filter's choices, space-separated ("" when it has none)
    collections: str  # the collection filter's choices as JSON [[id, name], ...] ("" when none)
    flat: bool


def html_json(value: Any) -> str:
    """JSON safe inside HTML (an attribute or a script): ``<``, ``>`` and ``&`` as escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


class Listings:
    """Every paged list of one site, its pages and its data files."""

    def __init__(self, views: SiteViews, per_page: int = PER_PAGE) -> None:
        self.views = views
        self.routes: Routes = views.routes  # links and file paths, as the views write them
        self.per_page = per_page
        self._lists: dict[str, PaperList] | None = None
        self._filters: dict[str, tuple[str, str]] = {}  # list src -> (years, collections): once a list

    def lists(self) -> dict[str, PaperList]:
        """Every list by the source of its first page, in a stable order."""
        if self._lists is None:
            v = self.views
            atlas = v.atlas
            out: list[PaperList] = []
            both = ("year", "collection")
            for tag in atlas.taxonomy.pages:
                sections = [Section(None, None, None, v.tag_members[tag.id])]
                inferred = v.inferred_members[tag.id]
                if inferred:
                    title = "Tagged by inference"
                    sections.append(Section(title, "tagged-by-inference", INFERRED_NOTE, inferred))
                out.append(PaperList(routes.tag(tag.id), tag.name, tuple(sections), tag.id, both))
            for topic in atlas.topics:
                section = Section(None, None, None, v.topic_members(topic))
                out.append(PaperList(routes.topic(topic.id), topic.name, (section,), topic.id, both))
            if atlas.unsorted:
                section = Section(None, None, None, v.unsorted_members())
                out.append(PaperList(routes.UNSORTED, UNSORTED_NAME, (section,), "not-yet-sorted", both))
            for c in atlas.collections:
                section = Section(None, None, None, v.collection_members(c.id))
                out.append(PaperList(routes.collection(c.id), c.name, (section,), None, ("year",)))
            for year in v.years():
                months = tuple(Section(name, anchor, None, ps) for name, anchor, ps in v.months(year))
                title = "Undated papers" if year == "undated" else f"Papers of {year}"
                out.append(PaperList(routes.year(year), title, months, flat=True, heading=None))
            self._lists = {lst.src: lst for lst in out}
        return self._lists

    def later_sources(self) -> Iterator[str]:
        """The sources of every list's pages after the first."""
        for lst in self.lists().values():
            yield from later_pages(lst.src, lst.count, self.per_page)

    def page(self, src: str) -> ListPage:
        """The page ``src`` of its list (``tags/x.md`` or ``tags/x/page/3.md``)."""
        split = routes.split_list_page(src)
        first, number = split if split else (src, 1)
        lst = self.lists()[first]
        pages = page_count(lst.count, self.per_page)
        if number > pages:
            raise KeyError(src)
        cards = self.views.cards
        parts = tuple(
            SectionPart(
                s.section.title,
                s.section.anchor,
                s.section.note,
                s.continued,
                tuple(cards.card(p, src, lst.without) for p in s.items),
            )
            for s in page_slices(lst.sections, number, self.per_page)
        )
        start = (number - 1) * self.per_page
        shown = sum(len(p.cards) for p in parts)
        years, collections = self._filter_choices(lst)
        href = self.routes.href
        links = tuple(None if k is None else (k.number, href(src, k.src)) for k in pager(first, number, pages))
        return ListPage(
            src=src,
            title=lst.title,
            heading=lst.heading,
            first_md=self.routes.md(src, first),
            number=number,
            pages=pages,
            total=lst.count,
            start=start + 1 if shown else 0,
            end=start + shown,
            sections=parts,
            pager=links if pages > 1 else (),
            prev=href(src, routes.list_page(first, number - 1)) if number > 1 else None,
            next=href(src, routes.list_page(first, number + 1)) if number < pages else None,
            data=self.routes.file_href(src, lst.data_path),
            years=years,
            collections=collections,
            flat=lst.flat,
        )

    def papers(self, src: str) -> list[Paper]:
        """The papers the page ``src`` of its list shows, in order."""
        split = routes.split_list_page(src)
        first, number = split if split else (src, 1)
        return [p for s in page_slices(self.lists()[first].sections, number, self.per_page) for p in s.items]

    def _papers(self, lst: PaperList) -> Iterator[Paper]:
        for s in lst.sections:
            yield from s.items

    def _filter_choices(self, lst: PaperList) -> tuple[str, str]:
        """The year and collection filters' choices of a list: read from all its papers, so worked out
        once per list, not once per page (a list of 30k papers has 300 pages)."""
        found = self._filters.get(lst.src)
        if found is None:
            years = " ".join(self._years(lst)) if "year" in lst.filters else ""
            collections = html_json(self._collections(lst)) if "collection" in lst.filters else ""
            found = self._filters[lst.src] = (years, collections)
        return found

    def _years(self, lst: PaperList) -> list[str]:
        years = {p.published[:4] if p.published else "undated" for p in self._papers(lst)}
        dated = sorted((y for y in years if y != "undated"), reverse=True)
        return [*dated, "undated"] if "undated" in years else dated

    def _collections(self, lst: PaperList) -> list[list[str]]:
        seen = {c for p in self._papers(lst) for c in p.collections}
        return [[c.id, c.name] for c in self.views.atlas.collections if c.id in seen]

    # -- data files --------------------------------------------------------------------------

    def data_files(self) -> Iterator[tuple[str, str]]:
        """(path in the site, JSON text) of every list's data file."""
        for lst in self.lists().values():
            yield lst.data_path, self.data(lst)

    def data(self, lst: PaperList) -> str:
        """The data file of ``lst`` (see the module docstring)."""
        views, atlas = self.views, self.views.atlas
        path = lst.data_path

        def url(src: str) -> str:
            return self.routes.href_from_file(path, src)

        # A paper's URL is prefix + id + suffix: spelled once, for a paper of the site.
        some = atlas.papers[0].id if atlas.papers else None
        if some is None:
            prefix, suffix = "", ""
        else:
            prefix, _, suffix = url(routes.paper(some)).rpartition(some)
        chip_index: dict[tuple[str, str], int] = {}
        chips: list[list[str | None]] = []

        def chip(kind: str, key: str) -> int:
            index = chip_index.get((kind, key))
            if index is None:
                index = chip_index[(kind, key)] = len(chips)
                if kind == "topic":
                    topic = views.topic_by_id[key]
                    chips.append([topic.name, url(routes.topic(key)), kind, "automatic topic"])
                else:
                    note = "inferred from related papers" if kind == "inferred" else None
                    chips.append([views.tag_by_id[key].name, url(routes.tag(key)), kind, note])
            return index

        collection_index = {c.id: i for i, c in enumerate(atlas.collections)}
        rows: list[list[Any]] = []
        cards = views.cards
        for number, section in enumerate(lst.sections):
            for p in section.items:
                marks = [chip("rule", t) for t in atlas.tags.get(p.id, ()) if t != lst.without]
                marks += [
                    chip("inferred", i.tag) for i in atlas.inferred.get(p.id, ()) if i.tag != lst.without
                ]
                topic = atlas.topic_of.get(p.id)
                if topic is not None and topic != lst.without:
                    marks.append(chip("topic", topic))
                rows.append(
                    [
                        p.id,
                        p.title,
                        p.published,
                        p.upvotes,
                        cards.who(p),
                        marks,
                        cards.first(p),
                        [collection_index[c] for c in p.collections],
                        number,
                    ]
                )
        data = {
            "v": DATA_VERSION,
            "title": lst.title,
            "count": len(rows),
            "flat": lst.flat,
            "sections": [[s.title, s.anchor] for s in lst.sections],
            "paper": [prefix, suffix],
            "chips": chips,
            "collections": [[c.id, c.name] for c in atlas.collections],
            "rows": rows,
        }
        return html_json(data)
