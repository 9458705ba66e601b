"""Related papers: each paper's top-k neighbours in the atlas's one vector space (:class:`Space`).

The score of a pair is ``LEXICAL_WEIGHT`` times the cosine of their TF-IDF rows plus the rest times
the cosine of their semantic vectors (static embeddings, :mod:`generator.enrich.embed`). Up to
``EXACT_LIMIT`` papers every pair is scored, a tile of rows against rows at a time (never an
all-pairs matrix in memory); above it, every pair is scored by dense stand-ins (LSA of the TF-IDF
rows beside the semantic vectors, a few hundred dimensions instead of the vocabulary) and each
paper's best ``ANN_CANDIDATES`` by them are scored exactly. Either way the candidates are ranked by
their exact score, rounded before ranking, ties to the smaller id, so the result is deterministic
and does not depend on tiles or BLAS threads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from generator.enrich.vectors import Space, vectorize
from generator.model import Paper

RELATED_COUNT = 5
EXACT_LIMIT = 20_000
LSA_DIMENSIONS = 64  # dense stand-in for the TF-IDF rows in the approximate search
LSA_SAMPLE = 20_000  # papers the stand-in's projection is fitted on (evenly spaced)
LSA_ITERATIONS = 3  # power iterations of the randomized SVD
ANN_CANDIDATES = 40  # per paper, the best by the stand-ins, then ranked by their exact score
BLOCK_CELLS = 4_000_000  # rows x columns of a tile of scores: bounds each dense block in memory
PENDING = 4  # offered candidates wait until a tile of rows has this many times ``take`` a row
DENSE_TERMS = 1024  # the most frequent terms go into a dense matrix (BLAS), the rest stay sparse
GROUP = 64  # top-k search: columns are scanned in groups of at most this many, by their maximum
TIE_MARGIN = 8  # candidates kept beyond k, so that ties around the k-th place resolve by id
PAIR_CHUNK = 50_000  # paper pairs whose exact score and shared terms are computed at once
REASON_TERMS = 3


@dataclass(frozen=True)
class Related:
    id: str
    score: float
    shared_tags: tuple[str, ...]
    shared_terms: tuple[str, ...]
    similar_in_meaning: bool = False
    """The semantic part decided: by shared words alone this paper would not be among the k."""


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
    group = min(GROUP, width // (2 * take))
    if group >= 2:
        # Only the groups with the `take` highest maxima can hold the `take` highest scores.
        groups = -(-width // group)
        maxima = np.maximum.reduceat(block, np.arange(0, width, group), axis=1)
        best_groups = np.argpartition(maxima, groups - take, axis=1)[:, groups - take :]
        near = (best_groups[:, :, None] * group + np.arange(group)).reshape(rows, -1)
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


def _row_then_descending(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One integer key per entry that sorts by row, then by float32 value from the highest."""
    bits = values.astype(np.float32).view(np.uint32)
    ascending = bits ^ np.where(bits >> 31, np.uint32(0xFFFFFFFF), np.uint32(0x80000000))
    return (rows.astype(np.uint64) << np.uint64(32)) | (np.uint32(0xFFFFFFFF) - ascending).astype(np.uint64)


