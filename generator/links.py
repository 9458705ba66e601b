"""Cross-links between papers: related papers (text similarity) and mentions (names in abstracts).

Both grow about linearly with the corpus:

* related papers are the top-k cosine neighbours of TF-IDF vectors, computed a block of
  rows at a time (never an all-pairs matrix in memory). Up to ``EXACT_LIMIT`` papers the
  vectors are the sparse TF-IDF rows themselves; above it they are projected onto
  ``LSA_DIMENSIONS`` latent dimensions (truncated SVD), which keeps each block a dense
  BLAS product. Scores are rounded before ranking and ties go to the smaller id, so the
  result is deterministic;
* mentions are found by two Aho-Corasick automata (pyahocorasick) built once over every
  title: one over folded titles, one over distinctive names such as ``TensorNet``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ahocorasick
import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from .model import Paper
from .records import fold_title

RELATED_COUNT = 5
EXACT_LIMIT = 20_000
LSA_DIMENSIONS = 192
BLOCK_CELLS = 8_000_000  # rows per block x papers: bounds the dense block in memory
REASON_TERMS = 3
MIN_FULL_TITLE_WORDS = 3
MAX_NAME_WORDS = 3

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


@dataclass(frozen=True)
class Related:
    id: str
    score: float
    shared_tags: tuple[str, ...]
    shared_terms: tuple[str, ...]


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
    return matrix, vectorizer.get_feature_names_out()


def _top_k(block: np.ndarray, first_row: int, k: int, ids: Sequence[str]) -> list[list[tuple[int, float]]]:
    """Per row of a block of similarities: the k best other columns, by (-rounded score, id)."""
    rows: list[list[tuple[int, float]]] = []
    n = block.shape[1]
    take = min(n, k + 1 + 8)  # a margin so that ties around the k-th place resolve by id
    for r in range(block.shape[0]):
        row = block[r]
        row[first_row + r] = -np.inf  # never related to itself
        candidates = np.argpartition(-row, take - 1)[:take] if take < n else np.arange(n)
        ranked = sorted(
            ((int(c), round(float(row[c]), 4)) for c in candidates if row[c] > 0),
            key=lambda cs: (-cs[1], ids[cs[0]]),
        )
        rows.append(ranked[:k])
    return rows


def related_papers(
    papers: Sequence[Paper], tags: Mapping[str, tuple[str, ...]], k: int = RELATED_COUNT
) -> dict[str, tuple[Related, ...]]:
    """The k most similar papers of each paper, each with its reasons."""
    if len(papers) < 2:
        return {p.id: () for p in papers}
    ids = [p.id for p in papers]
    tfidf, vocab = _vectorize(papers)
    if len(papers) <= EXACT_LIMIT:
        vectors: sp.csr_matrix | np.ndarray = tfidf
    else:
        svd = TruncatedSVD(n_components=LSA_DIMENSIONS, random_state=0, algorithm="randomized")
        vectors = normalize(svd.fit_transform(tfidf)).astype(np.float32)
    block_rows = max(1, BLOCK_CELLS // len(papers))
    result: dict[str, tuple[Related, ...]] = {}
    transposed = vectors.T
    if isinstance(transposed, sp.spmatrix):
        transposed = transposed.tocsc()
    for start in range(0, len(papers), block_rows):
        stop = min(start + block_rows, len(papers))
        product = vectors[start:stop] @ transposed
        block = product.toarray() if sp.issparse(product) else np.asarray(product)
        for offset, neighbours in enumerate(_top_k(block, start, k, ids)):
            i = start + offset
            result[ids[i]] = tuple(
                Related(
                    id=ids[j],
                    score=score,
                    shared_tags=tuple(t for t in tags.get(ids[i], ()) if t in tags.get(ids[j], ())),
                    shared_terms=_shared_terms(tfidf, vocab, i, j),
                )
                for j, score in neighbours
            )
    return result


def _shared_terms(tfidf: sp.csr_matrix, vocab: np.ndarray, i: int, j: int) -> tuple[str, ...]:
    a, b = tfidf.getrow(i), tfidf.getrow(j)
    both = a.multiply(b).tocoo()
    order = sorted(
        zip(both.data, both.col, strict=True), key=lambda dc: (-round(float(dc[0]), 6), vocab[dc[1]])
    )
    return tuple(str(vocab[c]) for _, c in order[:REASON_TERMS])


# -- mentions ---------------------------------------------------------------------------


def distinctive_name(title: str, vocabulary: frozenset[str]) -> str | None:
    """The short name before a title's colon, if it is distinctive enough to link on.

    ``TensorNet: Cartesian ...`` gives ``TensorNet``; ``Hopular: ...`` gives ``Hopular``
    (no ordinary lowercase word "hopular" occurs in the corpus); ``Stop Regressing: ...``
    gives nothing (ordinary words).
    """
    head, colon, _ = title.partition(":")
    head = head.strip()
    if not colon or not head or len(head) < 3 or len(head.split()) > MAX_NAME_WORDS:
        return None
    words = head.split()
    coined = any(any(ch.isupper() for ch in w[1:]) or any(ch.isdigit() for ch in w) for w in words)
    unheard = len(words) == 1 and head.lower() not in vocabulary and head.isalpha()
    return head if coined or unheard else None


def _lowercase_vocabulary(papers: Sequence[Paper]) -> frozenset[str]:
    """Words written in lowercase somewhere in the corpus: ordinary words, not coined names."""
    words: set[str] = set()
    for p in papers:
        words.update(w for w in _WORD.findall(p.abstract) if w.islower())
        words.update(w for w in _WORD.findall(p.title) if w.islower())
    return frozenset(words)


def _folded_padded(text: str) -> str:
    return f" {fold_title(text)} "


def mentions(papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
    """For each paper, the ids of the other papers its abstract names, sorted by id."""
    vocabulary = _lowercase_vocabulary(papers)
    by_title = ahocorasick.Automaton()
    by_name = ahocorasick.Automaton()
    name_owners: dict[str, list[str]] = {}
    for p in papers:
        folded = fold_title(p.title)
        if len(folded.split()) >= MIN_FULL_TITLE_WORDS:
            key = f" {folded} "
            owners = by_title.get(key, ()) if by_title.exists(key) else ()
            by_title.add_word(key, (*owners, p.id))
        name = distinctive_name(p.title, vocabulary)
        if name:
            name_owners.setdefault(name, []).append(p.id)
    for name, owners in name_owners.items():
        if len(owners) == 1:  # a name shared by two papers is ambiguous: full titles only
            by_name.add_word(name, (owners[0], len(name)))
    found: dict[str, set[str]] = {p.id: set() for p in papers}
    if len(by_title):
        by_title.make_automaton()
        for p in papers:
            for _, owners in by_title.iter(_folded_padded(p.abstract)):
                found[p.id].update(o for o in owners if o != p.id)
    if len(by_name):
        by_name.make_automaton()
        for p in papers:
            text = p.abstract
            for end, (owner, name_len) in by_name.iter(text):
                if owner == p.id:
                    continue
                begin = end - name_len + 1
                before = text[begin - 1] if begin > 0 else " "
                after = text[end + 1] if end + 1 < len(text) else " "
                if not (before.isalnum() or after.isalnum()):
                    found[p.id].add(owner)
    return {pid: tuple(sorted(ids)) for pid, ids in found.items()}


def backlinks(outgoing: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Reverse a link map: who mentions each paper, sorted by id."""
    incoming: dict[str, list[str]] = {pid: [] for pid in outgoing}
    for source, targets in outgoing.items():
        for target in targets:
            incoming.setdefault(target, []).append(source)
    return {pid: tuple(sorted(sources)) for pid, sources in incoming.items()}
