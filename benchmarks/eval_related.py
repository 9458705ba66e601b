"""How good are the related papers? Precision at 5 against lexical baselines, on a relevance proxy.

``python -m benchmarks.eval_related [--corpus DIR ...] [--candidates] [--minilm]``
``python -m benchmarks.eval_related cost [--sizes 10000,100000] [--minilm-sample 64]``

The proxy: the papers found by the same topical search (the same collection, i.e. corpus file) are
a paper's relevant neighbours; a paper in several collections is relevant to every paper sharing
any of them. The related lists never see collections (a test merges every file into one and gets
the same lists), so the proxy measures them from outside. For each set of corpus folders (default:
the committed corpus, then the committed corpus with ``tests/fixtures/new_topics``) it prints
precision at 5, averaged over papers, for

* random: 5 other papers drawn with a fixed seed;
* TF-IDF: the baseline of the issue, computed in this run: sklearn ``TfidfVectorizer`` over
  title + abstract, word 1-2 grams, sublinear tf, English stop words; cosine;
* BM25: Okapi BM25 (k1 = 1.2, b = 0.75, unigrams, English stop words) of each paper's distinct
  terms as the query against every other paper;
* atlas: the related lists exactly as the build computes them (:func:`generator.enrich.related.nearest` over
  the shared vector space of :func:`generator.enrich.vectors.vectorize`);

and with ``--candidates`` the routes that were weighed (static embeddings alone, raw and centred;
hybrids at several lexical weights; with ``--minilm`` also all-MiniLM-L6-v2, from
:mod:`benchmarks.minilm`, slow). Every list is ranked by score rounded to 6 places, ties to the
smaller index: deterministic.

``cost`` times the encoders on synthetic corpora (:mod:`benchmarks.synth`): the static model over
all N papers, MiniLM over a sample (its rate extrapolated), and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from generator.enrich import embed
from generator.enrich import related as links
from generator.enrich.vectors import vectorize
from generator.ingest.corpus import load_corpus
from generator.model import Paper

from . import minilm
from .synth import REPO

K = 5
SETS: tuple[tuple[str, tuple[Path, ...]], ...] = (
    ("committed corpus", (REPO / "corpus",)),
    ("committed + new topics", (REPO / "corpus", REPO / "tests" / "fixtures" / "new_topics")),
)
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)  # lexical weight of the hybrids


def load_papers(folders: Sequence[Path]) -> tuple[Paper, ...]:
    """The papers of several corpus folders read as one corpus (each file stays a collection)."""
    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp)
        for folder in folders:
            for path in sorted(folder.glob("*.txt")):
                shutil.copyfile(path, merged / path.name)
            settings = folder / "collections.yml"
            if settings.is_file() and not (merged / "collections.yml").exists():
                shutil.copyfile(settings, merged / "collections.yml")
        return load_corpus(merged).papers


def relevance(papers: Sequence[Paper]) -> np.ndarray:
    """(n, n) booleans: the two papers share a collection."""
    names = sorted({c for p in papers for c in p.collections})
    column = {c: i for i, c in enumerate(names)}
    member = np.zeros((len(papers), len(names)), dtype=np.int32)
    for i, p in enumerate(papers):
        for c in p.collections:
            member[i, column[c]] = 1
    return np.asarray((member @ member.T) > 0)


def top_k(scores: np.ndarray, k: int = K) -> np.ndarray:
    """Each row's k best other columns by (score rounded to 6 places, descending; index)."""
    full = np.round(np.asarray(scores, dtype=np.float64), 6)
    np.fill_diagonal(full, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(full)), full.shape), -full), axis=1)
    return order[:, :k]


def precision(neighbours: np.ndarray, relevant: np.ndarray, k: int = K) -> float:
    """Mean over papers of the relevant share of the first k neighbours (-1: no neighbour, not relevant)."""
    rows = np.arange(len(neighbours))[:, None]
    found = neighbours[:, :k]
    hits = np.where(found >= 0, relevant[rows, np.maximum(found, 0)], False)
    return float(hits.sum(axis=1).mean() / k) if len(neighbours) else 0.0


def texts(papers: Sequence[Paper]) -> list[str]:
    return [f"{p.title}\n{p.abstract}" for p in papers]


def tfidf_baseline(papers: Sequence[Paper]) -> sp.csr_matrix:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    return vectorizer.fit_transform(texts(papers)).tocsr()


def bm25_scores(papers: Sequence[Paper], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    counts = CountVectorizer(stop_words="english").fit_transform(texts(papers)).tocsr().astype(np.float64)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    length = np.asarray(counts.sum(axis=1)).ravel()
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    tf = counts.data
    weighted = counts.copy()
    weighted.data = (
        idf[counts.indices] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length[rows] / length.mean()))
    )
    query = counts.copy()
    query.data[:] = 1.0
    return np.asarray((query @ weighted.T).toarray())


def random_lists(n: int, seed: int = 0) -> np.ndarray:
    rng = random.Random(seed)
    return np.array([rng.sample([j for j in range(n) if j != i], min(K, n - 1)) for i in range(n)])


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.where(norms > 0, norms, 1.0))


