"""MkDocs glue: generate every page from the corpus in memory, and watch the inputs in ``mkdocs serve``.

This module only wires MkDocs events to the generator: ``on_files`` builds the atlas and
adds each generated page with ``File.generated`` (no temporary files, nothing stale);
``on_page_markdown`` hands each generated page its meta (what its YAML front matter would
hold, without writing and re-parsing YAML); ``on_serve`` adds the corpus, taxonomy and
templates to the watched paths. ``on_startup`` makes MkDocs keep this plugin object for the
whole ``mkdocs serve`` session, so its caches (parsed files, tags) survive from one rebuild
to the next.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .atlas import Atlas, AtlasCache, build_atlas
from .feed import atom_feed
from .model import Severity
from .render import Renderer

log = logging.getLogger("mkdocs.plugins.paper_atlas")
RECORDS = "papers.json"


class PaperAtlasConfig(base.Config):
    corpus = c.Dir(exists=True)
    """Folder of listing files (``*.txt``) and the optional ``collections.yml``."""
    taxonomy = c.File(exists=True)
    """The tag taxonomy."""
    templates = c.Dir(exists=True)
    """Jinja2 templates for the generated Markdown pages."""
    corpus_problems = c.Choice(("warning", "info"), default="warning")
    """Log level of corpus warnings and errors: ``warning`` makes ``mkdocs build --strict`` fail on them."""
    feed_size = c.Type(int, default=50)
    """Number of newest papers in ``feed.xml``."""


class PaperAtlasPlugin(BasePlugin[PaperAtlasConfig]):
    def __init__(self) -> None:
        self.cache = AtlasCache()
        self.atlas: Atlas | None = None
        self.meta: dict[str, dict[str, Any]] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Present so that MkDocs keeps this object (and its caches) across ``mkdocs serve`` rebuilds."""

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        return Path(config.config_file_path).parent / value if config.config_file_path else Path(value)

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        started = time.perf_counter()
        listings = self.cache.listings
        parsed, reused = listings.misses, listings.hits
        atlas = build_atlas(Path(self.config.corpus), Path(self.config.taxonomy), self.cache)
        self.atlas = atlas
        self._log_diagnostics(atlas)
        renderer = Renderer(atlas, Path(self.config.templates), config.use_directory_urls)
        count = 0
        self.meta = {}
        for doc in renderer.documents():
            existing = files.get_file_from_path(doc.src)
            if existing is not None:
                raise PluginError(
                    f"docs/{doc.src} would be overwritten by a generated page; rename or remove it"
                )
            files.append(File.generated(config, doc.src, content=doc.markdown))
            if doc.meta:
                self.meta[doc.src] = doc.meta
            count += 1
        files.append(self._records_file(config, atlas))
        site_url = config.site_url or ""
        files.append(
            File.generated(
                config,
                "feed.xml",
                content=atom_feed(atlas, site_url, config.site_name, self.config.feed_size),
            )
        )
        log.info(
            "paper-atlas: %d papers, %d pages generated in %.2fs (%d files parsed, %d reused)",
            len(atlas.papers),
            count,
            time.perf_counter() - started,
            listings.misses - parsed,
            listings.hits - reused,
        )
        return files

    def _records_file(self, config: MkDocsConfig, atlas: Atlas) -> File:
        """``papers.json``, streamed straight into the site folder (a few hundred MB at 100k papers:
        never held as one string). MkDocs lets a plugin write there: a generated file whose source
        is its own destination is not copied."""
        destination = Path(config.site_dir) / RECORDS
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{RECORDS}.partial")
        with open(partial, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(atlas.records_json_parts())
        os.replace(partial, destination)
        return File.generated(config, RECORDS, abs_src_path=str(destination))

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        meta = self.meta.get(page.file.src_uri)
        if meta is not None and page.file.generated_by is not None:
            page.meta = {**meta, **page.meta}
        return markdown

    def _log_diagnostics(self, atlas: Atlas) -> None:
        problem_level = logging.WARNING if self.config.corpus_problems == "warning" else logging.INFO
        for d in atlas.diagnostics:
            log.log(logging.INFO if d.severity is Severity.INFO else problem_level, "%s", d)

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        for path in (self.config.corpus, self.config.taxonomy, self.config.templates):
            server.watch(str(path))
        return server
