"""View objects: what each page shows, already sorted, resolved and linked.

Templates only present these. Every link is relative to the page that holds it and
points at a Markdown source, so MkDocs validates it and rewrites it for the built site.
"""

from __future__ import annotations

import functools
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .atlas import Atlas
from .escape import query
from .model import Collection, Paper
from .taxonomy import Tag
from .topics import Topic

NEWEST_COUNT = 10
TOP_UPVOTED_COUNT = 10
TOP_TAGS_COUNT = 15
COOCCURRING_COUNT = 6
MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


def paper_src(pid: str) -> str:
    return f"papers/{pid}.md"


def tag_src(tag_id: str) -> str:
    return f"tags/{tag_id}.md"


def collection_src(cid: str) -> str:
    return f"collections/{cid}.md"


def topic_src(topic_id: str) -> str:
    return f"topics/{topic_id}.md"


def year_src(year: str) -> str:
    return f"timeline/{year}.md"


def link(from_src: str, to_src: str) -> str:
    """A relative link from one Markdown source to another (``posixpath.relpath``, memoized per folder)."""
    to_dir, _, name = to_src.rpartition("/")
    up = _relative_dir(from_src.rpartition("/")[0], to_dir)
    return name if up == "." else f"{up}/{name}"


@functools.lru_cache(maxsize=4096)
def _relative_dir(from_dir: str, to_dir: str) -> str:
    return posixpath.relpath(to_dir or ".", from_dir or ".")


def page_url(src: str, directory_urls: bool = True) -> str:
    """The site URL MkDocs gives the page built from ``src`` (as ``File.url``)."""
    stem = src[:-3] if src.endswith(".md") else src
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return "./"
    if stem.endswith("/index"):
        return stem[:-5]
    return stem + "/"


def url_link(from_src: str, md_href: str, directory_urls: bool = True) -> str:
    """What MkDocs makes of the Markdown link ``md_href`` (relative to the source ``from_src``):
    the target page's URL relative to the linking page's URL. Absolute URLs are left alone.

    For links in raw HTML, which MkDocs neither rewrites nor validates.
    """
    if "://" in md_href or md_href.startswith(("#", "mailto:")):
        return md_href
    path, hash_, fragment = md_href.partition("#")
    anchor = hash_ + fragment
    rest, ups = path, 0
    while rest.startswith("../"):
        rest, ups = rest[3:], ups + 1
    if (
        not rest.endswith(".md")
        or rest.startswith(("./", "../"))
        or "/./" in rest
        or "/../" in rest
        or ups > from_src.count("/")
    ):  # not the normalized relative path that views.link writes: the general way
        return _url_link_exact(from_src, path, directory_urls) + anchor
    if not directory_urls:  # every page is a file where its source is: only the suffix changes
        return path[:-3] + ".html" + anchor
    target = path[:-8] if path.endswith("index.md") and path[-9:-8] in ("", "/") else path[:-3] + "/"
    if from_src == "index.md" or from_src.endswith("/index.md"):
        return (target or "./") + anchor  # the page's URL is its source's folder
    # Any other page's URL is one folder deeper than its source (a/b.md -> a/b/).
    own = from_src.rpartition("/")[2][:-3]
    if ups == 0 and (path == own + ".md" or path.startswith(own + "/")):  # itself, or its own folder
        return _url_link_exact(from_src, path, directory_urls) + anchor
    return "../" + target + anchor


def _url_link_exact(from_src: str, path: str, directory_urls: bool) -> str:
    to_dir, _, name = path.rpartition("/")
    from_dir = from_src.rpartition("/")[0]
    target = _target_dir(from_dir, to_dir)
    target_src = f"{target}/{name}" if target else name
    return _relative_url(page_url(target_src, directory_urls), page_url(from_src, directory_urls))


@functools.lru_cache(maxsize=4096)
def _target_dir(from_dir: str, to_dir: str) -> str:
    joined = posixpath.normpath(posixpath.join(from_dir, to_dir)) if to_dir else from_dir
    return "" if joined == "." else joined


