"""Semantic paper vectors: static word embeddings, mean-pooled per paper, cached by content hash.

The encoder is WordLlama's ``l2_supercat`` model at 256 dimensions: one vector per token of the
LLaMA 2 vocabulary (32,000 tokens), trained from the token embeddings of several LLaMA-2-vocabulary
LLMs. Its two files, the weights (16 MB, safetensors) and the tokenizer (JSON), ship inside the
pinned ``wordllama`` wheel: nothing is downloaded at build or run time, and the weights' SHA-256 is
checked on load (:data:`WEIGHTS_SHA256`). A paper's vector is the mean of its tokens' vectors (title
and abstract): a sparse count matrix times the table, about 100x cheaper than running a transformer.
The tokenizer never merges across a space, so each distinct word of the corpus is tokenized once and
a text's token counts are summed from its words' (:meth:`StaticModel.encode`).
``benchmarks/eval_related.py`` measured the choice against MiniLM and the lexical baselines.

Vectors are cached in ``cache_dir`` (``.cache/paper-atlas/`` by default, the folder CI restores)
keyed by the SHA-256 of the encoded text and the model, so a rebuild encodes only new papers. The
cache holds raw (not yet normalized) vectors; :func:`paper_vectors` normalizes them. A vector does
not depend on the other papers nor on the batch it was encoded in, so cached and fresh vectors are
the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from generator.model import Paper

MODEL = "wordllama-l2_supercat-256"
WEIGHTS = "weights/l2_supercat_256.safetensors"  # inside the wordllama package
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
WEIGHTS_SHA256 = "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5"
DIMENSIONS = 256
CACHE_DIR = Path(".cache/paper-atlas")
CACHE_ENV = "PAPER_ATLAS_CACHE"  # another cache folder; "off" for none
CENTRE_PRIOR = 50  # below this many papers the mean direction removed is scaled by n / CENTRE_PRIOR
ENCODE_BATCH = 4096  # texts split (or words tokenized) at once: bounds the lists held in memory


class WeightsError(RuntimeError):
    """The packaged weights are missing or are not the ones this module was measured with."""


# The tokenizer's normalizer turns every space into "\u2581" and prepends one to the text, and no
# token of its vocabulary holds "\u2581" after another character: a text's tokens are the tokens of
# its words (a run of spaces and what follows up to the next space) one after the other. Each word
# but the first is written without its first space, which the normalizer puts back.
_WORD = re.compile("[ \u2581]([ \u2581]*[^ \u2581]*)")


@dataclass(frozen=True)
class StaticModel:
    """A token table and its tokenizer."""

    table: np.ndarray  # (tokens, DIMENSIONS) float32
    tokenizer: object  # tokenizers.Tokenizer
    specials: tuple[str, ...] = ()  # added tokens (``<s>``...), matched in the raw text

    def words(self, text: str) -> list[str]:
        """Pieces of ``text`` whose tokens, one piece after the other, are the text's tokens.

        A text that ends in a space, or holds an added token (the tokenizer splits those out before
        normalizing, and prepends to each part), is one piece: the rule above does not hold there.
        """
        if text.endswith((" ", "\u2581")) or any(special in text for special in self.specials):
            return [text]
        return _WORD.findall(" " + text)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Raw vectors of ``texts``: the mean of each text's token vectors (zeros for no token).

        Each distinct word is tokenized once (:meth:`words`): a text's token counts are the sum of
        its words' token counts, a sparse (texts x words) times (words x tokens) product, then
        (texts x tokens) times the table. The counts are exact small integers, so the vectors are
        the same numbers as tokenizing each text whole.
        """
        index: dict[str, int] = {}
        batches: list[tuple[int, np.ndarray, np.ndarray]] = []
        for start in range(0, len(texts), ENCODE_BATCH):
            pieces = [self.words(t) for t in texts[start : start + ENCODE_BATCH]]
            lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            every = list(chain.from_iterable(pieces))
            for word in dict.fromkeys(every):
                index.setdefault(word, len(index))
            columns = np.fromiter(map(index.__getitem__, every), dtype=np.int64, count=len(every))
            batches.append((start, np.concatenate([[0], np.cumsum(lengths)]), columns))
        word_tokens = self._word_tokens(list(index))
        vectors = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for start, indptr, columns in batches:
            words = sp.csr_matrix(
                (np.ones(len(columns), dtype=np.float32), columns, indptr),
                shape=(len(indptr) - 1, len(index)),
            )
            counts = (words @ word_tokens).tocsr()
            counts.sum_duplicates()  # sorted columns: each row is summed in the same order every time
            counts.sort_indices()
            tokens = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
            sums = np.asarray(counts @ self.table, dtype=np.float32)
            vectors[start : start + counts.shape[0]] = sums / np.maximum(tokens, 1)[:, None]
        return vectors

    def _word_tokens(self, words: list[str]) -> sp.csr_matrix:
        """(words x tokens) counts of each word's tokens."""
        ids: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        for start in range(0, len(words), ENCODE_BATCH):
            encoded = self.tokenizer.encode_batch(  # type: ignore[attr-defined]
                words[start : start + ENCODE_BATCH], add_special_tokens=False
            )
            sizes = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
            flat = (t for e in encoded for t in e.ids)
            ids.append(np.fromiter(flat, dtype=np.int64, count=int(sizes.sum())))
            lengths.append(sizes)
        every = np.concatenate([np.zeros(0, np.int64), *ids])
        indptr = np.concatenate([[0], np.cumsum(np.concatenate([np.zeros(0, np.int64), *lengths]))])
        return sp.csr_matrix(
            (np.ones(len(every), dtype=np.float32), every, indptr), shape=(len(words), len(self.table))
        )


