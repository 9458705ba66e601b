"""Deterministic synthetic corpus writer: real sentences and title words, recombined at any scale.

``python -m benchmarks.synth OUT_DIR N [--seed S]`` writes N distinct papers into listing files of
both layouts the seed corpus uses (``compact``: banner, then title/abstract line pairs; ``spaced``:
header and entries separated by blank lines, with optional metadata). Titles are unique after case
and punctuation folding (each carries a unique invented name such as ``BakaDofiNet``); about 3% of
papers appear again, unchanged, in a second file; some abstracts mention another paper's name (the
part of its title before the colon). Only ``random.Random(seed)`` is used: same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random

from generator.ingest.text import decode

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "corpus"
# Where the real text comes from when no folder is given: DEFAULT_CORPUS, or this variable's folder
# (the tests point it at their snapshot of the seed corpus: they never read corpus/).
CORPUS_ENV = "PAPER_ATLAS_SYNTH_CORPUS"


def source_corpus(corpus_dir: Path | None = None) -> Path:
    return corpus_dir or Path(os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS)


MARKER = ".synthetic-corpus"  # written into every output directory; only such directories are overwritten

COMPACT = "compact"
SPACED = "spaced"
COMPACT_BANNER = (
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
)
SPACED_HEADER = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
)
GLUED_BANNER = "Subscribe"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ORGANIZATIONS = (
    ("SakanaAI", "Sakana AI"),
    ("moonshotai", "Moonshot AI"),
    ("google", "Google"),
    ("facebook", "AI at Meta"),
    ("microsoft", "Microsoft"),
    ("nvidia", "NVIDIA"),
    ("allenai", "Ai2"),
    ("Qwen", "Qwen"),
    ("deepseek-ai", "DeepSeek"),
    ("mistralai", "Mistral AI"),
)
CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
SYLLABLES = tuple(c + v for c in CONSONANTS for v in VOWELS)
NAME_SPACE = len(SYLLABLES) ** 4  # names are 4 syllables (8 letters) plus a suffix: 24,010,000 cores
NAME_STEP = 1_000_003  # prime, coprime to NAME_SPACE: i -> (step*i + offset) % space is a bijection
NAME_SUFFIXES = ("Net", "Former", "GAN", "Flow", "LM", "Diff", "Mixer", "Bench", "Fusion", "Seg", "Align", "")
CONNECTIVES = ("via", "with", "using", "through", "for")
MENTION_TEMPLATES = (
    "We compare against {name} and report consistent gains across all benchmarks.",
    "Unlike {name}, our approach requires no additional supervision.",
    "Building on {name}, we extend the analysis to much larger models.",
    "Our method outperforms {name} while using fewer parameters.",
    "We revisit the assumptions made by {name} and show that they can be relaxed.",
)
AUTHOR_WEIGHTS = (4, 8, 14, 14, 12, 10, 8, 6, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1)  # for 1..20 authors
COLON_SHARE = 0.45
MENTION_SHARE = 0.08
METADATA_SHARE = 0.92
ORGANIZATION_SHARE = 0.06
YEARLESS_SHARE = 0.3
REPEAT_SHARE = 0.03

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_DATE_LINE = re.compile(r"^[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?(?: \d+)?$")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Harvest:
    """Material taken from the real corpus."""

    openings: tuple[str, ...]  # first sentences of real abstracts
    sentences: tuple[str, ...]  # every other usable sentence
    fragments: tuple[tuple[str, ...], ...]  # title words (the part after any colon)
    organizations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SynthPaper:
    """One synthetic paper, metadata already in the form the spaced layout writes."""

    name: str
    title: str
    abstract: str
    authors: int | None
    organization: tuple[str, str] | None
    date: str | None  # as written: "Dec 28, 2023", "May 21", "Jul 8, 2024 1"
    mentions: tuple[str, ...]

    def metadata_lines(self) -> tuple[str, ...]:
        """The spaced layout's three-line block, or nothing."""
        if self.date is None:
            return ()
        if self.organization is not None:
            who = f"{self.organization[0]} {self.organization[1]}"
        else:
            who = f"  • {self.authors} authors"
        return (who, "·", self.date)


