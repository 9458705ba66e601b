"""Routes: page URLs and links between pages are the ones MkDocs itself computes."""

from __future__ import annotations

import itertools
import posixpath

import pytest
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from generator.site import routes
from generator.site.routes import Routes, UnknownPage

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
    "topics/topic-1.md",
    "about.md",
]


def mkdocs_url(src: str, directory_urls: bool) -> str:
    """MkDocs' own File.url of a Markdown source."""
    return File(src, "docs", "site", directory_urls).url


@pytest.mark.parametrize("directory_urls", [True, False])
def test_urls_and_links_match_mkdocs(directory_urls: bool) -> None:
    r = Routes(directory_urls)
    for source, target in itertools.product(SOURCES, SOURCES):
        assert r.url(target) == mkdocs_url(target, directory_urls)
        expected = get_relative_url(mkdocs_url(target, directory_urls), mkdocs_url(source, directory_urls))
        assert r.href(source, target) == expected, (source, target)
        assert r.href(source, target, "x") == expected + "#x"
        # The Markdown link resolves, from the source's folder, to the target source.
        md = r.md(source, target)
        assert posixpath.normpath(posixpath.join(posixpath.dirname(source), md)) == target


def test_links_to_pages_the_site_lacks_fail() -> None:
    r = Routes(pages=frozenset({"index.md", routes.paper("a")}))
    assert r.href("index.md", routes.paper("a")) == "papers/a/"
    with pytest.raises(UnknownPage, match=r"papers/b\.md"):
        r.href("index.md", routes.paper("b"))
    with pytest.raises(UnknownPage):
        r.md("index.md", routes.tag("nope"))


@pytest.mark.parametrize("directory_urls", [True, False])
def test_files_beside_a_page_are_linked_as_mkdocs_would(directory_urls: bool) -> None:
    """A page's .bib, .json and feed sit beside its source; links to them are MkDocs' relative URLs."""
    site = Routes(directory_urls, site_url="https://atlas.example/sub")
    for src, path in [
        (routes.paper("p-1"), routes.paper_bib("p-1")),
        (routes.paper("p-1"), routes.paper_json("p-1")),
        (routes.tag("t"), routes.listing_feed(routes.tag("t"))),
        (routes.collection("c"), routes.listing_bib(routes.collection("c"))),
        (routes.HOME, routes.ATLAS_BIB),
    ]:
        page = File(src, "docs", "site", directory_urls)
        assert site.file_href(src, path) == get_relative_url(path, page.url)
        assert site.absolute(path) == "https://atlas.example/sub/" + path
    assert routes.paper_bib("p-1") == "papers/p-1.bib" and routes.listing_feed("tags/t.md") == "tags/t.xml"
    home = File(routes.HOME, "docs", "site", directory_urls).url  # MkDocs' canonical_url of the home
    assert site.absolute(routes.HOME) == "https://atlas.example/sub/" + ("" if home == "./" else home)
    assert Routes(directory_urls).absolute(routes.paper("p-1")) == ""
