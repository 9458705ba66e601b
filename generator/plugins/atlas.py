"""MkDocs glue: generate every page from the corpus in memory, and watch the inputs in ``mkdocs serve``.

This module only wires MkDocs events to the generator: ``on_files`` builds the atlas and
adds each generated page with ``File.generated`` (no temporary files, nothing stale);
``on_page_read_source`` hands MkDocs each generated page when it reads it, rendered just
ahead on another core (or then and there): the Markdown of all pages never sits in memory at
once, and is dropped once converted;
``on_page_markdown`` hands each generated page its meta (what its YAML front matter would
hold, without writing and re-parsing YAML; a hand-written page gets the site's link-preview
card); ``on_page_content`` puts the page's raw HTML blocks (card lists, the abstract), which
Python-Markdown never had to parse, in place of their placeholders
(:func:`generator.site.render.restore_raw`); ``on_env`` gives the theme its memo
(:mod:`generator.site.theme`: the nav, tabs and search dialog rendered once, not once a page) and,
every page being converted, starts writing the files for other tools (``generator.site.exports``:
records, BibTeX and feeds beside the pages) in a second process, so that it never competes with the
pages rendered ahead; ``on_post_build`` waits for them; ``on_config`` (a build starts) and
``on_build_error`` cancel every helper process still pending, so that a failed rebuild under
``mkdocs serve`` leaves none behind; ``on_serve`` adds the corpus, taxonomy and templates to the
watched paths. ``on_startup`` makes MkDocs keep this plugin object for the whole ``mkdocs serve``
session, so its caches (parsed files, tags) survive from one rebuild to the next.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generator.atlas import Atlas, AtlasCache, build_atlas
from generator.parallel import Helper, Stream, cancel_pending
from generator.report import log_diagnostics, problem_logger
from generator.site import routes
from generator.site.exports import Exporter, ExportStats, write_exports
from generator.site.feed import atom_feed
from generator.site.map import PREVIEW, MapJob
from generator.site.meta import PageMeta
from generator.site.outputs import record_lines
from generator.site.preview_images import image_meta
from generator.site.render import Document, Renderer, restore_raw
from generator.site.routes import Routes
from generator.site.theme import ThemeMemo, with_material_prefix
from generator.site.views import SiteViews

log = logging.getLogger("mkdocs.plugins.paper_atlas")

# Corpus problems are the corpus's, not the site's: ``mkdocs build --strict`` counts WARNING records
# that reach the ``mkdocs`` logger (a CountHandler on it), and these never reach it
# (``propagate = False``). They still print, with their own severity, through their own handler,
# and follow ``mkdocs -q``/``-v`` (the logger inherits the level MkDocs sets on ``mkdocs``).


class PaperAtlasConfig(base.Config):
    corpus = c.Dir(exists=True)
    """Folder of listing files (``*.txt``) and the optional ``collections.yml``."""
    taxonomy = c.File(exists=True)
    """The tag taxonomy."""
    templates = c.Dir(exists=True)
    """Jinja2 templates for the generated Markdown pages."""
    corpus_problems = c.Choice(("report", "strict", "warning", "info"), default="report")
    """``report``: corpus problems are printed (``corpus/x.txt:23: warning: ...``) and never fail the
    build; each entry is skipped or degraded as ``check`` reports it. ``strict``: they are MkDocs
    warnings and errors, so ``mkdocs build --strict`` fails on them. ``warning`` and ``info`` are
    the older names of ``strict`` and ``report`` (README "Publishing policy")."""
    feed_size = c.Type(int, default=50)
    """Number of newest papers in ``feed.xml``."""


class PaperAtlasPlugin(BasePlugin[PaperAtlasConfig]):
    def __init__(self) -> None:
        self.cache = AtlasCache()
        self.atlas: Atlas | None = None
        self.renderer: Renderer | None = None
        self.sources: frozenset[str] = frozenset()
        self.meta: dict[str, dict[str, Any]] = {}
        self.raw: dict[str, tuple[str, ...]] = {}
        self.ahead: dict[str, Document] = {}
        self.stream: Stream[Document] | None = None
        self.render_seconds = 0.0
        self.rendered_here = 0
        self.map_job: MapJob | None = None
        self.exports: Helper[ExportStats] | None = None
        self.theme_memo = ThemeMemo()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Present so that MkDocs keeps this object (and its caches) across ``mkdocs serve`` rebuilds."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """A build starts (under ``mkdocs serve``, a rebuild): no helper of an earlier one survives it."""
        self._cancel_helpers()
        return config

    def on_build_error(self, *, error: Exception) -> None:
        """A build failed, at any event: its helper processes end with it."""
        self._cancel_helpers()

    def on_shutdown(self) -> None:
        self._cancel_helpers()

    def _cancel_helpers(self) -> None:
        """Cancel every helper process still pending (generator.parallel) and let go of them."""
        cancel_pending()
        self.stream, self.ahead, self.map_job, self.exports = None, {}, None, None

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        return Path(config.config_file_path).parent / value if config.config_file_path else Path(value)

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Build the atlas and register every generated page; each is rendered when MkDocs reads it."""
        started = time.perf_counter()
        listings = self.cache.listings
        parsed, reused = listings.misses, listings.hits
        atlas = build_atlas(Path(self.config.corpus), Path(self.config.taxonomy), self.cache)
        self.atlas = atlas
        self._log_diagnostics(atlas)
        site_url = config.site_url or ""
        self.renderer = Renderer(atlas, Path(self.config.templates), config.use_directory_urls, site_url)
        self.meta = {}
        self.raw = {}
        self.render_seconds = 0.0
        self.rendered_here = 0
        sources = self.renderer.sources()
        for src in sources:
            if files.get_file_from_path(src) is not None:
                raise PluginError(f"docs/{src} would be overwritten by a generated page; rename or remove it")
            # The content comes from on_page_read_source, when MkDocs reads the page.
            files.append(File.generated(config, src, content=""))
        self.sources = frozenset(sources)
        self._close_stream()
        # The map's layout runs in another process while MkDocs converts the pages (on_post_build).
        self.map_job = MapJob(self.renderer.map)
        # The pages are rendered on another core, in the order MkDocs reads them, while it
        # converts the ones before (generator.parallel; without it, each is rendered when read).
        renderer = self.renderer
        self.stream = Stream(lambda: map(renderer.document, sources), len(sources))
        files.append(self._records_file(config, atlas, renderer.routes))
        for file in self._exports(config, renderer):
            files.append(file)
        for data_file in self._list_data_files(config, renderer):
            files.append(data_file)
        files.append(
            File.generated(
                config,
                routes.FEED,
                content=atom_feed(atlas, renderer.routes, config.site_name, self.config.feed_size),
            )
        )
        log.info(
            "paper-atlas: %d papers, %d pages generated in %.2fs (%d files parsed, %d reused)",
            len(atlas.papers),
            len(sources),
            time.perf_counter() - started,
            listings.misses - parsed,
            listings.hits - reused,
        )
        return files

    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """The Markdown of a generated page: from the stream rendered ahead, else rendered now."""
        src = page.file.src_uri
        if self.renderer is None or src not in self.sources:
            return None
        started = time.perf_counter()
        doc = self.ahead.pop(src, None)
        while doc is None and self.stream is not None:
            batch = self.stream.next_batch()
            if batch is None:  # all sent, or the other process failed: render the rest here
                self._close_stream()
                break
            self.ahead.update((d.src, d) for d in batch)
            doc = self.ahead.pop(src, None)
        if doc is None:
            doc = self.renderer.document(src)
            self.rendered_here += 1
        if doc.meta:
            self.meta[src] = doc.meta
        if doc.raw:
            self.raw[src] = doc.raw
        self.render_seconds += time.perf_counter() - started
        return doc.markdown

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Hand a generated page its meta: what its front matter would hold, without writing YAML.
        A hand-written page gets the site's link-preview card."""
        meta = self.meta.pop(page.file.src_uri, None)
        if meta is None and page.file.src_uri not in self.sources:
            meta = {"atlas": {"card": image_meta("site")}}
        if meta is not None:
            page.meta = {**meta, **page.meta}
        return markdown

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Put the page's raw HTML blocks in place. A generated page's Markdown is not needed once
        converted: let it go (~500 MB at 100k)."""
        if page.file.src_uri in self.sources:
            page.markdown = ""
            html = restore_raw(html, self.raw.pop(page.file.src_uri, ()))
        return html

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        """Every page has been read and converted: the renderer's views are no longer needed, the
        files for other tools start on the core the pages were rendered on, and the theme gets its
        memo."""
        self.theme_memo.clear()
        env.globals["atlas_memo"] = self.theme_memo
        with_material_prefix(env, list(config.theme.dirs))
        if self.renderer is not None:
            log.info(
                "paper-atlas: pages rendered in %.2fs of this process's time (%d of %d here, the rest "
                "ahead in another process)",
                self.render_seconds,
                self.rendered_here,
                len(self.sources),
            )
        self.renderer = None
        self._close_stream()
        if self.exports is not None:
            self.exports.release()
        return env

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        """The map page gets its static picture, drawn from the layout (done by now, as a rule:
        it ran while MkDocs converted every page). A generated page, once rendered, keeps only what
        the sitemap reads (its ``lastmod``): MkDocs would hold every page's HTML and meta to the end
        of the build, where the search index is written (at 100k papers, a gigabyte)."""
        if self.map_job is not None and page.file.src_uri == routes.MAP and PREVIEW in output:
            output = output.replace(PREVIEW, self.map_job.preview(), 1)
        if page.file.src_uri in self.sources:
            page.content = None
            lastmod = page.meta.get("lastmod")
            page.meta = {"lastmod": lastmod} if lastmod else {}
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the map's data files, once its layout is done; wait for the files for other tools."""
        if self.exports is not None:
            started = time.perf_counter()
            stats = self.exports.wait()
            self.exports = None
            log.info(
                "paper-atlas: %d files for other tools (%d feeds, %d .bib of tags and collections); "
                "waited %.2fs for them",
                stats.files,
                stats.feeds,
                stats.bibs,
                time.perf_counter() - started,
            )
        if self.theme_memo.enabled:
            log.debug("paper-atlas: theme parts reused %d times", self.theme_memo.hits)
        if self.map_job is not None:
            written, size, seconds = self.map_job.write(Path(config.site_dir))
            log.info(
                "paper-atlas: map data, %d files, %.1f MB, layout in %.2fs (waited for it: %.2fs)",
                written,
                size / 1e6,
                seconds,
                self.map_job.waited,
            )
        self._cancel_helpers()  # none is left by now; and none ever outlives a build

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        self.ahead = {}

    def _records_file(self, config: MkDocsConfig, atlas: Atlas, site: Routes) -> File:
        """``papers.json``, streamed straight into the site folder (a few hundred MB at 100k papers:
        never held as one string). MkDocs lets a plugin write there: a generated file whose source
        is its own destination is not copied."""
        destination = Path(config.site_dir) / routes.RECORDS
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{routes.RECORDS}.partial")
        with open(partial, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(record_lines(atlas, site))
        os.replace(partial, destination)
        return File.generated(config, routes.RECORDS, abs_src_path=str(destination))

    def _exports(self, config: MkDocsConfig, renderer: Renderer) -> list[File]:
        """Fork the process that writes the files for other tools (generator.site.exports) into the
        site folder now, while this process is small, and let it start in ``on_env``, once the pages
        rendered ahead no longer need the core (``on_post_build`` waits for it); register those at
        the root. ``papers.bib`` is registered as its own source, so MkDocs copies nothing: it exists
        (empty) until the export replaces it."""
        site_dir = Path(config.site_dir)
        atlas, site = renderer.atlas, renderer.routes
        name, description, feed_size = config.site_name, config.site_description or "", self.config.feed_size
        made = Exporter(renderer.page_meta, name, description, feed_size)
        robots, llms = made.robots(), made.llms()
        exporter: Exporter | None = made
        del made

        def write() -> ExportStats:
            # The child has the exporter above, with the views this process has built so far. This
            # process lets go of it (its caches would stay through MkDocs' heaviest phase) and makes
            # a fresh one only if the child failed.
            fresh = exporter or Exporter(PageMeta(SiteViews(atlas, site)), name, description, feed_size)
            return write_exports(fresh, site_dir)

        self.exports = Helper(write).start(len(atlas.papers), gated=True)
        exporter = None
        bib = site_dir / routes.ATLAS_BIB
        bib.parent.mkdir(parents=True, exist_ok=True)
        bib.touch()
        return [
            File.generated(config, routes.ATLAS_BIB, abs_src_path=str(site_dir / routes.ATLAS_BIB)),
            File.generated(config, routes.ROBOTS, content=robots),
            File.generated(config, routes.LLMS, content=llms),
        ]

    def _list_data_files(self, config: MkDocsConfig, renderer: Renderer) -> list[File]:
        """Each list's ``cards.json`` (generator/site/listings.py), written straight into the site folder
        as ``papers.json`` is, one at a time."""
        out = []
        for path, text in renderer.listings.data_files():
            destination = Path(config.site_dir) / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8", newline="\n")
            out.append(File.generated(config, path, abs_src_path=str(destination)))
        return out

    def _log_diagnostics(self, atlas: Atlas) -> None:
        strict = self.config.corpus_problems in ("strict", "warning")
        log_diagnostics(atlas.diagnostics, log if strict else problem_logger())
        if not strict and (atlas.errors or atlas.warnings):
            log.info(
                "paper-atlas: %d errors and %d warnings in the corpus, printed above; not counted by "
                "strict mode (corpus_problems: %s)",
                atlas.errors,
                atlas.warnings,
                self.config.corpus_problems,
            )

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        for path in (self.config.corpus, self.config.taxonomy, self.config.templates):
            server.watch(str(path))
        return server
