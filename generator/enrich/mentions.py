"""Mentions: the papers an abstract names, found by two Aho-Corasick automata (pyahocorasick) built
once over every title: one over folded titles, one over distinctive names such as ``TensorNet``;
and the backlinks ("mentioned by") that reverse them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import ahocorasick

from generator.ingest.records import fold_title
from generator.model import Paper

MIN_FULL_TITLE_WORDS = 3
MAX_NAME_WORDS = 3

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def distinctive_name(title: str, vocabulary: frozenset[str]) -> str | None:
    """The short name before a title's colon, if it is distinctive enough to link on.

    ``TensorNet: Cartesian ...`` gives ``TensorNet``; ``Hopular: ...`` gives ``Hopular``
    (no ordinary lowercase word "hopular" occurs in the corpus); ``Stop Regressing: ...``
    gives nothing (ordinary words).
    """
    head, colon, _ = title.partition(":")
    head = head.strip()
    if not colon or not head or len(head) < 3 or len(head.split()) > MAX_NAME_WORDS:
        return None
    words = head.split()
    coined = any(any(ch.isupper() for ch in w[1:]) or any(ch.isdigit() for ch in w) for w in words)
    unheard = len(words) == 1 and head.lower() not in vocabulary and head.isalpha()
    return head if coined or unheard else None


def _lowercase_vocabulary(papers: Sequence[Paper]) -> frozenset[str]:
    """Words written in lowercase somewhere in the corpus: ordinary words, not coined names."""
    words: set[str] = set()
    for p in papers:
        words.update(_WORD.findall(p.abstract))
        words.update(_WORD.findall(p.title))
    return frozenset(w for w in words if w.islower())  # each distinct word tested once


def _folded_padded(text: str) -> str:
    return f" {fold_title(text)} "


def mentions(papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
    """For each paper, the ids of the other papers its abstract names, sorted by id."""
    vocabulary = _lowercase_vocabulary(papers)
    by_title = ahocorasick.Automaton()
    by_name = ahocorasick.Automaton()
    name_owners: dict[str, list[str]] = {}
    for p in papers:
        folded = fold_title(p.title)
        if len(folded.split()) >= MIN_FULL_TITLE_WORDS:
            key = f" {folded} "
            owners = by_title.get(key, ()) if by_title.exists(key) else ()
            by_title.add_word(key, (*owners, p.id))
        name = distinctive_name(p.title, vocabulary)
        if name:
            name_owners.setdefault(name, []).append(p.id)
    for name, owners in name_owners.items():
        if len(owners) == 1:  # a name shared by two papers is ambiguous: full titles only
            by_name.add_word(name, (owners[0], len(name)))
    found: dict[str, set[str]] = {p.id: set() for p in papers}
    if len(by_title):
        by_title.make_automaton()
        for p in papers:
            for _, owners in by_title.iter(_folded_padded(p.abstract)):
                found[p.id].update(o for o in owners if o != p.id)
    if len(by_name):
        by_name.make_automaton()
        for p in papers:
            text = p.abstract
            for end, (owner, name_len) in by_name.iter(text):
                if owner == p.id:
                    continue
                begin = end - name_len + 1
                before = text[begin - 1] if begin > 0 else " "
                after = text[end + 1] if end + 1 < len(text) else " "
                if not (before.isalnum() or after.isalnum()):
                    found[p.id].add(owner)
    return {pid: tuple(sorted(ids)) for pid, ids in found.items()}


def backlinks(outgoing: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Reverse a link map: who mentions each paper, sorted by id."""
    incoming: dict[str, list[str]] = {pid: [] for pid in outgoing}
    for source, targets in outgoing.items():
        for target in targets:
            incoming.setdefault(target, []).append(source)
    return {pid: tuple(sorted(sources)) for pid, sources in incoming.items()}