@dataclass(frozen=True)
class SynthStats:
    """What :func:`write_corpus` wrote."""

    n_papers: int
    n_files: int
    n_entries: int
    n_repeats: int
    n_mentions: int
    n_compact_files: int
    n_spaced_files: int
    n_colon_titles: int
    total_bytes: int
    paths: tuple[Path, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "n_papers": self.n_papers,
            "n_files": self.n_files,
            "n_entries": self.n_entries,
            "n_repeats": self.n_repeats,
            "n_mentions": self.n_mentions,
            "n_compact_files": self.n_compact_files,
            "n_spaced_files": self.n_spaced_files,
            "n_colon_titles": self.n_colon_titles,
            "total_bytes": self.total_bytes,
        }


def fold(title: str) -> str:
    """Stricter than the generator's merge key (spaces dropped too), so unique here means unique there."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", title).casefold())


# -- reading the real corpus --------------------------------------------------------------------------


def read_entries(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A simple reader for both layouts: (title, abstract) pairs and (handle, name) organisations."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    skip = set(COMPACT_BANNER) | set(SPACED_HEADER)
    texts: list[str] = []
    organizations: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        if line in skip or line == "·" or line.startswith("•") or _DATE_LINE.match(line):
            continue
        if i + 1 < len(lines) and lines[i + 1] == "·":
            handle, _, name = line.partition(" ")
            organizations.append((handle, name or handle))
            continue
        texts.append(line)
    if texts:
        texts[0] = texts[0].removeprefix(GLUED_BANNER)
    pairs = [(texts[i], texts[i + 1]) for i in range(0, len(texts) - 1, 2)]
    return pairs, organizations


def harvest(corpus_dir: Path | None = None) -> Harvest:
    """Sentences of real abstracts and words of real titles, in file order (deterministic)."""
    openings: dict[str, None] = {}
    sentences: dict[str, None] = {}
    fragments: dict[tuple[str, ...], None] = {}
    organizations: dict[tuple[str, str], None] = dict.fromkeys(ORGANIZATIONS)
    corpus_dir = source_corpus(corpus_dir)
    for path in sorted(corpus_dir.glob("*.txt")):
        text = decode(path.name, path.read_bytes()).text  # as the generator reads it: never fails
        if text is None:
            continue
        pairs, orgs = read_entries(text)
        organizations.update(dict.fromkeys(orgs))
        for title, abstract in pairs:
            words = tuple(title.rsplit(": ", 1)[-1].rstrip(".").split())
            if len(words) >= 3:
                fragments[words] = None
            parts = [s.strip() for s in _SENTENCE_SPLIT.split(abstract)]
            usable = [s for s in parts if 30 <= len(s) <= 500 and s[-1] in ".!?"]
            if usable and usable[0] == parts[0]:
                openings[usable[0]] = None
                usable = usable[1:]
            sentences.update(dict.fromkeys(usable))
    if len(openings) < 2 or len(sentences) < 20 or len(fragments) < 2:
        raise ValueError(f"{corpus_dir}: not enough real text to recombine")
    return Harvest(tuple(openings), tuple(sentences), tuple(fragments), tuple(organizations))


# -- generating papers ----------------------------------------------------------------------------------


def _name(index: int, offset: int, suffix: str) -> str:
    value = (NAME_STEP * index + offset) % NAME_SPACE
    syllables = []
    for _ in range(4):
        value, digit = divmod(value, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return syllables[0].title() + syllables[1] + syllables[2].title() + syllables[3] + suffix


def _title_rest(rng: Random, fragments: Sequence[tuple[str, ...]]) -> str:
    a = fragments[rng.randrange(len(fragments))]
    b = fragments[rng.randrange(len(fragments))]
    words = list(a[: rng.randint(1, len(a) - 1)] + b[rng.randint(1, len(b) - 1) :])[:16]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def _date(rng: Random) -> str:
    if rng.random() < YEARLESS_SHARE:  # this year's; Jan-Aug, so never after a file's capture date
        month = rng.randint(1, 8)
        day = rng.randint(1, calendar.monthrange(2025, month)[1])
        text = f"{MONTHS[month - 1]} {day}"
        upvote_share = 0.05
    else:
        year = rng.randint(2015, 2025)
        month = rng.randint(1, 12)
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        text = f"{MONTHS[month - 1]} {day}, {year}"
        upvote_share = 0.3
    if rng.random() < upvote_share:
        text += f" {min(999, int(rng.paretovariate(1.2)))}"
    return text


def generate_papers(n_papers: int, seed: int = 0, corpus_dir: Path | None = None) -> list[SynthPaper]:
    """N papers with unique folded titles and unique names; deterministic in (n_papers, seed)."""
    if not 0 <= n_papers <= NAME_SPACE:
        raise ValueError(f"n_papers must be in 0..{NAME_SPACE}")
    material = harvest(corpus_dir)
    rng = Random(seed)
    offset = rng.randrange(NAME_SPACE)
    author_cum = [sum(AUTHOR_WEIGHTS[: i + 1]) for i in range(len(AUTHOR_WEIGHTS))]
    authors_range = range(1, len(AUTHOR_WEIGHTS) + 1)

    names: list[str] = []
    titles: list[str] = []
    colon_names: list[int] = []
    seen: set[str] = set()
    for i in range(n_papers):
        name = _name(i, offset, NAME_SUFFIXES[rng.randrange(len(NAME_SUFFIXES))])
        colon = rng.random() < COLON_SHARE
        while True:
            rest = _title_rest(rng, material.fragments)
            if colon:
                title = f"{name}: {rest}"
            else:
                title = f"{rest} {CONNECTIVES[rng.randrange(len(CONNECTIVES))]} {name}"
            key = fold(title)
            if key not in seen:
                break
        seen.add(key)
        names.append(name)
        titles.append(title)
        if colon:
            colon_names.append(i)

    papers: list[SynthPaper] = []
    openings, sentences = material.openings, material.sentences
    for i in range(n_papers):
        count = rng.randint(4, 9)
        chosen = [openings[rng.randrange(len(openings))], *rng.sample(sentences, count - 1)]
        while sum(map(len, chosen)) < 300 and len(chosen) < 9:
            extra = sentences[rng.randrange(len(sentences))]
            if extra not in chosen:
                chosen.append(extra)
        mentions: tuple[str, ...] = ()
        if colon_names and rng.random() < MENTION_SHARE:
            other = colon_names[rng.randrange(len(colon_names))]
            if other != i:
                mentions = (names[other],)
                template = MENTION_TEMPLATES[rng.randrange(len(MENTION_TEMPLATES))]
                chosen.insert(rng.randint(1, len(chosen)), template.format(name=names[other]))
        authors: int | None = None
        organization: tuple[str, str] | None = None
        date: str | None = None
        if rng.random() < METADATA_SHARE:
            if rng.random() < ORGANIZATION_SHARE:
                organization = material.organizations[rng.randrange(len(material.organizations))]
            else:
                authors = rng.choices(authors_range, cum_weights=author_cum)[0]
            date = _date(rng)
        papers.append(
            SynthPaper(names[i], titles[i], " ".join(chosen), authors, organization, date, mentions)
        )
    return papers


# -- writing listing files ------------------------------------------------------------------------------


def _file_sizes(rng: Random, n: int) -> list[int]:
    lo, hi = (500, 2000) if n >= 4000 else (max(1, n // 8), max(1, n // 3))
    sizes: list[int] = []
    remaining = n
    while remaining > 0:
        size = remaining if remaining <= hi else rng.randint(lo, min(hi, remaining - lo))
        sizes.append(size)
        remaining -= size
    return sizes


def render_compact(papers: Sequence[SynthPaper]) -> str:
    """Banner, then a title line and an abstract line per entry; the first title glued to "Subscribe"."""
    lines = list(COMPACT_BANNER)
    for k, paper in enumerate(papers):
        lines.append(GLUED_BANNER + paper.title if k == 0 else paper.title)
        lines.append(paper.abstract)
    return "\n".join(lines) + "\n"


def render_spaced(papers: Sequence[SynthPaper], capture_date: str) -> str:
    """Header and entries separated by blank lines; metadata lines follow one another directly."""
    blocks = [*SPACED_HEADER, capture_date]
    for paper in papers:
        blocks.append(paper.title)
        blocks.append(paper.abstract)
        meta = paper.metadata_lines()
        if meta:
            blocks.append("\n".join(meta))
    return "\n\n".join(blocks)  # like the real file: no newline at the end


def _prepare(out_dir: Path, corpus_dir: Path) -> None:
    if out_dir.resolve() == corpus_dir.resolve():
        raise ValueError("refusing to write synthetic files into the real corpus directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(out_dir.glob("*.txt"))
    if existing and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} holds .txt files not written by benchmarks.synth")
    for path in existing:
        path.unlink()
    (out_dir / MARKER).write_text("written by benchmarks.synth; its *.txt files are replaced on rerun\n")


def write_corpus(out_dir: Path, n_papers: int, seed: int = 0, corpus_dir: Path | None = None) -> SynthStats:
    """Write N synthetic papers as listing files of ~500-2000 entries into ``out_dir``."""
    papers = generate_papers(n_papers, seed, corpus_dir)
    rng = Random(f"files-{seed}")
    order = list(range(n_papers))
    rng.shuffle(order)
    sizes = _file_sizes(rng, n_papers)
    layouts = [COMPACT if k % 2 == 0 else SPACED for k in range(len(sizes))]
    rng.shuffle(layouts)
    members: list[list[int]] = []
    home: dict[int, int] = {}
    start = 0
    for f, size in enumerate(sizes):
        members.append(order[start : start + size])
        home.update(dict.fromkeys(members[-1], f))
        start += size
    n_repeats = 0
    if len(sizes) > 1:
        for i in sorted(rng.sample(range(n_papers), round(REPEAT_SHARE * n_papers))):
            target = rng.randrange(len(sizes) - 1)
            members[target if target < home[i] else target + 1].append(i)
            n_repeats += 1
    _prepare(out_dir, source_corpus(corpus_dir))
    width = max(3, len(str(len(sizes) - 1)))
    paths: list[Path] = []
    total = 0
    for f, indices in enumerate(members):
        rng.shuffle(indices)
        entries = [papers[i] for i in indices]
        if layouts[f] == COMPACT:
            text = render_compact(entries)
        else:
            month = rng.randint(9, 12)
            text = render_spaced(
                entries, f"{MONTHS[month - 1]} {rng.randint(1, calendar.monthrange(2025, month)[1])}"
            )
        path = out_dir / f"{f:0{width}d}_{rng.getrandbits(64):016x}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
    return SynthStats(
        n_papers=n_papers,
        n_files=len(paths),
        n_entries=sum(map(len, members)),
        n_repeats=n_repeats,
        n_mentions=sum(len(p.mentions) for p in papers),
        n_compact_files=layouts.count(COMPACT),
        n_spaced_files=layouts.count(SPACED),
        n_colon_titles=sum(p.title.startswith(p.name + ": ") for p in papers),
        total_bytes=total,
        paths=tuple(paths),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("n", type=int, help="number of distinct papers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="real corpus to harvest")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stats = write_corpus(args.out_dir, args.n, args.seed, args.corpus)
    result = {**stats.to_json(), "seconds": round(time.perf_counter() - started, 3)}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
