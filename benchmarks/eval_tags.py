"""How well do nearest neighbours infer tags? The measurement behind the inferred-tag thresholds.

``python -m benchmarks.eval_tags [--corpus DIR] [--taxonomy FILE]`` (see :mod:`generator.enrich.inference`)

Leave-one-out on the papers the taxonomy's rules tag: each such paper in turn is treated as if no
rule had tagged it, and its nearest neighbours (the atlas's related papers, the same call as the
build) vote with their rule tags. For each threshold (``min_support`` neighbours, ``min_share`` of
their similarity) it prints

* coverage: the share of papers that get at least one inferred tag;
* precision: the share of inferred tags that the rules also give the paper;
* hit: the share of covered papers with at least one right tag;

and, computed in the same run, two baselines that infer one tag for every paper: the most frequent
tag of the corpus, and a tag drawn at random in proportion to tag frequency (seed 0).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from generator.enrich.inference import MIN_SHARE, MIN_SUPPORT, votes
from generator.enrich.related import nearest
from generator.enrich.tagging import tag_papers
from generator.enrich.taxonomy import load_taxonomy
from generator.ingest.corpus import load_corpus

SUPPORTS = (1, 2, 3, 4, 5)
SHARES = (0.0, 0.3, 0.5, 0.7)


def _row(name: str, predicted: Sequence[set[str]], actual: Sequence[set[str]]) -> str:
    covered = [i for i, p in enumerate(predicted) if p]
    made = sum(len(predicted[i]) for i in covered)
    right = sum(len(predicted[i] & actual[i]) for i in covered)
    hits = sum(bool(predicted[i] & actual[i]) for i in covered)
    coverage = len(covered) / len(actual) if actual else 0.0
    precision = right / made if made else 0.0
    hit = hits / len(covered) if covered else 0.0
    return f"| {name} | {coverage:.3f} | {precision:.3f} | {hit:.3f} |"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_tags", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--taxonomy", type=Path, default=Path("taxonomy.yml"))
    parser.add_argument("--examples", type=int, default=0, help="print this many inferences to judge by eye")
    args = parser.parse_args(argv)

    corpus = load_corpus(args.corpus)
    taxonomy, _ = load_taxonomy(args.taxonomy)
    papers = corpus.papers
    tags = tag_papers(taxonomy, papers)
    neighbours = nearest(papers)
    rule_tags = [tags.get(p.id, ()) for p in papers]
    tagged = [i for i, t in enumerate(rule_tags) if t]
    actual = [set(rule_tags[i]) for i in tagged]
    ballots = [votes(neighbours.papers[i], neighbours.scores[i], rule_tags) for i in tagged]

    print(f"{len(papers)} papers, {len(tagged)} tagged by rule, {len(taxonomy.tags)} tags")
    print(f"(the build uses min_support={MIN_SUPPORT}, min_share={MIN_SHARE})\n")
    print("| inferred by | coverage | precision | hit |")
    print("|---|---|---|---|")
    frequency = Counter(t for i in tagged for t in rule_tags[i])
    if frequency:
        top = frequency.most_common(1)[0][0]
        print(_row(f"baseline: most frequent tag ({top})", [{top} for _ in tagged], actual))
        rng = random.Random(0)
        names, weights = zip(*sorted(frequency.items()), strict=True)
        drawn = [{rng.choices(names, weights)[0]} for _ in tagged]
        print(_row("baseline: random tag by frequency", drawn, actual))
    if args.examples:
        step = max(1, len(tagged) // args.examples)
        print(f"\nExamples at the build's thresholds, every {step}th (inferred | the rules' tags | title):")
        for n, i in enumerate(tagged[::step][: args.examples]):
            ballot = ballots[n * step]
            guess = sorted(t for t, k, s in ballot if k >= MIN_SUPPORT and s >= MIN_SHARE)
            shown = ", ".join(guess) or "(none: automatic topic)"
            print(f"- {shown} | {', '.join(rule_tags[i])} | {papers[i].title}")
        print()
    for support in SUPPORTS:
        for share in SHARES:
            predicted = [{t for t, n, s in ballot if n >= support and s >= share} for ballot in ballots]
            print(_row(f"neighbours: support >= {support}, share >= {share}", predicted, actual))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
