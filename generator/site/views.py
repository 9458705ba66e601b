"""View objects: what each page shows, already sorted, resolved and linked.

Templates only present these. Every link between pages comes from :mod:`generator.site.routes`:
a :class:`Link` gives both forms (``md`` for a Markdown link, which MkDocs validates and rewrites;
``href`` for raw HTML), and items that only raw HTML shows carry their ``href`` ready.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.atlas import Atlas
from generator.site.escape import query
from generator.model import Collection, Paper
from generator.enrich.tagging import Tag
from generator.enrich.topics import UNSORTED_NAME, Topic
from generator.site import routes
from generator.site.cards import Card, CardMaker, reason
from generator.site.paging import page_of
from generator.site.routes import Routes

NEWEST_COUNT = 10
TOP_UPVOTED_COUNT = 10
TOP_TAGS_COUNT = 15
COOCCURRING_COUNT = 6
MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """Dated papers newest first, then undated; ties by title then id. The one listing order."""
    papers = list(papers)  # read twice below: a generator would lose its undated papers
    dated = sorted((p for p in papers if p.published), key=lambda p: (p.title.casefold(), p.id))
    dated.sort(key=lambda p: p.published or "", reverse=True)
    undated = sorted((p for p in papers if not p.published), key=lambda p: (p.title.casefold(), p.id))
    return dated + undated


@dataclass(frozen=True)
class Link:
    """A link from the page ``frm`` to the page ``to`` (source paths), in either form on demand."""

    text: str
    frm: str
    to: str
    routes: Routes
    anchor: str = ""

    @property
    def href(self) -> str:
        """The target's URL relative to this page's: for raw HTML."""
        return self.routes.href(self.frm, self.to, self.anchor)

    @property
    def md(self) -> str:
        """A Markdown link to the target's source: MkDocs validates and rewrites it."""
        return self.routes.md(self.frm, self.to, self.anchor)


@dataclass(frozen=True)
class External:
    text: str
    href: str


@dataclass(frozen=True)
class Chip:
    """A tag chip on a paper page: a rule tag, a tag inferred from neighbours, or an automatic topic."""

    text: str
    href: str
    kind: str  # "rule", "inferred", "topic" or "unsorted"
    note: str | None = None  # tooltip: why the paper carries it
    id: str = ""  # the tag's or topic's id


@dataclass(frozen=True)
class PaperPage:
    src: str
    paper: Paper
    who: str | None  # the organisation, else the author count
    tags: tuple[Chip, ...]
    area: Link | None  # the area of its primary tag
    code: tuple[str, ...]
    collections: tuple[Link, ...]
    elsewhere: tuple[External, ...]
    related: tuple[Card, ...]
    mentions: tuple[Card, ...]
    mentioned_by: tuple[Card, ...]


@dataclass(frozen=True)
class TagSummary:
    tag: Tag
    link: Link
    count: int
    inferred: int
    children: tuple[TagSummary, ...]


@dataclass(frozen=True)
class TopicPage:
    src: str
    topic: Topic


@dataclass(frozen=True)
class TagsOverview:
    src: str
    tags: tuple[TagSummary, ...]
    topics: tuple[tuple[Link, int], ...]
    unsorted: Link | None = None  # the "Not yet sorted" page, when some papers wait there
    unsorted_count: int = 0


@dataclass(frozen=True)
class TagPage:
    src: str
    tag: Tag
    count: int
    first: str | None
    last: str | None
    parent: Link | None
    children: tuple[Link, ...]
    cooccurring: tuple[tuple[Link, int], ...]
    inferred: int  # papers tagged by inference


@dataclass(frozen=True)
class CollectionPage:
    src: str
    collection: Collection


@dataclass(frozen=True)
class YearPage:
    src: str
    year: str
    count: int


@dataclass(frozen=True)
class YearSummary:
    year: str
    link: Link
    count: int
    months: tuple[tuple[Link, int], ...]


@dataclass(frozen=True)
class HomePage:
    src: str
    paper_count: int
    tag_count: int
    collection_count: int
    first: str | None
    last: str | None
    newest: tuple[Card, ...]
    upvoted: tuple[Card, ...]
    top_tags: tuple[tuple[Link, int], ...]
    collections: tuple[Link, ...]