def _url_parts(url: str) -> list[str]:
    path = posixpath.normpath("/" + url)[1:]
    return path.split("/") if path else []


def _relative_url(url: str, other: str) -> str:
    """``mkdocs.utils.get_relative_url``: ``url`` relative to the page URL ``other``."""
    dirname, _, basename = other.rpartition("/")
    if "." in basename:
        other = dirname
    other_parts = _url_parts(other)
    dest_parts = _url_parts(url)
    common = 0
    for a, b in zip(other_parts, dest_parts, strict=False):
        if a != b:
            break
        common += 1
    relative = "/".join([".."] * (len(other_parts) - common) + dest_parts[common:]) or "."
    return relative + "/" if url.endswith("/") else relative


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """Dated papers newest first, then undated; ties by title then id. The one listing order."""
    dated = sorted((p for p in papers if p.published), key=lambda p: (p.title.casefold(), p.id))
    dated.sort(key=lambda p: p.published or "", reverse=True)
    undated = sorted((p for p in papers if not p.published), key=lambda p: (p.title.casefold(), p.id))
    return dated + undated


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Chip:
    """A tag chip on a paper page: a rule tag, a tag inferred from neighbours, or an automatic topic."""

    text: str
    href: str
    kind: str  # "rule", "inferred" or "topic"
    note: str | None = None  # tooltip: why the paper carries it


@dataclass(frozen=True)
class PaperItem:
    """A paper in a listing: title link plus a short metadata line."""

    title: str
    href: str
    published: str | None
    upvotes: int | None
    byline: str | None


@dataclass(frozen=True)
class RelatedItem:
    title: str
    href: str
    reason: str


@dataclass(frozen=True)
class PaperPage:
    src: str
    paper: Paper
    byline: str | None
    tags: tuple[Chip, ...]
    code: tuple[str, ...]
    collections: tuple[Link, ...]
    elsewhere: tuple[Link, ...]
    related: tuple[RelatedItem, ...]
    mentions: tuple[Link, ...]
    mentioned_by: tuple[Link, ...]


@dataclass(frozen=True)
class TagSummary:
    tag: Tag
    href: str
    count: int
    inferred: int
    children: tuple[TagSummary, ...]


@dataclass(frozen=True)
class TopicPage:
    src: str
    topic: Topic
    papers: tuple[PaperItem, ...]


@dataclass(frozen=True)
class TagsOverview:
    src: str
    tags: tuple[TagSummary, ...]
    topics: tuple[tuple[Link, int], ...]


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
    papers: tuple[PaperItem, ...]
    inferred: tuple[PaperItem, ...]


@dataclass(frozen=True)
class CollectionPage:
    src: str
    collection: Collection
    papers: tuple[PaperItem, ...]


@dataclass(frozen=True)
class MonthGroup:
    name: str
    anchor: str
    papers: tuple[PaperItem, ...]


@dataclass(frozen=True)
class YearPage:
    src: str
    year: str
    count: int
    months: tuple[MonthGroup, ...]


