"""The site's files for other tools, written straight into the site folder (an emitter).

Beside each page, named after it (paths from :mod:`generator.site.routes`):

* ``papers/<id>.json``: the paper's record (the same as in ``papers.json``);
* ``papers/<id>.bib``: its BibTeX entry;
* ``tags/<id>.bib``, ``collections/<id>.bib``: every paper of the tag or collection;
* ``tags/<id>.xml``, ``collections/<id>.xml``: Atom feeds of their newest papers (when one is dated).

At the root: ``papers.bib`` (every paper); and the text of ``robots.txt`` (points at the sitemap)
and ``llms.txt`` (what the site is and where its data and feeds are; https://llmstxt.org), which
the plugin hands MkDocs as generated files.

Files are written as they are made (big ones piece by piece), never held whole: 100,000 papers
make 200,000 small files and a ``papers.bib`` of tens of megabytes. The MkDocs plugin runs
:func:`write_exports` in a second process while MkDocs converts the pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.atlas import Atlas
from generator.model import Paper
from generator.site import routes
from generator.site.cite import bibtex_entry, bibtex_file
from generator.site.feed import Feed, atom, feed_papers, tag_categories
from generator.site.meta import Members, PageMeta
from generator.site.outputs import record_json
from generator.site.routes import Routes


@dataclass(frozen=True)
class Listing:
    src: str
    title: str
    subtitle: str
    papers: list[Paper]


@dataclass(frozen=True)
class ExportStats:
    files: int
    papers: int
    feeds: int
    bibs: int


class Exporter:
    """What goes in each file; :func:`write_exports` writes them."""

    def __init__(self, page_meta: PageMeta, site_name: str, site_description: str, feed_size: int) -> None:
        self.atlas: Atlas = page_meta.atlas
        self.routes: Routes = page_meta.routes
        self.members: Members = page_meta.members  # the same lists the pages link by
        self.site_name = site_name
        self.site_description = site_description
        self.feed_size = feed_size
        self._entries: dict[str, str] = {}
        self.categories = tag_categories(self.atlas)

    def entry(self, p: Paper) -> str:
        found = self._entries.get(p.id)
        if found is None:
            found = self._entries[p.id] = bibtex_entry(p, self.routes.absolute(routes.paper(p.id)))
        return found

    def bib(self, papers: Iterable[Paper]) -> Iterable[str]:
        return bibtex_file(self.entry(p) for p in papers)

    # -- what goes where ----------------------------------------------------------------------

    def listings(self) -> Iterable[Listing]:
        """Every tag and collection page, with its papers newest first."""
        site = self.site_name
        for tag in self.atlas.taxonomy.pages:
            yield Listing(
                routes.tag(tag.id), f"{site}: tag {tag.name}", tag.description, self.members.tag(tag.id)
            )
        for c in self.atlas.collections:
            papers = self.members.collection(c.id)
            yield Listing(routes.collection(c.id), f"{site}: collection {c.name}", c.description, papers)

    def feed(self, listing: Listing) -> str | None:
        """The Atom feed of a tag or collection; None when none of its papers is dated."""
        newest = feed_papers(listing.papers, self.feed_size)
        if not newest:
            return None
        r = self.routes
        feed = Feed(
            listing.title,
            listing.subtitle,
            r.absolute(listing.src),
            r.absolute(routes.listing_feed(listing.src)),
            newest,
        )
        return atom(feed, r, self.categories)

    def robots(self) -> str:
        lines = ["User-agent: *", "Allow: /"]
        sitemap = self.routes.absolute(routes.SITEMAP)
        if sitemap:
            lines.append(f"Sitemap: {sitemap}")
        return "\n".join(lines) + "\n"

    def llms(self) -> str:
        """``llms.txt``: Markdown, as https://llmstxt.org describes it."""
        a, r = self.atlas, self.routes

        def url(path: str) -> str:
            return r.absolute(path) or path

        page = r.url(routes.paper("<id>"))  # the pattern of every paper's URL, as this site spells it
        dates = sorted(p.published for p in a.papers if p.published)
        span = f", published {dates[0]} to {dates[-1]}" if dates else ""
        lines = [
            f"# {self.site_name}",
            "",
            f"> {self.site_description}",
            "",
            f"{len(a.papers):,} papers, {len(a.taxonomy.tags):,} tags and {len(a.collections):,} "
            f"collections{span}. Each paper has a page (`{page}`) with its abstract, tags, related "
            "papers (with the reason) and the papers it names. Titles and abstracts are as listed; the "
            "listings name no authors, only an organisation or a number of authors.",
            "",
            "## Data",
            "",
            f"- [papers.json]({url(routes.RECORDS)}): every paper record, "
            '`{"papers": [{id, url, title, abstract, authors, organization, published, upvotes, '
            "code_urls, collections, sources, tags, inferred_tags, topic, related, mentions, "
            "mentioned_by}]}`",
            f"- `{routes.paper_json('<id>')}`: one paper's record (the same fields), beside its page `{page}`",
            f"- [papers.bib]({url(routes.ATLAS_BIB)}): BibTeX of every paper; `{routes.paper_bib('<id>')}`, "
            "`tags/<id>.bib` and `collections/<id>.bib` hold one paper's, one tag's and one collection's",
            f"- [sitemap.xml]({url(routes.SITEMAP)}): every page, with the date of its newest paper",
            "",
            "## Feeds",
            "",
            f"- [Newest papers]({url(routes.FEED)}): Atom, the whole atlas",
        ]
        for listing in self.listings():
            if any(p.published for p in listing.papers):
                lines.append(f"- [{_md_text(listing.title)}]({url(routes.listing_feed(listing.src))})")
        return "\n".join(lines) + "\n"


def _md_text(text: str) -> str:
    """Link text for llms.txt: brackets and backslashes escaped, one line."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _write_small(path: Path, text: str) -> None:
    """One small file (a paper's record or entry): no buffered text stream to set up for it."""
    fd = os.open(path, _FLAGS, 0o644)
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


def _write(path: Path, parts: Iterable[str]) -> None:
    """A file written piece by piece (``papers.bib`` is tens of megabytes at 100,000 papers)."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(parts)


def _folder(path: Path, made: set[Path]) -> Path:
    """``path``, its folder made (once)."""
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    return path


def write_exports(exporter: Exporter, site_dir: Path) -> ExportStats:
    """Write every export into ``site_dir``; returns what was written."""
    atlas = exporter.atlas
    site = exporter.routes
    files = feeds = bibs = 0
    folders: set[Path] = set()
    for p in atlas.papers:
        _folder(site_dir / routes.paper_json(p.id), folders)
        _write_small(site_dir / routes.paper_json(p.id), record_json(atlas, site, p) + "\n")
        _write_small(site_dir / routes.paper_bib(p.id), exporter.entry(p))
        files += 2
    _write(site_dir / routes.ATLAS_BIB, exporter.bib(atlas.papers))
    files += 1
    for listing in exporter.listings():
        if not listing.papers:
            continue
        bib = _folder(site_dir / routes.listing_bib(listing.src), folders)
        _write(bib, exporter.bib(listing.papers))
        bibs += 1
        text = exporter.feed(listing)
        if text is not None:
            _write_small(site_dir / routes.listing_feed(listing.src), text)
            feeds += 1
    files += bibs + feeds
    return ExportStats(files=files, papers=len(atlas.papers), feeds=feeds, bibs=bibs)
