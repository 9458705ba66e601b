"""The publishing policy in the MkDocs build: a corpus problem is printed but never fails
`mkdocs build --strict` (unless `corpus_problems: strict`); a problem in the site itself does."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.utils import CountHandler

from generator.atlas import build_atlas
from generator.ingest.corpus import ListingCache
from generator.plugins.atlas import PaperAtlasPlugin

from .conftest import FIXTURES, ROOT, build_fixture_site

SITE = FIXTURES / "site"
UNTAGGED = "Untaggable Paper Title Here"
EXTRA = (  # an error (a title with no abstract, line 3), a paper no rule tags, a cut-off capture (warning, line 6)
    "A Good Paper About Attention\nAn abstract about attention. It has two sentences, enough to read as prose.\n"
    "A Title Without Its Abstract\n"
    f"{UNTAGGED}\nNothing in here matches any rule. Two sentences of plain, ordinary prose.\n"
    "A Cut Off Title\n"
)
WARNING_LINE = 'corpus/extra.txt:6: warning: file ends inside an entry (capture cut off): "A Cut Off Title" has no abstract; skipped'
ERROR_LINE = (
    'corpus/extra.txt:3: error: title "A Title Without Its Abstract" has no abstract (truncated entry?)'
)


def build(
    work: Path, *, options: str = "", docs: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project's docs and templates over the fixture corpus plus extra.txt."""
    return build_fixture_site(work, {"extra.txt": EXTRA.encode()}, options=options, docs=docs)


@pytest.mark.e2e
def test_a_corpus_problem_is_printed_and_the_strict_build_succeeds(tmp_path: Path) -> None:
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert WARNING_LINE in lines and ERROR_LINE in lines
    assert not [line for line in lines if line.startswith(("WARNING", "ERROR"))], result.stderr
    # Degraded or skipped exactly as `check` reports: the untagged paper is published without
    # tags, the cut-off entry is not published.
    papers = json.loads((tmp_path / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    untagged = next(p for p in papers if p["title"] == UNTAGGED)
    assert untagged["tags"] == [] and (tmp_path / "site" / untagged["url"] / "index.html").is_file()
    assert not [p for p in papers if p["title"] == "A Title Without Its Abstract"]


@pytest.mark.e2e
def test_a_broken_link_still_fails_the_strict_build(tmp_path: Path) -> None:
    result = build(tmp_path, docs={"broken.md": "# Broken\n\nSee [the missing page](missing.md).\n"})
    assert result.returncode == 1
    assert (
        "WARNING -  Doc file 'broken.md' contains a link 'missing.md', but the target is not found"
        in result.stderr
    )
    # One warning counted, the link's: the corpus problems printed in the same build are not.
    assert result.stdout.strip() == "Aborted with 1 warnings in strict mode!", result.stdout
    assert WARNING_LINE in result.stderr.splitlines()


@pytest.mark.e2e
def test_corpus_problems_strict_makes_them_fail_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, options="\n      corpus_problems: strict")
    assert result.returncode == 1
    assert f"WARNING -  {WARNING_LINE}" in result.stderr
    assert result.stdout.strip() == "Aborted with 1 errors, 1 warnings in strict mode!", result.stdout


# -- the mechanism, in process: what reaches the logger that strict mode counts ----------------------


@pytest.fixture
def mkdocs_counter() -> Iterator[CountHandler]:
    """What `mkdocs build --strict` attaches to the `mkdocs` logger, at the level `mkdocs build` sets."""
    logger = logging.getLogger("mkdocs")
    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(counter)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(level)


def _log_with(mode: str | None, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "extra.txt").write_text(EXTRA, encoding="utf-8")
    options = {"corpus": str(tmp_path / "corpus"), "taxonomy": str(SITE / "taxonomy.yml")}
    options["templates"] = str(ROOT / "templates")
    if mode is not None:
        options["corpus_problems"] = mode
    plugin = PaperAtlasPlugin()
    errors, warnings = plugin.load_config(options)
    assert errors == [] and warnings == []
    plugin._log_diagnostics(build_atlas(tmp_path / "corpus", SITE / "taxonomy.yml", ListingCache()))


@pytest.mark.parametrize("mode", [None, "report", "info"])
def test_reported_problems_print_but_are_not_counted(
    mode: str | None, tmp_path: Path, mkdocs_counter: CountHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    _log_with(mode, tmp_path)
    assert mkdocs_counter.get_counts() == []
    err = capsys.readouterr().err.splitlines()
    assert WARNING_LINE in err and ERROR_LINE in err


@pytest.mark.parametrize("mode", ["strict", "warning"])
def test_strict_problems_are_counted(mode: str, tmp_path: Path, mkdocs_counter: CountHandler) -> None:
    _log_with(mode, tmp_path)
    counts = dict(mkdocs_counter.get_counts())
    assert counts["ERROR"] == 1 and counts["WARNING"] >= 1


def test_quiet_mkdocs_prints_only_corpus_errors(
    tmp_path: Path, mkdocs_counter: CountHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # what `mkdocs build -q` sets
    _log_with("report", tmp_path)
    assert capsys.readouterr().err.splitlines() == [ERROR_LINE]


def test_an_unknown_corpus_problems_value_is_a_config_error() -> None:
    errors, _ = PaperAtlasPlugin().load_config(
        {
            "corpus": str(SITE / "corpus"),
            "taxonomy": str(SITE / "taxonomy.yml"),
            "templates": str(ROOT / "templates"),
            "corpus_problems": "sometimes",
        }
    )
    assert [(name, str(error)) for name, error in errors] == [
        (
            "corpus_problems",
            "Expected one of: ('report', 'strict', 'warning', 'info') but received: 'sometimes'",
        )
    ]
