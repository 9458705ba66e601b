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
from generator.site import routes
from generator.site.escape import markdown_text, url_path
from generator.site.meta import PageMeta
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
    def __init__(
        self, atlas: Atlas, template_dir: Path, directory_urls: bool = True, site_url: str = ""
    ) -> None:
        self.atlas = atlas
        self.routes = Routes(directory_urls, site_url=site_url)
        self.views = SiteViews(atlas, self.routes)
        self.env = make_environment(template_dir)
        self.routes.pages = frozenset(self.sources())  # a link to anything else fails the build
        self._templates: dict[str, jinja2.Template] = {}
        self.page_meta = PageMeta(self.views)

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
        ]

    def document(self, src: str) -> Document:
        """One generated page, by source path (one of :meth:`sources`), with its meta (generator.site.meta)."""
        return Document(src, self._document(src).markdown, self.page_meta.for_page(src))

    def _document(self, src: str) -> Document:
        v = self.views
        folder, _, name = src.rpartition("/")
        key = name.removesuffix(".md")
        if src == routes.HOME:
            return Document(
                src, self._render("home.md.j2", page=v.home_page(), files=self.page_meta.files(src))
            )
        if folder == "papers":
            return self.paper_document(key)
        if src == routes.TAGS:
            return Document(src, self._render("tags.md.j2", page=v.tags_overview()))
        if folder == "tags":
            page = v.tag_page(v.tag_by_id[key])
            return Document(src, self._render("tag.md.j2", page=page, files=self.page_meta.files(src)))
        if folder == "topics":
            return Document(src, self._render("topic.md.j2", page=v.topic_page(v.topic_by_id[key])))
        if src == routes.COLLECTIONS:
            links = v.collection_links(src)
            pairs = list(zip(self.atlas.collections, links, strict=True))
            return Document(src, self._render("collections.md.j2", collections=pairs))
        if folder == "collections":
            collection = v.collection_by_id[key]
            files = self.page_meta.files(src)
            return Document(
                src, self._render("collection.md.j2", page=v.collection_page(collection), files=files)
            )
        if src == routes.TIMELINE:
            return Document(src, self._render("timeline.md.j2", years=v.year_summaries(src)))
        if folder == "timeline":
            return Document(src, self._render("year.md.j2", page=v.year_page(key, v.years()[key])))
        raise KeyError(src)

    def paper_document(self, pid: str) -> Document:
        page = self.views.paper_page(self.views.by_id[pid])
        return Document(page.src, self._render("paper.md.j2", page=page))
