"""Shared test helpers: tiny corpora written into temporary folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Builds under test keep no semantic-vector cache in the working tree (tests/test_embed.py tests the
# cache in temporary folders); subprocesses (mkdocs build) inherit this.
os.environ["PAPER_ATLAS_CACHE"] = "off"

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A snapshot of the seed corpus (tests/fixtures/atlas/README.md): tests never read the real corpus/,
# and neither do the benchmark helpers they call (benchmarks/synth.py reads this variable).
ATLAS_CORPUS = FIXTURES / "atlas" / "corpus"
os.environ["PAPER_ATLAS_SYNTH_CORPUS"] = str(ATLAS_CORPUS)


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Write ``{file name: content}`` into a fresh corpus folder and return it."""

    def make(files: dict[str, bytes | str]) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (corpus / name).write_bytes(data)
        return corpus

    return make


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files (then check them by eye)"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def build_fixture_site(
    work: Path,
    extra: dict[str, bytes],
    *,
    options: str = "",
    docs: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project's docs and templates over the fixture site's corpus and
    taxonomy (tests/fixtures/site), plus the ``extra`` corpus files, into ``work/site``."""
    shutil.copytree(ROOT / "docs", work / "docs")
    for name, text in (docs or {}).items():
        (work / "docs" / name).write_text(text, encoding="utf-8")
    shutil.copytree(FIXTURES / "site" / "corpus", work / "corpus")
    for name, data in extra.items():
        (work / "corpus" / name).write_bytes(data)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("taxonomy: taxonomy.yml", f"taxonomy: {FIXTURES / 'site' / 'taxonomy.yml'}")
    config = config.replace("templates: templates", f"templates: {ROOT / 'templates'}{options}")
    (work / "mkdocs.yml").write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(work / "site")],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)},
        check=False,
        timeout=timeout,
    )
