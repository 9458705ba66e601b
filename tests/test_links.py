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
from generator.enrich.vectors import LEXICAL_WEIGHT, Space, vectorize
from generator.ingest.corpus import ListingCache, load_corpus
from generator.model import Paper

from .conftest import ATLAS_CORPUS, ROOT

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
    space = vectorize(papers)
    tfidf, vocab = space.matrix, space.vocab
    a, b = tfidf.getrow(i), tfidf.getrow(j)
    both = a.multiply(b).tocoo()
    order = sorted(
        zip(both.data, both.col, strict=True), key=lambda dc: (-round(float(dc[0]), 6), str(vocab[dc[1]]))
    )
    return tuple(str(vocab[c]) for _, c in order[: links.REASON_TERMS])


def brute_force(space: Space) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's score and TF-IDF cosine, the obvious way (float64, all pairs), self at -inf."""
    lexical = (space.matrix @ space.matrix.T).toarray().astype(np.float64)
    assert space.semantic is not None
    semantic = space.semantic.astype(np.float64) @ space.semantic.astype(np.float64).T
    full = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic
    np.fill_diagonal(full, -np.inf)
    np.fill_diagonal(lexical, -np.inf)
    return full, lexical


def test_related_is_the_top_k_of_a_brute_force_product(corpus: tuple[tuple[Paper, ...], dict]) -> None:
    papers, tags = corpus
    space = vectorize(papers)
    related = links.related_papers(papers, tags, space=space)
    full, lexical = brute_force(space)
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
            # "similar in meaning" only where shared words alone would not have chosen it
            outranked = (lexical[i] > lexical[i, j] + 1e-4).sum() >= K
            assert r.similar_in_meaning == (lexical[i, j] <= 0) or (r.similar_in_meaning and outranked)
            assert r.shared_tags == tuple(t for t in tags[p.id] if t in tags[r.id])
            if checked < 200:
                assert r.shared_terms == reference_terms(papers, i, j)
                checked += 1
    assert checked == 200
    flagged = sum(r.similar_in_meaning for found in related.values() for r in found)
    assert 0 < flagged < len(papers) * K  # the semantic part decides some links, not all


def test_a_lexical_only_space_is_tfidf_cosine(corpus: tuple[tuple[Paper, ...], dict]) -> None:
    papers, tags = corpus
    space = vectorize(papers, semantic=False)
    related = links.related_papers(papers, tags, space=space)
    full = (space.matrix @ space.matrix.T).toarray().astype(np.float64)
    np.fill_diagonal(full, -np.inf)
    index = {p.id: i for i, p in enumerate(papers)}
    for i, p in enumerate(papers):
        kth = np.sort(full[i])[-K]
        for r in related[p.id]:
            assert not r.similar_in_meaning
            assert abs(r.score - full[i, index[r.id]]) <= 1e-4 and full[i, index[r.id]] >= kth - 1e-4


def test_merging_every_file_into_one_leaves_every_related_list_unchanged(tmp_path: Path) -> None:
    """Related papers read title and abstract only: never the collection (the evaluation's proxy)."""
    corpus = load_corpus(ATLAS_CORPUS)
    assert len(corpus.collections) > 1
    merged = tmp_path / "one"
    merged.mkdir()
    # one file, entries in another order, no metadata
    entries = sorted(corpus.papers, key=lambda p: p.title[::-1])
    (merged / "everything.txt").write_text("".join(f"{p.title}\n{p.abstract}\n\n" for p in entries))
    again = load_corpus(merged).papers
    assert [(p.id, p.title, p.abstract) for p in again] == [
        (p.id, p.title, p.abstract) for p in corpus.papers
    ]
    assert {c for p in again for c in p.collections} == {"everything"}
    taxonomy, _ = load_taxonomy(ROOT / "taxonomy.yml")
    before = links.related_papers(corpus.papers, tag_papers(taxonomy, corpus.papers))
    after = links.related_papers(again, tag_papers(taxonomy, again))
    assert after == before