def _centred(rows: np.ndarray) -> np.ndarray:
    unit = _unit(rows)
    return _unit(unit - unit.mean(axis=0))


def candidate_rows(papers: Sequence[Paper], with_minilm: bool) -> list[tuple[str, np.ndarray]]:
    """(name, score matrix) of every route weighed for the related lists."""
    base = tfidf_baseline(papers)
    lexical = np.asarray((base @ base.T).toarray())
    atlas_tfidf = vectorize(papers, semantic=False).matrix
    atlas_lexical = np.asarray((atlas_tfidf @ atlas_tfidf.T).toarray())
    raw = embed.load_model().encode(texts(papers))
    static = _centred(raw) @ _centred(raw).T
    rows = [
        ("static (WordLlama l2_supercat 256), mean of tokens", _unit(raw) @ _unit(raw).T),
        ("static, centred", static),
    ]
    rows += [
        (f"hybrid: {w:.1f} TF-IDF baseline + {1 - w:.1f} static", w * lexical + (1 - w) * static)
        for w in WEIGHTS
    ]
    rows += [
        (f"hybrid: {w:.1f} atlas TF-IDF + {1 - w:.1f} static", w * atlas_lexical + (1 - w) * static)
        for w in WEIGHTS
    ]
    if with_minilm and minilm.available():
        sentence = minilm.encode(texts(papers))
        centred = _centred(sentence)
        rows += [
            ("MiniLM (all-MiniLM-L6-v2)", sentence @ sentence.T),
            ("MiniLM, centred", centred @ centred.T),
        ]
        rows += [
            (
                f"hybrid: {w:.1f} TF-IDF baseline + {1 - w:.1f} MiniLM",
                w * lexical + (1 - w) * (sentence @ sentence.T),
            )
            for w in WEIGHTS
        ]
        rows.append(
            (
                "hybrid: 0.5 TF-IDF baseline + 0.25 static + 0.25 MiniLM centred",
                0.5 * lexical + 0.25 * static + 0.25 * (centred @ centred.T),
            )
        )
    return rows


def evaluate(name: str, folders: Sequence[Path], candidates: bool, with_minilm: bool) -> None:
    papers = load_papers(folders)
    relevant = relevance(papers)
    n = len(papers)
    base_rate = (relevant.sum() - n) / max(1, n * (n - 1))
    print(f"\n## {name}: {n} papers, {len({c for p in papers for c in p.collections})} collections")
    print(f"(a random pair shares a collection with probability {base_rate:.3f})\n")
    print("| related lists by | precision at 5 | vs TF-IDF |")
    print("|---|---:|---:|")
    baseline = tfidf_baseline(papers)
    tfidf = precision(top_k(np.asarray((baseline @ baseline.T).toarray())), relevant)

    def row(label: str, value: float) -> None:
        print(f"| {label} | {value:.3f} | {value - tfidf:+.3f} |")

    row("random (seed 0)", precision(random_lists(n), relevant))
    row("TF-IDF baseline (1-2 grams, sublinear tf, English stop words)", tfidf)
    row("BM25 (k1 1.2, b 0.75)", precision(top_k(bm25_scores(papers)), relevant))
    space = vectorize(papers)
    row(
        "**atlas related lists** (the build's)",
        precision(links.nearest(papers, space=space).papers, relevant),
    )
    if candidates:
        for label, scores in candidate_rows(papers, with_minilm):
            row(label, precision(top_k(scores), relevant))


def cost(sizes: Sequence[int], sample: int) -> None:
    from .synth import write_corpus

    print("| N | encoder | seconds | papers/s | peak RSS MB |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp), n, seed=0)
            papers = load_corpus(Path(tmp)).papers
        started = time.perf_counter()
        model = embed.load_model()
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        model.encode(texts(papers))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = f"static (load {loaded:.2f} s, then encode)"
        print(f"| {n:,} | {label} | {seconds:.2f} | {n / seconds:,.0f} | {peak:.0f} |")
        if sample and minilm.available():
            started = time.perf_counter()
            minilm.encode(texts(papers[:sample]))
            rate = sample / (time.perf_counter() - started)
            label = f"MiniLM (rate of {sample} papers, extrapolated)"
            print(f"| {n:,} | {label} | {n / rate:.0f} | {rate:.1f} | - |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_related", description=__doc__)
    parser.add_argument("command", nargs="?", default="evaluate", choices=("evaluate", "cost"))
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder(s) read as one set")
    parser.add_argument("--candidates", action="store_true", help="also the routes weighed")
    parser.add_argument("--minilm", action="store_true", help="with --candidates: MiniLM too (slow)")
    parser.add_argument("--sizes", default="10000", help="cost: comma-separated corpus sizes")
    parser.add_argument("--minilm-sample", type=int, default=0, help="cost: papers MiniLM encodes")
    args = parser.parse_args(argv)
    if args.command == "cost":
        cost([int(s) for s in args.sizes.split(",")], args.minilm_sample)
        return 0
    sets = (("given corpus", tuple(args.corpus)),) if args.corpus else SETS
    for name, folders in sets:
        evaluate(name, folders, args.candidates, args.minilm)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
