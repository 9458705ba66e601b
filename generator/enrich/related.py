"""Related papers: each paper's top-k cosine neighbours in the shared vector space (:mod:`.vectors`).

Up to ``EXACT_LIMIT`` papers every pair is scored, a block of rows at a time (never an all-pairs
matrix in memory); above it, candidates are searched among LSA vectors (truncated SVD) in the
nearest k-means clusters only, so time grows about as n**1.5 and memory linearly. Either way the
candidates are ranked by their exact cosine, rounded before ranking, ties to the smaller id, so
the result is deterministic and does not depend on blocks or BLAS threads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from generator.enrich.vectors import Space, vectorize
from generator.model import Paper

RELATED_COUNT = 5
EXACT_LIMIT = 20_000
LSA_DIMENSIONS = 128
LSA_CANDIDATES = 40  # per paper, the best by LSA similarity, then ranked by their exact score
PROBES = 10  # clusters of LSA vectors searched per paper (its own and the nearest ones)
KMEANS_ROUNDS = 6
BLOCK_CELLS = 8_000_000  # rows per block x columns: bounds each dense block in memory
DENSE_TERMS = 1024  # the most frequent terms go into a dense matrix (BLAS), the rest stay sparse
GROUP = 64  # top-k search: columns are scanned in groups of this many, by their maximum
TIE_MARGIN = 8  # candidates kept beyond k, so that ties around the k-th place resolve by id
PAIR_CHUNK = 50_000  # paper pairs whose exact score and shared terms are computed at once
REASON_TERMS = 3


@dataclass(frozen=True)
class Related:
    id: str
    score: float
    shared_tags: tuple[str, ...]
    shared_terms: tuple[str, ...]


def _ranks(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """Position of each value in sorted order: comparing ranks compares the strings."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


