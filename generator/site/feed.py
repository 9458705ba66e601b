"""An Atom feed of the newest papers. Its ``updated`` is the newest paper's date: no clock."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from generator.atlas import Atlas
from generator.site import routes
from generator.site.routes import Routes
from generator.site.views import newest_first

_EPOCH = "1970-01-01"


def atom_feed(atlas: Atlas, site: Routes, site_url: str, site_name: str, size: int) -> str:
    base = site_url if site_url.endswith("/") else site_url + "/"
    papers = newest_first(p for p in atlas.papers if p.published)[:size]
    updated = papers[0].published if papers else _EPOCH
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(site_name)}: newest papers</title>",
        f"  <id>{escape(base)}</id>",
        f"  <link href={quoteattr(base)}/>",
        f'  <link rel="self" href={quoteattr(base + "feed.xml")}/>',
        f"  <updated>{updated}T00:00:00Z</updated>",
    ]
    for p in papers:
        url = base + site.url(routes.paper(p.id))
        author = p.organization.name if p.organization else "Paper Atlas"
        lines += [
            "  <entry>",
            f"    <title>{escape(p.title)}</title>",
            f"    <id>{escape(url)}</id>",
            f"    <link href={quoteattr(url)}/>",
            f"    <updated>{p.published}T00:00:00Z</updated>",
            f"    <author><name>{escape(author)}</name></author>",
            f"    <summary>{escape(p.abstract)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"
