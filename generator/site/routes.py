"""Where every generated page lives: its source path, its URL, and the links between pages.

The one place that spells page paths. A page is known by its Markdown source path (``papers/<id>.md``,
``tags/<tag>.md``...), as MkDocs knows it; :meth:`Routes.url` is the URL MkDocs gives it
(``File.url``, honouring ``use_directory_urls``), and a link from one page to another is written
either as a Markdown link to the source (:meth:`Routes.md`: MkDocs validates and rewrites it) or,
inside raw HTML that MkDocs never touches, as the final relative URL (:meth:`Routes.href`: what
MkDocs' ``get_relative_url`` gives between the two pages' URLs). Both refuse a target that is not
a page of the site, so a broken generated link fails the build.

Files that are not pages are spelled here too: the whole-site files (``papers.json``, ``feed.xml``,
``papers.bib``, ``robots.txt``, ``llms.txt``) and the files beside a page, named after its source
(``papers/<id>.md`` -> ``papers/<id>.bib`` and ``.json``; ``tags/<id>.md`` -> ``tags/<id>.bib`` and
``.xml``). A file's URL is its path, as MkDocs gives a static file; :meth:`Routes.file_href` links a
page to it (relative to the page's URL, so ``../<id>.bib`` from ``papers/<id>/`` and ``<id>.bib``
from ``papers/<id>.html``), and :meth:`Routes.absolute` makes either absolute with ``site_url``.
"""

from __future__ import annotations

import functools
import posixpath
import re

HOME = "index.md"
TAGS = "tags/index.md"
COLLECTIONS = "collections/index.md"
TIMELINE = "timeline/index.md"
MAP = "map.md"
RECORDS = "papers.json"
FEED = "feed.xml"
ATLAS_BIB = "papers.bib"
ROBOTS = "robots.txt"
LLMS = "llms.txt"
SITEMAP = "sitemap.xml"
CARDS = "assets/cards"

BIB = ".bib"
JSON = ".json"
ATOM = ".xml"


def paper(pid: str) -> str:
    return f"papers/{pid}.md"


def tag(tag_id: str) -> str:
    return f"tags/{tag_id}.md"


def topic(topic_id: str) -> str:
    return f"topics/{topic_id}.md"


UNSORTED = "topics/not-yet-sorted.md"  # the papers no tag fits and no coherent topic holds (no topic id clashes)


def collection(cid: str) -> str:
    return f"collections/{cid}.md"


def year(name: str) -> str:
    return f"timeline/{name}.md"


def beside(src: str, suffix: str) -> str:
    """The path of a file beside the page ``src``, named after it: ``papers/x.md`` -> ``papers/x.bib``."""
    return src.removesuffix(".md") + suffix


def paper_bib(pid: str) -> str:
    return beside(paper(pid), BIB)


def paper_json(pid: str) -> str:
    return beside(paper(pid), JSON)


def listing_bib(src: str) -> str:
    """The BibTeX of the papers of a tag or collection page."""
    return beside(src, BIB)


def listing_feed(src: str) -> str:
    """The Atom feed of a tag or collection page."""
    return beside(src, ATOM)


def card(kind: str) -> str:
    """The link-preview image of a kind of page (``docs/assets/cards/<kind>.png``)."""
    return f"{CARDS}/{kind}.png"


_LIST_PAGE = re.compile(r"^(?P<base>.+)/page/(?P<number>[1-9][0-9]*)\.md$")


def list_page(first: str, number: int) -> str:
    """Page ``number`` of the long list whose first page is ``first``: ``tags/x.md`` itself for 1,
    then ``tags/x/page/2.md`` and on (URL ``tags/x/page/2/``)."""
    return first if number == 1 else f"{first.removesuffix('.md')}/page/{number}.md"


def split_list_page(src: str) -> tuple[str, int] | None:
    """``tags/x/page/3.md`` -> (``tags/x.md``, 3); None for a source that is no list's later page."""
    found = _LIST_PAGE.match(src)
    if found is None or int(found["number"]) < 2:
        return None
    return found["base"] + ".md", int(found["number"])


