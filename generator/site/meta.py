"""What each generated page says about itself to other tools: its page meta.

The theme override (``docs/overrides/main.html``) turns a page's meta into ``<head>`` tags:
link previews (OpenGraph, Twitter card), the paper's ``citation_*`` tags and its schema.org
JSON-LD, the Atom feed of a tag or collection page; the sitemap override
(``docs/overrides/sitemap.xml``) writes ``lastmod``. Everything here comes from the data:
no clock. Where a value is unknown its key is left out, so no empty tag is written.

Where the extra files of a page live (its ``.bib``, its feed, a paper's
``.json``: beside the page, named after it) and the absolute URL of every page come from
:mod:`generator.site.routes`, as every other path and URL does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.atlas import Atlas
from generator.model import Paper
from generator.enrich.topics import UNSORTED_NAME
from generator.site import routes
from generator.site.cite import bibtex_entry
from generator.site.escape import attribute, first_sentence
from generator.site.preview_images import image_meta
from generator.site.routes import Routes
from generator.site.views import SiteViews, newest_first

DESCRIPTION_LIMIT = 200

FEED_TYPE = "application/atom+xml"
BIB_TYPE = "application/x-bibtex"
JSON_TYPE = "application/json"


def source_dates(atlas: Atlas) -> Mapping[str, str]:
    """HOOK: corpus file (``corpus/<name>.txt``) -> ISO date it was first committed.

    Empty for now: ``lastmod`` then comes from the papers' published dates alone, so the sitemap
    depends on the corpus text only (the golden files too). ``generator.ingest.corpus.first_commits``
    has these dates (``FileDate.day``); returning them here would make every ``lastmod`` also
    count when a page's files were added.
    """
    return {}


def citation_date(published: str | None) -> str | None:
    """Google Scholar wants ``YYYY/MM/DD``."""
    return dt.date.fromisoformat(published).strftime("%Y/%m/%d") if published else None


def clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class FileLink:
    """A link from a page to one of the site's files (a feed, a ``.bib``, a record)."""

    text: str
    href: str  # relative to the page
    type: str  # its media type
    download: str | None = None  # the file name, when the browser should save it rather than show it


class Members:
    """The papers of each tag, topic and collection, newest first (computed once, on demand)."""

    def __init__(self, views: SiteViews) -> None:
        self.views = views
        self._tags: dict[str, list[Paper]] = {}
        self._topics: dict[str, list[Paper]] = {}

    def tag(self, tag_id: str) -> list[Paper]:
        """Rule-tagged and inferred papers together (the tag page lists them apart)."""
        found = self._tags.get(tag_id)
        if found is None:
            v = self.views
            inferred = v.inferred_members.get(tag_id, [])
            members = v.tag_members.get(tag_id, [])
            found = self._tags[tag_id] = newest_first([*members, *inferred]) if inferred else members
        return found

    @cached_property
    def _collections(self) -> dict[str, list[Paper]]:
        found: dict[str, list[Paper]] = {}
        for p in self.views.atlas.papers:
            for cid in p.collections:
                found.setdefault(cid, []).append(p)
        return {cid: newest_first(ps) for cid, ps in found.items()}

    def collection(self, cid: str) -> list[Paper]:
        return self._collections.get(cid, [])

    def topic(self, topic_id: str) -> list[Paper]:
        found = self._topics.get(topic_id)
        if found is None:
            by_id = self.views.by_id
            papers = [by_id[pid] for pid in self.views.topic_by_id[topic_id].papers]
            found = self._topics[topic_id] = newest_first(papers)
        return found


