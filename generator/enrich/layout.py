"""The map: every paper as a point in 2D, a projection of the atlas's shared vector space.

Landmark t-SNE, so that the cost barely grows with the corpus:

1. :func:`features`, the one place that reads the :class:`~generator.enrich.vectors.Space`: a
   truncated SVD (scikit-learn), fitted on the landmarks only, gives every paper a short dense
   vector (``DIMENSIONS``), L2-normalized, so that a dot product is a cosine.
2. Up to ``LANDMARKS`` papers, chosen by the hash at the end of their id (stable as the corpus
   grows: a new paper never moves the others out of the sample), are laid out by t-SNE (openTSNE:
   exact neighbours, Barnes-Hut gradients, one thread, fixed seed).
3. Every other paper goes where its ``NEIGHBOURS`` most similar landmarks are: their positions
   averaged, weighted by similarity, plus a small offset from its id's hash so that papers placed
   on the same spot stay apart.

Coordinates are scaled into [0, 1] and rounded (``DECIMALS``), so the output does not depend on
floating-point noise in the last bits. Everything is deterministic for the same papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from generator.enrich.vectors import Space

SEED = 0
DIMENSIONS = 32
LANDMARKS = 2_500
NEIGHBOURS = 6
PERPLEXITY = 30
EXAGGERATED_ITERATIONS = 125  # t-SNE's early-exaggeration phase, then the normal one
ITERATIONS = 300
JITTER = 0.004  # of the map's extent: how far apart papers that land on one spot are put
DECIMALS = 5
BLOCK = 4_096  # non-landmark papers compared with the landmarks at once


@dataclass(frozen=True)
class Layout:
    """Every paper's position on the map, in paper order: ``xy[i]`` in [0, 1]^2 for paper ``i``."""

    xy: np.ndarray  # float64, shape (n, 2)
    landmarks: int  # how many papers t-SNE laid out itself

    def __len__(self) -> int:
        return int(self.xy.shape[0])


def _id_hash(paper_id: str) -> int:
    """The 8 hex digits that end every paper id (a SHA-256 prefix of its folded title)."""
    tail = paper_id.rsplit("-", 1)[-1]
    try:
        return int(tail, 16)
    except ValueError:
        return int(sum(ord(ch) * 31**k for k, ch in enumerate(paper_id)) % 2**32)


def landmark_rows(ids: Sequence[str], count: int = LANDMARKS) -> np.ndarray:
    """Rows of the landmark papers (``ids``: the paper ids, in row order): the ``count`` smallest id
    hashes (ties by id), sorted."""
    order = sorted(range(len(ids)), key=lambda i: (_id_hash(ids[i]), ids[i]))
    return np.sort(np.asarray(order[:count], dtype=np.int64))


def features(space: Space, fit_rows: np.ndarray) -> np.ndarray:
    """Each paper's dense, L2-normalized feature vector: the only read of the shared vector space.

    The SVD is fitted on ``fit_rows`` (the landmarks), then every row is projected on it: a sparse
    product, linear in the corpus.
    """
    matrix = space.rows()  # TF-IDF and semantic parts, weighted: a dot product is the related-papers score
    n, n_terms = matrix.shape
    dimensions = max(1, min(DIMENSIONS, n_terms - 1, len(fit_rows) - 1))
    if n_terms < 2 or len(fit_rows) < 3:
        return np.zeros((n, 2))
    svd = TruncatedSVD(n_components=dimensions, algorithm="randomized", n_iter=5, random_state=SEED)
    svd.fit(matrix[fit_rows])
    vectors: np.ndarray = normalize(np.asarray(svd.transform(matrix), dtype=np.float64))
    return vectors


def _tsne(vectors: np.ndarray) -> np.ndarray:
    from openTSNE import TSNE  # imported here: only builds with a map need it

    n = vectors.shape[0]
    if n < 4:
        return np.column_stack([np.arange(n, dtype=np.float64), np.zeros(n)])
    embedding = TSNE(
        perplexity=min(PERPLEXITY, max(1.0, (n - 1) / 3)),
        metric="cosine",
        neighbors="exact",
        negative_gradient_method="bh",
        early_exaggeration_iter=EXAGGERATED_ITERATIONS,
        n_iter=ITERATIONS,
        initialization="pca",
        n_jobs=1,
        random_state=SEED,
    ).fit(vectors)
    return np.asarray(embedding, dtype=np.float64)


def _place(vectors: np.ndarray, landmarks: np.ndarray, positions: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of ``rows``: the similarity-weighted mean of their nearest landmarks' positions."""
    out = np.empty((len(rows), 2))
    marks = vectors[landmarks]
    k = min(NEIGHBOURS, len(landmarks))
    for start in range(0, len(rows), BLOCK):
        block = rows[start : start + BLOCK]
        sims = vectors[block] @ marks.T
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < len(landmarks) else None
        if nearest is None:
            nearest = np.broadcast_to(np.arange(len(landmarks)), sims.shape)
        weights = np.take_along_axis(sims, nearest, axis=1)
        weights = np.exp((weights - weights.max(axis=1, keepdims=True)) * 10.0)
        weights /= weights.sum(axis=1, keepdims=True)
        out[start : start + len(block)] = np.einsum("rk,rkd->rd", weights, positions[nearest])
    return out


def _scaled(xy: np.ndarray) -> np.ndarray:
    """Into [0, 1] on both axes, keeping the aspect ratio (the longer side spans [0, 1])."""
    if not len(xy):
        return xy
    low, high = xy.min(axis=0), xy.max(axis=0)
    extent = float((high - low).max()) or 1.0
    centred = (xy - (low + high) / 2) / extent + 0.5
    clipped: np.ndarray = np.clip(centred, 0.0, 1.0)
    return clipped


def layout(ids: Sequence[str], space: Space) -> Layout:
    """The map's position of every paper, by id (``ids``: the rows of ``space``, in the same order)."""
    n = len(ids)
    if n == 0:
        return Layout(np.zeros((0, 2)), 0)
    landmarks = landmark_rows(ids)
    vectors = features(space, landmarks)
    positions = np.empty((n, 2))
    positions[landmarks] = _tsne(vectors[landmarks])
    rest = np.setdiff1d(np.arange(n), landmarks, assume_unique=True)
    if len(rest):
        positions[rest] = _place(vectors, landmarks, positions[landmarks], rest)
        span = float((positions.max(axis=0) - positions.min(axis=0)).max()) or 1.0
        hashes = np.array([_id_hash(ids[i]) for i in rest.tolist()], dtype=np.uint64)
        angle = (hashes % 3600).astype(np.float64) * (2 * np.pi / 3600)
        radius = ((hashes // 3600) % 1000).astype(np.float64) / 1000 * JITTER * span
        positions[rest] += np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    return Layout(np.round(_scaled(positions), DECIMALS), len(landmarks))
