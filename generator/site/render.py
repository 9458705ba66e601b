"""Render the site's Markdown pages from view objects with the Jinja2 templates in ``templates/``.

Escaping is on by default: every ``{{ value }}`` a template prints goes through
:func:`generator.site.escape.markdown_text` unless it is wrapped in :class:`markupsafe.Markup`
(``|safe`` in a template, :func:`raw` here). So corpus text can never become Markdown,
HTML or Jinja. URLs built by the generator are passed through the ``url`` filter.

Long repetitive parts (paper and link lists, the abstract, tag chips) are written as raw HTML
blocks, which Python-Markdown passes through untouched: several times cheaper than Markdown for
MkDocs to convert. There values go through ``h`` (HTML escaping) and links through ``page_url``
(the URL MkDocs would have written for the Markdown link); the HTML is what Python-Markdown
would have produced, so the built site is the same.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from generator.atlas import Atlas
from generator.site.escape import attribute, markdown_text, url_path
from generator.site import routes
from generator.site.charts import Trends
from generator.site.map import SiteMap
from generator.site.routes import Routes
from generator.site.views import SiteViews, citation_date


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
    markdown: str
    meta: dict[str, Any] | None = None

    def text(self) -> str:
        """The page as a Markdown file: YAML front matter (if any), then the body."""
        return front_matter(self.meta) + self.markdown if self.meta else self.markdown


class Renderer:
    def __init__(self, atlas: Atlas, template_dir: Path, directory_urls: bool = True) -> None:
        self.atlas = atlas
        self.routes = Routes(directory_urls)
        self.views = SiteViews(atlas, self.routes)
        self.env = make_environment(template_dir)
        self.routes.pages = frozenset(self.sources())  # a link to anything else fails the build
        self._templates: dict[str, jinja2.Template] = {}
        self.trends = Trends(atlas, self.routes)
        self.map = SiteMap(atlas, self.routes)

    def _render(self, template: str, **context: Any) -> str:
        compiled = self._templates.get(template)
        if compiled is None:  # looked up once: get_template would stat the file on every page
            compiled = self._templates[template] = self.env.get_template(template)
        return compiled.render(**context)

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
            *(routes.tag(t.id) for t in atlas.taxonomy.tags),
            *(routes.topic(t.id) for t in atlas.topics),
            routes.COLLECTIONS,
            *(routes.collection(c.id) for c in atlas.collections),
            routes.TIMELINE,
            *(routes.year(year) for year in self.views.years()),
            routes.MAP,
        ]

    def document(self, src: str) -> Document:
        """One generated page, by source path (one of :meth:`sources`)."""
        v = self.views
        folder, _, name = src.rpartition("/")
        key = name.removesuffix(".md")
        if src == routes.HOME:
            return Document(src, self._render("home.md.j2", page=v.home_page(), chart=self.trends.home()))
        if folder == "papers":
            return self.paper_document(key)
        if src == routes.TAGS:
            trends = self.trends
            overview = v.tags_overview()
            return Document(
                src, self._render("tags.md.j2", page=overview, growth=trends.growth(), links=trends.cooccurrence())
            )
        if folder == "tags":
            page = v.tag_page(v.tag_by_id[key])
            on_map = self.routes.href(src, routes.MAP) + routes.map_query(tag=key)
            return Document(src, self._render("tag.md.j2", page=page, chart=self.trends.tag(key), map_href=on_map))
        if folder == "topics":
            return Document(src, self._render("topic.md.j2", page=v.topic_page(v.topic_by_id[key])))
        if src == routes.COLLECTIONS:
            links = v.collection_links(src)
            pairs = list(zip(self.atlas.collections, links, strict=True))
            return Document(src, self._render("collections.md.j2", collections=pairs))
        if folder == "collections":
            collection = v.collection_by_id[key]
            listing = v.collection_page(collection)
            return Document(src, self._render("collection.md.j2", page=listing, chart=self.trends.collection(key)))
        if src == routes.TIMELINE:
            return Document(src, self._render("timeline.md.j2", years=v.year_summaries(src)))
        if folder == "timeline":
            return Document(src, self._render("year.md.j2", page=v.year_page(key, v.years()[key])))
        if src == routes.MAP:
            # Material's front matter: the map takes the whole width (no navigation, no contents).
            meta = {"hide": ["navigation", "toc"], "description": "A map of every paper of the atlas."}
            return Document(src, self._render("map.md.j2", page=self.map.page()), meta)
        raise KeyError(src)

    def paper_document(self, pid: str) -> Document:
        page = self.views.paper_page(self.views.by_id[pid])
        meta: dict[str, Any] = {
            "description": attribute(page.description),
            "paper": {
                "citation_title": page.paper.title,
                "jsonld": page.jsonld,
            },
        }
        date = citation_date(page.paper.published)
        if date:
            meta["paper"]["citation_publication_date"] = date
        on_map = self.routes.href(page.src, routes.MAP) + routes.map_query(paper=pid)
        return Document(page.src, self._render("paper.md.j2", page=page, map_href=on_map), meta)
