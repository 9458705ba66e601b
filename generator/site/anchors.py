"""Heading ids that never collide with the ids the theme and the templates put on a page.

Python-Markdown's ``toc`` makes a heading's id from its text, and keeps ids unique among the
headings of one page; it does not know the ids that the page's other markup carries: Material's
(``__drawer``, ``__search``, ``__nav_1``, ...: all start with two underscores), and the atlas's own
(``cite`` on a paper page, ``pa-map`` and the other ``pa-`` ids). A paper titled "Cite" or
``__drawer`` would repeat one (invalid HTML, and a broken drawer or link). :func:`slugify`, set as
``toc``'s ``slugify`` in ``mkdocs.yml``, gives such a heading the id ``h-<slug>`` instead.
"""

from __future__ import annotations

from markdown.extensions.toc import slugify as _markdown_slugify

# Ids written by templates and overrides outside the Markdown (tests/test_site.py checks the list
# against them), and the prefixes of ids that the theme or the atlas's scripts own.
RESERVED_IDS = frozenset({"cite"})
RESERVED_PREFIXES = ("__", "pa-", "h-")


def slugify(value: str, separator: str) -> str:
    slug = str(_markdown_slugify(value, separator))
    if slug in RESERVED_IDS or slug.startswith(RESERVED_PREFIXES):
        return f"h-{slug}"
    return slug
