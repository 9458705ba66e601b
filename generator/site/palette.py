"""Each paper's top-level tag and its colour: the one key of the map's points and the trend charts.

A paper's top-level tag is the root (tag without a parent) that most of its tags fall under: its
rule tags, else the tags inferred from its neighbours; ties go to the root listed first in the
taxonomy. Papers with neither have none ("no tag", grey).

The colours are OKLCH mid-tones chosen to keep at least 3:1 contrast (WCAG 1.4.11, graphical
objects) against both of Material's backgrounds, white and the dark scheme's near-black, with
neighbouring roots far apart in hue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from generator.atlas import Atlas
from generator.enrich.tagging import Tag

PALETTE = (
    "#c33d53",
    "#319fb3",
    "#af5a1f",
    "#4094e0",
    "#906f0f",
    "#8781e0",
    "#668014",
    "#b570c3",
    "#2b885c",
    "#d06790",
    "#47807f",
    "#d76b55",
    "#0d7fa9",
    "#c57d08",
    "#486bd7",
    "#9a932d",
    "#8955c5",
    "#5ba44f",
    "#b14395",
    "#04a68e",
)
OTHER_COLOUR = "#808080"
OTHER_NAME = "No tag"
NONE = 255  # the colour index of a paper with no top-level tag (one byte a point on the map)


@dataclass(frozen=True)
class TopTags:
    """Top-level tags (``roots``, in taxonomy order) and the index of each paper's among them."""

    roots: tuple[Tag, ...]
    of_paper: dict[str, int]  # paper id -> index into roots; papers without one are absent

    def colour(self, index: int) -> str:
        return OTHER_COLOUR if index == NONE else PALETTE[index % len(PALETTE)]

    def index(self, paper_id: str) -> int:
        return self.of_paper.get(paper_id, NONE)

    @cached_property
    def root_index(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.roots)}


def top_tags(atlas: Atlas) -> TopTags:
    """Every paper's top-level tag (see the module docstring)."""
    taxonomy = atlas.taxonomy
    roots = taxonomy.roots()
    position = {t.id: i for i, t in enumerate(roots)}
    root_of: dict[str, int] = {}
    for tag in taxonomy.tags:
        walk = tag
        while walk.parent:
            walk = taxonomy.by_id[walk.parent]
        root_of[tag.id] = position[walk.id]
    of_paper: dict[str, int] = {}
    for p in atlas.papers:
        tags = atlas.tags.get(p.id, ()) or tuple(i.tag for i in atlas.inferred.get(p.id, ()))
        if taxonomy.areas and tags and tags[0] in root_of:
            of_paper[p.id] = root_of[tags[0]]  # the area of its primary tag
            continue
        counts = Counter(root_of[t] for t in tags if t in root_of)
        if counts:
            of_paper[p.id] = min(counts, key=lambda r: (-counts[r], r))
    return TopTags(roots, of_paper)
