"""Tagging: a :class:`Taxonomy` of :class:`Tag` values and the one automaton that matches them all.

Matching rules
    * Phrases are matched case-insensitively, as whole words: a hit must not be preceded or followed by
      a letter, digit or underscore, so ``attention`` does NOT match ``attentional`` or ``inattention``
      (it does match inside ``self-attention``: a hyphen is a word boundary). Hyphens and spaces are
      interchangeable (``physics-informed`` == ``physics informed``); a rule that starts or ends with a
      non-word character (``E(n)``) only needs the boundary on its word-character sides.
    * Aliases are matched case-sensitively, as whole words (``MPS`` matches, ``mps`` does not).
    * Plurals: every phrase and alias also matches its plural -- ``+s``; ``+es`` after s, x, z, ch, sh;
      consonant + ``y`` -> ``ies`` -- so write rules in the singular. Rules of one tag that normalize to
      the same text are one rule (and the loader warns about them).
    * ``exclude`` phrases are matched like phrases; a phrase or alias hit of the same tag that overlaps
      an exclude hit does not count (``attention`` inside ``attention to detail``).
    * Scoring: each distinct rule (a phrase or alias, its plural included) found in the title scores 3;
      each distinct rule found in the abstract scores 1. A tag is assigned when its score reaches its
      ``min_score`` (default 2): one title hit is enough, while the abstract alone needs two different
      rules to agree -- unless the tag sets ``min_score: 1``. Repeating a rule does not add to the score,
      and neither do two views of one mention: a rule found only inside a longer hit of the same tag
      (``diffusion`` inside ``diffusion model``), or an alias in parentheses right after a phrase hit of
      the same tag (``neural tangent kernel (NTK)``).

Parents are NOT implied
    Assigning a child tag does not automatically assign its parent: a paper about linear attention is
    tagged ``linear-attention``, and only also ``attention-transformers`` if that tag's own rules match.
    The hierarchy is for navigation (tags pages group children under their parent). Keeping the
    assignment explicit means a tag's paper list always reflects evidence in the paper itself.

Implementation
    All rules of all tags go into ONE Aho-Corasick automaton, built once per :class:`Taxonomy`. Each
    text is scanned once as ``original + NUL + lowered``: hits in the first half may only be aliases,
    hits in the second half only phrases and excludes. Word boundaries are then checked on the hit
    positions. The lowered copy keeps indexes aligned with the original (see :func:`_fold`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

import ahocorasick

from generator.enrich.inference import InferredTag
from generator.enrich.topics import Topic
from generator.model import Diagnostic, Paper, Severity

DEFAULT_MIN_SCORE: Final = 2
TITLE_SCORE: Final = 3
ABSTRACT_SCORE: Final = 1

# Hyphen-minus, hyphen and non-breaking hyphen all read as a space, in texts and in rules alike.
_HYPHENS: Final = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " "})

# Separates the original text from its lowered copy in the single scan; never a word character.
_SEPARATOR: Final = "\x00"

_Kind = Literal["phrase", "alias", "exclude"]


@dataclass(frozen=True, order=True)
class Tag:
    """One tag of the taxonomy. Equality, hashing and ordering use ``id`` only."""

    id: str
    name: str = field(compare=False)
    description: str = field(compare=False)
    parent: str | None = field(compare=False, default=None)
    phrases: tuple[str, ...] = field(compare=False, default=())
    aliases: tuple[str, ...] = field(compare=False, default=())
    exclude: tuple[str, ...] = field(compare=False, default=())
    min_score: int = field(compare=False, default=DEFAULT_MIN_SCORE)


@dataclass(frozen=True)
class _Rule:
    """What one automaton key means: ``kind`` rule number ``rule`` of tag number ``tag``."""

    tag: int
    kind: _Kind
    rule: int  # index into the tag's phrases / aliases / exclude; plural variants share it


@dataclass(frozen=True)
class TagScore:
    """Why a tag was (or was not) assigned: the rules found in the title and in the abstract."""

    tag: str
    score: int
    title_hits: tuple[str, ...]
    abstract_hits: tuple[str, ...]
    assigned: bool


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _fold(text: str) -> str:
    """Lowercase ``text`` keeping every index aligned with the original, and map hyphens to spaces.

    ``str.lower`` may lengthen a string (``"İ".lower()`` is two code points); when it does, fall back
    to lowering character by character and keep any character whose lowercase is not one code point.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(low if len(low := char.lower()) == 1 else char for char in text)
    return lowered.translate(_HYPHENS)