def _package_file(name: str) -> Path:
    try:
        return Path(str(resources.files("wordllama").joinpath(name)))
    except ModuleNotFoundError as exc:  # pragma: no cover - the package is a pinned dependency
        raise WeightsError("the wordllama package is not installed (see requirements.txt)") from exc


@lru_cache(maxsize=1)
def load_model() -> StaticModel:
    """The packaged model, its weights checked against :data:`WEIGHTS_SHA256` (loaded once)."""
    from safetensors.numpy import load as load_safetensors
    from tokenizers import Tokenizer

    weights_path, tokenizer_path = _package_file(WEIGHTS), _package_file(TOKENIZER)
    try:
        data = weights_path.read_bytes()
        config = tokenizer_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WeightsError(f"cannot read the packaged model: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise WeightsError(f"{weights_path}: SHA-256 {digest}, expected {WEIGHTS_SHA256}")
    tensors = load_safetensors(data)
    table = np.ascontiguousarray(tensors["embedding.weight"], dtype=np.float32)
    tokenizer = Tokenizer.from_str(json.dumps(json.loads(config)))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    specials = tuple(sorted(t.content for t in tokenizer.get_added_tokens_decoder().values()))
    return StaticModel(table, tokenizer, specials)


def paper_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


def content_key(text: str) -> bytes:
    """16 bytes of the SHA-256 of the model name and the text: the cache key of one vector."""
    return hashlib.sha256(f"{MODEL}\0{text}".encode()).digest()[:16]


def cache_dir_from_env(default: Path | None = CACHE_DIR) -> Path | None:
    """``$PAPER_ATLAS_CACHE`` if set (``off``: no cache), else ``default``."""
    value = os.environ.get(CACHE_ENV)
    if value is None:
        return default
    return None if value.strip().lower() in {"", "off", "0", "none"} else Path(value)


@dataclass
class VectorCache:
    """Raw vectors by content key, in one ``.npz`` file per model under ``folder``.

    ``hits`` and ``misses`` count the vectors of the last :meth:`vectors` call found and encoded.
    """

    folder: Path | None
    hits: int = 0
    misses: int = 0

    @property
    def path(self) -> Path | None:
        return self.folder / f"vectors-{MODEL}.npz" if self.folder is not None else None

    def _load(self) -> dict[bytes, np.ndarray]:
        path = self.path
        if path is None or not path.is_file():
            return {}
        try:
            with np.load(path) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except (OSError, ValueError, KeyError):
            return {}  # a damaged or foreign file is ignored, then replaced
        if keys.ndim != 2 or keys.shape[1] != 16 or vectors.shape != (len(keys), DIMENSIONS):
            return {}
        return {bytes(k): v for k, v in zip(keys, vectors, strict=True)}

    def _save(self, keys: list[bytes], vectors: np.ndarray) -> None:
        path = self.path
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vectors-", suffix=".npz")
            with os.fdopen(handle, "wb") as out:
                key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 16)
                np.savez(out, keys=key_array, vectors=vectors)
            os.replace(temporary, path)
        except OSError:
            return  # a read-only folder only costs the next build the encoding

    def vectors(self, texts: Sequence[str], model: StaticModel | None = None) -> np.ndarray:
        """Raw vectors of ``texts``: cached ones read, the others encoded, the file rewritten to
        hold exactly these texts' vectors (so it never outgrows the corpus)."""
        keys = [content_key(t) for t in texts]
        known = self._load()
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        missing = [i for i, k in enumerate(keys) if k not in known]
        for i, k in enumerate(keys):
            if k in known:
                result[i] = known[k]
        if missing:
            encoded = (model or load_model()).encode([texts[i] for i in missing])
            result[missing] = encoded
        self.hits, self.misses = len(texts) - len(missing), len(missing)
        if missing or len(known) != len(set(keys)):
            unique = dict(zip(keys, range(len(keys)), strict=True))
            order = sorted(unique)  # the file's bytes depend only on the set of texts
            self._save(order, result[[unique[k] for k in order]])
        return result


def paper_vectors(papers: Sequence[Paper], cache: VectorCache | None = None) -> np.ndarray:
    """One semantic vector per paper, rows L2-normalized and then centred: the corpus's mean
    direction (what every abstract shares) is removed and the rows normalized again.

    Raw mean-pooled static vectors all lean towards one common direction; removing it raised
    precision at 5 on the relevance proxy from 0.680 to 0.697 (``benchmarks/eval_related.py``).
    A handful of papers says little about that direction (two papers centred on their own mean
    point in opposite directions), so below ``CENTRE_PRIOR`` papers only part of it is removed.
    """
    return paper_vectors_and_centre(papers, cache)[0]


def paper_vectors_and_centre(
    papers: Sequence[Paper], cache: VectorCache | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`paper_vectors` and the direction removed from them (:func:`centred` places any other
    text, such as a tag's description, in the same space)."""
    if not papers:
        return np.zeros((0, DIMENSIONS), dtype=np.float32), np.zeros(DIMENSIONS, dtype=np.float32)
    texts = [paper_text(p) for p in papers]
    raw = (cache or VectorCache(None)).vectors(texts)
    unit = _normalized(raw.astype(np.float64))
    centre = unit.sum(axis=0) / max(len(unit), CENTRE_PRIOR)
    return _normalized(unit - centre).astype(np.float32), centre.astype(np.float32)


def centred(raw: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Raw vectors (of :meth:`StaticModel.encode`) as unit rows of the papers' space, whose removed
    direction is ``centre`` (:func:`paper_vectors_and_centre`)."""
    unit = _normalized(raw.astype(np.float64))
    return _normalized(unit - centre.astype(np.float64)).astype(np.float32)


def _normalized(rows: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    return rows / np.where(norms > 0, norms, 1.0)[:, None]
