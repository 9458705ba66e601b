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
    * ``ambiguous`` rules are phrases with two meanings (``diffusion``, ``agent``, ``kernel``): matched like
      phrases, they score only when corroborated -- by an unambiguous rule of the same tag found in the
      paper, or (in :mod:`generator.enrich.inference`) by the paper's vector being near the tag's
      prototype. :meth:`Taxonomy.evidence` keeps the two scores apart; :meth:`Taxonomy.tag` and
      :meth:`Taxonomy.scores` use the rules alone.

Areas
    A taxonomy may group its tags into areas (two levels: area, then tag). An area is a :class:`Tag` of
    kind ``area``, without rules: it is never given to a paper, and its page lists its tags' papers.

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

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import ahocorasick

from generator.model import Diagnostic, Paper, Severity

if TYPE_CHECKING:
    from generator.enrich.inference import InferredTag
    from generator.enrich.topics import Topics

DEFAULT_MIN_SCORE: Final = 2
TITLE_SCORE: Final = 3
ABSTRACT_SCORE: Final = 1

# Hyphen-minus, hyphen and non-breaking hyphen all read as a space, in texts and in rules alike.
_HYPHENS: Final = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " "})

# Separates the original text from its lowered copy in the single scan; never a word character.
_SEPARATOR: Final = "\x00"

_Kind = Literal["phrase", "alias", "exclude", "ambiguous"]


@dataclass(frozen=True, order=True)
class Tag:
    """One tag of the taxonomy, or one area (``kind == "area"``: a group of tags with a page of its
    own, never given to a paper directly). Equality, hashing and ordering use ``id`` only.

    ``ambiguous`` rules are phrases with two meanings: their hits count only when corroborated (see
    :meth:`Taxonomy.evidence`). ``arxiv`` names the arXiv categories of an area. ``yields_to`` names the
    more specific tags that replace this one when a paper carries them (``any``: a broad tag, kept only
    when no other tag is given).
    """

    id: str
    name: str = field(compare=False)
    description: str = field(compare=False)
    parent: str | None = field(compare=False, default=None)
    phrases: tuple[str, ...] = field(compare=False, default=())
    aliases: tuple[str, ...] = field(compare=False, default=())
    exclude: tuple[str, ...] = field(compare=False, default=())
    min_score: int = field(compare=False, default=DEFAULT_MIN_SCORE)
    ambiguous: tuple[str, ...] = field(compare=False, default=())
    kind: Literal["tag", "area"] = field(compare=False, default="tag")
    arxiv: tuple[str, ...] = field(compare=False, default=())
    yields_to: tuple[str, ...] = field(compare=False, default=())
    """Tags that, given to the same paper, take this one's place (``("any",)``: any other tag)."""

    @property
    def is_area(self) -> bool:
        return self.kind == "area"


def make_area(area_id: str, name: str, description: str, arxiv: tuple[str, ...] = ()) -> Tag:
    """An area: a tag without rules that groups tags (its children)."""
    return Tag(area_id, name, description, kind="area", arxiv=arxiv)


@dataclass(frozen=True)
class _Rule:
    """What one automaton key means: ``kind`` rule number ``rule`` of tag number ``tag``."""

    tag: int
    kind: _Kind
    rule: int  # index into the tag's phrases / aliases / exclude; plural variants share it


@dataclass(frozen=True)
class TagScore:
    """Why a tag was (or was not) assigned by rule: the rules found in the title and in the abstract.

    ``score`` counts the unambiguous rules, and the ambiguous ones only when an unambiguous rule of
    the tag is also found (the vector evidence, the other corroboration, is not known here).
    """

    tag: str
    score: int
    title_hits: tuple[str, ...]
    abstract_hits: tuple[str, ...]
    assigned: bool


