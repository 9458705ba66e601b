"""Render the site's Markdown pages from view objects with the Jinja2 templates in ``templates/``.

Escaping is on by default: every ``{{ value }}`` a template prints goes through
:func:`generator.site.escape.markdown_text` unless it is wrapped in :class:`markupsafe.Markup`
(``|safe`` in a template, :func:`raw` here). So corpus text can never become Markdown,
HTML or Jinja. URLs built by the generator are passed through the ``url`` filter.

Long repetitive parts (paper cards and link lists, the abstract, tag chips) are written as raw
HTML blocks. There values go through ``h`` (HTML escaping) and links are final relative URLs from
:mod:`generator.site.routes` (``Link.href``: the URL MkDocs would have written for the Markdown
link); the HTML is what Python-Markdown would have produced, so the built site is the same.
Python-Markdown passes a raw HTML block through, but still parses it tag by tag (a card list
costs several times a plain list), so a template wraps each in ``{% call raw() %}``: the block is
set aside (:attr:`Document.raw`) and the Markdown holds a placeholder comment, ``<!--pa-raw:N-->``,
that the MkDocs plugin replaces with the block once the page is converted (:func:`restore_raw`).
Corpus text cannot write such a comment: its ``<`` is always escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from generator.atlas import Atlas
from generator.site import routes
from generator.site.charts import Trends
from generator.site.escape import markdown_text, url_path
from generator.site.listings import Listings
from generator.site.map import SiteMap
from generator.site.meta import PageMeta
from generator.site.paging import PER_PAGE
from generator.site.routes import Routes
from generator.site.views import SiteViews


def _finalize(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(markdown_text(str(value)))


def _url(value: str) -> Markup:
    return Markup(url_path(value))


# Python-Markdown's own escaping when it writes HTML: an "&" that starts an entity is kept.
_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.IGNORECASE)


def html_text(value: object) -> Markup:
    """Text for raw HTML in a page: exactly what Python-Markdown makes of ``markdown_text(value)``."""
    return Markup(html.escape(str(value), quote=False))


def html_attribute(value: str) -> str:
    """An attribute value as Python-Markdown writes it (``&`` not starting an entity, ``<>"``)."""
    if "&" in value:
        value = _AMP.sub("&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_RAW = re.compile(r"<!--pa-raw:([0-9]+)-->")


def restore_raw(text: str, raw: tuple[str, ...]) -> str:
    """Put the raw HTML blocks set aside while rendering back in place of their placeholders."""
    return _RAW.sub(lambda m: raw[int(m[1])], text) if raw else text


def make_environment(template_dir: Path) -> jinja2.Environment:
    """The Jinja2 environment of the page templates.

    Filters for raw HTML in a page (Python-Markdown passes an HTML block through untouched; it is
    much cheaper than Markdown for long lists): ``h`` escapes text for HTML; ``attr`` escapes an
    attribute value (internal links come ready from :mod:`generator.site.routes`); ``href`` makes
    an external URL safe in an attribute.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        finalize=_finalize,
        # Autoescape marks macro output and |safe values as Markup; _finalize does the actual
        # (Markdown) escaping of everything else, so HTML escaping never runs twice.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["url"] = _url
    env.filters["h"] = html_text
    env.filters["attr"] = lambda value: Markup(html_attribute(str(value)))
    env.filters["href"] = lambda value: Markup(html_attribute(url_path(value)))
    env.filters["n"] = lambda number: f"{number:,}"  # 1,699
    env.globals["raw_html"] = lambda block: block  # the Renderer sets raw blocks aside instead
    return env


_Dumper: type[yaml.SafeDumper] = getattr(
    yaml, "CSafeDumper", yaml.SafeDumper
)  # libyaml: same text, ~20x faster


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter; the safe dumper quotes anything that needs it."""
    text = yaml.dump(meta, Dumper=_Dumper, sort_keys=True, allow_unicode=True, width=1_000_000)
    return "---\n" + text + "---\n\n"


@dataclass(frozen=True)
class Document:
    """One generated page: its Markdown body and the front matter (page meta) that goes with it."""

    src: str
    markdown: str  # with a placeholder for each raw HTML block
    meta: dict[str, Any] | None = None
    raw: tuple[str, ...] = ()  # the raw HTML blocks, in placeholder order

    def text(self) -> str:
        """The page as a Markdown file: YAML front matter (if any), then the body, raw HTML in place."""
        body = restore_raw(self.markdown, self.raw)
        return front_matter(self.meta) + body if self.meta else body


class Renderer:
    def __init__(
        self,
        atlas: Atlas,
        template_dir: Path,
        directory_urls: bool = True,
        site_url: str = "",
        per_page: int = PER_PAGE,
    ) -> None:
        self.atlas = atlas
        self.routes = Routes(directory_urls, site_url=site_url)
        self.views = SiteViews(atlas, self.routes)
        self.listings = Listings(self.views, per_page)
        self.env = make_environment(template_dir)
        self.env.globals["raw_html"] = self._set_aside
        self.routes.pages = frozenset(self.sources())  # a link to anything else fails the build
        self._templates: dict[str, jinja2.Template] = {}
        self.page_meta = PageMeta(self.views)
        self._raw: list[str] = []
        self.trends = Trends(atlas, self.routes)
        self.map = SiteMap(atlas, self.routes)

    def _set_aside(self, block: str) -> Markup:
        self._raw.append(str(block))
        return Markup(f"<!--pa-raw:{len(self._raw) - 1}-->")

    def _render(self, template: str, **context: Any) -> str:
        compiled = self._templates.get(template)
        if compiled is None:  # looked up once: get_template would stat the file on every page
            compiled = self._templates[template] = self.env.get_template(template)
        return compiled.render(**context)

    def _document(
        self, src: str, template: str, meta: dict[str, Any] | None = None, **context: Any
    ) -> Document:
        """Render one page; the raw HTML blocks its template sets aside go with it."""
        self._raw = []
        markdown = self._render(template, **context)
        raw, self._raw = tuple(self._raw), []
        return Document(src, markdown, meta, raw)

    def documents(self) -> Iterator[Document]:
        """Every generated page, its meta apart (the MkDocs plugin hands it over without YAML)."""
        for src in self.sources():
            yield self.document(src)

    def sources(self) -> list[str]:
        """The source path of every generated page, in a stable order, without rendering any."""
        atlas = self.atlas
        return [
            routes.HOME,
            *(routes.paper(p.id) for p in atlas.papers),
            routes.TAGS,
            *(routes.tag(t.id) for t in atlas.taxonomy.pages),
            *(routes.topic(t.id) for t in atlas.topics),
            *((routes.UNSORTED,) if atlas.unsorted else ()),
            routes.COLLECTIONS,
            *(routes.collection(c.id) for c in atlas.collections),
            routes.TIMELINE,
            *(routes.year(year) for year in self.views.years()),
            *self.listings.later_sources(),
            routes.MAP,
        ]

    def document(self, src: str) -> Document:
        """One generated page, by source path (one of :meth:`sources`), with its meta (generator.site.meta)."""
        return dataclasses.replace(self._page(src), meta=self._meta(src))

    def _meta(self, src: str) -> dict[str, Any]:
        split = routes.split_list_page(src)
        if split is None:
            return self.page_meta.for_page(src)
        first, _ = split  # page 2 and on: the meta of page 1, its lastmod from the papers it shows
        return self.page_meta.later_page(first, self.listings.papers(src))

    def _page(self, src: str) -> Document:
        v = self.views
        folder, _, name = src.rpartition("/")
        key = name.removesuffix(".md")
        if src == routes.HOME:
            files = self.page_meta.files(src)
            chart = self.trends.home()
            return self._document(src, "home.md.j2", page=v.home_page(), chart=chart, files=files)
        if folder == "papers":
            return self.paper_document(key)
        if routes.split_list_page(src) is not None:  # page 2 and on of a long list
            return self._document(src, "list_page.md.j2", listing=self.listings.page(src))
        if src == routes.TAGS:
            trends = self.trends
            overview = v.tags_overview()
            return self._document(
                src, "tags.md.j2", page=overview, growth=trends.growth(), links=trends.cooccurrence()
            )
        if src == routes.COLLECTIONS:
            links = v.collection_links(src)
            pairs = list(zip(self.atlas.collections, links, strict=True))
            return self._document(src, "collections.md.j2", collections=pairs)
        if src == routes.TIMELINE:
            return self._document(src, "timeline.md.j2", years=v.year_summaries(src))
        if src == routes.MAP:  # its meta (the whole width, no navigation): PageMeta.map_page
            return self._document(src, "map.md.j2", page=self.map.page())
        listing = self.listings.page(src)  # page 1 of a list, with its own header
        if folder == "tags":
            page = v.tag_page(v.tag_by_id[key])
            on_map = self.routes.href(src, routes.MAP) + routes.map_query(tag=key)
            chart = self.trends.tag(key)
            files = self.page_meta.files(src)
            return self._document(
                src, "tag.md.j2", page=page, listing=listing, chart=chart, map_href=on_map, files=files
            )
        if src == routes.UNSORTED:
            return self._document(src, "unsorted.md.j2", listing=listing)
        if folder == "topics":
            return self._document(src, "topic.md.j2", page=v.topic_page(v.topic_by_id[key]), listing=listing)
        if folder == "collections":
            collection = v.collection_page(v.collection_by_id[key])
            chart = self.trends.collection(key)
            files = self.page_meta.files(src)
            return self._document(
                src, "collection.md.j2", page=collection, listing=listing, chart=chart, files=files
            )
        if folder == "timeline":
            year = v.year_page(key, v.years()[key])
            return self._document(src, "year.md.j2", page=year, listing=listing)
        raise KeyError(src)

    def paper_document(self, pid: str) -> Document:
        page = self.views.paper_page(self.views.by_id[pid])
        on_map = self.routes.href(page.src, routes.MAP) + routes.map_query(paper=pid)
        return self._document(page.src, "paper.md.j2", page=page, map_href=on_map)
