"""Pages converted to HTML ahead, on the helper's core (generator/plugins/convert.py), are the pages
MkDocs would have made: the same content, table of contents, title and anchors for each page, the
same warnings, and a whole site identical byte for byte."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files, get_files
from mkdocs.structure.pages import Page

from generator.plugins.convert import PAGES_LOGGER, Converter, install
from tests.test_site import ROOT, SITE_FIXTURE, build_fixture_site


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Files, Any]:
    """The fixture site's config, files and plugin after ``on_files``, as MkDocs has them."""
    work = tmp_path_factory.mktemp("convert")
    (work / "docs").symlink_to(ROOT / "docs")
    config_text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config_text = config_text.replace("corpus: corpus", f"corpus: {SITE_FIXTURE / 'corpus'}")
    config_text = config_text.replace("taxonomy: taxonomy.yml", f"taxonomy: {SITE_FIXTURE / 'taxonomy.yml'}")
    config_text = config_text.replace("templates: templates", f"templates: {ROOT / 'templates'}")
    (work / "mkdocs.yml").write_text(config_text, encoding="utf-8")
    config = load_config(str(work / "mkdocs.yml"), site_dir=str(work / "site"))
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(get_files(config), config=config)
    return config, files, config.plugins["paper-atlas"]


def _rendered(config: Any, files: Files, src: str, markdown: str) -> Page:
    page = Page(None, files.get_file_from_path(src), config)
    page.markdown = markdown
    page.render(config, files)
    return page


def _same(a: Page, b: Page) -> None:
    assert a.content == b.content
    assert str(a.toc) == str(b.toc) and [i.id for i in a.toc] == [i.id for i in b.toc]
    assert a._title_from_render == b._title_from_render
    assert a.present_anchor_ids == b.present_anchor_ids
    assert a.links_to_anchors == b.links_to_anchors


def test_every_generated_page_converts_as_mkdocs_converts_it(project: tuple[Any, Files, Any]) -> None:
    config, files, plugin = project
    converter = Converter(config, files)  # one Markdown instance for all, as in the helper
    sources = plugin.source_order
    assert len(sources) > 20 and any(s.startswith("tags/") for s in sources)
    for src in sources:
        markdown = plugin.renderer.document(src).markdown
        expected = _rendered(config, files, src, markdown)
        page = Page(None, files.get_file_from_path(src), config)
        page.markdown = markdown
        install(page, converter.convert(src, markdown))
        page.render(config, files)
        _same(page, expected)
        assert "render" not in vars(page)  # the class's own again


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.levelno, record.getMessage()))


def test_warnings_are_logged_in_mkdocs_process(project: tuple[Any, Files, Any]) -> None:
    """A link to a missing page or anchor warns as MkDocs would, when the page is put in place."""
    config, files, plugin = project
    src = plugin.source_order[-1]
    markdown = "# Broken\n\n[gone](no-such-page.md) and [anchor](index.md#no-such-anchor)\n\n## Part two\n"
    logger = logging.getLogger(PAGES_LOGGER)
    records, level = _Records(), logger.level
    logger.addHandler(records)
    logger.setLevel(logging.INFO)
    try:
        expected = _rendered(config, files, src, markdown)
        wanted, records.seen = records.seen, []
        converted = Converter(config, files).convert(src, markdown)
        assert not records.seen  # kept with the page, not printed in the helper
        page = Page(None, files.get_file_from_path(src), config)
        page.markdown = markdown
        install(page, converted)
        page.render(config, files)
        got = records.seen
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    assert wanted and any("no-such-page.md" in message for _, message in wanted)
    assert got == wanted
    _same(page, expected)


def test_a_page_changed_after_conversion_is_converted_again(project: tuple[Any, Files, Any]) -> None:
    """Another plugin's ``on_page_markdown`` may change the Markdown: MkDocs converts what it got."""
    config, files, plugin = project
    src = plugin.source_order[0]
    converted = Converter(config, files).convert(src, "# Before\n")
    page = Page(None, files.get_file_from_path(src), config)
    page.markdown = "# After\n\nChanged by a plugin.\n"
    install(page, converted)
    page.render(config, files)
    assert page.content is not None and "Changed by a plugin." in page.content
    assert page._title_from_render == "After"


@pytest.mark.parametrize("directory_urls", [True, False], ids=["directory-urls", "file-urls"])
def test_conversion_ahead_changes_no_byte_of_the_site(tmp_path: Path, directory_urls: bool) -> None:
    log: list[str] = []
    ahead = build_fixture_site(
        tmp_path / "ahead",
        directory_urls,
        env={"PAPER_ATLAS_PARALLEL_MIN": "0", "PAPER_ATLAS_CONVERT_AHEAD": "all"},
        log=log,
    )
    found = re.search(
        r"\((\d+) of (\d+) here, the rest ahead in another process, which also converted (\d+)", log[0]
    )
    assert found, log[0][-2000:]
    here, pages, converted = map(int, found.groups())
    assert here == 0 and converted == pages > 20, found[0]  # every generated page, ahead
    plain = build_fixture_site(tmp_path / "plain", directory_urls, env={"PAPER_ATLAS_PARALLEL": "0"})
    names = sorted(p.relative_to(plain).as_posix() for p in plain.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(ahead).as_posix() for p in ahead.rglob("*") if p.is_file())
    differ = [name for name in names if (ahead / name).read_bytes() != (plain / name).read_bytes()]
    assert not differ, differ[:5]
