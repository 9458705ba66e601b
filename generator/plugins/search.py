"""MkDocs glue of the search index: plugin ``atlas-search`` (see :mod:`generator.search`)."""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from generator.search.tokenizer import INDEX_DIR
from generator.search.writer import SearchDoc, build_index, page_text, paper_docs, snippet
from generator.site import routes
from generator.site.routes import Routes

log = logging.getLogger("mkdocs.plugins.atlas_search")


# -- MkDocs plugin ---------------------------------------------------------------------------------


class AtlasSearchConfig(base.Config):
    atlas_plugin = c.Type(str, default="paper-atlas")
    """Name of the plugin whose ``atlas`` attribute holds the papers (see generator/plugins/atlas.py)."""


class AtlasSearchPlugin(BasePlugin[AtlasSearchConfig]):
    """Writes the sharded index after the build; keeps Material's search box, not its index."""

    def __init__(self) -> None:
        self.pages: dict[str, SearchDoc] = {}
        self.paper_srcs: frozenset[str] | None = None
        self.paused: BasePlugin[Any] | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if "material/search" not in config.plugins:
            log.warning("atlas-search: Material's 'search' plugin is not enabled, so no search box is shown")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        self.pages = {}
        self.paper_srcs = None
        return files

    def _atlas(self, config: MkDocsConfig) -> Any:
        plugin = config.plugins.get(self.config.atlas_plugin)
        return getattr(plugin, "atlas", None)

    # Material's search plugin must stay enabled, or its header shows no search box; but on every page
    # it would index the page and run a regex over its HTML (~250 µs a page, ~25 s at 100k pages).
    # So it is switched off just around its own on_page_context, and on again before the page is
    # rendered. Its on_post_build then writes a search_index.json with no documents: the page still
    # fetches that file (for its settings) before it starts the worker.

    @event_priority(100)
    def _pause_material_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        material = config.plugins.get("material/search")
        if material is not None and material.config.get("enabled"):
            material.config["enabled"] = False
            self.paused = material
        self._collect(page, config)
        return context

    @event_priority(-100)
    def _resume_material_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        if self.paused is not None:
            self.paused.config["enabled"] = True
            self.paused = None
        return context

    on_page_context = CombinedEvent(_pause_material_search, _resume_material_search)

    def _collect(self, page: Page, config: MkDocsConfig) -> None:
        """Pages other than papers are indexed by title (hand-written ones by their text too)."""
        if self.paper_srcs is None:
            atlas = self._atlas(config)
            self.paper_srcs = frozenset(routes.paper(p.id) for p in atlas.papers) if atlas else frozenset()
        if page.file.src_uri in self.paper_srcs:
            return
        title = html.unescape(str(page.meta.get("title") or page.title or ""))  # MkDocs gives it as HTML
        description = html.unescape(str(page.meta.get("description") or ""))  # escaped for an attribute
        if page.file.generated_by is None and page.content:  # a hand-written page: index its text
            text = page_text(page.content)[:20_000]
        else:
            text = description
        self.pages[page.url] = SearchDoc(page.url, title, text, snippet(description or text))

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        started = time.perf_counter()
        atlas = self._atlas(config)
        docs: list[SearchDoc] = []
        if atlas is not None:
            by_id = atlas.taxonomy.by_id
            names = {
                pid: tuple(by_id[t].name for t in tags if t in by_id) for pid, tags in atlas.tags.items()
            }
            docs.extend(paper_docs(atlas.papers, names, Routes(config.use_directory_urls)))
        docs.extend(self.pages[url] for url in sorted(self.pages))
        stats = build_index(docs, Path(config.site_dir) / INDEX_DIR)
        log.info(
            "atlas-search: %d documents, %d terms (%d common), %d files, %.1f MB in %.2fs",
            stats.n_docs,
            stats.n_terms,
            stats.n_common,
            stats.n_files,
            stats.total_bytes / 1e6,
            time.perf_counter() - started,
        )
