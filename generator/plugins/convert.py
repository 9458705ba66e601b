"""Generated pages converted to HTML on the helper's core, exactly as MkDocs would convert them.

MkDocs converts every page's Markdown in its own process (``Page.render``: Python-Markdown with the
configured extensions, plus MkDocs' tree processors that resolve links, collect anchors and find
the title): about a millisecond a page, a third of what a plain build spends on each page. The
helper process that renders the generated pages ahead (:class:`generator.parallel.Stream`) now
converts them too, with the same configuration and the same MkDocs processors
(:meth:`Converter.convert`), and MkDocs' own process only puts the results in place
(:func:`install`: ``page.render`` of that one page sets what ``Page.render`` would have set).

What MkDocs would have logged while converting (a link to a missing page, say) is logged again in
MkDocs' process, where ``--strict`` counts it. A page whose Markdown another plugin changed after it
was converted (``on_page_markdown``) is converted by MkDocs as usual. ``PAPER_ATLAS_CONVERT_AHEAD=0``
turns all this off (``all``: every page is converted ahead); ``tests/test_convert.py`` checks that
a site comes out byte for byte the same either way, and that a page converted here equals
``Page.render``'s.

This reads MkDocs internals (the processors ``Page.render`` registers, the attributes it sets); the
pinned MkDocs version is the one it was written against (the tests fail if that changes).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

ENV = "PAPER_ATLAS_CONVERT_AHEAD"  # 0: never; all: every page, however far ahead (for the tests)
ENABLED = os.environ.get(ENV, "1") != "0"
EVERY_PAGE = os.environ.get(ENV) == "all"
PAGES_LOGGER = "mkdocs.structure.pages"  # where Page.render's processors log


@dataclass(frozen=True)
class Converted:
    """What ``Page.render`` sets on a page, made from ``source``, and what it logged doing so."""

    source: str  # the Markdown converted
    content: str
    toc_tokens: list[Any]
    title: str | None
    anchors: frozenset[str]
    links_to_anchors: dict[str, dict[str, str]] | None  # by the src_uri of the page linked to
    logs: tuple[tuple[int, str], ...] = ()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


@contextmanager
def _collected(name: str) -> Iterator[_Collect]:
    """The records logged under ``name`` while the block runs, kept instead of printed."""
    logger = logging.getLogger(name)
    handler = _Collect()
    propagate, handlers = logger.propagate, logger.handlers
    logger.propagate, logger.handlers = False, [handler]
    try:
        yield handler
    finally:
        logger.propagate, logger.handlers = propagate, handlers


class Converter:
    """Converts generated pages as ``Page.render`` does, given the build's config and files.

    One Markdown instance serves every page (``reset()`` between them, as Python-Markdown allows);
    ``Page.render`` makes one a page, which is a fifth of its time."""

    def __init__(self, config: MkDocsConfig, files: Files) -> None:
        self.config = config
        self.files = files
        self._md: markdown.Markdown | None = None

    def convert(self, src: str, source: str) -> Converted:
        file = self.files.get_file_from_path(src)
        if file is None:
            raise KeyError(f"{src}: not among the build's files")
        if self._md is None:
            self._md = markdown.Markdown(
                extensions=self.config["markdown_extensions"],
                extension_configs=self.config["mdx_configs"] or {},
            )
        md = self._md
        md.reset()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(file, self.files, self.config)
        anchors._register(md)
        relative = _RelativePathTreeprocessor(file, self.files, self.config)
        relative._register(md)
        title = _ExtractTitleTreeprocessor()
        title._register(md)
        with _collected(PAGES_LOGGER) as logged:
            content = md.convert(source)
        links = None
        if logging.getLogger(PAGES_LOGGER).getEffectiveLevel() > logging.DEBUG:
            links = {target.src_uri: dict(found) for target, found in relative.links_to_anchors.items()}
        return Converted(
            source=source,
            content=content,
            toc_tokens=list(getattr(md, "toc_tokens", [])),
            title=title.title,
            anchors=frozenset(anchors.present_anchor_ids | raw_html.present_anchor_ids),
            links_to_anchors=links,
            logs=tuple(logged.records),
        )


def install(page: Page, converted: Converted) -> None:
    """Make ``page.render(config, files)`` put ``converted`` in place, if the page's Markdown is
    still the one converted (else it converts as usual)."""
    page.render = functools.partial(_render, page, converted)  # type: ignore[method-assign]


def _render(page: Page, converted: Converted, config: MkDocsConfig, files: Files) -> None:
    del page.render  # the class's own again
    if page.markdown != converted.source:  # another plugin changed it: convert that
        page.render(config, files)
        return
    page.content = converted.content
    page.toc = get_toc(converted.toc_tokens)
    page._title_from_render = converted.title
    page.present_anchor_ids = set(converted.anchors)
    if converted.links_to_anchors is not None:
        page.links_to_anchors = {}
        for src, found in converted.links_to_anchors.items():
            target = files.get_file_from_path(src)
            if target is not None:
                page.links_to_anchors[target] = found
    logger = logging.getLogger(PAGES_LOGGER)
    for level, message in converted.logs:
        logger.log(level, "%s", message)
