"""Links in raw HTML carry the URL MkDocs would have written for the same Markdown link."""

from __future__ import annotations

import itertools
import posixpath

import pytest
from mkdocs.utils import get_relative_url

from generator.site.views import link, page_url, url_link

SOURCES = [
    "index.md",
    "papers/a-1.md",
    "papers/b-2.md",
    "tags/t.md",
    "tags/index.md",
    "collections/index.md",
    "collections/c_d.md",
    "timeline/2020.md",
    "timeline/index.md",
    "about.md",
]


def mkdocs_url(src: str, directory_urls: bool) -> str:
    """MkDocs' File.url for a Markdown source."""
    if src == "index.md" or src.endswith("/index.md") or not directory_urls:
        dest = src[:-3] + ".html"
    else:
        dest = src[:-3] + "/index.html"
    dirname, name = posixpath.split(dest)
    return (dirname or ".") + "/" if directory_urls and name == "index.html" else dest


@pytest.mark.parametrize("directory_urls", [True, False])
def test_url_link_matches_mkdocs(directory_urls: bool) -> None:
    for source, target in itertools.product(SOURCES, SOURCES):
        assert page_url(target, directory_urls) == mkdocs_url(target, directory_urls)
        expected = get_relative_url(mkdocs_url(target, directory_urls), mkdocs_url(source, directory_urls))
        markdown_link = link(source, target)
        assert url_link(source, markdown_link, directory_urls) == expected
        assert url_link(source, markdown_link + "#x", directory_urls) == expected + "#x"


@pytest.mark.parametrize("directory_urls", [True, False])
def test_url_link_matches_mkdocs_for_odd_links(directory_urls: bool) -> None:
    """Links into a page's own folder, through "./" or ".." detours, to folder indexes."""
    for source in SOURCES:
        stem = source.rpartition("/")[2][:-3]
        for href in (f"{stem}/x.md", "./y.md", "a/../b.md", "../index.md", "index.md", "sub/index.md"):
            folder = source.rpartition("/")[0]
            target = posixpath.normpath(posixpath.join(folder, href)).lstrip("./") or "index.md"
            if target.startswith(".."):
                continue
            expected = get_relative_url(
                mkdocs_url(target, directory_urls), mkdocs_url(source, directory_urls)
            )
            assert url_link(source, href, directory_urls) == expected, (source, href)


def test_absolute_links_are_left_alone() -> None:
    assert url_link("papers/a.md", "https://example.com/x.md") == "https://example.com/x.md"
    assert url_link("papers/a.md", "#top") == "#top"
