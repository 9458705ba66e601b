"""The taxonomy file: load and validate ``taxonomy.yml`` into a :class:`~generator.enrich.tagging.Taxonomy`.

File format
    See the comment block at the top of ``taxonomy.yml``. An optional ``areas`` list holds the areas
    (``id``, ``name``, ``description``, ``arxiv``: the arXiv categories). Each tag has a permanent ``id``
    (its URL slug), a display ``name``, a ``description``, an optional ``parent`` (an area, or in a
    taxonomy without areas another tag) and ``match`` rules made of case-insensitive ``phrases``,
    case-sensitive ``aliases``, and optional ``ambiguous`` and ``exclude`` phrases. Area and tag ids
    share one namespace (both are pages at ``tags/<id>/``).

Every problem is a :class:`~generator.model.Diagnostic` at the line of the offending tag; the tags
that are valid on their own are kept, so a bad entry never stops the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from pathlib import Path
from typing import Final

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.enrich.tagging import (
    DEFAULT_MIN_SCORE,
    Tag,
    Taxonomy,
    _is_word_char,
    _normalize_phrase,
    make_area,
)
from generator.model import Diagnostic, Severity

ID_PATTERN: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_TAG_KEYS: Final = frozenset({"id", "name", "description", "parent", "match", "min_score", "yields_to"})
_REQUIRED_TAG_KEYS: Final = ("id", "name", "description", "match")
_MATCH_KEYS: Final = frozenset({"phrases", "aliases", "exclude", "ambiguous"})
_AREA_KEYS: Final = frozenset({"id", "name", "description", "arxiv"})
_REQUIRED_AREA_KEYS: Final = ("id", "name", "description", "arxiv")  # every key of an area
_ROOT_KEYS: Final = frozenset({"tags", "areas"})
ARXIV_PATTERN: Final = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?")
_NULL_TAG: Final = "tag:yaml.org,2002:null"


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
    tag_id, label = _entry_id(items, problems, ("tags", index, line), _TAG_KEYS, _REQUIRED_TAG_KEYS)
    name, description, parent, min_score = _tag_fields(items, problems, label, line)
    phrases, aliases, exclude, ambiguous = _match_rules(items, problems, label, line)
    yields_to: tuple[str, ...] | None = ()
    if "yields_to" in items:
        node = items["yields_to"][1]
        if isinstance(node, ScalarNode) and node.value == "any":
            yields_to = ("any",)
        else:
            yields_to = _string_list(node, problems, f"{label}: yields_to", line)
    if (
        problems.error_count() > errors_before
        or tag_id is None
        or name is None
        or description is None
        or phrases is None
        or aliases is None
        or exclude is None
        or ambiguous is None
        or yields_to is None
    ):
        return None, tag_id
    tag = Tag(tag_id, name, description, parent, phrases, aliases, exclude, min_score, ambiguous)
    return dataclasses.replace(tag, yields_to=yields_to), tag_id


def _parse_area(node: Node, problems: _Problems, index: int) -> tuple[Tag | None, str | None]:
    """One entry of ``areas``. Returns the area (None if invalid) and its id (if it has a usable one)."""
    line = node.start_mark.line + 1
    if not isinstance(node, MappingNode):
        problems.error(line, f"areas[{index}] must be a mapping with id, name, description and arxiv")
        return None, None
    errors_before = problems.error_count()
    items = _mapping_items(node, problems, f"areas[{index}]", line)
    area_id, label = _entry_id(items, problems, ("areas", index, line), _AREA_KEYS, _REQUIRED_AREA_KEYS)
    name = _string(items["name"][1], problems, f"{label}: name", line) if "name" in items else None
    description = None
    if "description" in items:
        description = _string(items["description"][1], problems, f"{label}: description", line)
    arxiv: tuple[str, ...] | None = None
    if "arxiv" in items:
        arxiv = _string_list(items["arxiv"][1], problems, f"{label}: arxiv", line)
        for category in arxiv or ():
            if not ARXIV_PATTERN.fullmatch(category):
                problems.error(line, f"{label}: {category!r} is not an arXiv category (like cs.CL or q-bio)")
        if arxiv == ():
            problems.error(line, f"{label}: arxiv must name at least one arXiv category")
    if problems.error_count() > errors_before or None in (area_id, name, description, arxiv):
        return None, area_id
    assert area_id is not None and name is not None and description is not None and arxiv is not None
    return make_area(area_id, name, description, arxiv), area_id


_Items = dict[str, tuple[Node, Node]]


def _entry_id(
    items: _Items,
    problems: _Problems,
    where: tuple[str, int, int],
    allowed: frozenset[str],
    required: tuple[str, ...],
) -> tuple[str | None, str]:
    """The id of an entry of ``areas`` or ``tags`` (None if missing or malformed) and how to name the
    entry in messages; also checks that its keys are the known ones and the required ones are there.
    ``where`` is (section, index, line): ``("tags", 3, 120)``."""
    section, index, line = where
    raw_id = items.get("id")
    entry_id = _string(raw_id[1], problems, f"{section}[{index}].id", line) if raw_id else None
    label = f"{section[:-1]} {entry_id!r}" if entry_id else f"{section}[{index}]"
    if entry_id is not None and not ID_PATTERN.fullmatch(entry_id):
        problems.error(line, f"{label}: id must be lowercase letters, digits and single inner hyphens")
        entry_id = None
    for key in sorted(items.keys() - allowed):
        problems.error(line, f"{label}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in items:
            problems.error(line, f"{label}: missing required key {key!r}")
    return entry_id, label


def _tag_fields(
    items: _Items, problems: _Problems, label: str, line: int
) -> tuple[str | None, str | None, str | None, int]:
    """``name``, ``description``, ``parent`` (None if absent or null) and ``min_score``."""
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
        value: object = None
        with contextlib.suppress(ConstructorError, ValueError, TypeError):
            value = SafeConstructor().construct_object(items["min_score"][1], deep=True)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            min_score = value
        else:
            problems.error(line, f"{label}: min_score must be a positive integer")
    return name, description, parent, min_score


_Rules = tuple[str, ...] | None


def _match_rules(
    items: _Items, problems: _Problems, label: str, line: int
) -> tuple[_Rules, _Rules, _Rules, _Rules]:
    """``match``: phrases, aliases, exclude and ambiguous (each None if malformed)."""
    found: dict[str, _Rules] = {"phrases": (), "aliases": (), "exclude": (), "ambiguous": ()}
    if "match" not in items:
        return found["phrases"], found["aliases"], found["exclude"], found["ambiguous"]
    match_node = items["match"][1]
    if not isinstance(match_node, MappingNode):
        problems.error(line, f"{label}: match must be a mapping with phrases, aliases, ambiguous, exclude")
        return found["phrases"], found["aliases"], found["exclude"], found["ambiguous"]
    rules = _mapping_items(match_node, problems, f"{label}: match", line)
    for key in sorted(rules.keys() - _MATCH_KEYS):
        problems.error(
            line, f"{label}: unknown key 'match.{key}' (allowed: aliases, ambiguous, exclude, phrases)"
        )
    for key in ("phrases", "aliases", "exclude", "ambiguous"):
        if key in rules:
            found[key] = _string_list(rules[key][1], problems, f"{label}: match.{key}", line)
    if found["phrases"] == () and found["aliases"] == ():
        problems.error(line, f"{label}: empty match rules (give at least one phrase or alias)")
    if found["phrases"] and found["ambiguous"]:
        both = {_normalize_phrase(p) for p in found["phrases"]} & {
            _normalize_phrase(a) for a in found["ambiguous"]
        }
        for word in sorted(both):
            problems.error(line, f"{label}: {word!r} is both a phrase and ambiguous (keep it in one list)")
    return found["phrases"], found["aliases"], found["exclude"], found["ambiguous"]


def _parse(text: str, path: str) -> tuple[Taxonomy, list[Diagnostic]]:
    problems = _Problems(path)
    tags_node, areas_node = _tags_node(text, problems)
    if tags_node is None:
        return Taxonomy(()), problems.items
    tags: list[Tag] = []
    areas: list[Tag] = []
    lines: dict[str, int] = {}  # first line of each id seen, valid tag or not
    for index, node in enumerate(areas_node.value if areas_node is not None else ()):
        area, area_id = _parse_area(node, problems, index)
        line = node.start_mark.line + 1
        if area_id is not None:
            if area_id in lines:
                first = lines[area_id]
                problems.error(line, f"duplicate area id {area_id!r} (first defined on line {first})")
                continue
            lines[area_id] = line
        if area is not None:
            areas.append(area)
    area_ids = frozenset(area.id for area in areas)
    for index, node in enumerate(tags_node.value):
        tag, tag_id = _parse_tag(node, problems, index)
        line = node.start_mark.line + 1
        if tag_id is not None:
            if tag_id in lines:
                what = "an area" if tag_id in area_ids else "a tag"
                problems.error(
                    line, f"duplicate tag id {tag_id!r} (already {what}, defined on line {lines[tag_id]})"
                )
                continue
            lines[tag_id] = line
        if tag is not None:
            tags.append(tag)
    valid = {tag.id: tag for tag in tags}
    for tag in tags:
        for other in tag.yields_to:
            if other != "any" and other not in valid:
                problems.error(lines[tag.id], f"tag {tag.id!r}: yields_to names {other!r}, which is no tag")
    tags = [
        dataclasses.replace(tag, yields_to=tuple(t for t in tag.yields_to if t == "any" or t in valid))
        for tag in tags
    ]
    valid = {tag.id: tag for tag in tags}
    in_cycle = _check_hierarchy(tags, lines, problems, area_ids)
    # Best effort: keep the tags that are valid on their own, detached from unknown, invalid or cyclic
    # parents, so callers always get a usable Taxonomy; the diagnostics say what was wrong.
    kept = [
        _detached(tag)
        if tag.parent is not None
        and tag.parent not in area_ids
        and (tag.parent not in valid or tag.id in in_cycle or areas)
        else tag
        for tag in tags
    ]
    try:
        taxonomy = Taxonomy(kept, areas)
    except ValueError as exc:  # should not happen; never let a bad file become a traceback
        problems.error(0, f"invalid taxonomy: {exc}")
        taxonomy = Taxonomy(())
    return taxonomy, problems.items


def _tags_node(text: str, problems: _Problems) -> tuple[SequenceNode | None, SequenceNode | None]:
    """The ``tags`` and ``areas`` lists of the YAML text (``areas`` is optional); ``tags`` is None (and
    the diagnostics say why) when the file is not of that shape."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.error(mark.line + 1 if mark else 0, f"invalid YAML: {exc.problem or exc}")
        return None, None
    except yaml.YAMLError as exc:
        problems.error(0, f"invalid YAML: {exc}")
        return None, None
    if root is None:
        problems.error(0, "empty taxonomy file (expected a mapping with a 'tags' list)")
        return None, None
    if not isinstance(root, MappingNode):
        problems.error(root, "the taxonomy must be a mapping with a 'tags' list")
        return None, None
    top = _mapping_items(root, problems, "taxonomy")
    for key in sorted(top.keys() - _ROOT_KEYS):
        problems.error(top[key][0], f"unknown top-level key {key!r} (allowed: areas, tags)")
    areas_node: SequenceNode | None = None
    if "areas" in top:
        node = top["areas"][1]
        if isinstance(node, SequenceNode):
            areas_node = node
        elif not (isinstance(node, ScalarNode) and node.tag == _NULL_TAG):
            problems.error(node, "'areas' must be a list of areas")
    if "tags" not in top:
        problems.error(root, "missing top-level key 'tags'")
        return None, areas_node
    tags_node = top["tags"][1]
    if not isinstance(tags_node, SequenceNode):
        problems.error(tags_node, "'tags' must be a list of tags")
        return None, areas_node
    return tags_node, areas_node


def _check_hierarchy(
    tags: list[Tag], lines: dict[str, int], problems: _Problems, area_ids: frozenset[str] = frozenset()
) -> set[str]:
    """Report unknown parents, tags under tags in a taxonomy with areas (two levels: area, then tag),
    and parent cycles (each cycle once, at its first line); the ids of the tags in a cycle."""
    valid = {tag.id: tag for tag in tags}
    for tag in tags:
        if tag.parent is not None and tag.parent not in lines:
            problems.error(lines[tag.id], f"tag {tag.id!r}: unknown parent {tag.parent!r}")
        elif area_ids and tag.parent is not None and tag.parent not in area_ids:
            problems.error(
                lines[tag.id],
                f"tag {tag.id!r}: parent {tag.parent!r} is a tag, not an area (areas, then tags: two levels)",
            )
        elif area_ids and tag.parent is None:
            problems.warning(lines[tag.id], f"tag {tag.id!r} has no area (set parent: to one of the areas)")
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
    return in_cycle


def _detached(tag: Tag) -> Tag:
    return dataclasses.replace(tag, parent=None)


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
