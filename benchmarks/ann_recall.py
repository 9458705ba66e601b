"""Recall of the approximate related-papers path against exact search, and its cost, at scale.

``python -m benchmarks.ann_recall [--size 100000] [--sample 1000] [--k 10]``

Writes a synthetic corpus (:mod:`benchmarks.synth`), builds the shared space (TF-IDF + semantic
vectors), runs the approximate path of :func:`generator.enrich.related.nearest` (dense stand-ins, exact
re-ranking) for every paper, and compares each sampled paper's k neighbours with the exact top k by
brute force over all papers (float64, the same score). Prints recall at k, the seconds of each step,
the peak RSS, and whether a second run gives the same neighbours.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from generator.enrich import related as links
from generator.enrich.vectors import vectorize
from generator.ingest.corpus import load_corpus

from .synth import write_corpus


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ann_recall", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--twice", action="store_true", help="run the approximate path twice, compare")
    parser.add_argument(
        "--exact",
        action="store_true",
        help="also time the exact path (every pair) at this size: where EXACT_LIMIT sits",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), args.size, seed=0)
        papers = load_corpus(Path(tmp)).papers
    n = len(papers)
    started = time.perf_counter()
    space = vectorize(papers)
    print(f"{n:,} papers; vectorize (TF-IDF + semantic, no cache) {time.perf_counter() - started:.1f} s")
    id_rank = links._ranks([p.id for p in papers])
    take = max(args.k + 1 + links.TIE_MARGIN, links.ANN_CANDIDATES)

    def approximate() -> tuple[np.ndarray, float, float]:
        started = time.perf_counter()
        candidates = links._approximate_candidates(space, take)
        searched = time.perf_counter() - started
        found, _, _ = links._rank(space, candidates, args.k, id_rank)
        return found, searched, time.perf_counter() - started

    found, searched, total = approximate()
    print(f"approximate path: LSA + stand-in search {searched:.1f} s, with re-ranking {total:.1f} s")
    if args.exact:
        started = time.perf_counter()
        exact_candidates = links._exact_candidates(space, take)
        exact_searched = time.perf_counter() - started
        links._rank(space, exact_candidates, args.k, id_rank)
        ranked = time.perf_counter() - started
        print(
            f"exact path: every pair {exact_searched:.1f} s, with ranking {ranked:.1f} s"
            f" (EXACT_LIMIT is {links.EXACT_LIMIT:,})"
        )
    sample = sorted(random.Random(0).sample(range(n), min(args.sample, n)))
    lexical_weight, semantic_weight = space.weights
    assert space.semantic is not None
    hits = 0
    started = time.perf_counter()
    for start in range(0, len(sample), 200):
        rows = np.array(sample[start : start + 200])
        scores = lexical_weight * (space.matrix[rows] @ space.matrix.T).toarray().astype(np.float64)
        semantic = space.semantic.astype(np.float64)
        scores += semantic_weight * (semantic[rows] @ semantic.T)
        scores[np.arange(len(rows)), rows] = -np.inf
        exact = np.argsort(-scores, axis=1, kind="stable")[:, : args.k]
        for r, i in enumerate(rows):
            hits += len(set(exact[r].tolist()) & set(found[i].tolist()))
    seconds = time.perf_counter() - started
    print(f"exact top {args.k} of {len(sample)} sampled papers by brute force: {seconds:.1f} s")
    print(f"recall at {args.k} against exact: {hits / (len(sample) * args.k):.4f}")
    if args.twice:
        again, _, _ = approximate()
        print(f"second run identical: {bool((again == found).all())}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