def _normalize_phrase(phrase: str) -> str:
    return " ".join(_fold(phrase).split())


def _plural_variants(word: str) -> tuple[str, ...]:
    """The rule itself and its plural: ``+s``; ``+es`` after s, x, z, ch, sh; ``y`` -> ``ies``."""
    if not word[-1:].isalpha():
        return (word,)
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word, word + "es")
    if len(word) > 1 and word[-1] == "y" and word[-2] not in "aeiou":
        return (word, word + "s", word[:-1] + "ies")
    return (word, word + "s")


class Taxonomy:
    """An immutable, validated set of tags plus the automaton that assigns them.

    Build one with :func:`load_taxonomy`; constructing it directly checks the structural invariants
    (unique ids, known parents, no cycles, at least one phrase or alias per tag) and raises
    ``ValueError`` when they do not hold.
    """

    def __init__(self, tags: tuple[Tag, ...] | list[Tag]) -> None:
        self._tags: tuple[Tag, ...] = tuple(tags)
        by_id: dict[str, Tag] = {}
        for tag in self._tags:
            if tag.id in by_id:
                raise ValueError(f"duplicate tag id {tag.id!r}")
            if not (tag.phrases or tag.aliases):
                raise ValueError(f"tag {tag.id!r} has no phrases and no aliases")
            by_id[tag.id] = tag
        self._by_id: Mapping[str, Tag] = MappingProxyType(by_id)
        children: dict[str, list[Tag]] = {tag.id: [] for tag in self._tags}
        for tag in self._tags:
            if tag.parent is not None:
                if tag.parent not in by_id:
                    raise ValueError(f"tag {tag.id!r} has unknown parent {tag.parent!r}")
                children[tag.parent].append(tag)
        self._children = {key: tuple(value) for key, value in children.items()}
        for tag in self._tags:
            self._walk_up(tag.id)  # raises on a cycle
        self._automaton = self._build_automaton()

    # -- structure -------------------------------------------------------------------------------

    @property
    def tags(self) -> tuple[Tag, ...]:
        """All tags, in file order."""
        return self._tags

    @property
    def by_id(self) -> Mapping[str, Tag]:
        """Read-only mapping from tag id to tag."""
        return self._by_id

    def __len__(self) -> int:
        return len(self._tags)

    def __iter__(self) -> Iterator[Tag]:
        return iter(self._tags)

    def __contains__(self, tag_id: object) -> bool:
        return tag_id in self._by_id

    def children(self, tag_id: str) -> tuple[Tag, ...]:
        """Direct children of ``tag_id``, in file order. ``KeyError`` for an unknown id."""
        return self._children[tag_id]

    def roots(self) -> tuple[Tag, ...]:
        """Tags without a parent, in file order."""
        return tuple(tag for tag in self._tags if tag.parent is None)

    def _walk_up(self, tag_id: str) -> list[str]:
        seen = [tag_id]
        parent = self._by_id[tag_id].parent
        while parent is not None:
            if parent in seen:
                raise ValueError(f"parent cycle: {' -> '.join([*seen, parent])}")
            seen.append(parent)
            parent = self._by_id[parent].parent
        return seen[1:]

    # -- matching --------------------------------------------------------------------------------

    def _build_automaton(self) -> Any:
        entries: dict[str, list[_Rule]] = {}

        def add(key: str, rule: _Rule) -> None:
            rules = entries.setdefault(key, [])
            # Two rules of one tag that normalize to the same text ("state-space model" and
            # "state space model", or "expert" whose plural is the rule "experts") are one rule.
            if not any(other.tag == rule.tag and other.kind == rule.kind for other in rules):
                rules.append(rule)

        for tag_index, tag in enumerate(self._tags):
            kinds: tuple[tuple[_Kind, tuple[str, ...]], ...] = (
                ("phrase", tag.phrases),
                ("alias", tag.aliases),
                ("exclude", tag.exclude),
            )
            for kind, words in kinds:
                for rule_index, word in enumerate(words):
                    base = word if kind == "alias" else _normalize_phrase(word)
                    for variant in _plural_variants(base):
                        add(variant, _Rule(tag_index, kind, rule_index))
        automaton = ahocorasick.Automaton()
        for key, rules in entries.items():
            # What a hit needs, precomputed: the key's length, whether its first / last character
            # must not touch a word character, the rules that count in the original text (aliases)
            # and those that count in the lowered copy (phrases and excludes).
            automaton.add_word(
                key,
                (
                    len(key),
                    _is_word_char(key[0]),
                    _is_word_char(key[-1]),
                    tuple(rule for rule in rules if rule.kind == "alias"),
                    tuple(rule for rule in rules if rule.kind != "alias"),
                ),
            )
        if entries:
            automaton.make_automaton()
            return automaton
        return None

    def _hits(self, text: str) -> dict[int, tuple[set[int], set[int]]]:
        """Per tag index: the phrase rules and alias rules found in ``text`` (excludes applied)."""
        if self._automaton is None or not text:
            return {}
        original_length = len(text)
        haystack = text + _SEPARATOR + _fold(text)
        last = len(haystack)
        found: list[tuple[int, int, _Rule]] = []  # (start, end) in the original's index space
        excluded: dict[int, list[tuple[int, int]]] = {}
        for end_index, (length, word_first, word_last, aliases, others) in self._automaton.iter(haystack):
            end = end_index + 1
            in_original = end <= original_length
            rules = aliases if in_original else others
            if not rules:
                continue
            start = end - length
            if word_first and start > 0:
                before = haystack[start - 1]
                if before.isalnum() or before == "_":
                    continue
            if word_last and end < last:
                after = haystack[end]
                if after.isalnum() or after == "_":
                    continue
            if not in_original:
                start -= original_length + 1
                end -= original_length + 1
            for rule in rules:
                if rule.kind == "exclude":
                    excluded.setdefault(rule.tag, []).append((start, end))
                else:
                    found.append((start, end, rule))
        by_tag: dict[int, list[tuple[int, int, _Rule]]] = {}
        for start, end, rule in found:
            if not any(start < x_end and x_start < end for x_start, x_end in excluded.get(rule.tag, ())):
                by_tag.setdefault(rule.tag, []).append((start, end, rule))
        hits: dict[int, tuple[set[int], set[int]]] = {}
        for tag_index, spans in by_tag.items():
            phrases, aliases = hits.setdefault(tag_index, (set(), set()))
            phrase_ends = {end for _, end, rule in spans if rule.kind == "phrase"}
            for start, end, rule in spans:
                # A rule found only inside a longer hit of the same tag ("diffusion" inside
                # "diffusion model") is the same evidence, so it does not count again.
                if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans):
                    continue
                if rule.kind == "alias":
                    # Neither does an acronym introduced right after its expansion of the same tag:
                    # "neural tangent kernel (NTK)". Later uses of the acronym still count.
                    prefix = text[:start].rstrip()
                    if prefix.endswith("(") and len(prefix[:-1].rstrip()) in phrase_ends:
                        continue
                    aliases.add(rule.rule)
                else:
                    phrases.add(rule.rule)
        return hits

    def _rule_names(self, tag: Tag, phrases: set[int], aliases: set[int]) -> tuple[str, ...]:
        return tuple(sorted([tag.phrases[i] for i in phrases] + [tag.aliases[i] for i in aliases]))

    def scores(self, title: str, abstract: str) -> tuple[TagScore, ...]:
        """Every tag with at least one hit, with its score and the rules that produced it (by id)."""
        title_hits = self._hits(title)
        abstract_hits = self._hits(abstract)
        result: list[TagScore] = []
        for tag_index in sorted(title_hits.keys() | abstract_hits.keys()):
            tag = self._tags[tag_index]
            in_title = self._rule_names(tag, *title_hits.get(tag_index, (set(), set())))
            in_abstract = self._rule_names(tag, *abstract_hits.get(tag_index, (set(), set())))
            score = TITLE_SCORE * len(in_title) + ABSTRACT_SCORE * len(in_abstract)
            result.append(TagScore(tag.id, score, in_title, in_abstract, score >= tag.min_score))
        return tuple(sorted(result, key=lambda item: item.tag))

    def tag(self, title: str, abstract: str) -> tuple[str, ...]:
        """Ids of the tags assigned to a paper, sorted by id. Parents are not implied (see module doc).

        The same as the assigned tags of :meth:`scores`, without naming the rules.
        """
        title_hits = self._hits(title)
        abstract_hits = self._hits(abstract)
        assigned: list[str] = []
        for tag_index in title_hits.keys() | abstract_hits.keys():
            tag = self._tags[tag_index]
            in_title = sum(map(len, title_hits.get(tag_index, ())))
            in_abstract = sum(map(len, abstract_hits.get(tag_index, ())))
            if TITLE_SCORE * in_title + ABSTRACT_SCORE * in_abstract >= tag.min_score:
                assigned.append(tag.id)
        return tuple(sorted(assigned))