class PageMeta:
    """The meta of every generated page (see the module docstring), by source path."""

    def __init__(self, views: SiteViews, members: Members | None = None) -> None:
        self.views = views
        self.atlas = views.atlas
        self.routes: Routes = views.routes
        self.members = members or Members(views)
        self.dates = source_dates(self.atlas)
        self._parts: dict[str, dict[str, Any]] = {}
        self._first_pages: dict[str, dict[str, Any]] = {}  # a long list's first page's meta

    def lastmod(self, papers: Iterable[Paper]) -> str | None:
        """The newest date among the papers' published dates and their corpus files' commit dates."""
        dates = self.dates
        newest = ""
        for p in papers:
            if p.published and p.published > newest:
                newest = p.published
            if dates:
                for source in p.sources:
                    added = dates.get(source.rpartition(":")[0], "")
                    if added > newest:
                        newest = added
        return newest or None

    def for_page(self, src: str) -> dict[str, Any]:
        folder, _, name = src.rpartition("/")
        key = name.removesuffix(".md")
        v = self.views
        if folder == "papers":
            return self.paper(v.by_id[key])
        if src in (routes.HOME, routes.TAGS, routes.COLLECTIONS, routes.TIMELINE):
            return self.index(src)
        if src == routes.MAP:
            return self.map_page()
        if folder == "tags":
            return self.tag(src, key)
        if src == routes.UNSORTED:
            return self.unsorted()
        if folder == "topics":
            return self.topic(key)
        if folder == "collections":
            return self.collection(src, key)
        if folder == "timeline":
            return self.year(key)
        raise KeyError(src)

    def later_page(self, first: str, papers: Iterable[Paper]) -> dict[str, Any]:
        """Page 2 and on of a long list: the meta of its first page (description, card, feed), with
        ``lastmod`` from the papers this page shows."""
        first_meta = self._first_pages.get(first)
        if first_meta is None:  # read from the whole list: once a list, not once a page
            first_meta = self._first_pages[first] = self.for_page(first)
        meta = dict(first_meta)
        meta.pop("lastmod", None)
        lastmod = self.lastmod(papers)
        if lastmod:
            meta["lastmod"] = lastmod
        return meta

    # -- papers ---------------------------------------------------------------------------

    def tag_names(self, p: Paper) -> list[str]:
        """Its rule tags, then the tags inferred from its related papers."""
        by_id = self.atlas.taxonomy.by_id
        return [
            by_id[t].name
            for t in (*self.atlas.tags.get(p.id, ()), *(i.tag for i in self.atlas.inferred.get(p.id, ())))
        ]

    def jsonld(self, p: Paper) -> dict[str, Any]:
        """schema.org ``ScholarlyArticle``. The listing's organisation is the one the authors worked
        for (``sourceOrganization``), not the work's publisher."""
        data: dict[str, Any] = {"@context": "https://schema.org", "@type": "ScholarlyArticle"}
        url = self.routes.absolute(routes.paper(p.id))
        if url:
            data["@id"] = url + "#paper"
            data["url"] = url
            data["mainEntityOfPage"] = {"@type": "WebPage", "@id": url}
        data["headline"] = p.title[:110]
        data["name"] = p.title
        data["abstract"] = p.abstract
        if p.published:
            data["datePublished"] = p.published
        keywords = self.tag_names(p)
        if keywords:
            data["keywords"] = keywords
        if p.organization:
            data["sourceOrganization"] = {
                "@type": "Organization",
                "name": p.organization.name,
                "alternateName": p.organization.handle,
            }
        parts = [self._collection_part(cid) for cid in p.collections]
        if parts:
            data["isPartOf"] = parts
        return data

    def _collection_part(self, cid: str) -> dict[str, Any]:
        """A collection in ``isPartOf``: one shared dict per collection (100,000 papers hold them)."""
        part = self._parts.get(cid)
        if part is None:
            c = self.views.collection_by_id[cid]
            part = {"@type": "Collection", "name": c.name}
            url = self.routes.absolute(routes.collection(cid))
            if url:
                part["@id"] = part["url"] = url
            self._parts[cid] = part
        return part

    def paper(self, p: Paper) -> dict[str, Any]:
        citation: dict[str, Any] = {"citation_title": p.title, "citation_abstract": p.abstract}
        date = citation_date(p.published)
        if date:
            citation["citation_publication_date"] = date
        if p.organization:
            citation["citation_author_institution"] = p.organization.name
        citation["jsonld"] = self.jsonld(p)
        citation["cite"] = self.cite(p)
        meta: dict[str, Any] = {
            "description": attribute(first_sentence(p.abstract)),
            "paper": citation,
            "atlas": {"card": image_meta("paper")},
        }
        lastmod = self.lastmod((p,))
        if lastmod:
            meta["lastmod"] = lastmod
        return meta

    def cite(self, p: Paper) -> dict[str, str]:
        """The "Cite" block of a paper page: its BibTeX entry, and links to the same entry as a
        ``.bib`` and to the paper's JSON record (both beside the page). The theme writes it after
        the page's content, not through Markdown: as raw HTML in the Markdown it made MkDocs'
        conversion of every paper page 10-15 % slower."""
        r, src = self.routes, routes.paper(p.id)
        return {
            "bibtex": bibtex_entry(p, r.absolute(src)).rstrip("\n"),
            "bib": r.file_href(src, routes.paper_bib(p.id)),
            "json": r.file_href(src, routes.paper_json(p.id)),
        }

    def _file(self, src: str, path: str, text: str, media_type: str, download: bool = False) -> FileLink:
        name = path.rpartition("/")[2] if download else None
        return FileLink(text, self.routes.file_href(src, path), media_type, name)

    # -- listings ---------------------------------------------------------------------------

    def files(self, src: str) -> tuple[FileLink, ...]:
        """The files the home, a tag or a collection page links to (those :mod:`generator.site.exports`
        writes): its Atom feed (when a paper of it is dated) and the BibTeX of its papers."""
        if src == routes.HOME:
            n = len(self.atlas.papers)
            return (
                self._file(src, routes.FEED, "Atom feed of the newest papers", FEED_TYPE),
                self._file(src, routes.ATLAS_BIB, f"BibTeX of all {_plural(n, 'paper')}", BIB_TYPE, True),
                self._file(src, routes.RECORDS, "All records (JSON)", JSON_TYPE),
                self._file(src, routes.LLMS, "llms.txt", "text/plain"),
            )
        folder, _, name = src.rpartition("/")
        key = name.removesuffix(".md")
        papers = self.members.tag(key) if folder == "tags" else self.members.collection(key)
        found = []
        if any(p.published for p in papers):
            found.append(
                self._file(src, routes.listing_feed(src), "Atom feed of its newest papers", FEED_TYPE)
            )
        if papers:
            text = f"BibTeX of its {_plural(len(papers), 'paper')}"
            found.append(self._file(src, routes.listing_bib(src), text, BIB_TYPE, download=True))
        return tuple(found)

    def _listing(
        self, description: str, card_kind: str, papers: Sequence[Paper], feed: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        atlas: dict[str, Any] = {"card": image_meta(card_kind)}
        if feed is not None:
            atlas["feed"], atlas["feed_title"] = feed
        meta: dict[str, Any] = {"description": attribute(clip(description)), "atlas": atlas}
        lastmod = self.lastmod(papers)
        if lastmod:
            meta["lastmod"] = lastmod
        return meta

    def feed_of(self, src: str, papers: Sequence[Paper], title: str) -> tuple[str, str] | None:
        """(site path, title) of the Atom feed beside a tag or collection page; None when no paper
        of it is dated (no feed is written: an Atom entry needs a date)."""
        if not any(p.published for p in papers):
            return None
        return routes.listing_feed(src), f"{title} (Atom)"

    def tag(self, src: str, tag_id: str) -> dict[str, Any]:
        tag = self.views.tag_by_id[tag_id]
        papers = self.members.tag(tag_id)
        dated = sorted(p.published for p in papers if p.published)
        span = ""
        if dated:
            span = (
                f", published {dated[0]}"
                if dated[0] == dated[-1]
                else f", published {dated[0]} to {dated[-1]}"
            )
        description = f"{tag.name}: {_plural(len(papers), 'paper')}{span}. {tag.description}"
        return self._listing(description, "tag", papers, self.feed_of(src, papers, f"Tag: {tag.name}"))

    def topic(self, topic_id: str) -> dict[str, Any]:
        topic = self.views.topic_by_id[topic_id]
        papers = self.members.topic(topic_id)
        description = (
            f"{topic.name}: an automatic topic of {_plural(len(papers), 'paper')} that no tag covers, "
            "grouped by the similarity of their text."
        )
        return self._listing(description, "tag", papers)

    def unsorted(self) -> dict[str, Any]:
        papers = self.views.unsorted_members()
        description = (
            f"{UNSORTED_NAME}: {_plural(len(papers), 'paper')} that no tag fits and no coherent automatic "
            "topic holds yet, waiting for a tag."
        )
        return self._listing(description, "tag", papers)

    def collection(self, src: str, cid: str) -> dict[str, Any]:
        c = self.views.collection_by_id[cid]
        papers = self.members.collection(cid)
        description = f"{c.name}: {_plural(len(papers), 'paper')}. {c.description}"
        feed = self.feed_of(src, papers, f"Collection: {c.name}")
        return self._listing(description, "collection", papers, feed)

    def year(self, year: str) -> dict[str, Any]:
        papers = self.views.years().get(year, [])
        if year == "undated":
            description = f"{_plural(len(papers), 'paper')} without a publication date."
        else:
            description = f"{_plural(len(papers), 'paper')} published in {year}, month by month."
        return self._listing(description, "timeline", papers)

    def map_page(self) -> dict[str, Any]:
        """The map: Material's ``hide`` takes the whole width (no navigation, no contents); the site's
        card; ``lastmod`` from every paper (it shows them all)."""
        meta: dict[str, Any] = {
            "hide": ["navigation", "toc"],
            "description": "A map of every paper of the atlas.",
            "atlas": {"card": image_meta("site")},
        }
        lastmod = self.lastmod(self.atlas.papers)
        if lastmod:
            meta["lastmod"] = lastmod
        return meta

    def index(self, src: str) -> dict[str, Any]:
        atlas = self.atlas
        papers = atlas.papers
        if src == routes.TAGS:
            description = f"Every tag of the atlas ({len(atlas.taxonomy.tags):,}) with its number of papers"
            if atlas.topics:
                description += (
                    f", and {_plural(len(atlas.topics), 'automatic topic')} for papers no tag covers"
                )
            description += "."
            return self._listing(description, "tag", papers)
        if src == routes.COLLECTIONS:
            description = (
                f"The {_plural(len(atlas.collections), 'collection')} of the atlas: each is one listing "
                "file of the corpus, with its papers."
            )
            return self._listing(description, "collection", papers)
        if src == routes.TIMELINE:
            years = [y for y in self.views.years() if y != "undated"]
            span = f", {years[0]} to {years[-1]}" if years else ""
            description = f"{_plural(len(papers), 'paper')} by publication date{span}, year by year."
            return self._listing(description, "timeline", papers)
        # The home page keeps the site's description (mkdocs.yml), and advertises the site feed.
        meta: dict[str, Any] = {"atlas": {"card": image_meta("site")}}
        lastmod = self.lastmod(papers)
        if lastmod:
            meta["lastmod"] = lastmod
        return meta
