"""Render the site's Markdown pages from view objects with the Jinja2 templates in ``templates/``.

Escaping is on by default: every ``{{ value }}`` a template prints goes through
:func:`generator.escape.markdown_text` unless it is wrapped in :class:`markupsafe.Markup`
(``|safe`` in a template, :func:`raw` here). So corpus text can never become Markdown,
HTML or Jinja. URLs built by the generator are passed through the ``url`` filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from .atlas import Atlas
from .escape import attribute, markdown_text, url_path
from .views import SiteViews, citation_date, year_src


def _finalize(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(markdown_text(str(value)))


def _url(value: str) -> Markup:
    return Markup(url_path(value))


def make_environment(template_dir: Path) -> jinja2.Environment:
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
    def __init__(self, atlas: Atlas, template_dir: Path) -> None:
        self.atlas = atlas
        self.views = SiteViews(atlas)
        self.env = make_environment(template_dir)
        self._templates: dict[str, jinja2.Template] = {}

    def _render(self, template: str, **context: Any) -> str:
        compiled = self._templates.get(template)
        if compiled is None:  # looked up once: get_template would stat the file on every page
            compiled = self._templates[template] = self.env.get_template(template)
        return compiled.render(**context)

    def pages(self) -> Iterator[tuple[str, str]]:
        """Every generated Markdown page as (source path, content), in a stable order."""
        for doc in self.documents():
            yield doc.src, doc.text()

    def documents(self) -> Iterator[Document]:
        """Every generated page, its meta apart (the MkDocs plugin hands it over without YAML)."""
        v = self.views
        yield Document("index.md", self._render("home.md.j2", page=v.home_page()))
        for p in self.atlas.papers:
            yield self.paper_document(p.id)
        yield Document("tags/index.md", self._render("tags.md.j2", tags=v.tag_summaries("tags/index.md")))
        for tag in self.atlas.taxonomy.tags:
            tag_page = v.tag_page(tag)
            yield Document(tag_page.src, self._render("tag.md.j2", page=tag_page))
        yield Document(
            "collections/index.md",
            self._render(
                "collections.md.j2",
                collections=list(
                    zip(self.atlas.collections, v.collection_links("collections/index.md"), strict=True)
                ),
            ),
        )
        for c in self.atlas.collections:
            collection_page = v.collection_page(c)
            yield Document(collection_page.src, self._render("collection.md.j2", page=collection_page))
        yield Document(
            "timeline/index.md", self._render("timeline.md.j2", years=v.year_summaries("timeline/index.md"))
        )
        for year, papers in v.years().items():
            yield Document(year_src(year), self._render("year.md.j2", page=v.year_page(year, papers)))

    def paper(self, pid: str) -> tuple[str, str]:
        doc = self.paper_document(pid)
        return doc.src, doc.text()

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
        return Document(page.src, self._render("paper.md.j2", page=page), meta)

    def records_json(self) -> str:
        return self.atlas.records_json()