def test_blocks_and_group_scan_do_not_change_the_result(
    corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    papers, tags = corpus
    expected = links.related_papers(papers, tags)
    monkeypatch.setattr(links, "BLOCK_CELLS", 7 * len(papers))  # blocks of 7 rows
    monkeypatch.setattr(links, "GROUP", 4)  # the group scan on every block
    monkeypatch.setattr(links, "PAIR_CHUNK", 13)
    assert links.related_papers(papers, tags) == expected
    monkeypatch.setattr(links, "GROUP", 1)  # never the group scan
    monkeypatch.setattr(links, "DENSE_TERMS", 3)  # almost every term sparse
    assert links.related_papers(papers, tags) == expected


def test_exact_candidates_are_the_brute_force_top_whatever_the_tiles(
    corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pair of tiles is scored once: a tile gives candidates to its rows and, transposed, to
    its columns' rows; offers merge into each row's best as they come or in batches."""
    papers, _ = corpus
    space = vectorize(papers)
    full, _ = brute_force(space)
    take = 12
    for cells, pending in ((1, 4), (49, 0), (49, 4), (4096, 100), (len(papers) ** 2, 4)):
        monkeypatch.setattr(links, "BLOCK_CELLS", cells)
        monkeypatch.setattr(links, "PENDING", pending)
        found = links._exact_candidates(space, take)
        assert found.shape == (len(papers), take) and (found >= 0).all()
        for i, row in enumerate(found.tolist()):
            assert i not in row and len(set(row)) == take
            kth = np.sort(full[i])[-take]
            assert (full[i, row] >= kth - 1e-5).all()  # nothing clearly worse than the take-th best


def test_symmetric_top_on_random_vectors_with_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    dense = rng.integers(-2, 3, size=(53, 4)).astype(np.float32)  # many equal scores
    full = dense.astype(np.float64) @ dense.T.astype(np.float64)
    np.fill_diagonal(full, -np.inf)
    for cells in (1, 16, 100, 53 * 53):
        monkeypatch.setattr(links, "BLOCK_CELLS", cells)
        found = links._symmetric_top(dense, None, 5)
        for i, row in enumerate(found.tolist()):
            assert len(set(row)) == 5 and i not in row
            assert sorted(full[i, row].tolist()) == sorted(full[i])[-5:]  # the best scores, ties aside
    few = links._symmetric_top(dense[:3], None, 5)  # fewer rows than asked for: -1 past the others
    assert [sorted(row) for row in few.tolist()] == [[-1, 1, 2], [-1, 0, 2], [-1, 0, 1]]


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
    papers, scores, _ = links._rank(Space(tfidf, np.array(list("abcde"))), candidates, 3, id_rank)
    assert papers[0].tolist() == [2, 3, 1] and scores[0].tolist() == [0.7071] * 3
    assert papers[1].tolist() == [0, 2, -1]  # paper 4 shares no term: never related
    assert papers[4].tolist() == [-1, -1, -1]


def test_best_columns() -> None:
    block = np.array([[9, 1, 5, 7, 3, 8], [1, 2, 3, 4, 5, 6]], dtype=np.float32)
    best = links._best_columns(block.copy(), np.array([0, 5]), 2)
    assert [sorted(r) for r in best.tolist()] == [[3, 5], [3, 4]]
    everything = links._best_columns(block.copy(), np.array([0, 5]), 6)
    assert everything.tolist() == [[-1, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, -1]]


def test_approximate_path_against_brute_force(
    corpus: tuple[tuple[Paper, ...], dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approximate path (dense stand-ins, then exact scores) finds the brute-force neighbours,
    ranks them alike, and is deterministic."""
    papers, tags = corpus
    space = vectorize(papers)
    exact = links.related_papers(papers, tags, space=space)
    monkeypatch.setattr(links, "EXACT_LIMIT", 10)
    monkeypatch.setattr(links, "LSA_DIMENSIONS", 32)
    monkeypatch.setattr(links, "LSA_SAMPLE", 150)  # the projection fitted on every third paper
    first = links.related_papers(papers, tags, space=space)
    assert first == links.related_papers(papers, tags, space=space)  # deterministic
    assert all(len(r) == K for r in first.values())
    found = sum(len({r.id for r in first[p]} & {r.id for r in exact[p]}) for p in exact)
    assert found / sum(map(len, exact.values())) >= 0.95  # recall at 5 against exact
    full, _ = brute_force(space)
    index = {p.id: i for i, p in enumerate(papers)}
    for i, p in enumerate(papers):
        for r in first[p.id]:
            assert abs(r.score - full[i, index[r.id]]) <= 1e-4  # exact scores whatever found them
    small = vectorize(papers[:30])
    monkeypatch.setattr(links, "LSA_DIMENSIONS", 10_000)  # more than there are terms: clamped
    assert set(links.related_papers(papers[:30], tags, space=small)) == {p.id for p in papers[:30]}


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