def _best_columns(block: np.ndarray, own: np.ndarray | None, take: int) -> np.ndarray:
    """Per row of a block of scores, the block columns of its ``take`` highest scores (unordered).

    ``own[r]`` is the column of row r's own paper, excluded. Columns with a score of -inf (or
    fewer than ``take`` columns) give -1. Changes ``block`` in place.
    """
    rows, width = block.shape
    if own is not None:
        block[np.arange(rows), own] = -np.inf
    if take >= width:
        columns = np.broadcast_to(np.arange(width), (rows, width))
        return np.where(np.isneginf(block), -1, columns)
    if take * GROUP * 2 <= width:
        # Only the groups with the `take` highest maxima can hold the `take` highest scores.
        groups = -(-width // GROUP)
        maxima = np.maximum.reduceat(block, np.arange(0, width, GROUP), axis=1)
        best_groups = np.argpartition(maxima, groups - take, axis=1)[:, groups - take :]
        near = (best_groups[:, :, None] * GROUP + np.arange(GROUP)).reshape(rows, -1)
        outside = near >= width  # past the end of a short last group
        near = np.minimum(near, width - 1)
        scores = np.take_along_axis(block, near, axis=1)
        scores[outside] = -np.inf
        pick = np.argpartition(scores, near.shape[1] - take, axis=1)[:, near.shape[1] - take :]
        columns = np.take_along_axis(near, pick, axis=1)
        picked = np.take_along_axis(scores, pick, axis=1)
    else:
        columns = np.argpartition(block, width - take, axis=1)[:, width - take :]
        picked = np.take_along_axis(block, columns, axis=1)
    return np.where(np.isneginf(picked), -1, columns)


def _exact_candidates(tfidf: sp.csr_matrix, take: int) -> np.ndarray:
    """Each paper's ``take`` most similar others by the cosine of the TF-IDF rows themselves.

    A block of rows at a time; the product of a block with every row is nearly dense, so the most
    frequent terms are multiplied as dense matrices (BLAS) and only the rarer ones as sparse.
    """
    n, n_terms = tfidf.shape
    df = np.bincount(tfidf.indices, minlength=n_terms)
    by_df = np.argsort(-df, kind="stable")
    frequent, rare = np.sort(by_df[:DENSE_TERMS]), np.sort(by_df[DENSE_TERMS:])
    dense = tfidf[:, frequent].toarray()
    dense_t = np.ascontiguousarray(dense.T)
    sparse_part = tfidf[:, rare].tocsr()
    sparse_t = sparse_part.T.tocsc()
    block_rows = max(1, BLOCK_CELLS // n)
    candidates = np.empty((n, min(take, n)), dtype=np.int64)
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        block = dense[start:stop] @ dense_t
        if sparse_part.nnz:
            extra = (sparse_part[start:stop] @ sparse_t).tocsr()
            rows = np.repeat(np.arange(stop - start), np.diff(extra.indptr))
            block[rows, extra.indices] += extra.data  # one entry per (row, column): no duplicates
        candidates[start:stop] = _best_columns(block, np.arange(start, stop), take)
    return candidates


def _lsa_candidates(tfidf: sp.csr_matrix, take: int) -> np.ndarray:
    """Each paper's ``take`` most similar others by LSA, searched in the nearest clusters only.

    The TF-IDF rows are projected on ``LSA_DIMENSIONS`` latent dimensions (truncated SVD) and
    grouped by spherical k-means into about sqrt(n) clusters; each cluster's papers are compared
    with the papers of its ``PROBES`` nearest clusters (itself included), one dense product per
    cluster. Work and memory grow as n * PROBES * n / clusters, about n**1.5, never n**2.
    """
    n, n_terms = tfidf.shape
    dimensions = max(1, min(LSA_DIMENSIONS, n_terms - 1, n - 1))
    svd = TruncatedSVD(n_components=dimensions, random_state=0, algorithm="randomized")
    vectors = normalize(svd.fit_transform(tfidf)).astype(np.float32)
    assign, centres = _spherical_kmeans(vectors, max(1, round(n**0.5)))
    clusters = len(centres)
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(clusters + 1))
    members = [order[bounds[c] : bounds[c + 1]] for c in range(clusters)]
    probes = min(PROBES, clusters)
    nearest = np.argsort(-(centres @ centres.T), axis=1, kind="stable")[:, :probes]
    candidates = np.full((n, take), -1, dtype=np.int64)
    for c in range(clusters):
        queries = members[c]
        if not len(queries):
            continue
        # The cluster's own papers first, so that row r's own column is r.
        others = [members[p] for p in nearest[c] if p != c]
        columns = np.concatenate([queries, *others])
        block_rows = max(1, BLOCK_CELLS // len(columns))
        for start in range(0, len(queries), block_rows):
            stop = min(start + block_rows, len(queries))
            block = vectors[queries[start:stop]] @ vectors[columns].T
            best = _best_columns(block, np.arange(start, stop), take)
            width = best.shape[1]
            candidates[queries[start:stop], :width] = np.where(best >= 0, columns[np.maximum(best, 0)], -1)
    return candidates


def _spherical_kmeans(vectors: np.ndarray, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic k-means on unit vectors (cosine): evenly spaced rows as the first centres."""
    n = len(vectors)
    clusters = min(clusters, n)
    centres = vectors[np.linspace(0, n - 1, clusters).astype(np.int64)].copy()
    assign = np.zeros(n, dtype=np.int64)
    chunk = max(1, BLOCK_CELLS // clusters)
    for _ in range(KMEANS_ROUNDS):
        for start in range(0, n, chunk):
            assign[start : start + chunk] = np.argmax(vectors[start : start + chunk] @ centres.T, axis=1)
        membership = sp.csr_matrix(
            (np.ones(n, dtype=np.float32), (assign, np.arange(n))), shape=(clusters, n)
        )
        sums = np.asarray(membership @ vectors)
        norms = np.linalg.norm(sums, axis=1)
        filled = norms > 0  # an emptied cluster keeps its centre
        centres[filled] = sums[filled] / norms[filled, None]
    return assign, centres


def _pair_products(
    tfidf: sp.csr_matrix, rows: np.ndarray, others: np.ndarray
) -> Iterator[tuple[int, sp.csr_matrix]]:
    """Chunks of pairs as (first pair, one CSR row per pair: the termwise product of the two papers)."""
    for start in range(0, len(rows), PAIR_CHUNK):
        both = tfidf[rows[start : start + PAIR_CHUNK]].multiply(tfidf[others[start : start + PAIR_CHUNK]])
        both = both.tocsr()
        both.sum_duplicates()
        yield start, both


def _exact_scores(tfidf: sp.csr_matrix, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Cosine of each pair of TF-IDF rows, summed in float64 term by term, stored as float32.

    The same numbers whatever the blocks, candidate search or BLAS threads that found the pair.
    """
    scores = np.zeros(len(rows), dtype=np.float32)
    for start, both in _pair_products(tfidf, rows, others):
        pair = np.repeat(np.arange(both.shape[0]), np.diff(both.indptr))
        sums = np.bincount(pair, weights=both.data.astype(np.float64), minlength=both.shape[0])
        scores[start : start + both.shape[0]] = sums.astype(np.float32)
    return scores


def _rank(
    tfidf: sp.csr_matrix, candidates: np.ndarray, k: int, id_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The k best candidates of each paper by (-exact score rounded to 4 places, id); -1 past the last."""
    n, width = candidates.shape
    rows = np.repeat(np.arange(n), width)
    flat = candidates.ravel()
    valid = flat >= 0
    raw = np.zeros(len(flat), dtype=np.float32)
    raw[valid] = _exact_scores(tfidf, rows[valid], flat[valid])
    # float32 scores times 10**4 are exact in float64, so this rounds exactly like round(x, 4).
    rounded = np.round(raw.astype(np.float64), 4).reshape(n, width)
    positive = (raw > 0).reshape(n, width)
    order = np.lexsort((id_rank[np.maximum(candidates, 0)], np.where(positive, -rounded, np.inf)), axis=1)
    order = order[:, :k]
    papers = np.take_along_axis(candidates, order, axis=1)
    keep = np.take_along_axis(positive, order, axis=1)
    return np.where(keep, papers, -1), np.where(keep, np.take_along_axis(rounded, order, axis=1), 0.0)


@dataclass(frozen=True)
class Neighbours:
    """Related papers as arrays: the heavy part's result, compact enough to pass between processes.

    ``papers[i]`` and ``scores[i]`` are paper i's neighbours (indexes into the paper sequence, best
    first, -1 past the last) and their rounded scores; ``terms`` holds the shared terms of every
    pair in row-major order (indexes into ``vocab``, -1 past the last).
    """

    papers: np.ndarray
    scores: np.ndarray
    terms: np.ndarray
    vocab: list[str]


def nearest(papers: Sequence[Paper], k: int = RELATED_COUNT, space: Space | None = None) -> Neighbours:
    """The k most similar papers of each paper (cosine of TF-IDF vectors) and their shared terms.

    ``space`` is :func:`vectorize` of ``papers`` when the caller already has it.

    Up to ``EXACT_LIMIT`` papers every pair is compared; above it, candidates come from LSA
    clusters (see :func:`_lsa_candidates`). Either way the candidates are ranked by their exact
    score, rounded to 4 places, ties to the smaller id: the result does not depend on blocks.
    """
    if len(papers) < 2:
        empty = np.full((len(papers), k), -1, dtype=np.int64)
        return Neighbours(empty, np.zeros((len(papers), k)), np.zeros((0, REASON_TERMS), np.int32), [])
    space = space if space is not None else vectorize(papers)
    tfidf, vocab = space.matrix, space.vocab
    take = k + 1 + TIE_MARGIN
    if len(papers) <= EXACT_LIMIT:
        candidates = _exact_candidates(tfidf, take)
    else:
        candidates = _lsa_candidates(tfidf, max(take, LSA_CANDIDATES))
    neighbours, scores = _rank(tfidf, candidates, k, _ranks([p.id for p in papers]))
    rows, slots = np.nonzero(neighbours >= 0)  # row-major: each paper's neighbours, best first
    terms = _shared_terms(tfidf, vocab, rows, neighbours[rows, slots])
    return Neighbours(neighbours, scores, terms, vocab.tolist())


def related_from(
    neighbours: Neighbours, papers: Sequence[Paper], tags: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[Related, ...]]:
    """The Related records of :func:`nearest`'s arrays, with the tags each pair shares."""
    ids = [p.id for p in papers]
    rows, slots = np.nonzero(neighbours.papers >= 0)
    others = neighbours.papers[rows, slots]
    vocab = neighbours.vocab
    found: list[list[Related]] = [[] for _ in ids]
    empty: tuple[str, ...] = ()
    pairs = zip(
        rows.tolist(),
        others.tolist(),
        neighbours.scores[rows, slots].tolist(),
        neighbours.terms.tolist(),
        strict=True,
    )
    for i, j, score, term_ids in pairs:
        mine, theirs = tags.get(ids[i], empty), tags.get(ids[j], empty)
        shared_terms = tuple(vocab[t] for t in term_ids if t >= 0)
        found[i].append(Related(ids[j], score, tuple(t for t in mine if t in theirs), shared_terms))
    return {pid: tuple(items) for pid, items in zip(ids, found, strict=True)}


def related_papers(
    papers: Sequence[Paper], tags: Mapping[str, tuple[str, ...]], k: int = RELATED_COUNT
) -> dict[str, tuple[Related, ...]]:
    """The k most similar papers of each paper, each with its reasons (:func:`nearest`)."""
    return related_from(nearest(papers, k), papers, tags)


def _shared_terms(
    tfidf: sp.csr_matrix, vocab: np.ndarray, rows: np.ndarray, others: np.ndarray
) -> np.ndarray:
    """For each pair (rows[p], others[p]): the REASON_TERMS terms that add most to their similarity.

    Ranked by the product of the two TF-IDF weights rounded to 6 places, ties alphabetically.
    Returns vocabulary indexes, (pairs, REASON_TERMS), -1 where a pair shares fewer terms.
    """
    vocab_rank = _ranks(vocab)
    result = np.full((len(rows), REASON_TERMS), -1, dtype=np.int32)
    for start, both in _pair_products(tfidf, rows, others):
        pair = np.repeat(np.arange(both.shape[0]), np.diff(both.indptr))
        # float32 products times 10**6 are exact in float64: the same as round(float(x), 6).
        weight = np.round(both.data.astype(np.float64), 6)
        order = np.lexsort((vocab_rank[both.indices], -weight, pair))
        place = np.arange(len(order)) - both.indptr[pair[order]]
        keep = place < REASON_TERMS
        chosen = order[keep]
        result[start + pair[chosen], place[keep]] = both.indices[chosen]
    return result
