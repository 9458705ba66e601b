"""Automatic topics: the papers no tag fits, grouped where they share one subject, and named.

Those papers are clustered by k-means (scikit-learn, fixed seed) on their rows of the atlas's shared
vector space (:meth:`generator.enrich.vectors.Space.rows`: TF-IDF and semantic vectors), about
``sqrt(n / 2)`` clusters for ``n`` papers. A cluster becomes a topic only when it is coherent: at
least ``MIN_SIZE`` papers whose mean pairwise cosine in the semantic space is at least
``MIN_COHERENCE``. Measured on the tuning split of the hand-labelled listings (363 papers built as one
corpus): groups of papers with the same main tag score 0.17 (median; quartiles 0.11 and 0.25), groups
that share only an area 0.15, and six papers drawn at random 0.00 (99th percentile 0.09). So 0.15 takes
what shares one subject and leaves out what only shares a field. The papers of the other clusters wait
"not yet sorted" rather than join a loose topic.

A topic is named by keyphrases, as BERTopic does: class-based TF-IDF (c-TF-IDF: each cluster's papers
joined into one document, term frequency per cluster against the term's frequency over all clusters and
the rest of the corpus) over the 1-3-grams of scikit-learn's ``CountVectorizer``, then maximal marginal
relevance (MMR) picks ``NAME_TERMS`` phrases that are relevant to the cluster's centroid yet unlike
each other. Only phrases of two or three words name a topic ("document layout analysis", never
"datasets"), unless the cluster has none that several members use.

A topic's id comes from its founding paper, the member listed first (by corpus file, then line):
``topic-`` and that paper id's hash. Adding corpus files keeps the id (and the URL) for as long as
that paper stays in the topic. ``suggest`` turns a topic into a ready-to-paste taxonomy entry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from generator.enrich.vectors import Space
from generator.model import Paper

NAME_TERMS = 2
UNSORTED_NAME = "Not yet sorted"  # where the papers of no tag and no coherent topic wait
MIN_SIZE = 3
MIN_COHERENCE = 0.15  # mean pairwise cosine of the members' semantic vectors (module doc)
MMR_DIVERSITY = 0.5  # 0: the most relevant phrases; 1: the most varied
CANDIDATES = 30  # c-TF-IDF's best phrases that MMR chooses from
REST_SAMPLE = 2000  # papers of the rest of the corpus in its class (every k-th): bounds the cost
SEED = 0
_SOURCE = re.compile(r"^(.*):(\d+)$")
# Words that say how a paper works rather than what it is about: never the start or end of a name.
GENERIC_WORDS = frozenset(
    "achieve achieves approach approaches based benchmark benchmarks better compared demonstrate "
    "existing experiments extensive framework improve improves improving introduce large method methods "
    "model models new novel outperforms paper performance propose proposed results show shows "
    "significantly state study task tasks using via work art code available release github https com "
    "www address challenge challenges furthermore however present key".split()
)
_STOP = sorted(ENGLISH_STOP_WORDS | GENERIC_WORDS)


@dataclass(frozen=True)
class Topic:
    """An automatic topic: papers no tag covers that share one subject."""

    id: str
    terms: tuple[str, ...]  # keyphrases, most distinctive first
    papers: tuple[str, ...]  # paper ids, sorted
    coherence: float = 0.0  # mean pairwise cosine of the members' semantic vectors

    @property
    def name(self) -> str:
        text = ", ".join(self.terms) or "miscellaneous"
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Topics:
    """The coherent topics (sorted by id) and the papers that wait, not yet sorted (sorted ids)."""

    topics: tuple[Topic, ...]
    unsorted: tuple[str, ...]


def cluster_count(n: int) -> int:
    """How many clusters for ``n`` papers: about sqrt(n / 2), at least one."""
    return max(1, min(n, round(math.sqrt(n / 2))))


def _founding_key(p: Paper) -> tuple[str, int, str]:
    found = _SOURCE.match(p.sources[0]) if p.sources else None
    return (found.group(1), int(found.group(2)), p.id) if found else ("", 0, p.id)


def topic_id(founder: Paper) -> str:
    return "topic-" + founder.id.rsplit("-", 1)[-1]


def coherence(vectors: np.ndarray) -> float:
    """Mean pairwise cosine of unit rows (0 for fewer than two): ``(|sum|^2 - n) / (n (n - 1))``."""
    n = len(vectors)
    if n < 2:
        return 0.0
    total = vectors.astype(np.float64).sum(axis=0)
    return float((total @ total - n) / (n * (n - 1)))


def _labels(vectors: sp.csr_matrix) -> np.ndarray:
    n = vectors.shape[0]
    k = cluster_count(n)
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    model = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(vectors)
    return np.asarray(model.labels_, dtype=np.int64)


def _document(p: Paper) -> str:
    return f"{p.title}. {p.title}. {p.abstract}"  # a title says what a paper is about: it counts twice


def keyphrases(
    groups: Sequence[Sequence[Paper]], rest: Sequence[Paper], count: int = NAME_TERMS
) -> list[tuple[str, ...]]:
    """Names for each group of papers: c-TF-IDF over 1-3-grams, then MMR (module doc). ``rest`` (the
    other papers of the corpus) is one more class, so phrases common everywhere rank low."""
    if not groups:
        return []
    classes = [" ".join(_document(p) for p in group) for group in groups]
    step = max(1, math.ceil(len(rest) / REST_SAMPLE))
    classes.append(" ".join(_document(p) for p in rest[::step]))
    vectorizer = CountVectorizer(
        ngram_range=(1, 3),
        stop_words=_STOP,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
        lowercase=True,
    )
    try:
        counts = vectorizer.fit_transform(classes).astype(np.float64).tocsr()
    except ValueError:  # nothing but stop words
        return [() for _ in groups]
    vocab = vectorizer.get_feature_names_out()
    # c-TF-IDF (BERTopic): tf normalised per class, idf = log(1 + mean words per class / term frequency).
    tf = sp.diags(1.0 / np.maximum(np.asarray(counts.sum(axis=1)).ravel(), 1.0)) @ counts
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    average = counts.sum() / counts.shape[0]
    ctfidf = (tf @ sp.diags(np.log1p(average / np.maximum(frequency, 1.0)))).tocsr()
    words = np.array([len(term.split()) for term in vocab])
    names: list[tuple[str, ...]] = []
    for index, group in enumerate(groups):
        row = np.asarray(ctfidf[index].todense()).ravel()
        member_counts = _document_frequency(vectorizer, group)
        # A name is a phrase that several members use, of two or three words when there is one.
        least = min(2, len(group))
        usable = (row > 0) & (member_counts >= least)
        multi = usable & (words > 1)
        pool = np.flatnonzero(multi if multi.any() else usable)
        if not len(pool):
            names.append(())
            continue
        scores = np.round(row[pool], 9)
        ranked = pool[np.lexsort((vocab[pool], -scores))][:CANDIDATES]
        names.append(_mmr([str(vocab[i]) for i in ranked], row[ranked], group, count))
    return names


def _document_frequency(vectorizer: CountVectorizer, group: Sequence[Paper]) -> np.ndarray:
    """For each term of ``vectorizer``: how many of ``group`` use it."""
    present = vectorizer.transform([_document(p) for p in group])
    return np.asarray((present > 0).sum(axis=0)).ravel()


def _mmr(candidates: list[str], relevance: np.ndarray, group: Sequence[Paper], count: int) -> tuple[str, ...]:
    """Maximal marginal relevance over the candidates' vectors (the atlas's static word vectors):
    each time the phrase most similar to the group's centroid and least similar to those chosen."""
    from generator.enrich.embed import load_model, paper_text

    model = load_model()
    vectors = model.encode([*candidates, *(paper_text(p) for p in group)])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    phrases, papers = vectors[: len(candidates)], vectors[len(candidates) :]
    centroid = papers.mean(axis=0)
    centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
    # Relevance: the phrase's meaning near the group's, weighted by its c-TF-IDF rank.
    weight = relevance / max(float(relevance.max()), 1e-12)
    to_group = np.round(phrases @ centroid * (0.5 + 0.5 * weight), 6)
    between = phrases @ phrases.T
    chosen = [int(np.argmax(to_group))]
    while len(chosen) < min(count, len(candidates)):
        rest = [i for i in range(len(candidates)) if i not in chosen]
        overlap = [i for i in rest if not any(_overlaps(candidates[i], candidates[j]) for j in chosen)]
        if not overlap:
            break
        value = [
            (1 - MMR_DIVERSITY) * to_group[i] - MMR_DIVERSITY * max(between[i, j] for j in chosen)
            for i in overlap
        ]
        chosen.append(overlap[int(np.argmax(np.round(value, 6)))])
    return tuple(candidates[i] for i in chosen)


