"""BibTeX for papers: one ``@misc`` entry per paper, escaped so that any title comes out literally.

Corpus text is data. In a braced BibTeX value the characters that LaTeX or BibTeX would read
as markup are escaped: ``\\ % # & $ _ ~ ^`` and the braces. Braces are the delicate case:
BibTeX counts every brace, escaped or not, so a ``\\{`` that is not matched by a ``\\}`` would
unbalance the entry. Matched pairs become ``\\{`` ... ``\\}`` (LaTeX prints braces, and parsers
that decode LaTeX give the title back literally); an unmatched brace becomes
``\\textbraceleft{}`` or ``\\textbraceright{}``, which is balanced on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.site.escape import url_path
from generator.model import Paper

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "#": r"\#",
    "&": r"\&",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile(r"[\\%#&$_~^{}]")
_SPACE = re.compile(r"\s+")


def _unmatched_braces(text: str) -> set[int]:
    """Positions of the braces in ``text`` that have no partner."""
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    unmatched.update(opened)
    return unmatched


def bibtex_text(text: str) -> str:
    """``text`` for a braced BibTeX value: shown literally by LaTeX, balanced for BibTeX."""
    text = _SPACE.sub(" ", text).strip()  # a field value is one logical line
    if not _SPECIAL_RE.search(text):
        return text
    unmatched = _unmatched_braces(text) if "{" in text or "}" in text else set()

    def replace(match: re.Match[str]) -> str:
        ch = match.group()
        if ch == "{":
            return r"\textbraceleft{}" if match.start() in unmatched else r"\{"
        if ch == "}":
            return r"\textbraceright{}" if match.start() in unmatched else r"\}"
        return _SPECIAL[ch]

    return _SPECIAL_RE.sub(replace, text)


def note(p: Paper) -> str:
    """What the listing says about who wrote it: the organisation, else the number of authors."""
    if p.organization:
        return p.organization.name
    if p.authors is not None:
        return f"{p.authors} author{'s' if p.authors != 1 else ''}, not named in the listing"
    return "Authors not named in the listing"


def bibtex_entry(p: Paper, url: str) -> str:
    """The paper as a BibTeX ``@misc`` entry (title, year, url, note), keyed by its permanent id.

    ``url`` is the absolute URL of its page; the year is left out when the date is unknown.
    """
    lines = [f"@misc{{{p.id},", f"  title = {{{bibtex_text(p.title)}}},"]
    if p.published:
        lines.append(f"  year = {{{p.published[:4]}}},")
    if url:
        # Verbatim in biblatex and in \url: percent-encoded (no braces, backslashes or spaces), not escaped.
        lines.append(f"  url = {{{url_path(url)}}},")
    lines.append(f"  note = {{{bibtex_text(note(p))}}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def bibtex_file(entries: Iterable[str]) -> Iterable[str]:
    """A ``.bib`` file of entries, piece by piece (a blank line between entries)."""
    separator = ""
    for entry in entries:
        yield separator + entry
        separator = "\n"
