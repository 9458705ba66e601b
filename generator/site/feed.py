"""Atom feeds of the newest papers: the whole atlas, and one per tag and per collection.

No clock: a feed's ``updated`` is its newest paper's date, and only dated papers are entries
(Atom needs a date on each). Entries carry the paper's tags as categories and its published
date; their author is what the listing says (the organisation, else the number of authors),
never the site.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from generator.atlas import Atlas
from generator.model import Paper
from generator.site import routes
from generator.site.cite import note
from generator.site.routes import Routes
from generator.site.views import newest_first

_EPOCH = "1970-01-01"
# Characters XML 1.0 does not allow, even escaped (control characters, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    return _escape(_NOT_XML.sub("\ufffd", text))


def quoteattr(text: str) -> str:
    return _quoteattr(_NOT_XML.sub("\ufffd", text))


@dataclass(frozen=True)
class Category:
    term: str
    label: str


@dataclass(frozen=True)
class Feed:
    """One feed's own data; ``page`` and ``self_url`` are absolute URLs (when the site has one)."""

    title: str
    subtitle: str
    page: str
    self_url: str
    papers: Sequence[Paper]


def feed_papers(papers: Iterable[Paper], size: int) -> list[Paper]:
    """The newest ``size`` dated papers, newest first."""
    return newest_first(p for p in papers if p.published)[:size]


def absolute(site: Routes, src: str) -> str:
    """The absolute URL of a page or file; site-relative when the site has no ``site_url``."""
    return site.absolute(src) or site.url(src)


def atom(feed: Feed, site: Routes, categories: Callable[[Paper], Sequence[Category]]) -> str:
    """The Atom document. Entry links and the categories' scheme (the tags overview) come from
    ``site``, the site's routes."""
    updated = feed.papers[0].published if feed.papers else _EPOCH
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(feed.title)}</title>",
    ]
    if feed.subtitle:
        lines.append(f"  <subtitle>{escape(feed.subtitle)}</subtitle>")
    lines += [
        f"  <id>{escape(feed.self_url)}</id>",
        f'  <link rel="alternate" type="text/html" href={quoteattr(feed.page)}/>',
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed.self_url)}/>',
        f"  <updated>{updated}T00:00:00Z</updated>",
    ]
    scheme = quoteattr(absolute(site, routes.TAGS))
    for p in feed.papers:
        url = absolute(site, routes.paper(p.id))
        lines += [
            "  <entry>",
            f"    <title>{escape(p.title)}</title>",
            f"    <id>{escape(url)}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>',
            f"    <published>{p.published}T00:00:00Z</published>",
            f"    <updated>{p.published}T00:00:00Z</updated>",
            f"    <author><name>{escape(note(p))}</name></author>",
        ]
        lines += [
            f"    <category term={quoteattr(c.term)} scheme={scheme} label={quoteattr(c.label)}/>"
            for c in categories(p)
        ]
        lines += [f"    <summary>{escape(p.abstract)}</summary>", "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def tag_categories(atlas: Atlas) -> Callable[[Paper], Sequence[Category]]:
    """A paper's categories: its rule tags, then the tags inferred from its related papers."""
    by_id = atlas.taxonomy.by_id

    def categories(p: Paper) -> Sequence[Category]:
        ids = [*atlas.tags.get(p.id, ()), *(i.tag for i in atlas.inferred.get(p.id, ()))]
        return [Category(t, by_id[t].name) for t in ids]

    return categories


def atom_feed(atlas: Atlas, site: Routes, site_name: str, size: int) -> str:
    """``feed.xml``: the newest papers of the whole atlas."""
    feed = Feed(
        title=f"{site_name}: newest papers",
        subtitle="",
        page=absolute(site, routes.HOME),
        self_url=absolute(site, routes.FEED),
        papers=feed_papers(atlas.papers, size),
    )
    return atom(feed, site, tag_categories(atlas))
