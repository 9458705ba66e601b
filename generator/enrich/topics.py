"""Automatic topics: the papers that neither a rule nor their neighbours tag, grouped and named.

Those papers are clustered by k-means (scikit-learn, fixed seed) on their rows of the atlas's
shared vector space (:meth:`generator.enrich.vectors.Space.rows`: TF-IDF and semantic vectors), about
``sqrt(n / 2)`` clusters for ``n`` papers; a cluster of one paper joins the nearest other cluster.
Each topic is named by its most distinctive terms: the largest weights of the cluster's mean
TF-IDF row, whose IDF is the whole corpus's, so words common everywhere rank low.

A topic's id comes from its founding paper, the member listed first (by corpus file, then line):
``topic-`` and that paper id's hash. Adding corpus files keeps the id (and the URL) for as long
as that paper stays in the topic. ``suggest`` turns a topic into a ready-to-paste taxonomy entry.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

from generator.enrich.vectors import Space
from generator.model import Paper

NAME_TERMS = 3
SEED = 0
_SOURCE = re.compile(r"^(.*):(\d+)$")
_TITLE_WORD = re.compile(r"[a-z][a-z0-9-]+")


@dataclass(frozen=True)
class Topic:
    """An automatic topic: papers no tag covers, grouped by the similarity of their text."""

    id: str
    terms: tuple[str, ...]  # most distinctive first
    papers: tuple[str, ...]  # paper ids, sorted

    @property
    def name(self) -> str:
        text = ", ".join(self.terms) or "miscellaneous"
        return text[:1].upper() + text[1:]


def cluster_count(n: int) -> int:
    """How many clusters for ``n`` papers: about sqrt(n / 2), at least one."""
    return max(1, min(n, round(math.sqrt(n / 2))))


def _founding_key(p: Paper) -> tuple[str, int, str]:
    found = _SOURCE.match(p.sources[0]) if p.sources else None
    return (found.group(1), int(found.group(2)), p.id) if found else ("", 0, p.id)


def topic_id(founder: Paper) -> str:
    return "topic-" + founder.id.rsplit("-", 1)[-1]


def _labels(vectors: sp.csr_matrix) -> np.ndarray:
    n = vectors.shape[0]
    k = cluster_count(n)
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    model = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(vectors)
    labels = np.asarray(model.labels_, dtype=np.int64)
    # A cluster of one paper is no topic: its paper joins the nearest centre of a larger cluster.
    sizes = np.bincount(labels, minlength=k)
    if (sizes > 1).any():
        similarity = np.asarray(vectors @ model.cluster_centers_.T)
        similarity[:, sizes <= 1] = -np.inf
        lone = sizes[labels] <= 1
        labels[lone] = np.argmax(similarity[lone], axis=1)
    return labels


def _distinctive(
    vectors: sp.csr_matrix, vocab: np.ndarray, titles: Sequence[str], count: int
) -> tuple[str, ...]:
    """The terms of largest mean weight times one plus the number of member titles holding them (a
    title says what a paper is about; an abstract also says how it was measured)."""
    weights = np.asarray(vectors.mean(axis=0)).ravel()
    present = np.flatnonzero(weights > 0)
    in_titles = Counter(w for title in titles for w in set(_TITLE_WORD.findall(title.lower())))
    boost = np.array([1.0 + in_titles[vocab[i]] for i in present])
    scores = np.round(weights[present] * boost, 6)
    order = np.lexsort((vocab[present], -scores))
    return tuple(str(vocab[present[i]]) for i in order[:count])


def find_topics(papers: Sequence[Paper], space: Space, members: Sequence[int]) -> tuple[Topic, ...]:
    """Cluster ``papers[i] for i in members`` into named topics, sorted by id."""
    if not members:
        return ()
    rows = np.asarray(sorted(members, key=lambda i: papers[i].id), dtype=np.int64)
    labels = _labels(space.rows()[rows])  # the same similarity as related papers
    topics = []
    for label in np.unique(labels):
        mine = rows[labels == label]
        group = [papers[i] for i in mine.tolist()]
        founder = min(group, key=_founding_key)
        terms = _distinctive(space.matrix[mine], space.vocab, [p.title for p in group], NAME_TERMS)
        topics.append(Topic(topic_id(founder), terms, tuple(sorted(p.id for p in group))))
    return tuple(sorted(topics, key=lambda t: t.id))
