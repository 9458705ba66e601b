"""Are the tags right? Precision and coverage of the atlas's tags on hand-labelled papers.

``python -m benchmarks.eval_tags [--data DIR] [--taxonomy FILE] [--examples N] [--calibrate]``

The labels (``DIR/labels.yml``, rule in ``DIR/LABELLING.md``) judge real Daily Papers entries
(``DIR/listings/*.txt``), each ``split: heldout`` or ``tune``; ``DIR/labels-corpus.yml`` judges a sample
of the committed ``corpus/`` by paper id. Each labelled paper names its ``main`` tag, the ``right`` tags
and the ``loose`` ones (defensible, not expected); any other tag given is wrong. The listings are built
as one corpus, as the site would build them (the same space, prototypes, thresholds), and for the
held-out split, the tuning split and the corpus sample it prints:

* right / loose / wrong: the share of the tags given (rule tags and inferred ones) that are right,
  loose, wrong;
* main covered: the share of papers whose ``main`` tag is among their tags; primary right: whose first
  tag is right; any right: that have at least one right tag; tags per paper;
* a breakdown by area (of the tags given, and of the papers' main tags).

Baselines computed in the same run: the rules alone (no vector evidence, ambiguous words corroborated
only by other rules), and the old 48-tag taxonomy (``DIR/taxonomy-48.yml``, rules as they were). Then
the automatic topics of the papers no tag fits (coherence and names), and ``--examples N`` random
held-out assignments (seed 0). ``--calibrate`` searches the thresholds of
:mod:`generator.enrich.inference` on the tuning split only and prints the best settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from generator.enrich.embed import VectorCache, cache_dir_from_env
from generator.enrich.inference import MARGIN, Assignment, Settings, assign, text_prototypes
from generator.enrich.tagging import RuleEvidence, Taxonomy
from generator.enrich.taxonomy import load_taxonomy
from generator.enrich.topics import find_topics
from generator.enrich.vectors import Space, vectorize
from generator.ingest.corpus import load_corpus
from generator.model import Paper

DATA = Path("benchmarks/tagdata")
OLD_TAXONOMY = DATA / "taxonomy-48.yml"


@dataclass(frozen=True)
class Label:
    key: str  # paper id (corpus sample) or normalised title (listings)
    split: str
    main: str
    right: frozenset[str]
    loose: frozenset[str]


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def read_labels(path: Path, by: str) -> list[Label]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    labels = []
    for item in data.get("papers", ()):
        key = item["id"] if by == "id" else _title_key(item["title"])
        right = frozenset(item.get("right") or ())
        labels.append(
            Label(
                key,
                item.get("split", "corpus"),
                item["main"],
                right | {item["main"]},
                frozenset(item.get("loose") or ()),
            )
        )
    return labels


@dataclass(frozen=True)
class Built:
    papers: tuple[Paper, ...]
    space: Space
    evidence: dict[str, tuple[tuple[RuleEvidence, ...], ...]]  # taxonomy name -> per-paper rule evidence


def given(result: Assignment, pid: str) -> tuple[str, ...]:
    return (*result.tags.get(pid, ()), *(t.tag for t in result.inferred.get(pid, ())))


@dataclass(frozen=True)
class Scores:
    papers: int
    tags: int
    right: float
    loose: float
    wrong: float
    main: float
    primary: float
    any_right: float
    per_paper: float
    inferred_right: tuple[int, int]

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.papers} | {self.right:.1%} | {self.loose:.1%} | {self.wrong:.1%} | "
            f"{self.main:.1%} | {self.primary:.1%} | {self.any_right:.1%} | {self.per_paper:.2f} | "
            f"{self.inferred_right[0]}/{self.inferred_right[1]} |"
        )


HEADER = (
    "| | papers | right | loose | wrong | main covered | primary right | any right | tags/paper "
    "| inferred right |\n|---|---|---|---|---|---|---|---|---|---|"
)


def score(result: Assignment, labels: Sequence[tuple[str, Label]]) -> Scores:
    counts = Counter[str]()
    inferred_ok = inferred_all = 0
    for pid, label in labels:
        tags = given(result, pid)
        counts["tags"] += len(tags)
        counts["right"] += sum(t in label.right for t in tags)
        counts["loose"] += sum(t in label.loose and t not in label.right for t in tags)
        counts["main"] += label.main in tags
        counts["primary"] += bool(tags) and tags[0] in label.right
        counts["any"] += any(t in label.right for t in tags)
        for t in result.inferred.get(pid, ()):
            inferred_all += 1
            inferred_ok += t.tag in label.right
    n, g = max(len(labels), 1), max(counts["tags"], 1)
    return Scores(
        len(labels),
        counts["tags"],
        counts["right"] / g,
        counts["loose"] / g,
        1 - (counts["right"] + counts["loose"]) / g,
        counts["main"] / n,
        counts["primary"] / n,
        counts["any"] / n,
        counts["tags"] / n,
        (inferred_ok, inferred_all),
    )


def by_area(taxonomy: Taxonomy, result: Assignment, labels: Sequence[tuple[str, Label]]) -> list[str]:
    """Per area: tags given there (right / wrong share), and papers whose main tag is there (covered)."""

    def area(tag_id: str) -> str:
        found = taxonomy.area_of(tag_id) if tag_id in taxonomy.by_id else None
        return found.id if found else "(none)"

    given_n, right_n, wrong_n = Counter[str](), Counter[str](), Counter[str]()
    main_n, covered_n = Counter[str](), Counter[str]()
    for pid, label in labels:
        for t in given(result, pid):
            a = area(t)
            given_n[a] += 1
            right_n[a] += t in label.right
            wrong_n[a] += t not in label.right and t not in label.loose
        main_n[area(label.main)] += 1
        covered_n[area(label.main)] += label.main in given(result, pid)
    lines = [
        "| area | tags given | right | wrong | papers (main) | main covered |",
        "|---|---|---|---|---|---|",
    ]
    for a in [x.id for x in taxonomy.areas] + ["(none)"]:
        if not given_n[a] and not main_n[a]:
            continue
        g, m = given_n[a], main_n[a]
        lines.append(
            f"| {a} | {g} | {right_n[a] / g:.0%} | {wrong_n[a] / g:.0%} | {m} | "
            + (f"{covered_n[a] / m:.0%} |" if m else "- |")
            if g
            else f"| {a} | 0 | - | - | {m} | {covered_n[a] / m:.0%} |"
        )
    return lines


def build(folder: Path, taxonomies: dict[str, Taxonomy]) -> Built:
    corpus = load_corpus(folder)
    papers = corpus.papers
    space = vectorize(papers, VectorCache(cache_dir_from_env()))
    evidence = {
        name: tuple(t.evidence(p.title, p.abstract) for p in papers) for name, t in taxonomies.items()
    }
    return Built(papers, space, evidence)


def run(
    built: Built, name: str, taxonomy: Taxonomy, settings: Settings, base: np.ndarray | None = None
) -> Assignment:
    return assign(
        taxonomy,
        [p.id for p in built.papers],
        built.evidence[name],
        built.space.semantic,
        built.space.centre,
        settings,
        base,
    )


def matched(built: Built, labels: Sequence[Label], by: str) -> list[tuple[str, Label]]:
    index = {(p.id if by == "id" else _title_key(p.title)): p.id for p in built.papers}
    found = [(index[label.key], label) for label in labels if label.key in index]
    missing = len(labels) - len(found)
    if missing:
        print(f"({missing} labelled papers not found in the listings)")
    return found


def calibrate(built: Built, taxonomy: Taxonomy, tune: Sequence[tuple[str, Label]]) -> Settings:
    """Grid search on the tuning split: the most papers with their main tag covered among the settings
    whose tags are at least 90% right and at most 3% wrong (else the most right)."""
    assert built.space.centre is not None
    base = text_prototypes(taxonomy, built.space.centre)
    best: tuple[tuple[float, ...], Settings] | None = None
    grid = itertools.product(
        (0.0, 0.05, 0.1),  # agree
        (0.15, 0.2, 0.3, 1.0),  # corroborate
        (0.05, 0.1, 0.15, 0.25),  # gap
        (0.4, 0.45, 0.5, 1.0),  # strong
        (0.5, 0.6, 0.7),  # keep share
        (2, 3),  # max tags
    )
    for agree, corroborate, gap, strong, keep, most in grid:
        settings = Settings(agree, corroborate, gap, strong, MARGIN, keep, most)
        s = score(run(built, "new", taxonomy, settings, base), tune)
        ok = s.right >= 0.9 and s.wrong <= 0.03
        key = (float(ok), round(s.main if ok else s.right, 4), round(s.right, 4))
        if best is None or key > best[0]:
            best = (key, settings)
            print(f"  {s.row(str(settings))}")
    assert best is not None
    return best[1]


def topic_report(built: Built, result: Assignment) -> list[str]:
    untagged = [i for i, p in enumerate(built.papers) if not given(result, p.id)]
    found = find_topics(built.papers, built.space, untagged)
    lines = [
        f"{len(untagged)} papers without a tag; {len(found.topics)} coherent topics, "
        f"{len(found.unsorted)} papers not yet sorted"
    ]
    lines += [f"- {t.name} ({len(t.papers)} papers, coherence {t.coherence:.2f})" for t in found.topics]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_tags", description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=DATA, help="labels and listings (default: benchmarks/tagdata)"
    )
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--taxonomy", type=Path, default=Path("taxonomy.yml"))
    parser.add_argument("--old-taxonomy", type=Path, default=OLD_TAXONOMY)
    parser.add_argument("--examples", type=int, default=0, help="print this many held-out assignments")
    parser.add_argument("--calibrate", action="store_true", help="search the thresholds on the tuning split")
    parser.add_argument(
        "--split",
        choices=("all", "tune"),
        default="all",
        help="tune: only the tuning split and the corpus sample (tune without seeing the held-out split)",
    )
    args = parser.parse_args(argv)

    taxonomy, problems = load_taxonomy(args.taxonomy)
    old, _ = load_taxonomy(args.old_taxonomy)
    for problem in problems:
        print(problem)
    taxonomies = {"new": taxonomy, "old": old}
    listings = build(args.data / "listings", taxonomies)
    labels = read_labels(args.data / "labels.yml", "title")
    judged = matched(listings, labels, "title")
    splits = {s: [(pid, label) for pid, label in judged if label.split == s] for s in ("heldout", "tune")}
    sets: list[tuple[str, Built, list[tuple[str, Label]]]] = [
        ("held-out", listings, splits["heldout"]),
        ("tune", listings, splits["tune"]),
    ]
    tune_only = args.split == "tune"
    if tune_only:
        sets = sets[1:]
    corpus_labels = args.data / "labels-corpus.yml"
    if corpus_labels.is_file() and args.corpus.is_dir():
        corpus = build(args.corpus, taxonomies)
        sets.append(("corpus sample", corpus, matched(corpus, read_labels(corpus_labels, "id"), "id")))

    settings = Settings()
    if args.calibrate:
        settings = calibrate(listings, taxonomy, splits["tune"])
        print(f"calibrated on the tuning split: {settings}\n")

    results: dict[str, Assignment] = {}
    for name, built, pairs in sets:
        print(f"\n## {name}: {len(pairs)} labelled papers ({len(built.papers)} in the build)\n")
        print(HEADER)
        full = run(built, "new", taxonomy, settings)
        results[name] = full
        print(score(full, pairs).row(f"atlas ({len(taxonomy.tags)} tags, rules + vectors)"))
        rules = run(
            built, "new", taxonomy, dataclasses.replace(settings, vectors=False, max_tags=99, keep_share=0)
        )
        print(score(rules, pairs).row("baseline: rules only"))
        legacy = run(built, "old", old, Settings(vectors=False, max_tags=99, keep_share=0))
        print(score(legacy, pairs).row(f"baseline: old {len(old.tags)}-tag taxonomy, rules"))
        print()
        print("\n".join(by_area(taxonomy, full, pairs)))

    if tune_only:
        return 0
    print("\n## Automatic topics (held-out and tuning listings)\n")
    print("\n".join(topic_report(listings, results["held-out"])))
    if args.examples:
        rng = random.Random(0)
        drawn = rng.sample(splits["heldout"], min(args.examples, len(splits["heldout"])))
        by_id = {p.id: p for p in listings.papers}
        print(f"\n## {len(drawn)} held-out assignments drawn at random (seed 0)\n")
        for pid, label in drawn:
            tags = given(results["held-out"], pid)
            marks = ["right" if t in label.right else "loose" if t in label.loose else "WRONG" for t in tags]
            shown = ", ".join(f"{t} ({m})" for t, m in zip(tags, marks, strict=True)) or "(none)"
            print(
                f"- {by_id[pid].title}\n  tags: {shown}\n  labels: main {label.main}; right "
                f"{', '.join(sorted(label.right))}; loose {', '.join(sorted(label.loose)) or '-'}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
