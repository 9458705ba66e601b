"""Corpus text is data, never markup: escaping for Markdown, HTML attributes and URLs."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, quote_plus

# Exactly the characters Python-Markdown (with the extensions mkdocs.yml enables: toc, attr_list,
# tables) accepts a backslash before; a backslash before any other character would show. Syntax
# that needs other characters (emoji, tilde, mark, arithmatex...) is simply not enabled.
# ``<``, ``>`` and ``&`` become HTML entities instead.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def markdown_text(text: str) -> str:
    """Inline Markdown that renders as exactly ``text``: no emphasis, links, HTML or attributes."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def attribute(text: str) -> str:
    """For a value the theme writes into an HTML attribute without escaping it."""
    return html.escape(text, quote=True)


def url_path(url: str) -> str:
    """A corpus URL made safe for a Markdown link destination (no spaces, parentheses or quotes)."""
    return quote(url, safe=":/?=&%#-._~+,;@!$")


def query(text: str) -> str:
    return quote_plus(text)


def first_sentence(text: str, limit: int = 200) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence
