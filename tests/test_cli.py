"""`python -m generator check|records`: diagnostics, summary, exit codes and the JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main

from .conftest import FIXTURES

SITE = FIXTURES / "site"
TAXONOMY = str(SITE / "taxonomy.yml")
GOOD = "A Good Paper About Attention\nAn abstract about attention. It has two sentences, enough to read as prose.\n"


def test_check_prints_summary_and_exits_0_on_a_clean_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--corpus", str(SITE / "corpus"), "--taxonomy", TAXONOMY]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "3 files, 7 entries, 7 unique papers, 6 tags, 0 warnings, 0 errors"
    assert 'corpus/compact.txt:3: info: split banner word "Subscribe" from the first title' in out


def test_check_exits_1_and_names_file_and_line(make_corpus, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = make_corpus(
        {
            "bad.txt": GOOD + "A Title Without Its Abstract\n" + GOOD.replace("Good", "Next"),
            "good.txt": GOOD.replace("Good", "Fine"),
        }
    )
    assert main(["check", "--corpus", str(corpus), "--taxonomy", TAXONOMY]) == 1
    out = capsys.readouterr().out
    assert 'corpus/bad.txt:3: error: title "A Title Without Its Abstract" has no abstract' in out
    assert out.splitlines()[-1].endswith("1 errors")


def test_check_reports_untagged_papers_and_unused_tags(make_corpus, tmp_path: Path, capsys) -> None:
    taxonomy = tmp_path / "taxonomy.yml"
    taxonomy.write_text(
        "tags:\n"
        "  - id: attention\n    name: Attention\n    description: d\n    match: {phrases: [attention]}\n"
        "  - id: lonely\n    name: Lonely\n    description: d\n    match: {phrases: [nobody writes this]}\n",
        encoding="utf-8",
    )
    corpus = make_corpus(
        {
            "a.txt": GOOD
            + "Untaggable Paper Title Here\nNothing in here matches any rule. Two sentences of plain, ordinary prose.\n"
        }
    )
    assert main(["check", "--corpus", str(corpus), "--taxonomy", str(taxonomy)]) == 0
    out = capsys.readouterr().out
    # One paper has too few neighbours to infer from: it joins an automatic topic, reported as info.
    assert (
        'corpus/a.txt:3: info: paper "Untaggable Paper Title Here" matches no tag rule; '
        "joins automatic topic topic-"
    ) in out
    assert "warning: tag 'lonely' matches no paper" in out


def test_records_writes_the_documented_schema(tmp_path: Path) -> None:
    out = tmp_path / "records.json"
    assert main(["records", "--corpus", str(SITE / "corpus"), "--taxonomy", TAXONOMY, "-o", str(out)]) == 0
    papers = json.loads(out.read_text(encoding="utf-8"))["papers"]
    assert [p["id"] for p in papers] == sorted(p["id"] for p in papers)
    expected = {
        "id", "url", "title", "abstract", "authors", "organization", "published", "upvotes", "code_urls",
        "collections", "sources", "tags", "inferred_tags", "topic", "related", "mentions", "mentioned_by",
    }  # fmt: skip
    assert all(set(p) == expected for p in papers)
    kimi = next(p for p in papers if p["title"].startswith("Kimi Linear"))
    assert kimi["organization"] == {"handle": "moonshotai", "name": "Moonshot AI"}
    assert (
        kimi["published"] == "2024-10-30" and kimi["upvotes"] == 1 and kimi["tags"] == ["attention", "memory"]
    )
    hopfield = next(p for p in papers if p["title"] == "Hopfield Layers for Tabular Data")
    tensornet = next(p for p in papers if p["title"].startswith("TensorNet"))
    assert tensornet["id"] in hopfield["mentions"] and hopfield["id"] in tensornet["mentioned_by"]
    assert tensornet["code_urls"] == ["https://github.com/example/tensornet"]
