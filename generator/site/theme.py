"""Parts of the theme that are the same on most pages, rendered once per build and reused.

Material renders its navigation (the tabs and the sidebar nav), the search dialog and the page
configuration script for every page. On ten thousand paper pages that are not in the nav, each of
these comes out the same, except for the relative URLs in them. :class:`ThemeMemo` is a Jinja
global used with ``{% call %}`` in the theme overrides (``docs/overrides``)::

    {% call atlas_memo("nav") %}{% include "material/partials/nav.html" %}{% endcall %}

renders its body the first time a page with a given *key* needs it and hands the same text to every
later page with that key. The key is everything the body can depend on: the part's name, the
page's ``base_url``, which nav page is active (None for the many pages outside the nav), and the
URL of every nav page relative to this page (what MkDocs' ``url`` filter gives: two pages at the
same depth can still differ, ``tags/x/`` links the Tags tab as ``../`` where ``papers/y/`` has
``../../tags/``). tests/test_theme.py builds a site with and without the memo and compares every
HTML file byte for byte.

``material/<path>`` names Material's own template at ``<path>`` (:func:`with_material_prefix`),
so an override of ``partials/nav.html`` can wrap the original instead of copying it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, pass_context
from jinja2.runtime import Context
from mkdocs.utils import get_relative_url

MEMO_ENV = "PAPER_ATLAS_THEME_MEMO"  # "0" renders every part for every page (the tests compare both)
PREFIX = "material"


class ThemeMemo:
    """``atlas_memo(name)``: the rendered body of a ``{% call %}`` block, once per key (see the module)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = os.environ.get(MEMO_ENV, "1") != "0" if enabled is None else enabled
        self.parts: dict[Hashable, str] = {}
        self.hits = 0

    def clear(self) -> None:
        self.parts.clear()
        self.hits = 0

    @pass_context
    def __call__(self, context: Context, name: str, *, caller: Callable[[], str]) -> str:
        if not self.enabled:
            return caller()
        key = self.key(context, name)
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = caller()
        else:
            self.hits += 1
        return part

    @staticmethod
    def key(context: Context, name: str) -> Hashable:
        page: Any = context.get("page")
        nav: Any = context.get("nav")
        base_url = context.get("base_url")
        if page is None or nav is None:  # a page without either (404, sitemap): its own key
            return (name, base_url, id(page))
        nav_pages = nav.pages
        here = page.url
        active = here if any(p is page for p in nav_pages) else None
        return (name, base_url, active, tuple(get_relative_url(p.url, here) for p in nav_pages))


def with_material_prefix(env: Environment, theme_dirs: list[str]) -> None:
    """Let templates name Material's own files as ``material/<path>``, after every other lookup."""
    material = next((d for d in theme_dirs if Path(d).parent.name == "material"), None)
    if material is None or env.loader is None:
        return
    env.loader = ChoiceLoader([env.loader, PrefixLoader({PREFIX: FileSystemLoader(material)})])