@dataclass(frozen=True)
class YearSummary:
    year: str
    href: str
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
    newest: tuple[PaperItem, ...]
    upvoted: tuple[PaperItem, ...]
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

    def __init__(self, atlas: Atlas) -> None:
        self.atlas = atlas
        self.by_id = {p.id: p for p in atlas.papers}
        self.tag_by_id = atlas.taxonomy.by_id
        self.collection_by_id = {c.id: c for c in atlas.collections}
        members: dict[str, list[Paper]] = {t.id: [] for t in atlas.taxonomy.tags}
        for p in atlas.papers:
            for t in atlas.tags.get(p.id, ()):
                members[t].append(p)
        self.tag_members = {t: newest_first(ps) for t, ps in members.items()}
        inferred: dict[str, list[Paper]] = {t.id: [] for t in atlas.taxonomy.tags}
        for p in atlas.papers:
            for i in atlas.inferred.get(p.id, ()):
                inferred[i.tag].append(p)
        self.inferred_members = {t: newest_first(ps) for t, ps in inferred.items()}
        self.topic_by_id = {t.id: t for t in atlas.topics}
        self._collection_members: dict[str, list[Paper]] | None = None
        self._bylines: dict[str, str | None] = {}
        self._years: dict[str, list[Paper]] | None = None

    def item(self, p: Paper, from_src: str) -> PaperItem:
        line = self._bylines.get(p.id, "")
        if line == "":  # a paper is listed on several pages: its byline is built once
            line = self._bylines[p.id] = byline(p)
        return PaperItem(p.title, link(from_src, paper_src(p.id)), p.published, p.upvotes, line)

    def items(self, papers: Iterable[Paper], from_src: str) -> tuple[PaperItem, ...]:
        return tuple(self.item(p, from_src) for p in papers)

    def tag_link(self, tag_id: str, from_src: str) -> Link:
        return Link(self.tag_by_id[tag_id].name, link(from_src, tag_src(tag_id)))

    def topic_link(self, topic: Topic, from_src: str) -> Link:
        return Link(topic.name, link(from_src, topic_src(topic.id)))

    def chips(self, p: Paper, src: str) -> tuple[Chip, ...]:
        """Rule tags, then inferred tags, then the automatic topic, each marked as what it is."""
        chips = []
        for t in self.atlas.tags.get(p.id, ()):
            tag = self.tag_link(t, src)
            chips.append(Chip(tag.text, tag.href, "rule"))
        for i in self.atlas.inferred.get(p.id, ()):
            tag = self.tag_link(i.tag, src)
            note = f"inferred from {i.support} of {i.of} related papers"
            chips.append(Chip(tag.text, tag.href, "inferred", note))
        topic_id = self.atlas.topic_of.get(p.id)
        if topic_id is not None:
            topic = self.topic_link(self.topic_by_id[topic_id], src)
            chips.append(
                Chip(topic.text, topic.href, "topic", "automatic topic: no tag rule matches this paper")
            )
        return tuple(chips)

    # -- paper pages ---------------------------------------------------------------------

    def paper_page(self, p: Paper) -> PaperPage:
        src = paper_src(p.id)
        related = tuple(
            RelatedItem(
                self.by_id[r.id].title,
                link(src, paper_src(r.id)),
                _reason([self.tag_by_id[t].name for t in r.shared_tags], r.shared_terms),
            )
            for r in self.atlas.related.get(p.id, ())
        )
        return PaperPage(
            src=src,
            paper=p,
            byline=byline(p),
            tags=self.chips(p, src),
            code=p.code_urls,
            collections=tuple(
                Link(self.collection_by_id[c].name, link(src, collection_src(c))) for c in p.collections
            ),
            elsewhere=elsewhere(p.title),
            related=related,
            mentions=tuple(self._paper_link(m, src) for m in self.atlas.mentions.get(p.id, ())),
            mentioned_by=tuple(self._paper_link(m, src) for m in self.atlas.mentioned_by.get(p.id, ())),
        )

    def _paper_link(self, pid: str, from_src: str) -> Link:
        return Link(self.by_id[pid].title, link(from_src, paper_src(pid)))

    # -- tags ----------------------------------------------------------------------------

    def tag_summaries(self, from_src: str) -> tuple[TagSummary, ...]:
        taxonomy = self.atlas.taxonomy

        def summary(tag: Tag) -> TagSummary:
            return TagSummary(
                tag,
                link(from_src, tag_src(tag.id)),
                len(self.tag_members[tag.id]),
                len(self.inferred_members[tag.id]),
                tuple(summary(child) for child in taxonomy.children(tag.id)),
            )

        return tuple(summary(root) for root in taxonomy.roots())

    def tags_overview(self) -> TagsOverview:
        src = "tags/index.md"
        topics = sorted(self.atlas.topics, key=lambda t: (-len(t.papers), t.name.casefold(), t.id))
        return TagsOverview(
            src, self.tag_summaries(src), tuple((self.topic_link(t, src), len(t.papers)) for t in topics)
        )

    def topic_page(self, topic: Topic) -> TopicPage:
        src = topic_src(topic.id)
        return TopicPage(src, topic, self.items(newest_first(self.by_id[pid] for pid in topic.papers), src))

    def tag_page(self, tag: Tag) -> TagPage:
        src = tag_src(tag.id)
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
            papers=self.items(papers, src),
            inferred=self.items(self.inferred_members[tag.id], src),
        )

    # -- collections and timeline ----------------------------------------------------------

    def collection_page(self, c: Collection) -> CollectionPage:
        src = collection_src(c.id)
        if self._collection_members is None:  # one pass over the papers for every collection
            members: dict[str, list[Paper]] = {}
            for p in self.atlas.papers:
                for cid in p.collections:
                    members.setdefault(cid, []).append(p)
            self._collection_members = members
        papers = self._collection_members.get(c.id, [])
        return CollectionPage(src, c, self.items(newest_first(papers), src))

    def collection_links(self, from_src: str) -> tuple[Link, ...]:
        return tuple(Link(c.name, link(from_src, collection_src(c.id))) for c in self.atlas.collections)

    def years(self) -> dict[str, list[Paper]]:
        if self._years is None:
            by_year: dict[str, list[Paper]] = {}
            for p in self.atlas.papers:
                by_year.setdefault(p.published[:4] if p.published else "undated", []).append(p)
            self._years = dict(sorted(by_year.items(), key=lambda kv: (kv[0] == "undated", kv[0])))
        return self._years

    def year_page(self, year: str, papers: Sequence[Paper]) -> YearPage:
        src = year_src(year)
        groups: dict[str, list[Paper]] = {}
        for p in newest_first(papers):
            groups.setdefault(p.published[5:7] if p.published else "", []).append(p)
        months = tuple(
            MonthGroup(
                f"{MONTH_NAMES[int(m) - 1]} {year}" if m else "Undated",
                _month_anchor(year, m),
                self.items(ps, src),
            )
            for m, ps in groups.items()
        )
        return YearPage(src, year, len(papers), months)

    def year_summaries(self, from_src: str) -> tuple[YearSummary, ...]:
        out: list[YearSummary] = []
        for year, papers in sorted(
            self.years().items(), key=lambda kv: (kv[0] != "undated", kv[0]), reverse=True
        ):
            months = Counter(p.published[5:7] for p in papers if p.published)
            href = link(from_src, year_src(year))
            out.append(
                YearSummary(
                    year,
                    href,
                    len(papers),
                    tuple(
                        (Link(MONTH_NAMES[int(m) - 1], f"{href}#{_month_anchor(year, m)}"), n)
                        for m, n in sorted(months.items(), reverse=True)
                    ),
                )
            )
        return tuple(out)

    # -- home -------------------------------------------------------------------------------

    def home_page(self) -> HomePage:
        src = "index.md"
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


def _reason(tags: Sequence[str], terms: Sequence[str]) -> str:
    parts = []
    if tags:
        parts.append("shared tags: " + ", ".join(tags))
    if terms:
        parts.append("shared terms: " + ", ".join(terms))
    return "; ".join(parts) or "similar wording"


def elsewhere(title: str) -> tuple[Link, ...]:
    q = query(title)
    return (
        Link("arXiv", f"https://arxiv.org/search/?query={q}&searchtype=title"),
        Link("Hugging Face", f"https://huggingface.co/papers?q={q}"),
        Link("Semantic Scholar", f"https://www.semanticscholar.org/search?q={q}"),
        Link("Google Scholar", f"https://scholar.google.com/scholar?q={q}"),
    )