def list_data(first: str) -> str:
    """The data file of the list whose first page is ``first``: ``tags/x/cards.json``."""
    return f"{first.removesuffix('.md')}/cards.json"


def map_query(paper: str | None = None, tag: str | None = None) -> str:
    """The map page's query string: centred on a paper (``?paper=<id>``) or highlighting a tag."""
    if paper is not None:
        return f"?paper={paper}"
    return f"?tag={tag}" if tag is not None else ""


class UnknownPage(ValueError):
    """A generated link points at a page the site does not have."""


class Routes:
    """URLs and links between the pages in ``pages`` (source paths), as MkDocs builds them."""

    def __init__(
        self, directory_urls: bool = True, pages: frozenset[str] | None = None, site_url: str = ""
    ) -> None:
        self.directory_urls = directory_urls
        self.pages = pages  # None: any source (used before the page list exists, and in tests)
        self.base = site_url if not site_url or site_url.endswith("/") else site_url + "/"
        self._urls: dict[str, str] = {}

    def _check(self, src: str) -> None:
        if self.pages is not None and src not in self.pages:
            raise UnknownPage(f"a generated link points at {src}, which is not a page of this site")

    def url(self, src: str) -> str:
        """The site-relative URL of the page built from ``src`` (MkDocs' ``File.url``); a file that is
        not a page (no ``.md``) keeps its path."""
        found = self._urls.get(src)
        if found is None and not src.endswith(".md"):
            return src
        if found is None:
            stem = src[:-3] if src.endswith(".md") else src
            if not self.directory_urls:
                found = stem + ".html"
            elif stem == "index":
                found = "./"
            elif stem.endswith("/index"):
                found = stem[:-5]
            else:
                found = stem + "/"
            self._urls[src] = found
        return found

    def href(self, from_src: str, to_src: str, anchor: str = "") -> str:
        """The URL of ``to_src`` relative to the page built from ``from_src``, for raw HTML."""
        self._check(to_src)
        link = relative_url(self.url(to_src), self.url(from_src))
        return f"{link}#{anchor}" if anchor else link

    def file_href(self, from_src: str, path: str) -> str:
        """The URL of ``path``, a file of the site that is not a page (a list's data file, a file
        beside a page), relative to the page built from ``from_src``, for raw HTML."""
        return relative_url(path, self.url(from_src))

    def href_from_file(self, path: str, to_src: str) -> str:
        """The URL of the page ``to_src`` relative to the file ``path`` (a list's data file)."""
        self._check(to_src)
        return relative_url(self.url(to_src), path)

    def absolute(self, src: str) -> str:
        """The absolute URL of a page (by source) or a file (by path); ``""`` when there is no site_url."""
        if not self.base:
            return ""
        url = self.url(src)
        return self.base if url == "./" else self.base + url

    def md(self, from_src: str, to_src: str, anchor: str = "") -> str:
        """A Markdown link from the source ``from_src`` to the source ``to_src`` (MkDocs rewrites it)."""
        self._check(to_src)
        to_dir, _, name = to_src.rpartition("/")
        up = _relative_dir(from_src.rpartition("/")[0], to_dir)
        link = name if up == "." else f"{up}/{name}"
        return f"{link}#{anchor}" if anchor else link


@functools.lru_cache(maxsize=4096)
def _relative_dir(from_dir: str, to_dir: str) -> str:
    return posixpath.relpath(to_dir or ".", from_dir or ".")


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part and part != "."]


def relative_url(url: str, other: str) -> str:
    """``url`` relative to the page URL ``other``: MkDocs' ``get_relative_url`` for the URLs it writes
    (no ``..`` inside them), without its ``posixpath`` round trips."""
    head, _, base = other.rpartition("/")
    if other != "." and "." in base:  # a file URL (use_directory_urls: false): its folder
        other = head
    here, there = _parts(other), _parts(url)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    relative = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    return relative + "/" if url.endswith("/") else relative
