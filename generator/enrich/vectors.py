"""The atlas's one vector space: every paper as a row, computed once per build.

Related papers (:mod:`generator.enrich.related`), inferred tags, automatic topics and the map all
read the same :class:`Space`, so they agree on what "similar" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from generator.enrich.embed import VectorCache, paper_vectors_and_centre
from generator.model import Paper
from generator.parallel import call_in_background

LEXICAL_WEIGHT = 0.4  # of a pair's score; the semantic cosine has the rest (benchmarks/eval_related.py)


@dataclass(frozen=True)
class Space:
    """The atlas's paper vectors, computed once per build, in paper order. Related papers, inferred
    tags and automatic topics (and any map of the corpus) all read it.

    ``matrix``: one L2-normalized TF-IDF row per paper over ``vocab``; ``semantic``: one unit
    vector per paper (:func:`generator.enrich.embed.paper_vectors`), or None for a lexical-only space. The
    similarity of two papers is ``lexical_weight`` times the cosine of their TF-IDF rows plus
    ``1 - lexical_weight`` times the cosine of their semantic vectors: the dot product of their
    :meth:`rows`.
    """

    matrix: sp.csr_matrix
    vocab: np.ndarray
    semantic: np.ndarray | None = None
    lexical_weight: float = LEXICAL_WEIGHT
    centre: np.ndarray | None = None
    """The direction removed from the semantic vectors (:func:`generator.enrich.embed.centred`)."""

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def weights(self) -> tuple[float, float]:
        """(lexical, semantic) weights of the score."""
        if self.semantic is None:
            return 1.0, 0.0
        return self.lexical_weight, 1.0 - self.lexical_weight

    def rows(self) -> sp.csr_matrix:
        """Each paper as one sparse row, ``[sqrt(wl) * tfidf, sqrt(ws) * semantic]``: the dot product
        of two rows is the pair's score (k-means and projections can use it as it is)."""
        lexical, semantic = self.weights
        if self.semantic is None:
            return self.matrix
        both = sp.hstack(
            [
                self.matrix * np.float32(lexical**0.5),
                sp.csr_matrix(self.semantic * np.float32(semantic**0.5)),
            ],
            format="csr",
        )
        return both.astype(np.float32)


def vectorize(
    papers: Sequence[Paper], cache: VectorCache | None = None, semantic: bool = True, background: bool = False
) -> Space:
    """The shared vector space of ``papers`` (see :class:`Space`); ``cache`` keeps semantic vectors
    between builds; ``semantic=False`` gives the TF-IDF space alone. With ``background``, the
    semantic vectors are encoded in a second process (:mod:`generator.parallel`) while this one
    computes the TF-IDF rows: the same space, sooner on two cores."""
    if not papers:
        return Space(sp.csr_matrix((0, 0), dtype=np.float32), np.array([], dtype=object))
    if not semantic:
        return Space(*_vectorize(papers))
    encoded = call_in_background(
        lambda: paper_vectors_and_centre(papers, cache), len(papers) if background else 0
    )
    matrix, vocab = _vectorize(papers)
    unit, centre = encoded()
    return Space(matrix, vocab, unit, centre=centre)


def _vectorize(papers: Sequence[Paper]) -> tuple[sp.csr_matrix, np.ndarray]:
    # The title counts twice: it says what the paper is about more densely than the abstract.
    docs = [f"{p.title}\n{p.title}\n{p.abstract}" for p in papers]
    # Terms in over half the papers say little about any one of them, but a corpus where every term
    # is that common (or where no paper has a word) still gets a space: all terms, else none.
    for max_df in (0.5, 1.0) if len(papers) > 50 else (1.0,):
        vectorizer = TfidfVectorizer(
            stop_words=sorted(ENGLISH_STOP_WORDS),
            sublinear_tf=True,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
            max_df=max_df,
            dtype=np.float32,
        )
        try:
            matrix = vectorizer.fit_transform(docs).tocsr()
        except ValueError:  # "After pruning, no terms remain", or "empty vocabulary"
            continue
        matrix.sort_indices()
        return matrix, vectorizer.get_feature_names_out()
    return sp.csr_matrix((len(papers), 0), dtype=np.float32), np.array([], dtype=object)
