"""Semantic vectors: the packaged static model, its determinism, and the content-hash cache."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.enrich import embed
from generator.ingest.corpus import load_corpus
from generator.model import Paper

from .conftest import ATLAS_CORPUS, FIXTURES


@pytest.fixture(scope="module")
def papers() -> tuple[Paper, ...]:
    return load_corpus(ATLAS_CORPUS).papers


def test_model_ships_in_the_package_and_is_hash_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    model = embed.load_model()
    assert model.table.shape == (32_000, embed.DIMENSIONS) and model.table.dtype == np.float32
    embed.load_model.cache_clear()
    monkeypatch.setattr(embed, "WEIGHTS_SHA256", "0" * 64)
    try:
        with pytest.raises(embed.WeightsError, match="SHA-256"):
            embed.load_model()
    finally:
        embed.load_model.cache_clear()


def test_a_vector_does_not_depend_on_its_batch(
    papers: tuple[Paper, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = embed.load_model()
    texts = [embed.paper_text(p) for p in papers[:40]]
    together = model.encode(texts)
    monkeypatch.setattr(embed, "ENCODE_BATCH", 7)
    assert together.tobytes() == model.encode(texts).tobytes()
    assert together[5].tobytes() == model.encode([texts[5]])[0].tobytes()
    assert not model.encode([""]).any()  # no token: a zero vector, not NaN


def _whole_text_vectors(model: embed.StaticModel, texts: list[str]) -> np.ndarray:
    """The reference: every text tokenized whole, its token counts times the table, over its length."""
    encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)  # type: ignore[attr-defined]
    lengths = np.array([len(e.ids) for e in encoded], dtype=np.int64)
    ids = np.array([t for e in encoded for t in e.ids], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    counts = sp.csr_matrix((np.ones(len(ids), np.float32), ids, indptr), shape=(len(texts), len(model.table)))
    counts.sum_duplicates()
    sums = np.asarray(counts @ model.table, dtype=np.float32)
    return sums / np.maximum(lengths, 1)[:, None].astype(np.float32)


AWKWARD = [
    "",
    " ",
    "a ",
    "a  ",
    "\u2581",
    "a\u2581 b",
    "  lead  and  double  spaces",
    "x <s> y",
    "x<s> y</s>",
    "<unk>",
    "tab\there\nnew line\n",
    "\n\nx",
    "ünï  cödé 日本語 😀 e\u0301 x",
]


PIECES = (" ", "  ", "\u2581", "\n", "\t", "a", "Net", "ing", "<s>", "</s>", "<unk>", "ü", "日", "😀", ".")


def test_words_tokenized_once_give_the_vectors_of_whole_texts(papers: tuple[Paper, ...]) -> None:
    model = embed.load_model()
    texts = [embed.paper_text(p) for p in papers] + AWKWARD
    assert model.encode(texts).tobytes() == _whole_text_vectors(model, texts).tobytes()
    words = model.words(embed.paper_text(papers[0]))
    assert len(words) > 20 and "".join(words).replace(" ", "") == embed.paper_text(papers[0]).replace(" ", "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=16), min_size=1, max_size=6))
def test_words_tokenized_once_match_whole_texts_on_any_text(pieces: list[list[str]]) -> None:
    model = embed.load_model()
    texts = ["".join(p) for p in pieces]
    assert model.encode(texts).tobytes() == _whole_text_vectors(model, texts).tobytes()


def test_paper_vectors_are_unit_rows_and_related_meaning_is_closer(papers: tuple[Paper, ...]) -> None:
    vectors = embed.paper_vectors(papers)
    assert vectors.shape == (len(papers), embed.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    robotics = load_corpus(FIXTURES / "new_topics").papers
    both = embed.paper_vectors([*papers, *robotics])
    own = both[len(papers) :]
    # papers of the new topics are closer to each other than to the committed corpus, on average
    assert (own @ own.T).mean() > (own @ both[: len(papers)].T).mean() + 0.1


def test_cache_encodes_only_new_papers(
    papers: tuple[Paper, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = embed.paper_vectors(papers)
    cache = embed.VectorCache(tmp_path / "cache")
    first = embed.paper_vectors(papers[:300], cache)
    assert (cache.hits, cache.misses) == (0, 300)
    assert cache.path is not None and cache.path.is_file()
    encoded: list[int] = []
    real = embed.StaticModel.encode

    def counting(self: embed.StaticModel, texts: list[str]) -> np.ndarray:
        encoded.append(len(texts))
        return real(self, texts)

    monkeypatch.setattr(embed.StaticModel, "encode", counting)
    again = embed.paper_vectors(papers, embed.VectorCache(tmp_path / "cache"))
    assert encoded == [len(papers) - 300]  # a rebuild encodes only the new papers
    assert again.tobytes() == fresh.tobytes()  # cached and fresh vectors are the same numbers
    assert first.shape == (300, embed.DIMENSIONS)
    cache = embed.VectorCache(tmp_path / "cache")
    embed.paper_vectors(papers, cache)
    assert (cache.hits, cache.misses) == (len(papers), 0) and encoded == [len(papers) - 300]
    # an edited abstract is a new text
    edited = [dataclasses.replace(papers[0], abstract=papers[0].abstract + " Revised."), *papers[1:]]
    embed.paper_vectors(edited, cache)
    assert (cache.hits, cache.misses) == (len(papers) - 1, 1)


def test_a_damaged_cache_is_ignored_and_replaced(papers: tuple[Paper, ...], tmp_path: Path) -> None:
    cache = embed.VectorCache(tmp_path)
    assert cache.path is not None
    cache.path.write_bytes(b"not an npz file")
    vectors = embed.paper_vectors(papers[:20], cache)
    assert cache.misses == 20 and vectors.tobytes() == embed.paper_vectors(papers[:20]).tobytes()
    embed.paper_vectors(papers[:20], cache)
    assert cache.hits == 20


def test_cache_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(embed.CACHE_ENV, raising=False)
    assert embed.cache_dir_from_env() == embed.CACHE_DIR
    monkeypatch.setenv(embed.CACHE_ENV, "off")
    assert embed.cache_dir_from_env() is None
    monkeypatch.setenv(embed.CACHE_ENV, str(tmp_path))
    assert embed.cache_dir_from_env() == tmp_path
