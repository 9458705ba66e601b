"""Tags for papers that no taxonomy rule matches, inferred from the papers nearest to them.

A paper the rules leave untagged takes the tags that its nearest neighbours (the related papers
of :func:`generator.enrich.related.nearest`, in the shared vector space) agree on: a tag is inferred when
at least ``MIN_SUPPORT`` of the neighbours carry it by rule and they hold at least ``MIN_SHARE``
of the neighbours' similarity. Only rule tags vote, so an inference never feeds another. The
thresholds were measured by ``python -m benchmarks.eval_tags`` (leave-one-out on rule-tagged
papers: what the neighbours would have inferred against what the rules say); see
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from generator.model import Paper

MIN_SUPPORT = 3  # neighbours that carry the tag by rule
MIN_SHARE = 0.5  # of the neighbours' summed similarity


@dataclass(frozen=True, order=True)
class InferredTag:
    """A tag given to a paper because ``support`` of its ``of`` nearest neighbours carry it."""

    tag: str
    support: int
    of: int


def votes(
    neighbour_rows: np.ndarray, neighbour_scores: np.ndarray, neighbour_tags: Sequence[tuple[str, ...]]
) -> list[tuple[str, int, float]]:
    """``(tag, support, share)`` for every tag among one paper's neighbours, in tag order.

    ``neighbour_rows``/``neighbour_scores`` are one row of :class:`~generator.enrich.related.Neighbours`
    (-1 past the last neighbour); ``neighbour_tags[j]`` are paper j's rule tags.
    """
    present = neighbour_rows >= 0
    rows, scores = neighbour_rows[present].tolist(), neighbour_scores[present].tolist()
    total = sum(scores)
    support: dict[str, int] = {}
    weight: dict[str, float] = {}
    for j, score in zip(rows, scores, strict=True):
        for t in neighbour_tags[j]:
            support[t] = support.get(t, 0) + 1
            weight[t] = weight.get(t, 0.0) + score
    return [(t, support[t], weight[t] / total if total > 0 else 0.0) for t in sorted(support)]


def infer_tags(
    papers: Sequence[Paper],
    neighbour_rows: np.ndarray,
    neighbour_scores: np.ndarray,
    tags: Mapping[str, tuple[str, ...]],
    min_support: int = MIN_SUPPORT,
    min_share: float = MIN_SHARE,
) -> dict[str, tuple[InferredTag, ...]]:
    """Inferred tags of every paper that has no rule tag and whose neighbours agree on some."""
    rule_tags = [tags.get(p.id, ()) for p in papers]
    inferred: dict[str, tuple[InferredTag, ...]] = {}
    for i, p in enumerate(papers):
        if rule_tags[i]:
            continue
        row = neighbour_rows[i]
        of = int((row >= 0).sum())
        found = tuple(
            InferredTag(t, n, of)
            for t, n, share in votes(row, neighbour_scores[i], rule_tags)
            if n >= min_support and share >= min_share
        )
        if found:
            inferred[p.id] = found
    return inferred