class _Best:
    """Each row's ``take`` best (score, column) so far, fed tile by tile.

    A tile offers its scores to its rows (or, transposed, to its columns' rows); only those above
    a row's worst kept score can enter, and once a row has its first candidates few do, so most of
    a tile is one comparison. Offers wait in a buffer per tile of rows and are merged (a sort of
    the kept and the offered entries) when the buffer grows past ``PENDING`` entries a row.
    """

    def __init__(self, n: int, take: int, tile: int) -> None:
        self.take, self.tile = take, tile
        self.scores = np.full((n, take), -np.inf, dtype=np.float32)
        self.columns = np.full((n, take), -1, dtype=np.int64)
        self.pending: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.sizes: dict[int, int] = {}

    def first(self, start: int, block: np.ndarray, offset: int) -> None:
        """Rows ``start...`` take their best in ``block`` (columns from ``offset``) outright."""
        found = _best_columns(block, None, self.take)
        if found.shape[1] < self.take:  # a tile narrower than take: the rest stays empty
            found = np.hstack([found, np.full((len(found), self.take - found.shape[1]), -1)])
        values = np.take_along_axis(block, np.maximum(found, 0), axis=1)
        rows = slice(start, start + block.shape[0])
        self.scores[rows] = np.where(found >= 0, values, -np.inf)
        self.columns[rows] = np.where(found >= 0, found + offset, -1)

    def offer(self, start: int, block: np.ndarray, offset: int, transposed: bool = False) -> None:
        """Scores of rows ``start...`` against columns ``offset...``; with ``transposed``, ``block``
        holds them as (columns x rows)."""
        width = block.shape[1] if transposed else block.shape[0]
        threshold = self.scores[start : start + width].min(axis=1)
        if transposed:
            column, row = np.nonzero(block > threshold[None, :])
        else:
            row, column = np.nonzero(block > threshold[:, None])
        if not len(row):
            return
        value = block[column, row] if transposed else block[row, column]
        key = start // self.tile
        self.pending.setdefault(key, []).append((row + start, column + offset, value))
        self.sizes[key] = self.sizes.get(key, 0) + len(row)
        if self.sizes[key] > PENDING * self.take * width:
            self._merge(key)

    def _merge(self, key: int) -> None:
        offered = self.pending.pop(key, [])
        self.sizes.pop(key, None)
        if not offered:
            return
        row = np.concatenate([o[0] for o in offered])
        start = key * self.tile
        changed = start + np.flatnonzero(np.bincount(row - start, minlength=self.tile))
        take = self.take
        # Each changed row's kept entries and the offered ones, best first (kept ones win ties).
        rows = np.concatenate([np.repeat(changed, take), row])
        values = np.concatenate([self.scores[changed].ravel(), *(o[2] for o in offered)])
        columns = np.concatenate([self.columns[changed].ravel(), *(o[1] for o in offered)])
        order = np.argsort(_row_then_descending(rows, values), kind="stable")
        first = np.searchsorted(rows[order], changed)
        keep = order[(first[:, None] + np.arange(take)).ravel()]
        kept = values[keep].reshape(-1, take)
        self.scores[changed] = kept
        self.columns[changed] = np.where(np.isneginf(kept), -1, columns[keep].reshape(-1, take))

    def result(self) -> np.ndarray:
        for key in sorted(self.pending):
            self._merge(key)
        columns: np.ndarray = self.columns
        return columns


def _symmetric_top(dense: np.ndarray, sparse: sp.csr_matrix | None, take: int) -> np.ndarray:
    """Each row's ``take`` highest-scoring other rows, a row's score with another being the dot
    product of their ``dense`` rows plus that of their ``sparse`` rows (-1 where fewer).

    Square tiles of rows against rows, each pair of tiles once: the scores are symmetric, so a tile
    gives candidates both to its rows (among its columns) and, transposed, to its columns' rows
    (half the products of scoring every row against every row). The tiles on the diagonal come
    first and give every row its first candidates (:class:`_Best`). Products are BLAS for the dense
    part and sparse for the rest; ``BLOCK_CELLS`` bounds a tile in memory.
    """
    n = dense.shape[0]
    take = min(take, n)
    tile = max(1, int(BLOCK_CELLS**0.5))
    dense_t = np.ascontiguousarray(dense.T)
    sparse_t = sparse.T.tocsc() if sparse is not None and sparse.nnz else None

    def scores(i0: int, i1: int, j0: int, j1: int) -> np.ndarray:
        block: np.ndarray = dense[i0:i1] @ dense_t[:, j0:j1]
        if sparse is not None and sparse_t is not None:
            extra = (sparse[i0:i1] @ sparse_t[:, j0:j1]).tocsr()
            rows = np.repeat(np.arange(i1 - i0), np.diff(extra.indptr))
            block[rows, extra.indices] += extra.data  # one entry per (row, column): no duplicates
        return block

    best = _Best(n, take, tile)
    for i0 in range(0, n, tile):
        i1 = min(i0 + tile, n)
        block = scores(i0, i1, i0, i1)
        block[np.arange(i1 - i0), np.arange(i1 - i0)] = -np.inf  # not its own neighbour
        best.first(i0, block, i0)
    for i0 in range(0, n, tile):
        i1 = min(i0 + tile, n)
        for j0 in range(i1, n, tile):
            block = scores(i0, i1, j0, min(j0 + tile, n))
            best.offer(i0, block, j0)
            best.offer(j0, block, i0, transposed=True)
    found: np.ndarray = best.result()
    return found


