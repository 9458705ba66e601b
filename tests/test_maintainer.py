"""The maintainer's path, end to end: drop a listing file on a topic the taxonomy lacks into a copy of
the repository, commit it, and run exactly what the workflow runs (the corpus check, then the deploy
build). The new file has year-less dates and a capture cut off in its last entry."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import FIXTURES, ROOT

NEW_FILE = FIXTURES / "new_topics" / "robotics.txt"
WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"
VENV = Path(sys.executable).parent.parent  # the virtual environment running these tests


def _step(job: str, name_start: str) -> dict[str, object]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return next(s for s in jobs[job]["steps"] if str(s.get("name", "")).startswith(name_start))


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ}
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    config = ["-c", "user.name=Maintainer", "-c", "user.email=m@example.org", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", *config, *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _shell(repo: Path, command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=repo,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("repo")
    tracked = _git(ROOT, "ls-files", "-z").split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    (repo / ".venv").symlink_to(VENV)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "the site as it is", date="2026-03-01T12:00:00+00:00")
    before = _git(repo, "rev-parse", "HEAD")
    shutil.copy(NEW_FILE, repo / "corpus" / "robotics.txt")
    _git(repo, "add", "corpus/robotics.txt")
    _git(repo, "commit", "-q", "-m", "new listing", date="2026-04-20T09:00:00+00:00")

    # The corpus job, as on a push to main and as on a pull request.
    check = _step("corpus", "Check the corpus")
    summary = repo / "summary.md"
    github = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "SINCE": before,
        "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}",
    }
    on_main = _shell(repo, str(check["run"]), {**github, "FAIL_ON": "never"})
    on_pull_request = _shell(repo, str(check["run"]), {**github, "FAIL_ON": "error"})

    # The deploy build, exactly as the workflow runs it (make's venv stamp taken as up to date).
    build = _step("build", "Build the site for deployment")
    assert build["run"] == 'make build PYTHON="$PYTHON"'
    deploy = _shell(repo, "make build -o .venv/.installed PYTHON=python3", {})
    return {
        "repo": repo,
        "on_main": on_main,
        "on_pull_request": on_pull_request,
        "summary": summary.read_text(encoding="utf-8") if summary.exists() else "",
        "deploy": deploy,
    }


@pytest.mark.e2e
def test_the_deploy_build_succeeds(published) -> None:
    deploy = published["deploy"]
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    # The corpus problem is printed by the build, not counted by strict mode.
    assert "corpus/robotics.txt:117: warning: file ends inside an entry (capture cut off)" in deploy.stderr


@pytest.mark.e2e
def test_every_complete_paper_has_a_page_and_a_tag(published) -> None:
    site = published["repo"] / "site"
    papers = [
        p
        for p in json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
        if "robotics" in p["collections"]
    ]
    complete = NEW_FILE.read_text(encoding="utf-8").splitlines().count("·")  # one per entry's metadata
    assert len(papers) == complete == 13  # every complete entry; the cut-off one is left out
    assert not any(p["title"].startswith("Morphology-Agnostic") for p in papers)
    for p in papers:
        assert p["tags"] or p["inferred_tags"] or p["topic"], p["title"]
        page = (site / p["url"] / "index.html").read_text(encoding="utf-8")
        assert 'class="md-tag' in page
        # Year-less dates take the year the file was first committed (2026), bounded by "Apr 14".
        assert p["published"] is None or p["published"].startswith("2026-0"), p["published"]
    assert any(p["topic"] for p in papers)  # robotics is not in the taxonomy


@pytest.mark.e2e
def test_problems_show_as_annotations_and_in_the_summary(published) -> None:
    on_main, on_pull_request = published["on_main"], published["on_pull_request"]
    assert on_main.returncode == 0 and on_pull_request.returncode == 0  # a warning fails neither
    lines = on_main.stdout.splitlines()
    assert any(
        line.startswith(
            "::warning file=corpus/robotics.txt,line=117,title=cut-off::file ends inside an entry"
        )
        for line in lines
    ), lines
    assert any(line.startswith("::notice file=corpus/robotics.txt,") and "year" in line for line in lines)
    summary = published["summary"]
    assert "added corpus/robotics\\.txt" in summary
    assert "| New papers | 13 |" in summary
    assert re.search(r"\| cut\\-off \| 0 \| 1 \| 0 \|", summary)
    assert re.search(r"\| Papers in automatic topics \| [1-9]\d* in [1-9]\d* topics \|", summary)
