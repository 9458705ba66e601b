"""Related papers: the blocked, vectorized top-k against a brute-force reference; paths and knobs."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from benchmarks.synth import write_corpus
from generator import parallel
from generator.enrich import related as links
from generator.enrich.tagging import tag_papers
from generator.enrich.taxonomy import load_taxonomy
from generator.ingest.corpus import ListingCache, load_corpus
from generator.model import Paper

from .conftest import ROOT

K = links.RELATED_COUNT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Paper, ...], dict[str, tuple[str, ...]]]:
    out = tmp_path_factory.mktemp("links")
    write_corpus(out, 400, seed=3)
    papers = load_corpus(out, ListingCache()).papers
    taxonomy, _ = load_taxonomy(ROOT / "taxonomy.yml")
    return papers, tag_papers(taxonomy, papers)


def reference_terms(papers: tuple[Paper, ...], i: int, j: int) -> tuple[str, ...]:
    """The shared terms of one pair, computed the slow, obvious way."""
    space = links.vectorize(papers)
    tfidf, vocab = space.matrix, space.vocab
    a, b = tfidf.getrow(i), tfidf.getrow(j)
    both = a.multiply(b).tocoo()
    order = sorted(
        zip(both.data, both.col, strict=True), key=lambda dc: (-round(float(dc[0]), 6), str(vocab[dc[1]]))
    )
    return tuple(str(vocab[c]) for _, c in order[: links.REASON_TERMS])


def test_related_is_the_top_k_of_a_brute_force_product(corpus: tuple[tuple[Paper, ...], dict]) -> None:
    papers, tags = corpus
    related = links.related_papers(papers, tags)
    tfidf = links.vectorize(papers).matrix
    full = (tfidf @ tfidf.T).toarray().astype(np.float64)
    np.fill_diagonal(full, -np.inf)
    index = {p.id: i for i, p in enumerate(papers)}
    checked = 0
    for i, p in enumerate(papers):
        found = related[p.id]
        row = full[i]
        kth = np.sort(row)[-K]  # the k-th best score: nothing returned may be clearly worse
        assert len(found) == min(K, int((row > 0).sum()))
        assert len({r.id for r in found}) == len(found) and p.id not in {r.id for r in found}
        scores = [r.score for r in found]
        assert scores == sorted(scores, reverse=True)
        for r in found:
            j = index[r.id]
            assert abs(r.score - row[j]) <= 1e-4
            assert row[j] >= kth - 1e-4
            assert r.shared_tags == tuple(t for t in tags[p.id] if t in tags[r.id])
            if checked < 200:
                assert r.shared_terms == reference_terms(papers, i, j)
                checked += 1
    assert checked == 200


def test_blocks_and_group_scan_do_not_change_the_result(
    corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    papers, tags = corpus
    expected = links.related_papers(papers, tags)
    monkeypatch.setattr(links, "BLOCK_CELLS", 7 * len(papers))  # blocks of 7 rows
    monkeypatch.setattr(links, "GROUP", 4)  # the group scan on every block
    monkeypatch.setattr(links, "PAIR_CHUNK", 13)
    assert links.related_papers(papers, tags) == expected
    monkeypatch.setattr(links, "GROUP", 10**6)  # never the group scan
    monkeypatch.setattr(links, "DENSE_TERMS", 3)  # almost every term sparse
    assert links.related_papers(papers, tags) == expected


def test_ties_go_to_the_smaller_id() -> None:
    half = 0.5**0.5
    tfidf = sp.csr_matrix(
        np.array(
            [
                [1, 0, 0, 0, 0],
                [half, half, 0, 0, 0],
                [half, 0, half, 0, 0],
                [half, 0, 0, half, 0],
                [0, 0, 0, 0, 1],
            ],
            dtype=np.float32,
        )
    )
    id_rank = np.array([0, 3, 1, 2, 4])
    candidates = np.array([[1, 2, 3, 4], [0, 2, -1, -1], [0, 1, 3, 4], [0, 1, 2, 4], [0, 1, 2, 3]])
    papers, scores = links._rank(tfidf, candidates, 3, id_rank)
    assert papers[0].tolist() == [2, 3, 1] and scores[0].tolist() == [0.7071] * 3
    assert papers[1].tolist() == [0, 2, -1]  # paper 4 shares no term: never related
    assert papers[4].tolist() == [-1, -1, -1]


def test_best_columns() -> None:
    block = np.array([[9, 1, 5, 7, 3, 8], [1, 2, 3, 4, 5, 6]], dtype=np.float32)
    best = links._best_columns(block.copy(), np.array([0, 5]), 2)
    assert [sorted(r) for r in best.tolist()] == [[3, 5], [3, 4]]
    everything = links._best_columns(block.copy(), np.array([0, 5]), 6)
    assert everything.tolist() == [[-1, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, -1]]


def test_lsa_path(corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch) -> None:
    papers, tags = corpus
    monkeypatch.setattr(links, "EXACT_LIMIT", 10)
    monkeypatch.setattr(links, "LSA_DIMENSIONS", 32)
    first = links.related_papers(papers, tags)
    assert first == links.related_papers(papers, tags)  # deterministic
    assert all(len(r) == K for r in first.values())
    exact = links.related_papers(papers[:30], tags)
    monkeypatch.setattr(links, "LSA_DIMENSIONS", 10_000)  # more than there are terms: clamped
    assert set(links.related_papers(papers[:30], tags)) == set(exact)


def test_tiny_corpora(tmp_path: Path) -> None:
    assert links.related_papers([], {}) == {}
    corpus = tmp_path / "c"
    write_corpus(corpus, 2, seed=1)
    papers = load_corpus(corpus, ListingCache()).papers
    related = links.related_papers(papers, {})
    assert {len(r) for r in related.values()} <= {0, 1}


def test_related_in_a_second_process_are_the_same(
    corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    papers, tags = corpus
    monkeypatch.setattr(parallel, "MIN_SIZE", 10)
    assert parallel.available(len(papers)) == sys.platform.startswith("linux")
    wait = parallel.call_in_background(lambda: links.nearest(papers), len(papers))
    assert links.related_from(wait(), papers, tags) == links.related_papers(papers, tags)
