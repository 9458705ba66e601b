"""The maintainer's path, end to end: new listing files land in a copy of the repository, are
committed, and every step of the deploy job runs on them exactly as the workflow runs it: the corpus
check (as on a pull request and as on `main`), `make test`, `make check-site` and `make build`.

The copy's corpus is the seed snapshot (tests/fixtures/atlas) plus files nobody planned for: a
topic no rule covers (marine biology), a capture cut off in its last entry (robotics), a file in
Windows-1252, and one with control characters, noncharacters and titles that are the theme's own
ids. The README's policy table ("Publishing policy") says what each step does with a corpus problem;
this test reads that table and checks every row against what the step did.

The inner `make test` runs every test but the `e2e` ones (this file is one: it would run itself),
and `make check-site` runs Lighthouse once per page (its scores are reported, never gating).
"""

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

from .conftest import ATLAS_CORPUS, FIXTURES, ROOT

NEW_TOPICS = FIXTURES / "new_topics"
WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"
README = ROOT / "README.md"
VENV = Path(sys.executable).parent.parent  # the virtual environment running these tests
STAMPS = "-o .venv/.installed -o node_modules/.installed"  # make's set-up, taken as done

# A file with control characters and noncharacters in its titles, titles that are the theme's own
# element ids, and one title without an abstract (an error: it fails a pull request's check).
CONTROL = (
    "Cite\nA paper titled like the cite section. Its abstract has two sentences and reads as prose.\n\n"
    "__drawer\nA paper titled like the theme's drawer toggle. Its abstract has two sentences and reads as prose.\n\n"
    "__search\nA paper titled like the theme's search toggle. Its abstract also reads as complete prose text.\n\n"
    "A Bell\x07 and a Next Line\x85 in a Title\nThis abstract carries a C1 control \x1b[31m too. It has two sentences.\n\n"
    "A Noncharacter \ufffe Title\nThis abstract ends with a noncharacter \U0010ffff here. It has two sentences.\n\n"
    "A Title Without Its Abstract\n\n"
    "A Last Complete Paper\nThe entry after the problem is kept. It has two sentences and reads as prose.\n"
)
CP1252 = (
    "“Smart Quotes” in a Legacy Capture\nThis file was saved as Windows-1252, with “curly quotes” and café. "
    "Its entries must still be read.\n\n"
    "A Second Legacy Paper\nAnother entry in the same encoding, naïve and résumé. It has two sentences.\n"
)


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
        env={
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
            "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}",
            "PYTHONPATH": str(
                repo
            ),  # the copy's generator, also in mkdocs' process (not the editable install's)
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def policy_table() -> dict[str, int]:
    """README "Publishing policy": each step of the deploy job and the exit status it has with a
    corpus problem, read from the "(exit N)" of its row."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Publishing policy") :]
    section = section[: section.index("\n## ", 1)]
    rows: dict[str, int] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (found := re.search(r"\(exit (\d)\)", cells[1])):
            rows[cells[0]] = int(found.group(1))
    return rows


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("repo")
    tracked = _git(ROOT, "ls-files", "-z").split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file() and not name.startswith("corpus/"):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    shutil.copytree(ATLAS_CORPUS, repo / "corpus")  # the seed snapshot, never the real corpus
    (repo / ".venv").symlink_to(VENV)
    if (ROOT / "node_modules").is_dir():
        (repo / "node_modules").symlink_to(ROOT / "node_modules")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "the site as it is", date="2026-03-01T12:00:00+00:00")
    before = _git(repo, "rev-parse", "HEAD")
    shutil.copy(NEW_TOPICS / "robotics.txt", repo / "corpus" / "robotics.txt")
    shutil.copy(NEW_TOPICS / "marine-biology.txt", repo / "corpus" / "marine-biology.txt")
    (repo / "corpus" / "legacy-cp1252.txt").write_bytes(CP1252.encode("cp1252"))
    (repo / "corpus" / "control-characters.txt").write_text(CONTROL, encoding="utf-8")
    _git(repo, "add", "corpus")
    _git(repo, "commit", "-q", "-m", "new listings", date="2026-04-20T09:00:00+00:00")

    # The corpus job, as on a push to main and as on a pull request.
    check = _step("corpus", "Check the corpus")
    summary = repo / "summary.md"
    github = {"GITHUB_STEP_SUMMARY": str(summary), "SINCE": before}
    on_main = _shell(repo, str(check["run"]), {**github, "FAIL_ON": "never"})
    on_pull_request = _shell(repo, str(check["run"]), {**github, "FAIL_ON": "error"})

    # The build job's steps, as the workflow runs them (make's set-up taken as done).
    runs = {
        "make test": _step("build", "Lint, type-check and run every test")["run"],
        "make check-site": _step("build", "Check the built site")["run"],
        "make build": _step("build", "Build the site for deployment")["run"],
    }
    for target, run in runs.items():
        assert run == f'{target} PYTHON="$PYTHON"', run
    steps = {
        "make test": _shell(
            repo, f"make test {STAMPS} PYTHON=python3 PYTEST_ARGS='-m \"not e2e\" -q -x'", {}
        ),
        "make check-site": _shell(repo, f"make check-site {STAMPS} PYTHON=python3", {"LIGHTHOUSE_RUNS": "1"}),
        "make build": _shell(repo, f"make build {STAMPS} PYTHON=python3", {}),
    }
    return {
        "repo": repo,
        "on_main": on_main,
        "on_pull_request": on_pull_request,
        "summary": summary.read_text(encoding="utf-8") if summary.exists() else "",
        "steps": steps,
    }


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stdout + done.stderr)[-4000:]


@pytest.mark.e2e
def test_every_step_of_the_deploy_job_passes(published) -> None:
    for name, done in published["steps"].items():
        assert done.returncode == 0, f"{name}:\n{_tail(done)}"
    assert published["on_main"].returncode == 0, _tail(published["on_main"])


@pytest.mark.e2e
def test_the_readme_policy_table_is_what_happens(published) -> None:
    rows = policy_table()
    observed = {
        "*check the corpus* on a pull request": published["on_pull_request"].returncode,
        "*check the corpus* on `main`": published["on_main"].returncode,
        **{f"`{name}`": done.returncode for name, done in published["steps"].items()},
    }
    assert set(rows) == set(observed), rows
    assert rows == observed


@pytest.mark.e2e
def test_the_deploy_build_prints_corpus_problems(published) -> None:
    stderr = published["steps"]["make build"].stderr
    # The corpus problems are printed by the build, not counted by strict mode.
    assert "corpus/robotics.txt:117: warning: file ends inside an entry (capture cut off)" in stderr
    assert "corpus/legacy-cp1252.txt:1: warning: not UTF-8: invalid byte 0x93 at column 1" in stderr
    assert "corpus/control-characters.txt:10: warning: control character U+0007 at column 7" in stderr


@pytest.mark.e2e
def test_every_complete_paper_has_a_page(published) -> None:
    site = published["repo"] / "site"
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]

    def of(collection: str) -> list[dict[str, object]]:
        return [p for p in papers if collection in p["collections"]]

    robotics = of("robotics")
    complete = (NEW_TOPICS / "robotics.txt").read_text(encoding="utf-8").splitlines().count("·")
    assert len(robotics) == complete == 13  # every complete entry; the cut-off one is left out
    assert not any(str(p["title"]).startswith("Morphology-Agnostic") for p in robotics)
    # Year-less dates take the year the file was first committed (2026), bounded by "Apr 14".
    assert all(p["published"] is None or str(p["published"]).startswith("2026-0") for p in robotics)
    assert len(of("marine-biology")) == 10
    assert {p["title"] for p in of("legacy-cp1252")} == {
        "“Smart Quotes” in a Legacy Capture",
        "A Second Legacy Paper",
    }
    control = {str(p["title"]) for p in of("control-characters")}
    assert control == {
        "Cite",
        "__drawer",
        "__search",
        "A Bell  and a Next Line  in a Title",
        "A Noncharacter   Title",
        "A Last Complete Paper",
    }
    for p in [*robotics, *of("marine-biology"), *of("control-characters")]:
        assert (site / str(p["url"]) / "index.html").is_file(), p["url"]


@pytest.mark.e2e
def test_problems_show_as_annotations_and_in_the_summary(published) -> None:
    on_main, on_pull_request = published["on_main"], published["on_pull_request"]
    assert on_main.returncode == 0 and on_pull_request.returncode == 1  # the error fails the pull request
    lines = on_main.stdout.splitlines()
    assert any(
        line.startswith(
            "::warning file=corpus/robotics.txt,line=117,title=cut-off::file ends inside an entry"
        )
        for line in lines
    ), lines
    assert any(
        line.startswith("::error file=corpus/control-characters.txt,line=16,") and "has no abstract" in line
        for line in lines
    ), lines
    assert any(line.startswith("::notice file=corpus/robotics.txt,") and "year" in line for line in lines)
    summary = published["summary"]
    assert "| 4: added corpus/control\\-characters\\.txt, corpus/legacy\\-cp1252\\.txt," in summary
    assert "| New papers | 31 |" in summary
    assert re.search(r"\| cut\\-off \| 0 \| 1 \| 0 \|", summary)