def byline(p: Paper) -> str | None:
    parts: list[str] = []
    if p.published:
        parts.append(p.published)
    if p.organization:
        parts.append(p.organization.name)
    elif p.authors is not None:
        parts.append(f"{p.authors} author{'s' if p.authors != 1 else ''}")
    if p.upvotes is not None:
        parts.append(f"{p.upvotes} upvote{'s' if p.upvotes != 1 else ''}")
    return " · ".join(parts) or None


class SiteViews:
    """Builds every page's view from one :class:`Atlas`."""

    def __init__(self, atlas: Atlas, routes: Routes) -> None:
        self.atlas = atlas
        self.routes = routes
        self.by_id = {p.id: p for p in atlas.papers}
        self.tag_by_id = atlas.taxonomy.by_id
        self.collection_by_id = {c.id: c for c in atlas.collections}
        # Tag and area pages: an area lists the papers of its tags.
        taxonomy = atlas.taxonomy
        area_of = {t.id: a.id for t in taxonomy.tags if (a := taxonomy.area_of(t.id)) is not None}
        members: dict[str, list[Paper]] = {t.id: [] for t in taxonomy.pages}
        inferred: dict[str, list[Paper]] = {t.id: [] for t in taxonomy.pages}
        for p in atlas.papers:
            rule = atlas.tags.get(p.id, ())
            guessed = [i.tag for i in atlas.inferred.get(p.id, ())]
            for t in rule:
                members[t].append(p)
            for t in guessed:
                inferred[t].append(p)
            rule_areas = {area_of[t] for t in rule if t in area_of}
            for area_id in rule_areas:
                members[area_id].append(p)
            for area_id in {area_of[t] for t in guessed if t in area_of} - rule_areas:
                inferred[area_id].append(p)
        self.tag_members = {t: newest_first(ps) for t, ps in members.items()}
        self.inferred_members = {t: newest_first(ps) for t, ps in inferred.items()}
        self.topic_by_id = {t.id: t for t in atlas.topics}
        self.unsorted = frozenset(atlas.unsorted)
        self._collection_members: dict[str, list[Paper]] | None = None
        self._years: dict[str, list[Paper]] | None = None
        self.cards = CardMaker(self.chips, self._paper_href)

    def _paper_href(self, from_src: str, pid: str) -> str:
        return self.routes.href(from_src, routes.paper(pid))

    def items(self, papers: Iterable[Paper], from_src: str) -> tuple[Card, ...]:
        """Full paper cards, as seen from the page ``from_src``."""
        return tuple(self.cards.card(p, from_src) for p in papers)

    def tag_link(self, tag_id: str, from_src: str) -> Link:
        return Link(self.tag_by_id[tag_id].name, from_src, routes.tag(tag_id), self.routes)

    def topic_link(self, topic: Topic, from_src: str) -> Link:
        return Link(topic.name, from_src, routes.topic(topic.id), self.routes)

    def chips(self, p: Paper, src: str) -> tuple[Chip, ...]:
        """Rule tags (primary first), then inferred tags, then the automatic topic or "Not yet sorted",
        each marked as what it is."""
        chips = []
        for t in self.atlas.tags.get(p.id, ()):
            tag = self.tag_link(t, src)
            chips.append(Chip(tag.text, tag.href, "rule", id=t))
        for i in self.atlas.inferred.get(p.id, ()):
            tag = self.tag_link(i.tag, src)
            note = f"inferred: no rule matches, but the paper reads like the tag's papers ({i.similarity:.2f})"
            chips.append(Chip(tag.text, tag.href, "inferred", note, i.tag))
        topic_id = self.atlas.topic_of.get(p.id)
        if topic_id is not None:
            topic = self.topic_link(self.topic_by_id[topic_id], src)
            note = "automatic topic: no tag rule matches this paper"
            chips.append(Chip(topic.text, topic.href, "topic", note, topic_id))
        elif p.id in self.unsorted:
            href = self.routes.href(src, routes.UNSORTED)
            note = "no tag fits this paper yet, and it shares no coherent topic with others"
            chips.append(Chip(UNSORTED_NAME, href, "unsorted", note, "not-yet-sorted"))
        return tuple(chips)

    def area_link(self, p: Paper, src: str) -> Link | None:
        area = self.atlas.area_of(p.id)
        return self.tag_link(area.id, src) if area is not None else None

    # -- paper pages ---------------------------------------------------------------------

    def paper_page(self, p: Paper) -> PaperPage:
        src = routes.paper(p.id)
        related = tuple(
            self.cards.compact(
                self.by_id[r.id],
                src,
                reason([self.tag_by_id[t].name for t in r.shared_tags], r.shared_terms, r.similar_in_meaning),
            )
            for r in self.atlas.related.get(p.id, ())
        )
        return PaperPage(
            src=src,
            paper=p,
            who=self.cards.who(p),
            tags=self.chips(p, src),
            area=self.area_link(p, src),
            code=p.code_urls,
            collections=tuple(
                Link(self.collection_by_id[c].name, src, routes.collection(c), self.routes) for c in p.collections
            ),
            elsewhere=elsewhere(p.title),
            related=related,
            mentions=tuple(self.cards.compact(self.by_id[m], src) for m in self.atlas.mentions.get(p.id, ())),
            mentioned_by=tuple(
                self.cards.compact(self.by_id[m], src) for m in self.atlas.mentioned_by.get(p.id, ())
            ),
        )

    # -- tags ----------------------------------------------------------------------------

    def tag_summaries(self, from_src: str) -> tuple[TagSummary, ...]:
        taxonomy = self.atlas.taxonomy

        def summary(tag: Tag) -> TagSummary:
            return TagSummary(
                tag,
                Link(tag.name, from_src, routes.tag(tag.id), self.routes),
                len(self.tag_members[tag.id]),
                len(self.inferred_members[tag.id]),
                tuple(summary(child) for child in taxonomy.children(tag.id)),
            )

        return tuple(summary(root) for root in taxonomy.roots())

    def tags_overview(self) -> TagsOverview:
        src = routes.TAGS
        topics = sorted(self.atlas.topics, key=lambda t: (-len(t.papers), t.name.casefold(), t.id))
        unsorted = Link(UNSORTED_NAME, src, routes.UNSORTED, self.routes) if self.atlas.unsorted else None
        return TagsOverview(
            src,
            self.tag_summaries(src),
            tuple((self.topic_link(t, src), len(t.papers)) for t in topics),
            unsorted,
            len(self.atlas.unsorted),
        )

    def unsorted_members(self) -> list[Paper]:
        return newest_first(self.by_id[pid] for pid in self.atlas.unsorted)

    def topic_page(self, topic: Topic) -> TopicPage:
        return TopicPage(routes.topic(topic.id), topic)

    def topic_members(self, topic: Topic) -> list[Paper]:
        return newest_first(self.by_id[pid] for pid in topic.papers)

    def tag_page(self, tag: Tag) -> TagPage:
        src = routes.tag(tag.id)
        papers = self.tag_members[tag.id]
        dates = sorted(p.published for p in papers if p.published)
        co: Counter[str] = Counter()
        for p in papers:
            co.update(t for t in self.atlas.tags.get(p.id, ()) if t != tag.id)
        top = sorted(co.items(), key=lambda kv: (-kv[1], kv[0]))[:COOCCURRING_COUNT]
        return TagPage(
            src=src,
            tag=tag,
            count=len(papers),
            first=dates[0] if dates else None,
            last=dates[-1] if dates else None,
            parent=self.tag_link(tag.parent, src) if tag.parent else None,
            children=tuple(self.tag_link(c.id, src) for c in self.atlas.taxonomy.children(tag.id)),
            cooccurring=tuple((self.tag_link(t, src), n) for t, n in top),
            inferred=len(self.inferred_members[tag.id]),
        )

    # -- collections and timeline ----------------------------------------------------------

    def collection_page(self, c: Collection) -> CollectionPage:
        return CollectionPage(routes.collection(c.id), c)

    def collection_members(self, cid: str) -> list[Paper]:
        """The papers of a collection, newest first."""
        if self._collection_members is None:  # one pass over the papers for every collection
            members: dict[str, list[Paper]] = {}
            for p in self.atlas.papers:
                for c in p.collections:
                    members.setdefault(c, []).append(p)
            self._collection_members = {c: newest_first(ps) for c, ps in members.items()}
        return self._collection_members.get(cid, [])

    def collection_links(self, from_src: str) -> tuple[Link, ...]:
        return tuple(Link(c.name, from_src, routes.collection(c.id), self.routes) for c in self.atlas.collections)

    def years(self) -> dict[str, list[Paper]]:
        if self._years is None:
            by_year: dict[str, list[Paper]] = {}
            for p in self.atlas.papers:
                by_year.setdefault(p.published[:4] if p.published else "undated", []).append(p)
            self._years = dict(sorted(by_year.items(), key=lambda kv: (kv[0] == "undated", kv[0])))
        return self._years

    def year_page(self, year: str, papers: Sequence[Paper]) -> YearPage:
        return YearPage(routes.year(year), year, len(papers))

    def months(self, year: str) -> list[tuple[str, str, list[Paper]]]:
        """The papers of a year by month, newest first: (name, heading anchor, papers)."""
        groups: dict[str, list[Paper]] = {}
        for p in newest_first(self.years()[year]):
            groups.setdefault(p.published[5:7] if p.published else "", []).append(p)
        return [
            (f"{MONTH_NAMES[int(m) - 1]} {year}" if m else "Undated", _month_anchor(year, m), ps)
            for m, ps in groups.items()
        ]

    def year_summaries(self, from_src: str) -> tuple[YearSummary, ...]:
        out: list[YearSummary] = []
        for year, papers in sorted(
            self.years().items(), key=lambda kv: (kv[0] != "undated", kv[0]), reverse=True
        ):
            months = sorted(Counter(p.published[5:7] for p in papers if p.published).items(), reverse=True)
            first = routes.year(year)
            month_links = []
            before = 0  # papers of later months: the year's list is newest first, paged
            for m, n in months:
                page = routes.list_page(first, page_of(before))
                month_links.append((Link(MONTH_NAMES[int(m) - 1], from_src, page, self.routes, _month_anchor(year, m)), n))
                before += n
            out.append(YearSummary(year, Link(year, from_src, first, self.routes), len(papers), tuple(month_links)))
        return tuple(out)

    # -- home -------------------------------------------------------------------------------

    def home_page(self) -> HomePage:
        src = routes.HOME
        papers = self.atlas.papers
        dates = sorted(p.published for p in papers if p.published)
        upvoted = sorted(
            (p for p in papers if p.upvotes), key=lambda p: (-(p.upvotes or 0), p.title.casefold(), p.id)
        )
        counts = sorted(
            ((t, len(ps)) for t, ps in self.tag_members.items() if ps), key=lambda kv: (-kv[1], kv[0])
        )
        return HomePage(
            src=src,
            paper_count=len(papers),
            tag_count=len(self.atlas.taxonomy.tags),
            collection_count=len(self.atlas.collections),
            first=dates[0] if dates else None,
            last=dates[-1] if dates else None,
            newest=self.items(newest_first(p for p in papers if p.published)[:NEWEST_COUNT], src),
            upvoted=self.items(upvoted[:TOP_UPVOTED_COUNT], src),
            top_tags=tuple((self.tag_link(t, src), n) for t, n in counts[:TOP_TAGS_COUNT]),
            collections=self.collection_links(src),
        )


def _month_anchor(year: str, month: str) -> str:
    return f"{year}-{month}" if month else "undated"


def elsewhere(title: str) -> tuple[External, ...]:
    q = query(title)
    return (
        External("arXiv", f"https://arxiv.org/search/?query={q}&searchtype=title"),
        External("Hugging Face", f"https://huggingface.co/papers?q={q}"),
        External("Semantic Scholar", f"https://www.semanticscholar.org/search?q={q}"),
        External("Google Scholar", f"https://scholar.google.com/scholar?q={q}"),
    )