@dataclass(frozen=True)
class RuleEvidence:
    """The rule evidence of one tag in one paper: ``plain`` from unambiguous rules, ``ambiguous``
    from rules that count only when corroborated (by a plain hit or by the vectors)."""

    tag: int  # index into Taxonomy.tags
    plain: int
    ambiguous: int

    def score(self, corroborated: bool) -> int:
        return self.plain + (self.ambiguous if corroborated or self.plain > 0 else 0)


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

    def __init__(self, tags: tuple[Tag, ...] | list[Tag], areas: tuple[Tag, ...] | list[Tag] = ()) -> None:
        self._tags: tuple[Tag, ...] = tuple(tags)
        self._areas: tuple[Tag, ...] = tuple(areas)
        by_id: dict[str, Tag] = {}
        for area in self._areas:
            if not area.is_area or area.parent is not None:
                raise ValueError(f"area {area.id!r} must be of kind 'area', without a parent")
            if area.id in by_id:
                raise ValueError(f"duplicate area id {area.id!r}")
            by_id[area.id] = area
        for tag in self._tags:
            if tag.id in by_id:
                raise ValueError(f"duplicate tag id {tag.id!r}")
            if tag.is_area:
                raise ValueError(f"tag {tag.id!r} is an area: pass it in areas")
            if not (tag.phrases or tag.aliases):
                raise ValueError(f"tag {tag.id!r} has no phrases and no aliases")
            by_id[tag.id] = tag
        self._by_id: Mapping[str, Tag] = MappingProxyType(by_id)
        children: dict[str, list[Tag]] = {tag.id: [] for tag in (*self._areas, *self._tags)}
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
        """All tags (the ones papers are given; no area), in file order."""
        return self._tags

    @property
    def areas(self) -> tuple[Tag, ...]:
        """All areas, in file order."""
        return self._areas

    @property
    def pages(self) -> tuple[Tag, ...]:
        """Everything with a page of its own (``tags/<id>/``): the areas, then the tags."""
        return (*self._areas, *self._tags)

    @property
    def by_id(self) -> Mapping[str, Tag]:
        """Read-only mapping from tag or area id to tag or area."""
        return self._by_id

    def area_of(self, tag_id: str) -> Tag | None:
        """The area a tag falls under (the first area up its parents), None when there is none."""
        walk = self._by_id[tag_id]
        while walk.parent is not None and not walk.is_area:
            walk = self._by_id[walk.parent]
        return walk if walk.is_area else None

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
        """Areas, then tags without a parent, in file order."""
        return (*self._areas, *(tag for tag in self._tags if tag.parent is None))

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
                ("ambiguous", tag.ambiguous),
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

    def _hits(self, text: str) -> dict[int, tuple[set[int], set[int], set[int]]]:
        """Per tag index: the phrase, alias and ambiguous rules found in ``text`` (excludes applied)."""
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
        hits: dict[int, tuple[set[int], set[int], set[int]]] = {}
        for tag_index, spans in by_tag.items():
            phrases, aliases, ambiguous = hits.setdefault(tag_index, (set(), set(), set()))
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
                elif rule.kind == "ambiguous":
                    ambiguous.add(rule.rule)
                else:
                    phrases.add(rule.rule)
        return hits

    def _rule_names(
        self, tag: Tag, found: tuple[set[int], set[int], set[int]], plain: bool
    ) -> tuple[str, ...]:
        phrases, aliases, ambiguous = found
        if not plain:
            return tuple(sorted(tag.ambiguous[i] for i in ambiguous))
        return tuple(sorted([tag.phrases[i] for i in phrases] + [tag.aliases[i] for i in aliases]))

    def evidence(self, title: str, abstract: str) -> tuple[RuleEvidence, ...]:
        """The rule evidence of every tag with a hit, in tag order: a title hit scores 3 and an abstract
        hit 1, apart for unambiguous and ambiguous rules. Cheap to cache (it depends on the text only)."""
        title_hits = self._hits(title)
        abstract_hits = self._hits(abstract)
        empty: tuple[set[int], set[int], set[int]] = (set(), set(), set())
        result: list[RuleEvidence] = []
        for tag_index in sorted(title_hits.keys() | abstract_hits.keys()):
            t_phrases, t_aliases, t_ambiguous = title_hits.get(tag_index, empty)
            a_phrases, a_aliases, a_ambiguous = abstract_hits.get(tag_index, empty)
            plain = TITLE_SCORE * (len(t_phrases) + len(t_aliases)) + ABSTRACT_SCORE * (
                len(a_phrases) + len(a_aliases)
            )
            ambiguous = TITLE_SCORE * len(t_ambiguous) + ABSTRACT_SCORE * len(a_ambiguous - t_ambiguous)
            result.append(RuleEvidence(tag_index, plain, ambiguous))
        return tuple(result)

    def scores(self, title: str, abstract: str) -> tuple[TagScore, ...]:
        """Every tag with at least one hit, with its rule score and the rules that produced it (by id).

        Ambiguous rules are named (after the others) and scored only when an unambiguous rule of the tag
        is found too.
        """
        title_hits = self._hits(title)
        abstract_hits = self._hits(abstract)
        empty: tuple[set[int], set[int], set[int]] = (set(), set(), set())
        by_index = {e.tag: e for e in self.evidence(title, abstract)}
        result: list[TagScore] = []
        for tag_index in sorted(title_hits.keys() | abstract_hits.keys()):
            tag = self._tags[tag_index]
            found_title = title_hits.get(tag_index, empty)
            found_abstract = abstract_hits.get(tag_index, empty)
            in_title = self._rule_names(tag, found_title, True) + self._rule_names(tag, found_title, False)
            in_abstract = self._rule_names(tag, found_abstract, True) + self._rule_names(
                tag, found_abstract, False
            )
            score = by_index[tag_index].score(corroborated=False)
            result.append(TagScore(tag.id, score, in_title, in_abstract, score >= tag.min_score))
        return tuple(sorted(result, key=lambda item: item.tag))

    def tag(self, title: str, abstract: str) -> tuple[str, ...]:
        """Ids of the tags the rules alone give a paper, sorted by id. Parents are not implied (see
        module doc); ambiguous rules count only beside an unambiguous rule of the same tag."""
        assigned = [
            self._tags[e.tag].id
            for e in self.evidence(title, abstract)
            if e.score(corroborated=False) >= self._tags[e.tag].min_score
        ]
        return tuple(sorted(assigned))


