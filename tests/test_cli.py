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
    # No tag fits one paper and it shares no coherent topic with others: not yet sorted, reported as info.
    assert (
        'corpus/a.txt:3: info: paper "Untaggable Paper Title Here" matches no tag rule; not yet sorted' in out
    )
    assert "info: tag 'lonely' matches no paper" in out


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
    assert kimi["published"] == "2024-10-30" and kimi["upvotes"] == 1 and kimi["tags"] == ["attention"]
    hopfield = next(p for p in papers if p["title"] == "Hopfield Layers for Tabular Data")
    tensornet = next(p for p in papers if p["title"].startswith("TensorNet"))
    assert tensornet["id"] in hopfield["mentions"] and hopfield["id"] in tensornet["mentioned_by"]
    assert tensornet["code_urls"] == ["https://github.com/example/tensornet"]


# -- check: the publishing policy's options (--fail-on, --format github, --summary, --since) ----------

# A title with no abstract inside a file is an error (line 3); the unused tags are warnings.
BROKEN = (
    GOOD
    + "A Title Without Its Abstract\n"
    + "Another Good Paper On Attention\nMore about attention. Again two sentences that read as prose.\n"
)


@pytest.mark.parametrize(
    ("kind", "fail_on", "expected"),
    [
        ("clean", "error", 0),
        ("clean", "warning", 0),
        ("warnings", None, 0),
        ("warnings", "error", 0),
        ("warnings", "warning", 0),  # a taxonomy tag no paper carries is information, not a warning
        ("warnings", "never", 0),
        ("errors", None, 1),
        ("errors", "error", 1),
        ("errors", "warning", 1),
        ("errors", "never", 0),
    ],
)
def test_check_exit_code_per_fail_on(make_corpus, kind: str, fail_on: str | None, expected: int) -> None:
    corpus = (
        SITE / "corpus" if kind == "clean" else make_corpus({"a.txt": GOOD if kind == "warnings" else BROKEN})
    )
    argv = ["check", "--corpus", str(corpus), "--taxonomy", TAXONOMY]
    assert main([*argv, *(["--fail-on", fail_on] if fail_on else [])]) == expected


def test_check_fail_on_rejects_an_unknown_level(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--corpus", str(SITE / "corpus"), "--taxonomy", TAXONOMY, "--fail-on", "info"])
    assert exc.value.code == 2
    assert "invalid choice: 'info'" in capsys.readouterr().err


def test_check_github_format_annotates_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "data" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "bad.txt").write_text("Subscribe" + BROKEN, encoding="utf-8")
    taxonomy = tmp_path / "tax.yml"
    taxonomy.write_text(
        "tags:\n  - id: attention\n    name: Attention\n    description: d\n    match: {phrases: [attention]}\n"
        "  - id: lonely\n    name: Lonely\n    description: d\n    match: {phrases: [nobody writes this]}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--corpus", "data/corpus", "--taxonomy", "tax.yml", "--format", "github"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        '::notice file=data/corpus/bad.txt,line=1,title=split banner word "…" from the first title'
        '::split banner word "Subscribe" from the first title',
        '::error file=data/corpus/bad.txt,line=3,title=title "…" has no abstract (truncated entry?)'
        '::title "A Title Without Its Abstract" has no abstract (truncated entry?)',
        "::notice file=tax.yml,title=unused-tag::tag 'lonely' matches no paper",
        "1 files, 2 entries, 2 unique papers, 2 tags, 0 warnings, 1 errors",
    ]
    assert (
        main(["check", "--corpus", "data/corpus", "--taxonomy", "tax.yml", "--format", "github", "-q"]) == 1
    )
    assert "::notice" not in capsys.readouterr().out


def test_check_summary_is_appended(make_corpus, tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("From an earlier step.\n", encoding="utf-8")
    corpus = make_corpus({"a.txt": BROKEN})
    argv = ["check", "--corpus", str(corpus), "--taxonomy", TAXONOMY, "--summary", str(summary)]
    assert main([*argv, "--fail-on", "never"]) == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("From an earlier step.\n## Paper Atlas: corpus check\n")
    assert '| title "…" has no abstract \\(truncated entry?\\) | 1 | 0 | 0 |' in text
    assert text.endswith(
        "This check passes (`--fail-on never`). Corpus problems never stop the deploy: "
        "each entry is skipped or degraded as reported.\n"
    )
    assert main(argv) == 1
    assert summary.read_text(encoding="utf-8").count("## Paper Atlas: corpus check") == 2


def test_check_since_annotates_changed_files_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .test_changes import commit, git

    repo = tmp_path / "repo"
    corpus = repo / "corpus"
    corpus.mkdir(parents=True)
    git(repo, "init", "-q")
    (corpus / "a.txt").write_text(BROKEN.replace("Good", "Older"), encoding="utf-8")
    (corpus / "b.txt").write_text(GOOD, encoding="utf-8")
    base = commit(repo, "base")
    (corpus / "b.txt").write_text(BROKEN, encoding="utf-8")
    summary = tmp_path / "summary.md"
    argv = ["check", "--corpus", str(corpus), "--taxonomy", TAXONOMY, "--format", "github", "-q"]
    assert main([*argv, "--since", base, "--summary", str(summary)]) == 1
    out = capsys.readouterr().out.splitlines()
    errors = [line for line in out if line.startswith("::error")]
    assert [line.split(",")[0] for line in errors] == [
        "::error file=corpus/b.txt",
        "::error file=corpus/a.txt",
    ]
    assert out[-1] == f"since {base[:12]}: 0 files added, 1 changed, 0 removed, 1 new papers"
    assert f"| Files added or changed since {base[:12]} | 1: changed corpus/b\\.txt |" in summary.read_text(
        encoding="utf-8"
    )