def _overlaps(a: str, b: str) -> bool:
    """Two phrases that share a word name the same thing twice ("layout analysis", "document layout")."""
    return bool(set(a.split()) & set(b.split()))


def find_topics(papers: Sequence[Paper], space: Space, members: Sequence[int]) -> Topics:
    """Cluster ``papers[i] for i in members``; coherent clusters become named topics, the others' papers
    wait not yet sorted."""
    if not members:
        return Topics((), ())
    rows = np.asarray(sorted(members, key=lambda i: papers[i].id), dtype=np.int64)
    labels = _labels(space.rows()[rows])  # the same similarity as related papers
    semantic = space.semantic
    kept: list[tuple[np.ndarray, float]] = []
    unsorted: list[str] = []
    for label in np.unique(labels):
        mine = rows[labels == label]
        value = coherence(semantic[mine]) if semantic is not None else 0.0
        if len(mine) >= MIN_SIZE and value >= MIN_COHERENCE:
            kept.append((mine, value))
        else:
            unsorted.extend(papers[i].id for i in mine.tolist())
    in_topics = {int(i) for mine, _ in kept for i in mine}
    rest = [p for i, p in enumerate(papers) if i not in in_topics]
    groups = [[papers[i] for i in mine.tolist()] for mine, _ in kept]
    names = keyphrases(groups, rest)
    topics = []
    for group, (_, value), terms in zip(groups, kept, names, strict=True):
        founder = min(group, key=_founding_key)
        topics.append(Topic(topic_id(founder), terms, tuple(sorted(p.id for p in group)), round(value, 3)))
    return Topics(tuple(sorted(topics, key=lambda t: t.id)), tuple(sorted(unsorted)))