def tag_papers(
    taxonomy: Taxonomy,
    papers: tuple[Paper, ...],
    cache: MutableMapping[tuple[str, str], tuple[str, ...]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Tags of every paper; with ``cache`` (valid for this taxonomy only), known texts are not rescanned."""
    if cache is None:
        return {p.id: taxonomy.tag(p.title, p.abstract) for p in papers}
    tags: dict[str, tuple[str, ...]] = {}
    for p in papers:
        key = (p.title, p.abstract)
        found = cache.get(key)
        if found is None:
            found = cache[key] = taxonomy.tag(p.title, p.abstract)
        tags[p.id] = found
    return tags


def coverage_diagnostics(
    taxonomy_path: str,
    taxonomy: Taxonomy,
    papers: tuple[Paper, ...],
    tags: dict[str, tuple[str, ...]],
    inferred: Mapping[str, tuple[InferredTag, ...]],
    topics: tuple[Topic, ...],
) -> list[Diagnostic]:
    """Papers no rule tags (and what tagged them instead), and tags with no paper."""
    found: list[Diagnostic] = []
    topic_of = {pid: t for t in topics for pid in t.papers}
    for p in papers:
        if tags.get(p.id):
            continue
        path, _, line = p.sources[0].rpartition(":")
        if p.id in inferred:
            names = ", ".join(t.tag for t in inferred[p.id])
            message, kind = (
                f'paper "{p.title}" matches no tag rule; tags inferred from neighbours: {names}',
                "inferred",
            )
        else:
            topic = topic_of[p.id]
            message, kind = (
                f'paper "{p.title}" matches no tag rule; joins automatic topic {topic.id} ({topic.name})',
                "topic",
            )
        found.append(Diagnostic(path, int(line), Severity.INFO, message, kind))
    used = {t for ts in tags.values() for t in ts}
    for tag in taxonomy.tags:
        if tag.id not in used and papers:
            found.append(Diagnostic(taxonomy_path, 0, Severity.WARNING, f"tag {tag.id!r} matches no paper"))
    return found