def _exact_candidates(space: Space, take: int) -> np.ndarray:
    """Each paper's ``take`` most similar others by the score of the whole space, every pair scored
    (:func:`_symmetric_top`). The products of a tile are nearly dense, so the most frequent terms
    and the semantic vectors are multiplied as dense matrices (BLAS) and only the rarer terms as
    sparse."""
    tfidf = space.matrix
    n_terms = tfidf.shape[1]
    lexical, semantic = (np.float32(w**0.5) for w in space.weights)
    df = np.bincount(tfidf.indices, minlength=n_terms)
    by_df = np.argsort(-df, kind="stable")
    frequent, rare = np.sort(by_df[:DENSE_TERMS]), np.sort(by_df[DENSE_TERMS:])
    parts = [tfidf[:, frequent].toarray() * lexical]
    if space.semantic is not None:
        parts.append(space.semantic * semantic)
    dense = np.ascontiguousarray(np.hstack(parts), dtype=np.float32)
    return _symmetric_top(dense, (tfidf[:, rare] * lexical).tocsr(), take)


def _index_vectors(space: Space) -> np.ndarray:
    """Dense stand-ins for the rows of ``space``, for the approximate search: the TF-IDF rows
    projected on ``LSA_DIMENSIONS`` latent dimensions (truncated SVD fitted on at most
    ``LSA_SAMPLE`` evenly spaced papers; their dot products approximate the TF-IDF cosines) beside
    the semantic vectors, each part scaled by its weight."""
    tfidf = space.matrix
    n, n_terms = tfidf.shape
    lexical, semantic = space.weights
    dimensions = max(1, min(LSA_DIMENSIONS, n_terms - 1, n - 1))
    svd = TruncatedSVD(n_components=dimensions, random_state=0, algorithm="randomized", n_iter=LSA_ITERATIONS)
    svd.fit(tfidf[:: max(1, -(-n // LSA_SAMPLE))])
    parts = [svd.transform(tfidf) * lexical**0.5]
    if space.semantic is not None:
        parts.append(space.semantic * semantic**0.5)
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


def _approximate_candidates(space: Space, take: int) -> np.ndarray:
    """Each paper's ``take`` most similar others by the dot products of :func:`_index_vectors`,
    every pair scored (:func:`_symmetric_top`): a few hundred dense dimensions instead of the whole
    vocabulary, so about a fifth of the exact search's products. -1 where fewer were found."""
    return _symmetric_top(_index_vectors(space), None, take)


def _pair_products(
    tfidf: sp.csr_matrix, rows: np.ndarray, others: np.ndarray
) -> Iterator[tuple[int, sp.csr_matrix]]:
    """Chunks of pairs as (first pair, one CSR row per pair: the termwise product of the two papers)."""
    for start in range(0, len(rows), PAIR_CHUNK):
        both = tfidf[rows[start : start + PAIR_CHUNK]].multiply(tfidf[others[start : start + PAIR_CHUNK]])
        both = both.tocsr()
        both.sum_duplicates()
        yield start, both


def _exact_scores(space: Space, rows: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score, TF-IDF cosine) of each pair, summed in float64 term by term, stored as float32.

    The same numbers whatever the blocks, candidate search or BLAS threads that found the pair.
    """
    lexical_weight, semantic_weight = space.weights
    lexical = np.zeros(len(rows), dtype=np.float64)
    for start, both in _pair_products(space.matrix, rows, others):
        pair = np.repeat(np.arange(both.shape[0]), np.diff(both.indptr))
        sums = np.bincount(pair, weights=both.data.astype(np.float64), minlength=both.shape[0])
        lexical[start : start + both.shape[0]] = sums.astype(np.float32)
    scores = lexical * lexical_weight
    if space.semantic is not None:
        for start in range(0, len(rows), PAIR_CHUNK):
            a = space.semantic[rows[start : start + PAIR_CHUNK]].astype(np.float64)
            b = space.semantic[others[start : start + PAIR_CHUNK]].astype(np.float64)
            scores[start : start + len(a)] += semantic_weight * np.einsum("ij,ij->i", a, b)
    return scores.astype(np.float32), lexical.astype(np.float32)


def _rank(
    space: Space, candidates: np.ndarray, k: int, id_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k best candidates of each paper by (-exact score rounded to 4 places, id); -1 past the last.

    Also, for each chosen pair, whether the semantic part decided: the two share no term, or at
    least k of the paper's candidates have a higher TF-IDF cosine (rounded alike, ties by id), so by
    shared words alone it would not be among the k (the candidates are a subset of all papers:
    never a false claim).
    """
    n, width = candidates.shape
    rows = np.repeat(np.arange(n), width)
    flat = candidates.ravel()
    valid = flat >= 0
    raw = np.zeros(len(flat), dtype=np.float32)
    words = np.zeros(len(flat), dtype=np.float32)
    raw[valid], words[valid] = _exact_scores(space, rows[valid], flat[valid])
    # float32 scores times 10**4 are exact in float64, so this rounds exactly like round(x, 4).
    rounded = np.round(raw.astype(np.float64), 4).reshape(n, width)
    positive = (raw > 0).reshape(n, width)
    ids = id_rank[np.maximum(candidates, 0)]
    order = np.lexsort((ids, np.where(positive, -rounded, np.inf)), axis=1)[:, :k]
    lexical = np.where(valid, np.round(words.astype(np.float64), 4), -np.inf).reshape(n, width)
    by_words = np.lexsort((ids, -lexical), axis=1)
    place = np.empty_like(by_words)
    np.put_along_axis(place, by_words, np.arange(width)[None, :], axis=1)
    papers = np.take_along_axis(candidates, order, axis=1)
    keep = np.take_along_axis(positive, order, axis=1)
    outranked = np.take_along_axis(place, order, axis=1) >= k
    no_words = np.take_along_axis(lexical, order, axis=1) <= 0
    meaning = keep & (outranked | no_words) & (space.semantic is not None)
    scores = np.where(keep, np.take_along_axis(rounded, order, axis=1), 0.0)
    return np.where(keep, papers, -1), scores, meaning


@dataclass(frozen=True)
class Neighbours:
    """Related papers as arrays: the heavy part's result, compact enough to pass between processes.

    ``papers[i]`` and ``scores[i]`` are paper i's neighbours (indexes into the paper sequence, best
    first, -1 past the last) and their rounded scores; ``meaning[i]`` whether the semantic part
    decided each; ``terms`` holds the shared terms of every pair in row-major order (indexes into
    ``vocab``, -1 past the last).
    """

    papers: np.ndarray
    scores: np.ndarray
    terms: np.ndarray
    vocab: list[str]
    meaning: np.ndarray | None = None


def nearest(papers: Sequence[Paper], k: int = RELATED_COUNT, space: Space | None = None) -> Neighbours:
    """The k most similar papers of each paper in the shared space, and their shared terms.

    ``space`` is :func:`vectorize` of ``papers`` when the caller already has it.

    Up to ``EXACT_LIMIT`` papers every pair is compared; above it, candidates come from dense
    stand-ins (see :func:`_approximate_candidates`). Either way the candidates are ranked by their
    exact score, rounded to 4 places, ties to the smaller id: the result does not depend on tiles.
    """
    if len(papers) < 2:
        empty = np.full((len(papers), k), -1, dtype=np.int64)
        none = np.zeros((len(papers), k), dtype=bool)
        return Neighbours(empty, np.zeros((len(papers), k)), np.zeros((0, REASON_TERMS), np.int32), [], none)
    space = space if space is not None else vectorize(papers)
    take = k + 1 + TIE_MARGIN
    if len(papers) <= EXACT_LIMIT:
        candidates = _exact_candidates(space, take)
    else:
        candidates = _approximate_candidates(space, max(take, ANN_CANDIDATES))
    neighbours, scores, meaning = _rank(space, candidates, k, _ranks([p.id for p in papers]))
    rows, slots = np.nonzero(neighbours >= 0)  # row-major: each paper's neighbours, best first
    terms = _shared_terms(space.matrix, space.vocab, rows, neighbours[rows, slots])
    return Neighbours(neighbours, scores, terms, space.vocab.tolist(), meaning)


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
    meaning = neighbours.meaning if neighbours.meaning is not None else np.zeros_like(neighbours.papers, bool)
    pairs = zip(
        rows.tolist(),
        others.tolist(),
        neighbours.scores[rows, slots].tolist(),
        neighbours.terms.tolist(),
        meaning[rows, slots].tolist(),
        strict=True,
    )
    for i, j, score, term_ids, semantic in pairs:
        mine, theirs = tags.get(ids[i], empty), tags.get(ids[j], empty)
        shared_terms = tuple(vocab[t] for t in term_ids if t >= 0)
        shared_tags = tuple(t for t in mine if t in theirs)
        found[i].append(Related(ids[j], score, shared_tags, shared_terms, bool(semantic)))
    return {pid: tuple(items) for pid, items in zip(ids, found, strict=True)}


def related_papers(
    papers: Sequence[Paper],
    tags: Mapping[str, tuple[str, ...]],
    k: int = RELATED_COUNT,
    space: Space | None = None,
) -> dict[str, tuple[Related, ...]]:
    """The k most similar papers of each paper, each with its reasons (:func:`nearest`)."""
    return related_from(nearest(papers, k, space), papers, tags)


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
