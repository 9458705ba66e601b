"""The tag taxonomy: load and validate ``taxonomy.yml``, then tag papers by their title and abstract.

File format
    See the comment block at the top of ``taxonomy.yml``. Each tag has a permanent ``id`` (its URL
    slug), a display ``name``, a ``description``, an optional ``parent`` and ``match`` rules made of
    case-insensitive ``phrases``, case-sensitive ``aliases`` and optional ``exclude`` phrases.

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
    The hierarchy is for navigation (tag pages list their children, breadcrumbs use ``ancestors``);
    pages that want "everything under X" should take the union over ``descendants``. Keeping the
    assignment explicit means a tag's paper list always reflects evidence in the paper itself.

Implementation
    All rules of all tags go into ONE Aho-Corasick automaton, built once per :class:`Taxonomy`. Each
    text is scanned once as ``original + NUL + lowered``: hits in the first half may only be aliases,
    hits in the second half only phrases and excludes. Word boundaries are then checked on the hit
    positions. The lowered copy keeps indexes aligned with the original (see :func:`_fold`).
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.model import Diagnostic, Severity

# pyahocorasick ships no type information; importing it through importlib keeps mypy --strict clean
# without a ``type: ignore`` that would turn into an "unused ignore" once a stub or config appears.
_ahocorasick: Any = importlib.import_module("ahocorasick")

DEFAULT_MIN_SCORE: Final = 2
TITLE_SCORE: Final = 3
ABSTRACT_SCORE: Final = 1

ID_PATTERN: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_TAG_KEYS: Final = frozenset({"id", "name", "description", "parent", "match", "min_score"})
_REQUIRED_TAG_KEYS: Final = ("id", "name", "description", "match")
_MATCH_KEYS: Final = frozenset({"phrases", "aliases", "exclude"})
_ROOT_KEYS: Final = frozenset({"tags"})
_NULL_TAG: Final = "tag:yaml.org,2002:null"

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

    def descendants(self, tag_id: str) -> tuple[Tag, ...]:
        """All tags below ``tag_id`` (children, grandchildren, ...), depth first in file order."""
        found: list[Tag] = []
        for child in self.children(tag_id):
            found.append(child)
            found.extend(self.descendants(child.id))
        return tuple(found)

    def ancestors(self, tag_id: str) -> tuple[Tag, ...]:
        """Parent, grandparent, ... of ``tag_id`` (nearest first). ``KeyError`` for an unknown id."""
        return tuple(self._by_id[ancestor] for ancestor in self._walk_up(tag_id))

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
        automaton = _ahocorasick.Automaton()
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


# -- loading and validation ----------------------------------------------------------------------


class _Problems:
    """Collects diagnostics for one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Diagnostic] = []

    def error(self, node_or_line: Node | int, message: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        self.items.append(Diagnostic(self.path, line, Severity.ERROR, message))

    def warning(self, line: int, message: str) -> None:
        self.items.append(Diagnostic(self.path, line, Severity.WARNING, message))

    def error_count(self) -> int:
        return sum(1 for item in self.items if item.severity is Severity.ERROR)


def _mapping_items(
    node: MappingNode, problems: _Problems, what: str, line: int | None = None
) -> dict[str, tuple[Node, Node]]:
    """The pairs of a mapping keyed by their (scalar) key text; reports odd and duplicate keys.

    Problems are reported on ``line`` when given (the enclosing tag's line), else on the key's own line.
    """
    items: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            problems.error(key_node if line is None else line, f"{what}: keys must be plain strings")
            continue
        key = str(key_node.value)
        if key in items:
            problems.error(key_node if line is None else line, f"{what}: duplicate key {key!r}")
            continue
        items[key] = (key_node, value_node)
    return items


def _string(node: Node, problems: _Problems, what: str, line: int) -> str | None:
    if not isinstance(node, ScalarNode) or node.tag == _NULL_TAG or not str(node.value).strip():
        problems.error(line, f"{what} must be a non-empty string")
        return None
    return str(node.value).strip()


def _string_list(node: Node, problems: _Problems, what: str, line: int) -> tuple[str, ...] | None:
    if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
        return ()
    if not isinstance(node, SequenceNode):
        problems.error(line, f"{what} must be a list of strings")
        return None
    words: list[str] = []
    ok = True
    for item in node.value:
        word = _string(item, problems, f"{what} entry", line)
        if word is None:
            ok = False
        elif not any(_is_word_char(char) for char in word):
            problems.error(line, f"{what} entry {word!r} contains no letter or digit")
            ok = False
        else:
            words.append(word)
    if ok:
        seen: dict[str, str] = {}
        for word in words:
            key = word if what.endswith("aliases") else _normalize_phrase(word)
            if key in seen:
                problems.warning(line, f"{what}: {word!r} repeats {seen[key]!r} (same rule once normalized)")
            else:
                seen[key] = word
    return tuple(words) if ok else None


def _parse_tag(node: Node, problems: _Problems, index: int) -> tuple[Tag | None, str | None]:
    """One entry of ``tags``. Returns the tag (None if invalid) and its id (if it has a usable one)."""
    line = node.start_mark.line + 1
    if not isinstance(node, MappingNode):
        problems.error(line, f"tags[{index}] must be a mapping with id, name, description and match")
        return None, None
    errors_before = problems.error_count()
    items = _mapping_items(node, problems, f"tags[{index}]", line)
    raw_id = items.get("id")
    tag_id = _string(raw_id[1], problems, f"tags[{index}].id", line) if raw_id else None
    label = f"tag {tag_id!r}" if tag_id else f"tags[{index}]"
    if tag_id is not None and not ID_PATTERN.fullmatch(tag_id):
        problems.error(line, f"{label}: id must be lowercase letters, digits and single inner hyphens")
        tag_id = None
    for key in sorted(items.keys() - _TAG_KEYS):
        problems.error(line, f"{label}: unknown key {key!r} (allowed: {', '.join(sorted(_TAG_KEYS))})")
    for key in _REQUIRED_TAG_KEYS:
        if key not in items:
            problems.error(line, f"{label}: missing required key {key!r}")

    name = _string(items["name"][1], problems, f"{label}: name", line) if "name" in items else None
    description = None
    if "description" in items:
        description = _string(items["description"][1], problems, f"{label}: description", line)
    parent = None
    if "parent" in items and not (
        isinstance(items["parent"][1], ScalarNode) and items["parent"][1].tag == _NULL_TAG
    ):
        parent = _string(items["parent"][1], problems, f"{label}: parent", line)

    min_score = DEFAULT_MIN_SCORE
    if "min_score" in items:
        value_node = items["min_score"][1]
        value: object = None
        with contextlib.suppress(ConstructorError, ValueError, TypeError):
            value = SafeConstructor().construct_object(value_node, deep=True)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            min_score = value
        else:
            problems.error(line, f"{label}: min_score must be a positive integer")

    phrases: tuple[str, ...] | None = ()
    aliases: tuple[str, ...] | None = ()
    exclude: tuple[str, ...] | None = ()
    if "match" in items:
        match_node = items["match"][1]
        if not isinstance(match_node, MappingNode):
            problems.error(line, f"{label}: match must be a mapping with phrases, aliases, exclude")
        else:
            rules = _mapping_items(match_node, problems, f"{label}: match", line)
            for key in sorted(rules.keys() - _MATCH_KEYS):
                problems.error(
                    line, f"{label}: unknown key 'match.{key}' (allowed: aliases, exclude, phrases)"
                )
            if "phrases" in rules:
                phrases = _string_list(rules["phrases"][1], problems, f"{label}: match.phrases", line)
            if "aliases" in rules:
                aliases = _string_list(rules["aliases"][1], problems, f"{label}: match.aliases", line)
            if "exclude" in rules:
                exclude = _string_list(rules["exclude"][1], problems, f"{label}: match.exclude", line)
            if phrases == () and aliases == ():
                problems.error(line, f"{label}: empty match rules (give at least one phrase or alias)")

    if (
        problems.error_count() > errors_before
        or tag_id is None
        or name is None
        or description is None
        or phrases is None
        or aliases is None
        or exclude is None
    ):
        return None, tag_id
    return Tag(tag_id, name, description, parent, phrases, aliases, exclude, min_score), tag_id


def _parse(text: str, path: str) -> tuple[Taxonomy, list[Diagnostic]]:
    problems = _Problems(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.error(mark.line + 1 if mark else 0, f"invalid YAML: {exc.problem or exc}")
        return Taxonomy(()), problems.items
    except yaml.YAMLError as exc:
        problems.error(0, f"invalid YAML: {exc}")
        return Taxonomy(()), problems.items
    if root is None:
        problems.error(0, "empty taxonomy file (expected a mapping with a 'tags' list)")
        return Taxonomy(()), problems.items
    if not isinstance(root, MappingNode):
        problems.error(root, "the taxonomy must be a mapping with a 'tags' list")
        return Taxonomy(()), problems.items
    top = _mapping_items(root, problems, "taxonomy")
    for key in sorted(top.keys() - _ROOT_KEYS):
        problems.error(top[key][0], f"unknown top-level key {key!r} (allowed: tags)")
    if "tags" not in top:
        problems.error(root, "missing top-level key 'tags'")
        return Taxonomy(()), problems.items
    tags_node = top["tags"][1]
    if not isinstance(tags_node, SequenceNode):
        problems.error(tags_node, "'tags' must be a list of tags")
        return Taxonomy(()), problems.items

    tags: list[Tag] = []
    lines: dict[str, int] = {}  # first line of each id seen, valid tag or not
    for index, node in enumerate(tags_node.value):
        tag, tag_id = _parse_tag(node, problems, index)
        line = node.start_mark.line + 1
        if tag_id is not None:
            if tag_id in lines:
                problems.error(line, f"duplicate tag id {tag_id!r} (first defined on line {lines[tag_id]})")
                continue
            lines[tag_id] = line
        if tag is not None:
            tags.append(tag)

    valid = {tag.id: tag for tag in tags}
    for tag in tags:
        if tag.parent is not None and tag.parent not in lines:
            problems.error(lines[tag.id], f"tag {tag.id!r}: unknown parent {tag.parent!r}")

    # Cycles: walk up from each tag through the valid tags; report each cycle once, at its first line.
    in_cycle: set[str] = set()
    walked: set[str] = set()
    for tag in tags:
        chain: list[str] = []
        current: str | None = tag.id
        while current is not None and current in valid and current not in walked and current not in chain:
            chain.append(current)
            current = valid[current].parent
        walked.update(chain)
        if current is None or current not in chain:
            continue
        cycle = chain[chain.index(current) :]
        in_cycle.update(cycle)
        first = min(cycle, key=lambda tag_id: lines[tag_id])
        if len(cycle) == 1:
            problems.error(lines[first], f"tag {first!r} is its own parent")
            continue
        start = cycle.index(first)
        ordered = cycle[start:] + cycle[:start] + [first]
        problems.error(lines[first], f"parent cycle: {' -> '.join(ordered)}")

    # Best effort: keep the tags that are valid on their own, detached from unknown, invalid or cyclic
    # parents, so callers always get a usable Taxonomy; the diagnostics say what was wrong.
    kept = [
        _detached(tag) if tag.parent is not None and (tag.parent not in valid or tag.id in in_cycle) else tag
        for tag in tags
    ]
    try:
        taxonomy = Taxonomy(kept)
    except ValueError as exc:  # should not happen; never let a bad file become a traceback
        problems.error(0, f"invalid taxonomy: {exc}")
        taxonomy = Taxonomy(())
    return taxonomy, problems.items


def _detached(tag: Tag) -> Tag:
    return Tag(tag.id, tag.name, tag.description, None, tag.phrases, tag.aliases, tag.exclude, tag.min_score)


def load_taxonomy(path: str | Path) -> tuple[Taxonomy, list[Diagnostic]]:
    """Read and validate a taxonomy file.

    Never raises for a bad file: every problem becomes an ERROR :class:`Diagnostic` carrying the line of
    the offending tag (0 for whole-file problems such as a missing file). The returned taxonomy holds
    the tags that are valid on their own -- tags with unknown or cyclic parents are kept as roots --
    so callers decide whether errors are fatal.
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Taxonomy(()), [Diagnostic(shown, 0, Severity.ERROR, f"cannot read taxonomy: {exc}")]
    return _parse(text, shown)
