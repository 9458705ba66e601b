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

from .atlas import Atlas
from .cite import note
from .model import Paper
from .views import newest_first

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


def atom(feed: Feed, base: str, categories: Callable[[Paper], Sequence[Category]], *, tags_url: str) -> str:
    """The Atom document. ``base`` is the site's URL (a paper's URL is ``base + paper.url``);
    ``tags_url`` is the scheme of the categories (the folder of the tag pages)."""
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
    scheme = quoteattr(tags_url)
    for p in feed.papers:
        url = base + p.url
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


def site_base(site_url: str) -> str:
    return site_url if not site_url or site_url.endswith("/") else site_url + "/"


def tag_categories(atlas: Atlas) -> Callable[[Paper], Sequence[Category]]:
    """A paper's categories: its rule tags, then the tags inferred from its related papers."""
    by_id = atlas.taxonomy.by_id

    def categories(p: Paper) -> Sequence[Category]:
        ids = [*atlas.tags.get(p.id, ()), *(i.tag for i in atlas.inferred.get(p.id, ()))]
        return [Category(t, by_id[t].name) for t in ids]

    return categories


def atom_feed(atlas: Atlas, site_url: str, site_name: str, size: int) -> str:
    """``feed.xml``: the newest papers of the whole atlas."""
    base = site_base(site_url)
    feed = Feed(
        title=f"{site_name}: newest papers",
        subtitle="",
        page=base,
        self_url=base + "feed.xml",
        papers=feed_papers(atlas.papers, size),
    )
    return atom(feed, base, tag_categories(atlas), tags_url=base + "tags/")
