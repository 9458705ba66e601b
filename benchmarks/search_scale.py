"""The search index at scale: build time, peak memory, size on disk, bytes a first query needs.

``python -m benchmarks.search_scale [N ...] [--work DIR] [--queries K]`` (default N: 10000 100000)
writes a synthetic corpus of N papers (:func:`benchmarks.synth.write_corpus`), then, each in a
child process measured by :func:`benchmarks.measure.run_measured`:

* loads the corpus alone (the baseline the index builder starts from), and
* loads it and builds the index (``python -m generator.search.writer CORPUS OUT``),

and queries the index with :class:`generator.search.reader.IndexReader`, which reads exactly the files
the browser's worker fetches: the manifest, the term shards, the bitmaps of very common words
and the metadata blocks of the first results. It prints one JSON object per N.

First-query bytes are the index files only; the page, Material's CSS and JavaScript and the worker
(about 300 KB, the same at any N) come on top: tests/test_search.py measures the whole in a browser.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.measure import run_measured
from benchmarks.synth import write_corpus
from generator.search.reader import IndexReader
from generator.search.tokenizer import STOP_WORDS, tokens

LOAD_ONLY = "; ".join(
    (
        "import sys",
        "from pathlib import Path",
        "from generator.ingest.corpus import load_corpus",
        "load_corpus(Path(sys.argv[1]))",
    )
)

FIXED_QUERIES = (
    "large language models",
    "diffusion transformer",
    "reinforcement learning",
    "graph neural networks",
    "quantization",
    "trans",  # a word being typed: prefix extensions
)


def two_word_queries(corpus_dir: Path, k: int, seed: int = 0) -> list[str]:
    """K typical queries: two neighbouring content words of random titles (names left out)."""
    from generator.ingest.corpus import load_corpus

    titles = [p.title for p in load_corpus(corpus_dir).papers]
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < k and titles:
        words = [w for w in tokens(rng.choice(titles)) if w not in STOP_WORDS and len(w) > 2 and w.isalpha()]
        words = words[:-1]  # synthetic titles end or start with an invented name
        if len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            queries.append(f"{words[i]} {words[i + 1]}")
    return queries


def first_query_bytes(index_dir: Path, query: str) -> dict[str, int]:
    reader = IndexReader(index_dir)
    reader.search(query)
    kinds: dict[str, int] = {"manifest": 0, "shards": 0, "bitmaps": 0, "metadata": 0}
    names = {"manifest.json": "manifest", "t": "shards", "b": "bitmaps", "d": "metadata"}
    for rel, size in reader.read.items():
        kinds[names[rel.split("/")[0]]] += size
    kinds["total"] = sum(reader.read.values())
    return kinds


def disk_bytes(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run(n: int, work: Path, n_queries: int) -> dict[str, object]:
    corpus = work / f"corpus-{n}"
    index = work / f"index-{n}"
    write_corpus(corpus, n)
    python = sys.executable
    load = run_measured([python, "-c", LOAD_ONLY, str(corpus)]).check("loading the corpus")
    build = run_measured([python, "-m", "generator.search.writer", str(corpus), str(index)]).check("indexing")
    stats = json.loads(build.stdout)
    n_files, size = disk_bytes(index)
    queries = two_word_queries(corpus, n_queries)
    typical = [first_query_bytes(index, q) for q in queries]
    totals = [t["total"] for t in typical]
    return {
        "n": n,
        "index_seconds": stats["index_seconds"],
        "load_seconds": stats["load_seconds"],
        "child_seconds": round(build.seconds, 2),
        "peak_rss_mb": round(build.peak_rss_mb, 1),
        "load_only_peak_rss_mb": round(load.peak_rss_mb, 1),
        "index_files": n_files,
        "index_bytes": size,
        "terms": stats["n_terms"],
        "common_terms": stats["n_common"],
        "shards": stats["n_shards"],
        "postings": stats["postings"],
        "two_word_query_bytes": {
            "queries": len(typical),
            "median": int(statistics.median(totals)) if totals else 0,
            "max": max(totals, default=0),
            "median_parts": {
                k: int(statistics.median(t[k] for t in typical))
                for k in ("manifest", "shards", "bitmaps", "metadata")
            }
            if typical
            else {},
        },
        "fixed_query_bytes": {q: first_query_bytes(index, q)["total"] for q in FIXED_QUERIES},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.search_scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-atlas-search-scale"))
    parser.add_argument("--queries", type=int, default=50, help="number of typical two-word queries")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        print(json.dumps(run(n, args.work, args.queries)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