def rule_evidence(
    taxonomy: Taxonomy,
    papers: Sequence[Paper],
    cache: MutableMapping[tuple[str, str], tuple[RuleEvidence, ...]] | None = None,
) -> list[tuple[RuleEvidence, ...]]:
    """Every paper's rule evidence (:meth:`Taxonomy.evidence`), in paper order; with ``cache`` (valid
    for this taxonomy only), known texts are not rescanned."""
    if cache is None:
        return [taxonomy.evidence(p.title, p.abstract) for p in papers]
    found: list[tuple[RuleEvidence, ...]] = []
    for p in papers:
        key = (p.title, p.abstract)
        known = cache.get(key)
        if known is None:
            known = cache[key] = taxonomy.evidence(p.title, p.abstract)
        found.append(known)
    return found


def tag_papers(taxonomy: Taxonomy, papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
    """Tags the rules alone give every paper (:meth:`Taxonomy.tag`)."""
    return {p.id: taxonomy.tag(p.title, p.abstract) for p in papers}


def coverage_diagnostics(
    taxonomy_path: str,
    taxonomy: Taxonomy,
    papers: tuple[Paper, ...],
    tags: Mapping[str, tuple[str, ...]],
    inferred: Mapping[str, tuple[InferredTag, ...]],
    topics: Topics,
) -> list[Diagnostic]:
    """Papers no rule tags (and what tagged them instead), and tags with no paper."""
    found: list[Diagnostic] = []
    topic_of = {pid: t for t in topics.topics for pid in t.papers}
    for p in papers:
        if tags.get(p.id):
            continue
        path, _, line = p.sources[0].rpartition(":")
        if p.id in inferred:
            names = ", ".join(t.tag for t in inferred[p.id])
            message, kind = (
                f'paper "{p.title}" matches no tag rule; tags inferred from its vector: {names}',
                "inferred",
            )
        elif p.id in topic_of:
            topic = topic_of[p.id]
            message, kind = (
                f'paper "{p.title}" matches no tag rule; joins automatic topic {topic.id} ({topic.name})',
                "topic",
            )
        else:
            message, kind = (f'paper "{p.title}" matches no tag rule; not yet sorted', "unsorted")
        found.append(Diagnostic(path, int(line), Severity.INFO, message, kind))
    used = {t for ts in tags.values() for t in ts} | {t.tag for ts in inferred.values() for t in ts}
    # Information, not a warning: a taxonomy of the whole field has tags that a given corpus never uses.
    for tag in taxonomy.tags:
        if tag.id not in used and papers:
            message = f"tag {tag.id!r} matches no paper"
            found.append(Diagnostic(taxonomy_path, 0, Severity.INFO, message, "unused-tag"))
    return found
