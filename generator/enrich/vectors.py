"""The atlas's one vector space: every paper as a row, computed once per build.

Related papers (:mod:`generator.enrich.related`), inferred tags and automatic topics all read the
same :class:`Space`, so they agree on what "similar" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from generator.model import Paper


@dataclass(frozen=True)
class Space:
    """The atlas's paper vectors, computed once per build: one L2-normalized TF-IDF row per paper
    (in paper order) over ``vocab``. Related papers, inferred tags and automatic topics all read it."""

    matrix: sp.csr_matrix
    vocab: np.ndarray

    def __len__(self) -> int:
        return int(self.matrix.shape[0])


def vectorize(papers: Sequence[Paper]) -> Space:
    """The shared vector space of ``papers`` (see :class:`Space`)."""
    if not papers:
        return Space(sp.csr_matrix((0, 0), dtype=np.float32), np.array([], dtype=object))
    return Space(*_vectorize(papers))


def _vectorize(papers: Sequence[Paper]) -> tuple[sp.csr_matrix, np.ndarray]:
    # The title counts twice: it says what the paper is about more densely than the abstract.
    docs = [f"{p.title}\n{p.title}\n{p.abstract}" for p in papers]
    vectorizer = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS),
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
        max_df=0.5 if len(papers) > 50 else 1.0,
        dtype=np.float32,
    )
    matrix = vectorizer.fit_transform(docs).tocsr()
    matrix.sort_indices()
    return matrix, vectorizer.get_feature_names_out()
